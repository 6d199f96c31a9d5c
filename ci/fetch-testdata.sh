#!/usr/bin/env bash
# Downloads the third-party test data, each file from a pinned commit and checked against its
# sha256, into DIR (the directory tests find as PYNQ_REMOTE_TESTDATA_DIR). A file already there
# with the right checksum is kept. Needs curl (and ca-certificates for https).
#
# Usage: ci/fetch-testdata.sh [DIR]
#   DIR                      default ${PYNQ_REMOTE_TESTDATA_DIR}, else build/testdata
#   PYNQ_HELLOWORLD_BASE_URL where PYNQ-HelloWorld's files are fetched from (default: its
#                            raw.githubusercontent.com tree at the pinned commit); a file:// URL
#                            of a local copy tests this script without a network
# Then: export PYNQ_REMOTE_TESTDATA_DIR=DIR before configuring (ci/test.sh) or running tests.
#
# The files, and why each is not in this repository:
#   hwh/zcu104_resizer.hwh   Vivado 2019.1's hardware handoff of the ZCU104 resizer overlay,
#       from Xilinx/PYNQ-HelloWorld (https://github.com/Xilinx/PYNQ-HelloWorld),
#       boards/ZCU104/resizer/bitstream/resizer.hwh at commit a48e7aa ("Update HWH to
#       2019.1"). Copyright Xilinx, Inc., BSD-3-Clause (that repository's LICENSE). Vivado's
#       real output, which our generated resizer design and .hwh readers are checked against;
#       third-party code and data are never copied into this repository.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-${PYNQ_REMOTE_TESTDATA_DIR:-${root}/build/testdata}}

helloworld_commit=a48e7aa65121b62f90b14f9d2f87afbef97d33da
helloworld=${PYNQ_HELLOWORLD_BASE_URL:-https://raw.githubusercontent.com/Xilinx/PYNQ-HelloWorld/${helloworld_commit}}

# destination (relative to DIR), source URL, sha256
files=(
  "hwh/zcu104_resizer.hwh"
  "${helloworld}/boards/ZCU104/resizer/bitstream/resizer.hwh"
  "d43be1ac5acaded5e9e89daceb5f727bf2f3a11b36545b45870310e60006d777"
)

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if ! command -v curl >/dev/null; then
  echo "fetch-testdata: curl is missing (Debian: apt-get install curl ca-certificates)" >&2
  exit 1
fi

failed=0
for ((i = 0; i < ${#files[@]}; i += 3)); do
  dest=${dir}/${files[i]} url=${files[i + 1]} want=${files[i + 2]}
  if [[ -f ${dest} && $(sha256_of "${dest}") == "${want}" ]]; then
    echo "fetch-testdata: ${dest} is present (sha256 ok)"
    continue
  fi
  mkdir -p "$(dirname "${dest}")"
  # Into a temporary file first: an interrupted or wrong download never takes the name a
  # test looks for.
  tmp=$(mktemp "${dest}.XXXXXX")
  if ! curl --fail --silent --show-error --location --retry 3 --proto '=https,file' \
    --output "${tmp}" "${url}"; then
    echo "fetch-testdata: FAILED to download ${url}" >&2
    rm -f "${tmp}"
    failed=1
    continue
  fi
  got=$(sha256_of "${tmp}")
  if [[ ${got} != "${want}" ]]; then
    echo "fetch-testdata: FAILED: ${url} has sha256 ${got}, want ${want} (not kept)" >&2
    rm -f "${tmp}"
    failed=1
    continue
  fi
  mv -f "${tmp}" "${dest}"
  echo "fetch-testdata: ${dest} <- ${url} (sha256 ok)"
done
exit "${failed}"
