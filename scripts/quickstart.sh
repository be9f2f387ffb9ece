#!/usr/bin/env bash
# The README's two commands.
#   scripts/quickstart.sh run    install what is missing, build, run `mpirun -np 4 ./simpson`
#   scripts/quickstart.sh test   install what is missing, build, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-run}
jobs=$(nproc)

case "$what" in
  run)
    scripts/setup.sh build
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$jobs"
    source scripts/mpi-env.sh
    cd build/release
    echo "+ mpirun -np 4 ./simpson"
    exec mpirun -np 4 ./simpson
    ;;
  test)
    scripts/setup.sh test
    exec scripts/run-tests.sh
    ;;
  *)
    echo "quickstart.sh: error: expected 'run' or 'test', got '$what'" >&2
    exit 2
    ;;
esac
