# Cross-compiling for a Zynq-7000 board's Linux (PYNQ-Z1/Z2, ...): 32-bit ARM hard-float,
# glibc, a Debian or PYNQ (Ubuntu) armhf userland. Debian multiarch, no sysroot
# (debian-multiarch.cmake). Not run by CI. The packages: `dpkg --add-architecture armhf`,
# then g++-arm-linux-gnueabihf, qemu-user and the :armhf forms of the -dev packages in
# ci/debian-cross-packages.txt; then
#
#   cmake -S . -B build-armhf -G Ninja -DCMAKE_BUILD_TYPE=Release \
#     -DCMAKE_TOOLCHAIN_FILE=ci/toolchains/arm-linux-gnueabihf.cmake -DPYNQ_REMOTE_WITH_SIM=OFF
set(PYNQ_REMOTE_CROSS_TRIPLET arm-linux-gnueabihf)
set(PYNQ_REMOTE_CROSS_PROCESSOR armv7l)
set(PYNQ_REMOTE_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
