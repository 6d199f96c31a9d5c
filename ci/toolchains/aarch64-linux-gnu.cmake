# Cross-compiling for a Zynq UltraScale+ (ZynqMP) board's Linux: aarch64, glibc, a Debian
# or PYNQ (Ubuntu) arm64 userland. Debian multiarch, no sysroot (debian-multiarch.cmake).
# ci/cross-build.sh installs the packages (ci/debian-cross-packages.txt) and uses this file:
#
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_BUILD_TYPE=Release \
#     -DCMAKE_TOOLCHAIN_FILE=ci/toolchains/aarch64-linux-gnu.cmake -DPYNQ_REMOTE_WITH_SIM=OFF
set(PYNQ_REMOTE_CROSS_TRIPLET aarch64-linux-gnu)
set(PYNQ_REMOTE_CROSS_PROCESSOR aarch64)
set(PYNQ_REMOTE_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
