#!/usr/bin/env bash
# The whole test suite, as CI runs it, in stages (separate build directories):
#   release  the release build's ctest (Open MPI, the system default)
#   portable the same tests without -march=native: every non-AVX-512 code path (the fallbacks
#            AVX-512 machines never run)
#   install  the release build installed (cmake --install into a temporary prefix) and packaged
#            (cpack: .deb, .tar.gz); the programs, a job script and the study runner checked from
#            the installed files (tests/install/check_installed.sh); the .deb installed with dpkg
#            and removed again (root only)
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer build, the same tests
#   mpich    the release build against MPICH (mpicxx.mpich / mpiexec.mpich), the same tests
#   slurm    a local 2-node Slurm on this host; every jobs/*.sbatch run across both nodes and its
#            records checked, faults and result files across nodes (tests/slurm/run_jobs.sh;
#            root only: it starts the munge and Slurm daemons; otherwise reported as skipped)
# Usage: scripts/run-tests.sh [stage...]   (default: all of them). Prints each stage's time and
# whether it passed or was skipped.
# (Dependencies must be installed: scripts/setup.sh test.)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(release install portable asan mpich slurm)

declare -A seconds outcome partly_skipped
skipped=77  # a stage that could not run here (its checks did not pass, they did not run)
run_build_stage() {
  local preset=$1
  cmake --preset "${preset}"
  cmake --build --preset "${preset}" -j "${jobs}"
  ctest --preset "${preset}"
}

run_slurm_stage() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "slurm stage SKIPPED: starting the local Slurm daemons needs root (sudo tests/slurm/run_jobs.sh)"
    return "$skipped"
  fi
  # The job scripts run the release build's programs, the MPICH checks the mpich build's:
  # brought up to date (a no-op after the release and mpich stages).
  # (Called in an `||` list, where set -e is off: each step checks its own status.)
  local preset
  for preset in release mpich; do
    if [ ! -f "build/${preset}/CMakeCache.txt" ]; then
      cmake --preset "${preset}" || return
    fi
    cmake --build --preset "${preset}" -j "${jobs}" || return
  done
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
    echo "install stage: .deb built (${deb}); installing it needs root (sudo dpkg -i ${deb}): SKIPPED"
    partly_skipped[install]="the .deb check SKIPPED: needs root"
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
  status=0
  case "${stage}" in
    release | portable | asan | mpich) run_build_stage "${stage}" ;;
    install) run_install_stage ;;  # not in an || list: set -e must stay on inside it
    slurm) run_slurm_stage || status=$? ;;
    *) echo "run-tests.sh: error: unknown stage '${stage}' (release, install, portable, asan, mpich, slurm)" >&2; exit 2 ;;
  esac
  seconds[${stage}]=$((SECONDS - started))
  case "${status}" in
    0) outcome[${stage}]="passed${partly_skipped[${stage}]:+ (${partly_skipped[${stage}]})}" ;;
    "${skipped}") outcome[${stage}]=SKIPPED ;;
    *) echo "=== stage ${stage}: FAILED (exit ${status}) after ${seconds[${stage}]} s" >&2; exit "${status}" ;;
  esac
  echo "=== stage ${stage}: ${outcome[${stage}]} in ${seconds[${stage}]} s"
done
echo "=== stage times:"
for stage in "${stages[@]}"; do
  printf '  %-8s %5d s  %s\n' "${stage}" "${seconds[${stage}]}" "${outcome[${stage}]}"
done
printf '  %-8s %5d s\n' total $((SECONDS - total_started))
