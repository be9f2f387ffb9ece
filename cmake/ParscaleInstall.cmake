# Install rules and packaging (cmake --install, CPack .deb and .tar.gz).
#   bin/                  simpson, montecarlo, primes
#   share/parscale/jobs/  the Slurm job scripts and jobs/common.sh
#   share/parscale/scripts/  the scaling-study runner, the plotting script, mpi-env.sh
#   share/doc/parscale/   README.md and docs/
# sbatch runs a copy of a job script from its spool directory, so an installed job script
# cannot find common.sh next to itself: the install prefix is written into the installed
# copies (cmake/ParscaleInstallJobs.cmake). Everything else finds its way relative to
# share/parscale, so the .tar.gz can be unpacked anywhere (then set PARSCALE_ROOT).
include(GNUInstallDirs)

install(TARGETS simpson montecarlo primes RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(PARSCALE_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/parscale)
# The plotting script moves from results/ to scripts/; install it from wherever it is.
set(_plotter ${PROJECT_SOURCE_DIR}/scripts/plot_scaling.py)
if(NOT EXISTS ${_plotter})
  set(_plotter ${PROJECT_SOURCE_DIR}/results/plot_scaling.py)
endif()
install(PROGRAMS scripts/scaling_study.py ${_plotter} DESTINATION ${PARSCALE_SHARE_DIR}/scripts)
install(FILES scripts/mpi-env.sh scripts/study_launch.py scripts/study_progress.py scripts/study_sweeps.py
        DESTINATION ${PARSCALE_SHARE_DIR}/scripts)
install(FILES jobs/common.sh DESTINATION ${PARSCALE_SHARE_DIR}/jobs)
file(GLOB _job_scripts CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/jobs/*.sbatch)
install(CODE "set(PARSCALE_JOB_SCRIPTS \"${_job_scripts}\")
set(PARSCALE_JOBS_STAGING \"${PROJECT_BINARY_DIR}/install-jobs\")
set(PARSCALE_SHARE_DIR \"${PARSCALE_SHARE_DIR}\")
include(\"${PROJECT_SOURCE_DIR}/cmake/ParscaleInstallJobs.cmake\")")
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# Packages. Build them from the portable preset for other machines: the release preset uses
# -march=native, and its package runs only on CPUs like the build machine's.
set(CPACK_PACKAGE_NAME parscale)
set(CPACK_PACKAGE_VENDOR "parscale developers")
set(CPACK_PACKAGE_CONTACT "parscale developers <parscale@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION "Simpson integration, Monte Carlo pi and sums of primes, each run serially, with
OpenMP, MPI or both, reporting speedup and efficiency against a serial baseline measured in the same run;
Slurm job scripts and a scaling-study runner with plots.")
set(CPACK_GENERATOR DEB TGZ)
set(CPACK_PACKAGE_FILE_NAME "${CPACK_PACKAGE_NAME}-${PROJECT_VERSION}-${CMAKE_SYSTEM_PROCESSOR}")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The MPI launcher and python3 (the study runner) always; the shared libraries the programs
# link from dpkg-shlibdeps (with their versions), or named here when it is missing. The plots
# need pandas and matplotlib.
find_program(PARSCALE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(PARSCALE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin, python3")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin, python3, libopenmpi3, libboost-program-options1.74.0, libfmt9, \
libgomp1, libstdc++6, libc6")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-pandas, python3-matplotlib")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-client")
include(CPack)
