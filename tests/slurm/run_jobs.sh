#!/usr/bin/env bash
# CI stage: start a one-node Slurm on this machine, submit every jobs/*.sbatch with tiny sizes
# and check the records they wrote (tests/slurm/run_jobs.py); a Slurm it started is always
# stopped again (trap), one that was already running is left alone.
# Needs root, the test packages (scripts/setup.sh test) and the release build.
#   tests/slurm/run_jobs.sh [run_jobs.py options, e.g. --timeout 600 --keep /tmp/jobs]
set -euo pipefail
cd "$(dirname "$0")/../.."

if scripts/local-slurm.sh status >/dev/null 2>&1; then
  echo "run_jobs: using the local Slurm that is already running (left running)"
else
  # Set before starting, so that a half-started Slurm is stopped too.
  trap 'scripts/local-slurm.sh stop </dev/null' EXIT
  scripts/local-slurm.sh start </dev/null
fi
export SLURM_CONF
SLURM_CONF=$(scripts/local-slurm.sh env | sed 's/^export SLURM_CONF=//')
/usr/bin/python3 tests/slurm/run_jobs.py "$@" </dev/null
