#!/usr/bin/env python3
"""Bad input, table-driven: every case must exit 2 with one line on stderr that names the
option (and the accepted range), print nothing on stdout, and create or change no file.
Run plainly (--launch serial) and under mpiexec with 3 ranks (--launch np3)."""
import argparse
import os
import sys
import tempfile

from program_harness import processes_with, run, run_side_by_side

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
    ("primes", ["--workload", "sieve", "--from", "2000", "-n", "1000"], "--from", None),
    ("primes", ["--workload", "sieve", "--from", "2e15", "-n", "1e15"], "--from", None),
    ("primes", ["--workload", "sieve", "--from", "-1"], "--from", None),
    ("primes", ["--from", "10"], "--from", None),
    ("primes", ["--workload", "trial", "-n", "1e6"], "--below", None),
    ("primes", ["--workload", "sieve", "--limit", "1000"], "--limit", None),
    ("primes", ["--workload", "sieve", "--step", "10"], "--step", None),
    ("primes", ["--model", "openmp", "--schedule", "dynamic,0"], "--schedule", None),
    ("primes", ["--model", "mpi", "--schedule", "cyclic"], "--schedule", None),
    ("primes", ["--distribution", "dynamic,0"], "--distribution", None),
    # Generic: the common options and environment every program shares (issue 7).
    ("simpson", ["--repeat", "1e99"], "--repeat", None),
    ("simpson", ["--repeat", "1000001"], "--repeat", None),
    ("simpson", ["--repeat=-1"], "--repeat", None),
    ("simpson", ["--repeat"], "repeat", None),
    ("simpson", ["--warmup=-1"], "--warmup", None),
    ("simpson", ["--model", "hybrid", "--threads", "1e99"], "--threads", None),
    ("simpson", ["--model", "hybrid", "--threads", "4097"], "--threads", None),
    ("simpson", ["--model", "hybrid", "--schedule", "static,-1"], "--schedule", None),
    ("simpson", ["--model", "hybrid", "--schedule", "cyclic,4"], "--schedule", None),
    ("simpson", ["--model", "hybrid", "--schedule", "guided,1e99"], "--schedule", None),
    ("simpson", ["--distribution", "dynamic,0"], "--distribution", None),
    ("simpson", ["--distribution", "block,4"], "--distribution", None),
    ("simpson", ["--baseline", "1e99"], "--baseline", None),
    ("simpson", ["--baseline", "nan"], "--baseline", None),
    ("simpson", ["--model", ""], "--model", None),
    ("simpson", ["-n", ""], "--intervals", None),
    ("simpson", ["-n", "4", "-n", "6"], "intervals", None),  # given twice
    ("simpson", ["--quiet=yes"], "quiet", None),
    ("simpson", ["--label", "two\nlines"], "--label", None),
    ("simpson", ["--label"], "label", None),
    ("simpson", ["--label", b"\xff\xfe".decode("utf-8", "surrogateescape")], "--label", None),  # not UTF-8
    ("simpson", ["--csv"], "csv", None),
    ("simpson", ["--csv", "."], "--csv", None),
    ("simpson", ["--csv", ""], "--csv", None),
    # Read-only even for root (access() and open() both refuse a 0444 sysctl file).
    ("simpson", ["--csv", "/proc/sys/kernel/ostype"], "--csv", None),
    # access() says writable to root, creating a file there fails: the check really creates one.
    ("simpson", ["--csv", "/sys/runs.csv"], "--csv", None),
    ("simpson", ["--csv", "/dev/null"], "--csv", None),  # not a regular file
    ("simpson", ["--json", EXISTING + "/run.json"], "--json", None),  # the parent is a file
    ("simpson", ["--json", "/proc/run.json"], "--json", None),
    ("simpson", ["--csv", "runs.csv", "--json", "no/such/run.json"], "--json", None),  # nothing created
    ("simpson", ["--model", "hybrid"], "OMP_NUM_THREADS", {"OMP_NUM_THREADS": "0"}),
    ("simpson", ["--model", "hybrid"], "OMP_NUM_THREADS", {"OMP_NUM_THREADS": "-3"}),
    ("simpson", ["--model", "hybrid"], "OMP_NUM_THREADS", {"OMP_NUM_THREADS": "1e99"}),
    ("simpson", ["--model", "hybrid"], "OMP_NUM_THREADS", {"OMP_NUM_THREADS": "5000"}),
    ("simpson", ["--model", "hybrid"], "OMP_NUM_THREADS", {"OMP_NUM_THREADS": ""}),
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


def unexplained_launcher_lines(stderr, program):
    """Lines that are not the program's and do not look like the MPI launcher's: Open MPI
    prints help blocks between dashed rules and "[host:pid] ..." log lines; libgomp warns
    about a malformed OMP_* variable before main(). Everything else is unexplained."""
    stray = []
    in_block = False
    for line in stderr.splitlines():
        if line.startswith("-" * 20):
            in_block = not in_block
            continue
        if in_block or not line.strip() or line.startswith(f"{program}: error:") or line.startswith("libgomp:"):
            continue
        if line.startswith("Invalid value for environment variable OMP_"):
            continue  # libgomp's, split from its "libgomp: " prefix when ranks write at once
        if line.startswith("[") and "]" in line:
            continue
        stray.append(line)
    return stray


def snapshot(directory):
    state = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            state[name] = handle.read()
    return state


def check(case, ranks):
    program, args, needle, env = case
    failures = []
    with tempfile.TemporaryDirectory(prefix="parscale-cli-") as work:
        work_token = os.path.basename(work)
        with open(os.path.join(work, EXISTING), "w") as handle:
            handle.write("not,a,parscale,header\n1,2,3,4\n")
        before = snapshot(work)
        result = run(program, args, ranks=ranks, env=env, cwd=work)
        after = snapshot(work)
    error_lines = [line for line in result.stderr.splitlines() if line.startswith(f"{program}: error:")]
    own = [line for line in result.stderr.splitlines() if line.startswith(f"{program}:")]
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
    if ranks is not None:
        # Under mpiexec only the launcher may add text, and only its own kind of text.
        if own != error_lines[:1]:
            failures.append(f"{label}: the program printed more than its one error line: {own}")
        stray = unexplained_launcher_lines(result.stderr, program)
        if stray:
            failures.append(f"{label}: stderr lines that are neither the error nor the launcher's: {stray}")
        leftovers = processes_with(work_token)
        if leftovers:
            failures.append(f"{label}: processes still running after mpiexec returned: {leftovers}")
    if result.stdout.strip():
        failures.append(f"{label}: stdout not empty: {result.stdout.strip()}")
    if before != after:
        failures.append(f"{label}: files changed: {sorted(set(before) ^ set(after)) or 'content'}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--launch", choices=["serial", "np3"], default="serial")
    parser.add_argument("--jobs", type=int, default=6, help="cases run at once (default 6)")
    options = parser.parse_args()
    ranks = None if options.launch == "serial" else 3
    cases = CASES + (SERIAL_ONLY_CASES if ranks is None else MPI_ONLY_CASES)
    results = run_side_by_side(check, [(case, ranks) for case in cases], options.jobs)
    failures = [failure for case_failures in results for failure in case_failures]
    failed_cases = sum(1 for case_failures in results if case_failures)
    for failure in failures:
        print("FAIL", failure)
    print(f"{len(cases) - failed_cases} passed, {failed_cases} failed ({len(cases)} bad inputs, "
          f"{'serial' if ranks is None else f'mpiexec -n {ranks}'})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
