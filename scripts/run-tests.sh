#!/usr/bin/env bash
# The whole test suite, as CI runs it: the release build's ctest, then the Slurm batch scripts
# on a local one-node Slurm (root only). (Dependencies must be installed: scripts/setup.sh test.)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "=== release build: unit, MPI and program tests"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release

if [ "$(id -u)" -eq 0 ]; then
  echo "=== slurm: local one-node Slurm, every jobs/*.sbatch submitted and its records checked"
  tests/slurm/run_jobs.sh
else
  echo "=== slurm: skipped (starting the local Slurm daemons needs root: sudo tests/slurm/run_jobs.sh)"
fi
