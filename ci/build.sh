#!/usr/bin/env bash
# Configure and build everything (protos, server, simulated board, designs, tests).
#
# Usage: ci/build.sh
#   BUILD_DIR=build   build directory (relative to the repo root, or absolute)
#   JOBS=$(nproc)     parallel compile jobs
#   CMAKE_PRESET=default  the configuration (CMakePresets.json: default, coverage, ...)
#   CMAKE_ARGS=...    extra cmake configure arguments, space-separated
# Assumes the packages are installed (ci/install-deps.sh); ci/test.sh and ci/demo.sh do both.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

# The configuration lives in CMakePresets.json (Ninja; PYTHON3 is Debian's interpreter, which
# owns python3-grpcio/-numpy/-pytest, where a pyenv or venv python3 earlier on PATH would not
# find them); BUILD_DIR only moves it.
# shellcheck disable=SC2086  # CMAKE_ARGS is a space-separated list on purpose
cmake --preset "${CMAKE_PRESET:-default}" -S . -B "${BUILD_DIR}" ${CMAKE_ARGS:-}
# TARGETS: build only these (e.g. the Docker image needs the server and its designs, not
# the test benches); empty builds everything.
# shellcheck disable=SC2086  # TARGETS is a space-separated list on purpose
cmake --build "${BUILD_DIR}" -j"${JOBS}" ${TARGETS:+--target ${TARGETS}}
