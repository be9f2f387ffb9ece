#!/usr/bin/env bash
# The whole test suite, as CI runs it, in stages (separate build directories):
#   release  the release build's ctest (Open MPI, the system default)
#   install  the release build installed (cmake --install into a temporary prefix) and packaged
#            (cpack: .deb, .tar.gz); the programs, a job script and the study runner checked from
#            the installed files (tests/install/check_installed.sh); the .deb installed with dpkg
#            and removed again (root only)
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer build, the same tests
#   mpich    the release build against MPICH (mpicxx.mpich / mpiexec.mpich), the same tests
#   slurm    a local one-node Slurm; every jobs/*.sbatch submitted and its records checked
#            (root only: it starts the munge and Slurm daemons)
# Usage: scripts/run-tests.sh [stage...]   (default: all). Prints each stage's time.
# (Dependencies must be installed: scripts/setup.sh test.)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(release install asan mpich slurm)

declare -A seconds
run_build_stage() {
  local preset=$1
  cmake --preset "${preset}"
  cmake --build --preset "${preset}" -j "${jobs}"
  ctest --preset "${preset}"
}

run_slurm_stage() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "slurm stage skipped: starting the local Slurm daemons needs root (sudo tests/slurm/run_jobs.sh)"
    return 0
  fi
  # The job scripts run the release build's programs.
  if [ ! -x build/release/simpson ]; then
    cmake --preset release
    cmake --build --preset release -j "${jobs}"
  fi
  tests/slurm/run_jobs.sh
}

run_install_stage() {
  if [ ! -x build/release/simpson ]; then
    cmake --preset release
    cmake --build --preset release -j "${jobs}"
  fi
  local prefix
  prefix=$(mktemp -d /tmp/parscale-prefix-XXXXXX)
  cmake --install build/release --prefix "${prefix}"
  tests/install/check_installed.sh "${prefix}"
  rm -rf "${prefix}"
  rm -f build/release/parscale_*.deb build/release/parscale-*.tar.gz
  (cd build/release && cpack -G "DEB;TGZ")
  local debs=(build/release/parscale_*.deb) archives=(build/release/parscale-*.tar.gz)
  local deb=${debs[0]}
  tar -tzf "${archives[0]}" | grep '/bin/simpson$' >/dev/null  # not grep -q: tar would get SIGPIPE
  if [ "$(id -u)" -ne 0 ]; then
    echo "install stage: .deb built (${deb}); installing it needs root (sudo dpkg -i ${deb}), skipped"
    return 0
  fi
  if dpkg-query -W parscale >/dev/null 2>&1; then
    echo "run-tests.sh: error: a parscale package is installed already; remove it first (dpkg -r parscale)" >&2
    return 1
  fi
  dpkg -i "${deb}"
  local status=0
  tests/install/check_installed.sh /usr || status=$?
  dpkg -r parscale
  return "${status}"
}

total_started=$SECONDS
for stage in "${stages[@]}"; do
  started=$SECONDS
  echo "=== stage ${stage}"
  case "${stage}" in
    release | asan | mpich) run_build_stage "${stage}" ;;
    install) run_install_stage ;;
    slurm) run_slurm_stage ;;
    *) echo "run-tests.sh: error: unknown stage '${stage}' (release, install, asan, mpich, slurm)" >&2; exit 2 ;;
  esac
  seconds[${stage}]=$((SECONDS - started))
  echo "=== stage ${stage}: passed in ${seconds[${stage}]} s"
done
echo "=== stage times:"
for stage in "${stages[@]}"; do
  printf '  %-8s %5d s\n' "${stage}" "${seconds[${stage}]}"
done
printf '  %-8s %5d s\n' total $((SECONDS - total_started))
