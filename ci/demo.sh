#!/usr/bin/env bash
# The main job: install deps, build if needed, start the simulated board, run the
# demo against it, stop the board. This is the README's first command.
#
# Usage: ci/demo.sh [args passed to examples/resizer.py, e.g. --factor 3 or --image IN.png]
#   BUILD_DIR=build              build directory
#   LISTEN=127.0.0.1:7967        where the server listens (loopback only by default)
#   SERVER_ARGS="--deterministic"  extra server flags, space-separated
# The demo sees PYNQ_REMOTE_DEVICES=${LISTEN}, PYTHONPATH=client/python and
# PYNQ_REMOTE_DESIGNS=${BUILD_DIR}/designs (the generated .bit/.hwh files).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
export BUILD_DIR=${BUILD_DIR:-build}
LISTEN=${LISTEN:-127.0.0.1:7967}

"${root}/ci/install-deps.sh"
# Incremental: a no-op when the build is up to date.
"${root}/ci/build.sh"

# shellcheck source=ci/lib-server.sh
source "${root}/ci/lib-server.sh"
# shellcheck disable=SC2086  # SERVER_ARGS is a space-separated list on purpose
start_server ${SERVER_ARGS:-}

export PYNQ_REMOTE_DEVICES=${LISTEN}
case ${BUILD_DIR} in
  /*) export PYNQ_REMOTE_DESIGNS=${BUILD_DIR}/designs ;;
  *) export PYNQ_REMOTE_DESIGNS=${root}/${BUILD_DIR}/designs ;;
esac
export PYTHONPATH=${root}/client/python${PYTHONPATH:+:${PYTHONPATH}}

# PYNQ-HelloWorld's resizer, as its notebook runs it (Debian's interpreter: the one with
# python3-grpcio, python3-numpy and python3-pil).
/usr/bin/python3 examples/resizer.py --out "${BUILD_DIR}/resized.png" "$@"
echo "demo: OK"
