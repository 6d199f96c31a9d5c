#!/usr/bin/env bash
# Install the Debian packages pynq-remote needs to build, test and run.
#
# Usage: ci/install-deps.sh                 the packages in ci/debian-packages.txt
#        ci/install-deps.sh -f LIST.txt     the packages in another list (the
#                                           Dockerfile's runtime stage)
#        ci/install-deps.sh PKG...          just these (ci/make-base-image.sh)
#
# Fast when nothing is missing: it asks dpkg first and touches the network only
# for packages that are not installed yet, so every ci/*.sh can call it freely.
# Non-interactive and needs no stdin (CI, Docker builds). Runs apt as root, via
# sudo when not root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

list="${here}/debian-packages.txt"
if [[ ${1:-} == -f ]]; then
  list=${2:?"-f needs a file"}
  shift 2
fi
if [[ $# -gt 0 ]]; then
  wanted=("$@")
else
  # The one list of packages, shared with the Dockerfile: strip comments and blanks.
  mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "${list}")
fi

missing=()
native=$(dpkg --print-architecture)
for pkg in "${wanted[@]}"; do
  # `dpkg -s` exits 0 for removed-but-configured packages too; ask for the exact state.
  # Of the native package: with arm64 libraries beside (ci/cross-build.sh) an unqualified
  # name answers once per architecture. Architecture-independent packages answer only
  # unqualified.
  status=
  [[ ${pkg} == *:* ]] || status=$(dpkg-query -W -f='${db:Status-Status}' "${pkg}:${native}" \
    2>/dev/null || true)
  [[ -n ${status} ]] || status=$(dpkg-query -W -f='${db:Status-Status}' "${pkg}" 2>/dev/null ||
    true)
  if [[ ${status} != installed ]]; then missing+=("${pkg}"); fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# env passes DEBIAN_FRONTEND through sudo, which would otherwise drop it;
# </dev/null so no maintainer script can wait for an answer.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}" </dev/null
