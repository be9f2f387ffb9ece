#!/usr/bin/env bash
# The whole test suite, as CI runs it: the release build's ctest. (Dependencies must be
# installed: scripts/setup.sh test.)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "=== release build: unit, MPI and program tests"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release
