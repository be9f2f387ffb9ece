# shellcheck shell=bash
# Sourced by every jobs/*.sbatch script (not a job itself): parameters with their defaults,
# paths, and the launch of one measured point. Environment variables it reads (set them on
# the sbatch command line, e.g. `PROGRAM=montecarlo REPEAT=5 sbatch jobs/mpi_strong.sbatch`;
# sbatch passes the submitting environment into the job):
#
#   PROGRAM       simpson | montecarlo | primes               (default simpson)
#   PROGRAM_ARGS  the program's own options, e.g. "-n 4e9" or "--samples 1e10 --streams block"
#                 (strong-scaling scripts; default: SIZE_OPTION STRONG_SIZE below)
#   SIZE_OPTION   the program's size option (default: simpson -n, montecarlo --samples,
#                 primes -n, which brings --workload sieve along unless PROGRAM_ARGS names a
#                 workload: the sieve's work grows with N, the trial workload's ~limit^2.5, so
#                 trial suits strong scaling only, e.g. PROGRAM_ARGS="--workload trial --limit 4e5")
#   STRONG_SIZE   problem size of the strong-scaling scripts (default per program below)
#   REPEAT, WARMUP  timed repetitions and untimed warm-ups per point (default 3 and 1)
#   BASELINE      measure | none | SECONDS: the serial baseline (default measure; the weak
#                 scaling script defaults to none and compares times with its 1-worker point)
#   EXTRA_ARGS    more common options for every point, e.g. "--schedule dynamic"
#   OUT_DIR       output folder (default results/slurm/<job name>, relative to the submit
#                 directory); CSV (default OUT_DIR/PROGRAM.csv) gets one row per point, appended
#                 under a file lock by the program itself, and OUT_DIR/json/ one JSON per point
#   LABEL         free text stored in each record (default: the job name)
#   LAUNCHER      srun (default) | mpirun: Open MPI's mpirun reads the Slurm allocation itself
#                 and is run as `mpirun -np R --map-by ppr:<tasks per node>:node:PE=<threads>
#                 --bind-to core` (it refuses to bind more ranks than the allocation has cores,
#                 so it does not work with sbatch --overcommit)
#   PARSCALE_ROOT the parscale checkout (default: the submit directory, so submit from there);
#                 installed job scripts (cmake --install, the .deb) default to <prefix>/share/parscale
#   BIN_DIR       where the programs are (default PARSCALE_ROOT/build/release; installed: <prefix>/bin)
# Outside Slurm (no SLURM_JOB_ID) a script runs on this machine when LAUNCHER=mpirun is set,
# e.g. `LAUNCHER=mpirun THREADS="1 2" bash jobs/omp_strong.sbatch` (srun needs a job).
# All numbers accept the programs' forms 1000000, 1e9, 2^30 (values are split on spaces); the
# scripts ask the program what a count stands for (--print-count) instead of parsing it.

set -uo pipefail

PROGRAM=${PROGRAM:-simpson}
# default_size_per_worker is read by weak.sbatch.
# shellcheck disable=SC2034
case "$PROGRAM" in
  simpson) default_size_option=-n default_strong_size=4e9 default_size_per_worker=5e8 ;;
  montecarlo) default_size_option=--samples default_strong_size=1e9 default_size_per_worker=1e8 ;;
  primes) default_size_option=-n default_strong_size=1e11 default_size_per_worker=1e10 ;;
  *) echo "jobs: error: PROGRAM='$PROGRAM': expected simpson, montecarlo or primes" >&2; exit 2 ;;
esac
SIZE_OPTION=${SIZE_OPTION:-$default_size_option}
STRONG_SIZE=${STRONG_SIZE:-$default_strong_size}
# primes' -n belongs to its sieve workload (trial, the default workload, takes --limit).
size_workload=()
if [ "$PROGRAM" = primes ] && [ "$SIZE_OPTION" = -n ] && [[ " ${PROGRAM_ARGS:-} " != *" --workload"* ]]; then
  size_workload=(--workload sieve)
fi
PROGRAM_ARGS=${PROGRAM_ARGS:-${size_workload[*]} $SIZE_OPTION $STRONG_SIZE}
REPEAT=${REPEAT:-3}
WARMUP=${WARMUP:-1}
BASELINE=${BASELINE:-measure}
EXTRA_ARGS=${EXTRA_ARGS:-}
job_name=${SLURM_JOB_NAME:-parscale}
OUT_DIR=${OUT_DIR:-results/slurm/$job_name}
CSV=${CSV:-$OUT_DIR/$PROGRAM.csv}
LABEL=${LABEL:-$job_name}
LAUNCHER=${LAUNCHER:-srun}
if [ -z "${BIN_DIR:-}" ]; then
  case "$PARSCALE_ROOT" in
    */share/parscale) BIN_DIR=${PARSCALE_ROOT%/share/parscale}/bin ;;  # installed: <prefix>/bin
    *) BIN_DIR=$PARSCALE_ROOT/build/release ;;                          # a checkout's release build
  esac
fi
program_path="$BIN_DIR/$PROGRAM"

if [ -z "${SLURM_JOB_ID:-}" ] && [ "$LAUNCHER" != mpirun ]; then
  echo "jobs: error: not inside a Slurm job; submit with sbatch (or set LAUNCHER=mpirun to run here)" >&2
  exit 2
fi
job_id=${SLURM_JOB_ID:-local$$}
if [ ! -x "$program_path" ]; then
  echo "jobs: error: '$program_path' not found; build first (cmake --preset release &&" \
    "cmake --build --preset release) or set BIN_DIR" >&2
  exit 2
fi
mkdir -p "$OUT_DIR/json" || exit 3

# Threads per rank come from the allocation; pinned one per core, a rank's threads packed together.
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_PLACES=cores
export OMP_PROC_BIND=close

failed_points=0
last_status=0

# to_count 5e8 -> 500000000 (also 2^30, 2.5e8, 1000000): the program parses it (--print-count),
# so the count syntax lives in one place, src/numbers.cpp.
to_count() {
  if ! "$program_path" --print-count "$1" 2>/dev/null; then
    echo "jobs: error: '$1' is not a count (1000000, 1e9 or 2^30)" >&2
    exit 2
  fi
}

# powers_of_two_up_to 12 -> "1 2 4 8 12": the usual scaling points, always ending at the maximum.
powers_of_two_up_to() {
  local limit=$1 value=1 points=""
  while [ "$value" -lt "$limit" ]; do
    points+="$value "
    value=$((value * 2))
  done
  echo "$points$limit"
}

# Tasks per node of the allocation, so that steps fill nodes one after the other.
tasks_per_node() {
  local nodes=${SLURM_JOB_NUM_NODES:-1} tasks=${SLURM_NTASKS:-1}
  echo $(((tasks + nodes - 1) / nodes))
}

# run_point RANKS THREADS MODEL [program options...]: one measured run, one CSV row, one JSON.
run_point() {
  local ranks=$1 threads=$2 model=$3
  shift 3
  local per_node nodes tag status
  per_node=$(tasks_per_node)
  nodes=$(((ranks + per_node - 1) / per_node))
  tag=${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}_}${job_id}_${model}_r${ranks}_t${threads}
  local -a extra
  read -r -a extra <<<"$EXTRA_ARGS"
  local -a command=("$program_path" --model "$model" --threads "$threads" --repeat "$REPEAT"
    --warmup "$WARMUP" --baseline "$BASELINE" --label "$LABEL" --csv "$CSV"
    --json "$OUT_DIR/json/$tag.json" "$@" "${extra[@]}")
  echo "=== point: $ranks rank(s) x $threads thread(s) on $nodes node(s): ${command[*]}"
  case "$LAUNCHER" in
    srun)
      # --cpus-per-task explicitly: srun of Slurm >= 22.05 does not inherit it from the job.
      # --kill-on-bad-exit: a rank killed by a signal cannot call MPI_Abort, and the others would
      # wait for it in a collective (Slurm's default keeps the step running).
      srun --nodes="$nodes" --ntasks="$ranks" --cpus-per-task="$threads" --kill-on-bad-exit=1 --mpi=pmix \
        "${command[@]}"
      ;;
    mpirun)
      mpirun -np "$ranks" --map-by "ppr:$per_node:node:PE=$threads" --bind-to core "${command[@]}"
      ;;
    *)
      echo "jobs: error: LAUNCHER='$LAUNCHER': expected srun or mpirun" >&2
      exit 2
      ;;
  esac
  status=$?
  last_status=$status  # for scripts that act on how the last point ended (checkpointed.sbatch)
  if [ "$status" -ne 0 ]; then
    echo "=== point FAILED with exit status $status: $ranks rank(s) x $threads thread(s)" >&2
    failed_points=$((failed_points + 1))
  fi
}

# The job fails if any point failed (the others still ran and kept their rows).
finish() {
  echo "=== $job_name (job ${job_id}): $failed_points failed point(s); rows in $CSV"
  [ "$failed_points" -eq 0 ]
  exit
}
