# shellcheck shell=bash
# Start and stop a simulated-board server for ci/demo.sh and ci/bench.sh (sourced, not run).
#
# start_server [extra server flags...]
#   starts ${BUILD_DIR}/server/pynq-remote-server --backend sim --listen ${LISTEN},
#   waits until it answers the gRPC health check, and stops it when the script exits.
# Needs: BUILD_DIR and LISTEN set by the caller.

_lib_server_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

SERVER_PID=
SERVER_LOG=

stop_server() {
  if [[ -n ${SERVER_PID} ]] && kill -0 "${SERVER_PID}" 2>/dev/null; then
    kill -TERM "${SERVER_PID}" 2>/dev/null || true
    # A clean shutdown drains calls; don't let a stuck one keep the script alive.
    for _ in $(seq 50); do
      kill -0 "${SERVER_PID}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${SERVER_PID}" 2>/dev/null || true
    wait "${SERVER_PID}" 2>/dev/null || true
    echo "server stopped (log: ${SERVER_LOG})"
  fi
  SERVER_PID=
}

start_server() {
  local server="${BUILD_DIR}/server/pynq-remote-server"
  if [[ ! -x ${server} ]]; then
    echo "no server binary at ${server}: did the build produce it?" >&2
    return 1
  fi
  # If something already listens there, the health check would pass against *it*.
  if /usr/bin/python3 -c 'import socket,sys; h,p=sys.argv[1].rsplit(":",1); socket.create_connection((h.strip("[]"),int(p)),1)' "${LISTEN}" 2>/dev/null; then
    echo "${LISTEN} is already in use; stop that server or set LISTEN=HOST:PORT" >&2
    return 1
  fi
  SERVER_LOG=$(mktemp -t pynq-remote-server.XXXXXX.log)
  echo "starting ${server} --backend sim --listen ${LISTEN} $* (log: ${SERVER_LOG})"
  "${server}" --backend sim --listen "${LISTEN}" "$@" >"${SERVER_LOG}" 2>&1 </dev/null &
  SERVER_PID=$!
  trap stop_server EXIT
  # Ask in short rounds so a server that exits at once (a bad flag) fails fast
  # instead of after the whole minute.
  local round
  for round in $(seq 60); do
    if ! kill -0 "${SERVER_PID}" 2>/dev/null; then break; fi
    if /usr/bin/python3 "${_lib_server_dir}/health_check.py" --wait 1 "${LISTEN}" >/dev/null; then
      echo "server up after ~${round}s: $(/usr/bin/python3 "${_lib_server_dir}/health_check.py" "${LISTEN}")"
      return 0
    fi
  done
  echo "server did not come up; its log:" >&2
  cat "${SERVER_LOG}" >&2
  return 1
}
