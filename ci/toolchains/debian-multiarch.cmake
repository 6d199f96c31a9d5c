# The common part of the Debian multiarch cross toolchain files (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake), which set the three names below and include this file.
# No sysroot: the compiler is Debian's g++-<triplet>, the board's libraries are Debian's
# packages of the board's architecture installed beside the host's (libgrpc++-dev:arm64
# ... -> /usr/lib/<triplet>, headers in /usr/include), and the code generators (protoc,
# grpc_cpp_plugin) are the host's.
#   PYNQ_REMOTE_CROSS_TRIPLET    aarch64-linux-gnu         arm-linux-gnueabihf
#   PYNQ_REMOTE_CROSS_PROCESSOR  aarch64                   armv7l
#   PYNQ_REMOTE_CROSS_QEMU       qemu-aarch64              qemu-arm
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${PYNQ_REMOTE_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${PYNQ_REMOTE_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${PYNQ_REMOTE_CROSS_TRIPLET}-g++)

# find_package/find_library look in /usr/lib/<triplet> (and its cmake/ configs: gRPC,
# GTest, absl, tinyxml2), never in the host's /usr/lib/x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE ${PYNQ_REMOTE_CROSS_TRIPLET})
# Programs are the host's: FindProtobuf's protoc, grpc_python_plugin. gRPC's config for the
# board names /usr/bin/grpc_cpp_plugin for gRPC::grpc_cpp_plugin, which is the host's too
# (protobuf-compiler-grpc:amd64; the code generator is Multi-Arch: foreign).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# pkg-config (tinyxml2) answers for the board: Debian's triplet wrapper reads only
# /usr/lib/<triplet>/pkgconfig and /usr/share/pkgconfig.
find_program(PKG_CONFIG_EXECUTABLE ${PYNQ_REMOTE_CROSS_TRIPLET}-pkg-config)

# Board binaries run on the host under qemu-user, with the board's loader and libraries
# from / (multiarch): `ctest` runs the unit tests this way, and gtest_discover_tests lists
# them this way at build time.
find_program(PYNQ_REMOTE_QEMU ${PYNQ_REMOTE_CROSS_QEMU})
if(PYNQ_REMOTE_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${PYNQ_REMOTE_QEMU} -L /)
endif()
