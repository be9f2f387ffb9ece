#!/usr/bin/env python3
"""Bad input, table-driven: every case must exit 2 with one line on stderr that names the
option (and the accepted range), print nothing on stdout, and create or change no file.
Run plainly (--launch serial) and under mpiexec with 3 ranks (--launch np3)."""
import argparse
import os
import sys
import tempfile

from program_harness import run

EXISTING = "existing.csv"  # created before each case with known content
# (program, arguments, text the error line must contain, extra environment)
CASES = [
    ("simpson", ["-n", "3"], "--intervals", None),
    ("simpson", ["-n", "0"], "--intervals", None),
    ("simpson", ["-n", "-4"], "--intervals", None),
    ("simpson", ["-n=-4"], "--intervals", None),
    ("simpson", ["-n", "abc"], "--intervals", None),
    ("simpson", ["-n", "1e99"], "--intervals", None),
    ("simpson", ["-n", "2^63"], "--intervals", None),
    ("simpson", ["-n", "1000.5"], "--intervals", None),
    ("simpson", ["-n", "1.5e1"], "--intervals", None),
    ("simpson", ["-n"], "intervals", None),
    ("simpson", ["--bogus"], "bogus", None),
    ("simpson", ["stray"], "stray", None),
    ("simpson", ["--model", "cuda"], "--model", None),
    ("simpson", ["--model", "openmp", "--threads", "0"], "--threads", None),
    ("simpson", ["--model", "openmp", "--threads=-2"], "--threads", None),
    ("simpson", ["--model", "openmp", "--threads", "two"], "--threads", None),
    ("simpson", ["--model", "openmp", "--schedule", "fastest"], "--schedule", None),
    ("simpson", ["--model", "openmp", "--schedule", "dynamic,0"], "--schedule", None),
    ("simpson", ["--repeat", "0"], "--repeat", None),
    ("simpson", ["--warmup", "1e4"], "--warmup", None),
    ("simpson", ["--baseline", "fast"], "--baseline", None),
    ("simpson", ["--baseline", "-1"], "--baseline", None),
    ("simpson", ["--distribution", "random"], "--distribution", None),
    ("simpson", ["--csv", "no/such/dir/runs.csv"], "--csv", None),
    ("simpson", ["--json", "."], "--json", None),
    ("simpson", ["--json", ""], "--json", None),
    ("simpson", ["--csv", EXISTING, "-n", "7"], "--intervals", None),
    ("simpson", ["--csv", EXISTING], "--csv", None),  # a header of another schema
    ("simpson", ["--model", "hybrid"], "OMP_NUM_THREADS", {"OMP_NUM_THREADS": "lots"}),
    ("montecarlo", ["--samples", "0"], "--samples", None),
    ("montecarlo", ["--samples", "-5"], "--samples", None),
    ("montecarlo", ["--samples=-5"], "--samples", None),
    ("montecarlo", ["--samples", "many"], "--samples", None),
    ("montecarlo", ["--samples", "2^62+1"], "--samples", None),
    ("montecarlo", ["--samples", "2^63"], "--samples", None),
    ("montecarlo", ["--samples", "1e19"], "--samples", None),
    ("montecarlo", ["--samples", "1.5"], "--samples", None),
    ("montecarlo", ["--seed", "-1"], "--seed", None),
    ("montecarlo", ["--seed=-1"], "--seed", None),
    ("montecarlo", ["--seed", "lucky"], "--seed", None),
    ("montecarlo", ["--seed", "18446744073709551616"], "--seed", None),
    ("montecarlo", ["--streams", "thread"], "--streams", None),
    ("montecarlo", ["--streams", ""], "--streams", None),
    ("montecarlo", ["--streams", "block", "--samples", "0"], "--samples", None),
    ("primes", ["--workload", "wheel"], "--workload", None),
    ("primes", ["--step", "0"], "--step", None),
    ("primes", ["--step", "-5"], "--step", None),
    ("primes", ["--limit", "-1"], "--limit", None),
    ("primes", ["--limit", "0"], "--limit", None),
    ("primes", ["--limit", "2e9"], "--limit", None),
    ("primes", ["--workload", "sieve", "-n", "2e15"], "--below", None),
    ("primes", ["--workload", "sieve", "-n", "-100"], "--below", None),
    ("primes", ["--workload", "sieve", "-n", "0"], "--below", None),
    ("primes", ["-n", "1e6"], "--below", None),
    ("primes", ["--workload", "trial", "-n", "1e6"], "--below", None),
    ("primes", ["--workload", "sieve", "--limit", "1000"], "--limit", None),
    ("primes", ["--workload", "sieve", "--step", "10"], "--step", None),
    ("primes", ["--model", "openmp", "--schedule", "dynamic,0"], "--schedule", None),
    ("primes", ["--model", "mpi", "--schedule", "cyclic"], "--schedule", None),
    ("primes", ["--distribution", "dynamic,0"], "--distribution", None),
]

MPI_ONLY_CASES = [
    # one process model while several ranks were started
    ("simpson", ["--model", "openmp"], "--model", None),
    ("simpson", ["--model", "mpi", "--schedule", "dynamic"], "--schedule", None),
    ("simpson", ["--model", "mpi", "--threads", "2"], "--threads", None),
]
SERIAL_ONLY_CASES = [
    ("simpson", ["--model", "openmp", "--distribution", "cyclic"], "--distribution", None),
    ("simpson", ["--model", "serial", "--threads", "2"], "--threads", None),
    ("primes", ["--model", "openmp", "--distribution", "dynamic"], "--distribution", None),
]


def snapshot(directory):
    state = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            state[name] = handle.read()
    return state


def check(case, ranks):
    program, args, needle, env = case
    failures = []
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, EXISTING), "w") as handle:
            handle.write("not,a,parscale,header\n1,2,3,4\n")
        before = snapshot(work)
        result = run(program, args, ranks=ranks, env=env, cwd=work)
        after = snapshot(work)
    error_lines = [line for line in result.stderr.splitlines() if line.startswith(f"{program}: error:")]
    label = f"{program} {' '.join(args)}" + (f" [{env}]" if env else "")
    if result.returncode != 2:
        failures.append(f"{label}: exit code {result.returncode}, expected 2; stderr: {result.stderr.strip()}")
    if len(error_lines) != 1:
        failures.append(f"{label}: expected one error line, got {len(error_lines)}: {result.stderr.strip()}")
    elif needle not in error_lines[0]:
        failures.append(f"{label}: error line does not name {needle!r}: {error_lines[0]}")
    # libgomp itself warns about a malformed OMP_* variable when it loads, before main().
    own_lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("libgomp:")]
    if ranks is None and own_lines != error_lines[:1]:
        failures.append(f"{label}: stderr has more than the error line: {result.stderr.strip()}")
    if result.stdout.strip():
        failures.append(f"{label}: stdout not empty: {result.stdout.strip()}")
    if before != after:
        failures.append(f"{label}: files changed: {sorted(set(before) ^ set(after)) or 'content'}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--launch", choices=["serial", "np3"], default="serial")
    options = parser.parse_args()
    ranks = None if options.launch == "serial" else 3
    cases = CASES + (SERIAL_ONLY_CASES if ranks is None else MPI_ONLY_CASES)
    failures = []
    for case in cases:
        failures += check(case, ranks)
    for failure in failures:
        print("FAIL", failure)
    print(f"{len(cases) - len({f.split(':')[0] for f in failures})} passed, "
          f"{len({f.split(':')[0] for f in failures})} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
