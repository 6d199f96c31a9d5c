#!/bin/bash
# The image's entry point (under tini). Server flags, or nothing, start the simulated board:
#   docker run -p 7967:7967 pynq-remote-sim --designs /designs --board ZCU104
# Anything else is a command, run as given, so the same image builds design packages:
#   docker run -v "$PWD:/work" pynq-remote-sim pynq-remote-design build --manifest ... --out ...
set -euo pipefail
if [[ $# -eq 0 || $1 == -* ]]; then
  exec pynq-remote-server --backend sim --listen 0.0.0.0:7967 "$@"
fi
exec "$@"
