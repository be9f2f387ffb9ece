#!/usr/bin/env bash
# The committed scaling studies, end to end: build, sweeps -> CSV -> plots, into results/.
#
#   scripts/reproduce_results.sh                 # the full set (about 4-5 minutes on 2 cores)
#   scripts/reproduce_results.sh --quick --out /tmp/r --no-build   # tiny sizes: checks the pipeline
#
# Options: --out DIR (default results), --bin-dir DIR (default build/release; implies
# --no-build), --no-build, --quick, --only PROGRAM[,PROGRAM] (e.g. --only simpson).
# Sizes are chosen for about 1 s per serial run on the 2-core development machine; override
# with SIMPSON_N, MC_SAMPLES, MC_WEAK_SAMPLES, PRIMES_ARGS, REPEAT, WARMUP in the environment.
#
# Studies (each in <out>/<study>/: context.json, <study>.csv, study.json, points/, figures):
#   simpson-strong     openmp 1-2 threads, mpi 1-4 ranks, hybrid 1x1 2x1 1x2 2x2
#   montecarlo-strong  the same sweeps
#   primes-strong      trial workload (uneven tasks): openmp static vs dynamic schedule,
#                      mpi block vs dynamic distribution, hybrid dynamic/dynamic
#   montecarlo-weak    samples per worker fixed: openmp 1-2 threads, mpi 1-4 ranks
# then <out>/kernels-openmp-strong.* and kernels-mpi-strong.*: the three kernels on one figure.
# A program whose binary is missing is skipped with a message; the exit status is 1 if a
# study that ran had a failed or invalid point.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

out=$repo/results
bin_dir=$repo/build/release
build=yes
quick=no
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --bin-dir) bin_dir=${2:?--bin-dir needs a folder}; build=no; shift 2 ;;
    --no-build) build=no; shift ;;
    --quick) quick=yes; shift ;;
    --only) only=${2:?--only needs program names}; shift 2 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "reproduce_results.sh: error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# Relative folders are taken from where the script is called, then everything runs from the repository.
out=$(realpath -m "$out")
bin_dir=$(realpath -m "$bin_dir")
cd "$repo"
python=/usr/bin/python3
if [ ! -x "$python" ]; then
  echo "reproduce_results.sh: error: $python not found (Debian's python3 with python3-pandas/matplotlib)" >&2
  exit 2
fi
if [ "$build" = yes ]; then
  echo "=== building the release preset"
  cmake --preset release >/dev/null && cmake --build --preset release -j "$(nproc)" || {
    echo "reproduce_results.sh: error: the build failed" >&2
    exit 2
  }
fi
# shellcheck source=mpi-env.sh
source scripts/mpi-env.sh

if [ "$quick" = yes ]; then
  repeat=${REPEAT:-1} warmup=${WARMUP:-0}
  simpson_n=${SIMPSON_N:-2e6} mc_samples=${MC_SAMPLES:-1e6} mc_weak_samples=${MC_WEAK_SAMPLES:-5e5}
  primes_args=${PRIMES_ARGS:-"--workload trial --limit 4000 --step 10"}
else
  repeat=${REPEAT:-5} warmup=${WARMUP:-1}
  simpson_n=${SIMPSON_N:-2e9} mc_samples=${MC_SAMPLES:-5e8} mc_weak_samples=${MC_WEAK_SAMPLES:-2.5e8}
  primes_args=${PRIMES_ARGS:-"--workload trial --limit 120000 --step 300"}
fi
common=(--out "$out" --bin-dir "$bin_dir" --repeat "$repeat" --warmup "$warmup" --threads 1,2 --ranks 1-4
        --hybrid 1x1,2x1,1x2,2x2 --overwrite)

ran=() skipped=() failed=()
started=$SECONDS

# study NAME PROGRAM ARGS...: one scaling_study.py run, skipped if the program is not built.
study() {
  local name=$1 program=$2
  shift 2
  if [ -n "$only" ] && [[ ",$only," != *",$program,"* ]]; then
    return
  fi
  if [ ! -x "$bin_dir/$program" ]; then
    echo "=== $name: SKIPPED: no program $bin_dir/$program (not built on this branch yet)" >&2
    skipped+=("$name")
    return
  fi
  echo "=== $name" >&2
  if "$python" scripts/scaling_study.py "$program" --study "$name" "${common[@]}" "$@"; then
    ran+=("$name")
  else
    failed+=("$name")
  fi
  if [ -f "$out/$name/$name.csv" ]; then
    "$python" scripts/plot_scaling.py "$out/$name/$name.csv" || failed+=("$name (plot)")
  fi
}

study simpson-strong simpson --scaling strong --size "$simpson_n"
study montecarlo-strong montecarlo --scaling strong --size "$mc_samples"
study primes-strong primes --scaling strong --args "$primes_args" \
  --sweep openmp --sweep openmp:schedule=dynamic --sweep mpi --sweep mpi:distribution=dynamic \
  --sweep hybrid:schedule=dynamic:distribution=dynamic
study montecarlo-weak montecarlo --scaling weak --size "$mc_weak_samples" --sweep openmp --sweep mpi

# The kernels side by side: each kernel's default openmp and mpi sweeps (own p = 1 baselines).
strong_csvs=()
for name in simpson-strong montecarlo-strong primes-strong; do
  [ -f "$out/$name/$name.csv" ] && strong_csvs+=("$out/$name/$name.csv")
done
if [ ${#strong_csvs[@]} -gt 1 ]; then
  for model in openmp mpi; do
    "$python" scripts/plot_scaling.py "${strong_csvs[@]}" --out "$out" --name "kernels-$model" \
      --filter "sweep=$model" --group-by program --title "kernels compared: $model, strong scaling" ||
      failed+=("kernels-$model (plot)")
  done
fi

echo "=== done in $((SECONDS - started)) s: ran ${ran[*]:-nothing}; skipped ${skipped[*]:-nothing};" \
  "failed ${failed[*]:-nothing}" >&2
[ ${#failed[@]} -eq 0 ]
