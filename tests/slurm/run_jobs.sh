#!/usr/bin/env bash
# CI stage: a 2-node Slurm on this machine (scripts/local-slurm.sh), every jobs/*.sbatch and
# tests/slurm/*.sbatch submitted across both nodes with tiny sizes and their records checked
# (tests/slurm/run_jobs.py), then faults and result files across the nodes
# (tests/slurm/cross_node.py), then the same with MPICH (build/mpich): each program and
# distribution across the nodes under srun --mpi=pmi2, and the faults. The cluster is the stage's own (its own folder and ports, so a
# local Slurm a user runs is not touched) and is always stopped again (trap); the stage fails if
# a daemon or job step of it is left behind.
# The nodes get one core each (on a 2-core host: n1 core 0, n2 core 1) and declare 2 CPUs to
# Slurm, so the hybrid layout (one rank per node, 2 threads inside) can be submitted; its
# records must say oversubscribed, and one-rank-per-node MPI runs must not.
# Needs root (else it prints SKIPPED and exits 77), the test packages (scripts/setup.sh test),
# the release build (its programs and build/release/tests/parscale_fault) and the mpich build
# (the same in build/mpich; scripts/run-tests.sh slurm builds both if missing).
#   tests/slurm/run_jobs.sh [run_jobs.py options, e.g. --timeout 600 --keep /tmp/jobs]
# Environment: PARSCALE_SLURM_DIR (default /tmp/parscale-slurm-ci) and PARSCALE_SLURM_PORT
# (default 6837) for the stage's cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then
  echo "run_jobs: SKIPPED: starting the local Slurm daemons needs root (sudo tests/slurm/run_jobs.sh)"
  exit 77
fi
export PARSCALE_SLURM_DIR=${PARSCALE_SLURM_DIR:-/tmp/parscale-slurm-ci}
export PARSCALE_SLURM_PORT=${PARSCALE_SLURM_PORT:-6837}
cores_per_node=1
bin_dir=build/release

stop_cluster() {
  local status=$?
  if ! scripts/local-slurm.sh stop </dev/null; then
    echo "run_jobs: FAILED: the cluster left a daemon or job step running" >&2
    status=1
  fi
  exit "$status"
}
# Set before starting, so that a half-started cluster is stopped too.
trap stop_cluster EXIT
scripts/local-slurm.sh start --nodes 2 --cores-per-node "$cores_per_node" --cpus-per-node 2 </dev/null
export SLURM_CONF
SLURM_CONF=$(scripts/local-slurm.sh env | sed 's/^export SLURM_CONF=//')
# Open MPI refuses to run as root without these; they belong to this CI machine, never to the
# job scripts or the programs, and reach the jobs through sbatch's and srun's environment.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

started=$SECONDS
/usr/bin/python3 tests/slurm/run_jobs.py --cores-per-node "$cores_per_node" --bin-dir "$bin_dir" "$@" </dev/null
/usr/bin/python3 tests/slurm/cross_node.py --bin-dir "$bin_dir" </dev/null
echo "run_jobs: Open MPI jobs and cross-node checks passed in $((SECONDS - started)) s"
# MPICH: Debian's MPICH 4.0 talks to Slurm through PMI-2 (under --mpi=pmix each task would start
# as its own 1-rank job); the job scripts pass --mpi=pmix, so MPICH gets direct srun runs here.
started=$SECONDS
/usr/bin/python3 tests/slurm/cross_node.py --bin-dir build/mpich --launcher-args=--mpi=pmi2 \
  --checks programs,faults </dev/null
echo "run_jobs: MPICH cross-node checks passed in $((SECONDS - started)) s"
