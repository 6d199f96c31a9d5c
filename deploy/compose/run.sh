#!/usr/bin/env bash
# K simulated boards on Docker Compose: bring them up, run the hil-tests against each board in
# turn from the tester service, tear everything down (whatever happened), and exit with the
# tests' status.
#
# Usage: deploy/compose/run.sh [--boards K] [--profiles ZCU104,Pynq-Z2] [--packages DIR]
#                              [--ready-timeout S] [--results DIR] [--keep]
#   --boards K          how many boards (default 2)
#   --profiles P,...    board profiles, cycled over the boards (default ZCU104,Pynq-Z2)
#   --packages DIR      design packages (pynq-remote-design) copied into every board's own
#                       design folder and loaded there with --designs
#   --ready-timeout S   how long every board gets to answer its health check (default 120)
#   --results DIR       where the junit reports and the summary land (default compose-results)
#   --keep              leave the boards running (docker-compose -p NAME down removes them)
#   IMAGE_JOBS=N        compile jobs when the board image has to be built
# Needs Docker (Debian's docker.io; dockerd is started if none answers) and docker-compose.
# The images are built when missing: pynq-remote-sim from the Dockerfile (its debian:bookworm
# base made by ci/make-base-image.sh where no registry is reachable), pynq-remote-tester from
# deploy/tester.Dockerfile (the Kubernetes Job's tester too).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "${here}/../.." && pwd)
boards=2
profiles=ZCU104,Pynq-Z2
packages=
ready_timeout=120
results=compose-results
keep=0
while (($#)); do
  case $1 in
    --boards) boards=${2:?--boards needs a number}; shift 2 ;;
    --profiles) profiles=${2:?--profiles needs names}; shift 2 ;;
    --packages) packages=${2:?--packages needs a folder}; shift 2 ;;
    --ready-timeout) ready_timeout=${2:?--ready-timeout needs seconds}; shift 2 ;;
    --results) results=${2:?--results needs a folder}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (--help lists them)" >&2; exit 2 ;;
  esac
done
[[ ${boards} =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --boards ${boards}: want a whole number >= 1" >&2; exit 2; }
[[ ${ready_timeout} =~ ^[1-9][0-9]*$ ]] ||
  { echo "run.sh: --ready-timeout ${ready_timeout}: want whole seconds >= 1" >&2; exit 2; }
if [[ -n ${packages} && ! -d ${packages} ]]; then
  echo "run.sh: --packages ${packages}: no such folder" >&2
  exit 2
fi
command -v docker-compose >/dev/null ||
  "${root}/ci/install-deps.sh" docker-compose

log() { echo "==> compose: $*"; }

# dockerd and the debian:bookworm base (a no-op when both are there).
"${root}/ci/make-base-image.sh" >/dev/null
if ! docker image inspect pynq-remote-sim >/dev/null 2>&1; then
  log "building the board image pynq-remote-sim (the server is compiled: several minutes)"
  docker build ${IMAGE_JOBS:+--build-arg JOBS=${IMAGE_JOBS}} -t pynq-remote-sim "${root}"
fi
# The tester is rebuilt whenever the board image or the tests changed (the layer cache makes
# an unchanged rebuild take a second).
log "building the tester image pynq-remote-tester"
docker build -q -f "${root}/deploy/tester.Dockerfile" -t pynq-remote-tester "${root}" >/dev/null

work=$(mktemp -d /tmp/pynq-remote-compose.XXXXXX)
project=pynq-remote-$$
compose=(docker-compose -p "${project}" -f "${work}/docker-compose.yml")
package_flag=()
mkdir -p "${work}/results"
chmod 777 "${work}/results"  # the tester runs as the image's unprivileged user
for ((i = 0; i < boards; i++)); do
  mkdir -p "${work}/designs/board-${i}"
  if [[ -n ${packages} ]]; then
    cp -r "${packages}/." "${work}/designs/board-${i}/"
    package_flag=(--packages)
  fi
done
/usr/bin/python3 "${here}/compose_file.py" --boards "${boards}" --profiles "${profiles}" \
  "${package_flag[@]}" --out "${work}/docker-compose.yml"

teardown() {
  local status=$?
  mkdir -p "${results}"
  cp -r "${work}/results/." "${results}/" 2>/dev/null || true
  if ((keep)); then
    log "left running: ${compose[*]} down -v"
  else
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    rm -rf "${work}"
  fi
  exit "${status}"
}
trap teardown EXIT

log "starting ${boards} boards (${profiles}) as project ${project}"
if ! "${compose[@]}" up -d >"${work}/up.log" 2>&1; then
  echo "run.sh: docker-compose up failed:" >&2
  cat "${work}/up.log" >&2
  exit 1
fi

# Every board healthy within the timeout, or the ones that are not named with what their
# health check and their log last said.
deadline=$((SECONDS + ready_timeout))
for ((i = 0; i < boards; i++)); do
  container=$("${compose[@]}" ps -q "board-${i}")
  while :; do
    state=$(docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' "${container}")
    [[ ${state} == "running healthy" ]] && break
    if [[ ${state} != running* ]] || ((SECONDS >= deadline)); then
      echo "run.sh: board-${i} (port $((17967 + i))) did not become healthy within" \
           "${ready_timeout} s: container ${state}" >&2
      docker inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "${container}" |
        tail -n 3 >&2 || true
      "${compose[@]}" logs --tail 20 "board-${i}" >&2 || true
      exit 1
    fi
    sleep 1
  done
done
log "all ${boards} boards healthy after $((SECONDS - deadline + ready_timeout)) s"

log "running the hil-tests against each board in turn"
status=0
"${compose[@]}" run --rm tester || status=$?
log "tester exit status ${status}; reports in ${results}/"
exit "${status}"
