#!/usr/bin/env bash
# Make the local `debian:bookworm` base image that the Dockerfile starts FROM.
#
# Why: where no container registry is reachable (this project's machines reach
# Debian's package mirror only) `docker pull debian:bookworm` cannot work, so we
# build the same minimal Debian root with debootstrap and import it.
# Where a registry is reachable this script is unnecessary: docker pulls the
# official image on its own.
#
# Idempotent: does nothing when `debian:bookworm` is already present.
# Usage: ci/make-base-image.sh        (root, or a user with sudo)
#   MIRROR=http://deb.debian.org/debian  the Debian mirror debootstrap uses
#   ROOTFS=/tmp/bookworm-root           where the root file system is staged
set -euo pipefail

IMAGE=debian:bookworm
MIRROR=${MIRROR:-http://deb.debian.org/debian}
ROOTFS=${ROOTFS:-/tmp/bookworm-root}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Root for debootstrap and dockerd; sudo only when we are not root already.
SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi

# docker CLI, dockerd and debootstrap come from Debian's packages.
"${here}/install-deps.sh" docker.io debootstrap

# No systemd here (containers, CI runners): start the daemon by hand if none answers.
if ! "${SUDO[@]}" docker info >/dev/null 2>&1; then
  echo "make-base-image: starting dockerd (log: /tmp/dockerd.log)"
  "${SUDO[@]}" sh -c 'nohup dockerd >/tmp/dockerd.log 2>&1 &'
  for _ in $(seq 60); do
    "${SUDO[@]}" docker info >/dev/null 2>&1 && break
    sleep 1
  done
  "${SUDO[@]}" docker info >/dev/null || { echo "dockerd did not start; see /tmp/dockerd.log" >&2; exit 1; }
fi

if "${SUDO[@]}" docker image inspect "${IMAGE}" >/dev/null 2>&1; then
  echo "make-base-image: ${IMAGE} already present"
  exit 0
fi

# A half-finished debootstrap from an earlier failed run would make this one fail: start clean.
"${SUDO[@]}" rm -rf "${ROOTFS}"
echo "make-base-image: debootstrap bookworm into ${ROOTFS} (a few minutes)"
"${SUDO[@]}" debootstrap --variant=minbase bookworm "${ROOTFS}" "${MIRROR}"

# Same apt sources as the official image (updates and security too), not only the
# bare suite that debootstrap writes.
"${SUDO[@]}" rm -f "${ROOTFS}/etc/apt/sources.list"
"${SUDO[@]}" tee "${ROOTFS}/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: ${MIRROR}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# Keep the image small and apt's cache out of it, like the official image does.
"${SUDO[@]}" rm -rf "${ROOTFS}"/var/lib/apt/lists/* "${ROOTFS}"/var/cache/apt/archives/*.deb

# --change CMD: the imported tarball carries no config; give it the official image's default.
"${SUDO[@]}" tar -C "${ROOTFS}" -c . | "${SUDO[@]}" docker import --change 'CMD ["bash"]' - "${IMAGE}"
"${SUDO[@]}" rm -rf "${ROOTFS}"
echo "make-base-image: ${IMAGE} ready"
