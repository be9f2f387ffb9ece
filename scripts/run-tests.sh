#!/usr/bin/env bash
# The whole test suite, as CI runs it, in three stages with separate build directories:
#   release  the release build's ctest (Open MPI, the system default)
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer build, the same tests
#   mpich    the release build against MPICH (mpicxx.mpich / mpiexec.mpich), the same tests
# Usage: scripts/run-tests.sh [stage...]   (default: all three). Prints each stage's time.
# (Dependencies must be installed: scripts/setup.sh test.)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(release asan mpich)

declare -A seconds
run_stage() {
  local preset=$1 started=$SECONDS
  echo "=== stage ${preset}: configure, build, ctest"
  cmake --preset "${preset}"
  cmake --build --preset "${preset}" -j "${jobs}"
  ctest --preset "${preset}"
  seconds[${preset}]=$((SECONDS - started))
  echo "=== stage ${preset}: passed in ${seconds[${preset}]} s"
}

total_started=$SECONDS
for stage in "${stages[@]}"; do
  case "${stage}" in
    release | asan | mpich) run_stage "${stage}" ;;
    *) echo "unknown stage '${stage}' (release, asan, mpich)" >&2; exit 2 ;;
  esac
done
echo "=== stage times:"
for stage in "${stages[@]}"; do
  printf '  %-8s %5d s\n' "${stage}" "${seconds[${stage}]}"
done
printf '  %-8s %5d s\n' total $((SECONDS - total_started))
