#!/usr/bin/env bash
# The whole test suite, as CI runs it, in stages (separate build directories):
#   release  the release build's ctest (Open MPI, the system default)
#   portable the same tests without -march=native: every non-AVX-512 code path (the fallbacks
#            AVX-512 machines never run)
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer build, the same tests
#   mpich    the release build against MPICH (mpicxx.mpich / mpiexec.mpich), the same tests
#   slurm    a local one-node Slurm; every jobs/*.sbatch submitted and its records checked
#            (root only: it starts the munge and Slurm daemons)
# Usage: scripts/run-tests.sh [stage...]   (default: all five). Prints each stage's time.
# (Dependencies must be installed: scripts/setup.sh test.)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(release portable asan mpich slurm)

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

total_started=$SECONDS
for stage in "${stages[@]}"; do
  started=$SECONDS
  echo "=== stage ${stage}"
  case "${stage}" in
    release | portable | asan | mpich) run_build_stage "${stage}" ;;
    slurm) run_slurm_stage ;;
    *) echo "run-tests.sh: error: unknown stage '${stage}' (release, portable, asan, mpich, slurm)" >&2; exit 2 ;;
  esac
  seconds[${stage}]=$((SECONDS - started))
  echo "=== stage ${stage}: passed in ${seconds[${stage}]} s"
done
echo "=== stage times:"
for stage in "${stages[@]}"; do
  printf '  %-8s %5d s\n' "${stage}" "${seconds[${stage}]}"
done
printf '  %-8s %5d s\n' total $((SECONDS - total_started))
