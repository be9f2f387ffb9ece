#!/usr/bin/env bash
# Checks an installed parscale (cmake --install or the .deb) from its installed files only:
#   tests/install/check_installed.sh PREFIX
# - bin/simpson, montecarlo, primes run under `mpirun -np 2` with small sizes and pass;
# - a job script runs from a copy outside the install tree, as sbatch runs its spool copy
#   (outside Slurm with LAUNCHER=mpirun), finds common.sh and the programs through the install
#   prefix written into it, and writes valid rows;
# - the installed scaling-study runner finds the installed programs and runs a tiny study;
# - the docs are in share/doc/parscale.
# Runs from an empty temporary directory, so nothing can come from the source tree.
set -euo pipefail
prefix=$(realpath "${1:?usage: check_installed.sh PREFIX}")

# The installed copy of scripts/mpi-env.sh (Open MPI as root, oversubscription).
# shellcheck disable=SC1091
source "$prefix/share/parscale/scripts/mpi-env.sh"
work=$(mktemp -d /tmp/parscale-installed-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

for file in bin/simpson bin/montecarlo bin/primes share/parscale/jobs/common.sh share/parscale/jobs/omp_strong.sbatch \
  share/parscale/scripts/scaling_study.py share/parscale/scripts/plot_scaling.py share/doc/parscale/README.md \
  share/doc/parscale/docs/README.md; do
  [ -e "$prefix/$file" ] || fail "$prefix/$file is not installed"
done

run_program() {
  local output
  echo "+ mpirun -np 2 $*"
  if output=$(mpirun -np 2 "$@" --repeat 1 --warmup 0 --quiet 2>&1); then
    echo "  $output"
    [[ $output == *"verdict: PASS"* ]] || fail "$1: no PASS verdict: $output"
  else
    fail "$1 exited $?: $output"
  fi
}
run_program "$prefix/bin/simpson" -n 2e5
run_program "$prefix/bin/montecarlo" --samples 1e5
run_program "$prefix/bin/primes" --workload sieve -n 1e6

# A job script from a copy elsewhere (like sbatch's spool copy), run from another directory.
mkdir spool submit
cp "$prefix/share/parscale/jobs/omp_strong.sbatch" spool/job
grep -q "PARSCALE_ROOT=\${PARSCALE_ROOT:-$prefix/share/parscale}" spool/job ||
  fail "the installed job script does not name $prefix/share/parscale: $(grep -n '^PARSCALE_ROOT' spool/job)"
echo "+ LAUNCHER=mpirun THREADS='1 2' bash <copy of omp_strong.sbatch>"
if (cd submit && env -u PARSCALE_ROOT -u BIN_DIR LAUNCHER=mpirun THREADS="1 2" PROGRAM=simpson STRONG_SIZE=2e5 \
  REPEAT=1 WARMUP=0 OUT_DIR="$work/job" bash ../spool/job >"$work/job.log" 2>&1); then
  rows=$(($(wc -l <"$work/job/simpson.csv") - 1))
  [ "$rows" -eq 2 ] || fail "the job wrote $rows rows, expected 2"
  valid_column=$(head -1 "$work/job/simpson.csv" | tr ',' '\n' | grep -nx valid | cut -d: -f1)
  invalid=$(tail -n +2 "$work/job/simpson.csv" | cut -d, -f"$valid_column" | grep -cvx 1 || true)
  [ "$invalid" -eq 0 ] || fail "the job wrote $invalid invalid rows"
  echo "  $rows valid rows in job/simpson.csv"
else
  fail "the installed job script failed: $(cat "$work/job.log")"
fi

echo "+ $prefix/share/parscale/scripts/scaling_study.py simpson --size 2e5 --threads 1,2 --sweep openmp"
if /usr/bin/python3 "$prefix/share/parscale/scripts/scaling_study.py" simpson --size 2e5 --threads 1,2 \
  --sweep openmp --repeat 1 --warmup 0 >"$work/study.log" 2>&1; then
  [ -s results/simpson-strong/simpson-strong.csv ] || fail "the installed runner wrote no study CSV in ./results"
  grep -q "$prefix/bin/simpson" results/simpson-strong/study.json ||
    fail "the installed runner did not run $prefix/bin/simpson"
  echo "  study in ./results/simpson-strong"
else
  fail "the installed scaling_study.py failed: $(cat "$work/study.log")"
fi

[ "$failures" -eq 0 ] || { echo "check_installed: $failures failure(s) for $prefix" >&2; exit 1; }
echo "check_installed: $prefix: programs, job script and study runner work from the installed files"
