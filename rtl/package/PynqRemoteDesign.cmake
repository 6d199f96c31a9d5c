# pynq_remote_add_design_package(): a design package (rtl/README.md, "Design packages") built by
# pynq-remote-design as part of a CMake build. The same file serves the source tree (the
# in-tree designs' packages, rtl/CMakeLists.txt) and an installed pynq-remote
# (find_package(pynq_remote), whose config defines pynq_remote_add_design() over it).
#
#   pynq_remote_add_design_package(MANIFEST path/manifest.json [NAME name] [OUT dir]
#                                  [TARGET target] [JOBS n] [NO_TRACE])
#
# NAME defaults to the manifest's "name" (given, it must match); OUT to
# ${CMAKE_CURRENT_BINARY_DIR}/design-packages. The package is OUT/<name>/; the target
# (default pynq_remote_design_package_<name>) is part of ALL. It is rebuilt when the manifest
# or any source it names changes (the tool writes a depfile) or when the tool does.
# PYNQ_REMOTE_DESIGN_TOOL must name the pynq-remote-design command.

# Absolute paths in the depfile either way; NEW is the behaviour without a warning.
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW)
endif()

function(pynq_remote_add_design_package)
  cmake_parse_arguments(arg "NO_TRACE" "MANIFEST;NAME;OUT;TARGET;JOBS" "" ${ARGN})
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pynq_remote_add_design: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_MANIFEST)
    message(FATAL_ERROR "pynq_remote_add_design: MANIFEST path/manifest.json is required")
  endif()
  if(NOT PYNQ_REMOTE_DESIGN_TOOL)
    message(FATAL_ERROR "pynq_remote_add_design: PYNQ_REMOTE_DESIGN_TOOL is not set")
  endif()
  get_filename_component(manifest "${arg_MANIFEST}" ABSOLUTE BASE_DIR
                         "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${manifest}")
    message(FATAL_ERROR "pynq_remote_add_design: ${manifest} does not exist")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")
  file(READ "${manifest}" text)
  string(JSON name ERROR_VARIABLE json_error GET "${text}" name)
  if(json_error)
    message(FATAL_ERROR "pynq_remote_add_design: ${manifest}: no \"name\" (${json_error})")
  endif()
  if(arg_NAME AND NOT arg_NAME STREQUAL name)
    message(FATAL_ERROR "pynq_remote_add_design: NAME ${arg_NAME}, but ${manifest} names the "
                        "design ${name}")
  endif()
  set(out "${arg_OUT}")
  if(NOT out)
    set(out "${CMAKE_CURRENT_BINARY_DIR}/design-packages")
  endif()
  get_filename_component(out "${out}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  set(target "${arg_TARGET}")
  if(NOT target)
    set(target pynq_remote_design_package_${name})
  endif()
  set(work "${CMAKE_CURRENT_BINARY_DIR}/pynq-remote-design/${name}")
  set(extra)
  if(arg_NO_TRACE)
    list(APPEND extra --no-trace)
  endif()
  if(arg_JOBS)
    list(APPEND extra -j ${arg_JOBS})
  endif()
  set(descriptor "${out}/${name}/design.json")
  add_custom_command(
    OUTPUT "${descriptor}"
    COMMAND ${PYNQ_REMOTE_DESIGN_TOOL} build --manifest "${manifest}" --out "${out}"
            --work "${work}" --depfile "${work}.d" ${extra}
    DEPENDS "${manifest}" ${PYNQ_REMOTE_DESIGN_TOOL_DEPENDS}
    DEPFILE "${work}.d"
    COMMENT "Building design package ${name} (pynq-remote-design)"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${descriptor}")
  set_property(TARGET ${target} PROPERTY PYNQ_REMOTE_DESIGN_PACKAGE_DIR "${out}/${name}")
endfunction()
