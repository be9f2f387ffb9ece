# Runs at install time (cmake --install, CPack): installs the job scripts with the install
# prefix written in. sbatch copies a job script to its spool directory before running it, so
# the script cannot look next to itself for common.sh and the programs; the installed copy
# defaults PARSCALE_ROOT to <prefix>/share/parscale instead of the submit directory.
# Inputs: PARSCALE_JOB_SCRIPTS, PARSCALE_JOBS_STAGING, PARSCALE_SHARE_DIR; CMAKE_INSTALL_PREFIX
# is the prefix of this install (DESTDIR is added by file(INSTALL)).
set(_marker [=[PARSCALE_ROOT=${PARSCALE_ROOT:-${SLURM_SUBMIT_DIR:-.}}]=])
if(IS_ABSOLUTE "${PARSCALE_SHARE_DIR}")
  set(_share "${PARSCALE_SHARE_DIR}")
else()
  set(_share "${CMAKE_INSTALL_PREFIX}/${PARSCALE_SHARE_DIR}")
endif()
# CPack's archives (.tar.gz) install into a staging folder and can be unpacked anywhere: their job
# scripts keep the checkout default and ask for PARSCALE_ROOT (docs/install.md).
set(_replacement "PARSCALE_ROOT=\${PARSCALE_ROOT:-${_share}}  # installed copy")
if("$ENV{DESTDIR}" STREQUAL "" AND CMAKE_INSTALL_PREFIX MATCHES "/_CPack_Packages/")
  set(_replacement "${_marker}  # unpacked archive: set PARSCALE_ROOT=<unpacked>/share/parscale")
endif()
file(REMOVE_RECURSE "${PARSCALE_JOBS_STAGING}")
file(MAKE_DIRECTORY "${PARSCALE_JOBS_STAGING}")
foreach(_script IN LISTS PARSCALE_JOB_SCRIPTS)
  file(READ "${_script}" _text)
  string(FIND "${_text}" "${_marker}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "${_script}: no line '${_marker}' to point the installed copy at ${_share}")
  endif()
  string(REPLACE "${_marker}" "${_replacement}" _text "${_text}")
  get_filename_component(_name "${_script}" NAME)
  file(WRITE "${PARSCALE_JOBS_STAGING}/${_name}" "${_text}")
  file(INSTALL DESTINATION "${_share}/jobs" TYPE PROGRAM FILES "${PARSCALE_JOBS_STAGING}/${_name}")
endforeach()
