# Install-time half of deploy/CMakeLists.txt (component server): the systemd unit with the
# installed paths, and the defaults file. Runs inside cmake_install.cmake, where
# CMAKE_INSTALL_PREFIX is the prefix of this install; file(INSTALL) adds DESTDIR.
# In: PYNQ_REMOTE_DEPLOY_DIR, PYNQ_REMOTE_BINDIR, PYNQ_REMOTE_SYSCONFDIR, PYNQ_REMOTE_UNIT_DIR
# (the configure-time directories, relative to the prefix unless absolute).

string(REGEX REPLACE "/+$" "" _pynq_remote_prefix "${CMAKE_INSTALL_PREFIX}")

macro(_pynq_remote_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}")
  else()
    set(${out} "${_pynq_remote_prefix}/${dir}")
  endif()
endmacro()

_pynq_remote_full(CMAKE_INSTALL_FULL_BINDIR "${PYNQ_REMOTE_BINDIR}")
_pynq_remote_full(_pynq_remote_unit_dir "${PYNQ_REMOTE_UNIT_DIR}")
# GNUInstallDirs' rule: prefix /usr (or /) keeps its configuration in /etc.
if(PYNQ_REMOTE_SYSCONFDIR STREQUAL "etc" AND _pynq_remote_prefix MATCHES "^(/usr)?$")
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "/etc")
else()
  _pynq_remote_full(CMAKE_INSTALL_FULL_SYSCONFDIR "${PYNQ_REMOTE_SYSCONFDIR}")
endif()

# Configured in a directory of its own, then installed like any file (manifest, DESTDIR).
string(RANDOM LENGTH 12 _pynq_remote_tag)
if(DEFINED ENV{TMPDIR} AND IS_DIRECTORY "$ENV{TMPDIR}")
  set(_pynq_remote_tmp "$ENV{TMPDIR}/pynq-remote-unit.${_pynq_remote_tag}")
else()
  set(_pynq_remote_tmp "/tmp/pynq-remote-unit.${_pynq_remote_tag}")
endif()
configure_file("${PYNQ_REMOTE_DEPLOY_DIR}/pynq-remote-server.service"
               "${_pynq_remote_tmp}/pynq-remote-server.service" @ONLY)
file(INSTALL "${_pynq_remote_tmp}/pynq-remote-server.service"
     DESTINATION "${_pynq_remote_unit_dir}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(REMOVE_RECURSE "${_pynq_remote_tmp}")

# The defaults file holds the board's settings: an existing one is kept, as dpkg keeps an
# edited conffile. Packaging installs into an empty DESTDIR and always gets the template.
set(_pynq_remote_default "${CMAKE_INSTALL_FULL_SYSCONFDIR}/default/pynq-remote-server")
if(EXISTS "$ENV{DESTDIR}${_pynq_remote_default}")
  message(STATUS "Keeping: $ENV{DESTDIR}${_pynq_remote_default} (the board's settings; "
                 "the template is ${PYNQ_REMOTE_DEPLOY_DIR}/pynq-remote-server.default)")
else()
  file(INSTALL "${PYNQ_REMOTE_DEPLOY_DIR}/pynq-remote-server.default"
       DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/default"
       RENAME pynq-remote-server
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()

# This runs in cmake_install.cmake's scope: leave nothing behind.
unset(CMAKE_INSTALL_FULL_BINDIR)
unset(CMAKE_INSTALL_FULL_SYSCONFDIR)
unset(_pynq_remote_prefix)
unset(_pynq_remote_unit_dir)
unset(_pynq_remote_tag)
unset(_pynq_remote_tmp)
unset(_pynq_remote_default)
