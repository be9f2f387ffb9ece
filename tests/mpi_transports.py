#!/usr/bin/env python3
"""The MPI paths a cluster uses, on one host (Open MPI only; exit 77 = skipped elsewhere):

tcp      every program at np 2-4 over Open MPI's TCP transport forced onto loopback (no shared
         memory), every distribution: the result text is the serial run's, bit for bit; and the
         dynamic distribution at np 20 (oversubscribed, tiny), where the work queue has two
         levels (groups of 16 and 4 ranks, drivers/work_queue.hpp): leaders' shares and their
         members' grabs all over TCP, serial bits again.
dynamic  the dynamic distribution under the one-sided components that starved the remote rank
         before the point-to-point work queue (--mca osc ucx, --mca osc pt2pt): both ranks get
         a fair share of the tasks. Balance is read from the record's worker lines and JSON;
         no time is asserted."""
import json
import os
import re
import subprocess
import sys
import tempfile

from program_harness import BIN_DIR, expect, finish, launcher, run, summary_value

SKIPPED = 77
TCP = ["--mca", "pml", "ob1", "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo",
       "--mca", "oob_tcp_if_include", "lo"]
QUICK = ["--baseline", "none", "--repeat", "1", "--warmup", "0"]
# Tiny problems with several blocks per rank and ragged ends.
PROBLEMS = {
    "simpson": ["-n", "3000002"],
    "montecarlo": ["--samples", "1000003", "--streams", "block"],
    "primes": ["--workload", "sieve", "-n", "30000001"],
}


def is_open_mpi():
    try:
        version = subprocess.run([launcher(1)[0], "--version"], capture_output=True, text=True, timeout=60)
    except OSError:
        return False
    return "Open MPI" in version.stdout + version.stderr or "OpenRTE" in version.stdout + version.stderr


def result_text(stdout):
    return (summary_value(stdout, "result"), summary_value(stdout, "detail"))


def check_tcp():
    for program, problem in PROBLEMS.items():
        serial = run(program, problem + QUICK + ["--model", "serial"])
        expect(serial.returncode == 0, f"{program} serial: exit {serial.returncode}: {serial.stderr}")
        expected = result_text(serial.stdout)
        expect(expected[0] is not None, f"{program} serial: no result line: {serial.stdout}")
        for ranks in (2, 3, 4):
            for distribution in ("block", "cyclic", "dynamic"):
                name = f"{program} np {ranks} {distribution} over TCP"
                parallel = run_with_mca(program, problem, ranks, distribution)
                expect(parallel.returncode == 0, f"{name}: exit {parallel.returncode}: {parallel.stderr}")
                expect(result_text(parallel.stdout) == expected,
                       f"{name}: {result_text(parallel.stdout)} differs from serial {expected}")
        name = f"{program} np 20 dynamic (two queue groups) over TCP"
        parallel = run_with_mca(program, problem, 20, "dynamic")
        expect(parallel.returncode == 0, f"{name}: exit {parallel.returncode}: {parallel.stderr}")
        expect(result_text(parallel.stdout) == expected,
               f"{name}: {result_text(parallel.stdout)} differs from serial {expected}")
        print(f"{program}: np 2-4 x block/cyclic/dynamic and np 20 dynamic over TCP, serial bits {expected}")


def run_with_mca(program, problem, ranks, distribution, mca=TCP, extra=()):
    """The launcher's MCA flags go before the program: mpiexec -n R --mca ... program args."""
    command = launcher(ranks) + list(mca) + [os.path.join(BIN_DIR, program)] + problem + QUICK + [
        "--distribution", distribution] + list(extra)
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def workers(stdout):
    found = re.findall(r"^worker r(\d+)\.t\d+ += busy ([0-9.]+) s, (\d+) (?:tasks|blocks)$", stdout, re.M)
    return {int(rank): int(count) for rank, _, count in found}


def check_dynamic_balance(work):
    for component in ("ucx", "pt2pt"):
        json_path = os.path.join(work, f"dynamic-{component}.json")
        name = f"primes --distribution dynamic, np 2, --mca osc {component}"
        result = run_with_mca("primes", ["--limit", "120000"], 2, "dynamic", mca=["--mca", "osc", component],
                              extra=["--json", json_path])
        expect(result.returncode == 0, f"{name}: exit {result.returncode}: {result.stderr}")
        if result.returncode != 0:
            continue
        tasks = workers(result.stdout)
        with open(json_path) as handle:
            record = json.load(handle)["run"]
        total = record["work"]["blocks"]
        imbalance = record["metrics"]["imbalance"]
        expect(sorted(tasks) == [0, 1], f"{name}: worker lines {tasks}")
        expect(sum(tasks.values()) == total, f"{name}: {tasks} do not add up to {total} tasks")
        # Before the work queue: 400 tasks against 0 (ucx), 268 against 132 (pt2pt).
        expect(all(count >= total // 4 for count in tasks.values()), f"{name}: a rank starved: {tasks}")
        expect(imbalance <= 1.25, f"{name}: imbalance {imbalance} (busy time max/mean)")
        print(f"{name}: tasks {tasks}, imbalance {imbalance:.3f}")


def main():
    if not is_open_mpi():
        print("skipped: the launcher is not Open MPI (the MCA flags are Open MPI's)")
        return SKIPPED
    with tempfile.TemporaryDirectory() as work:
        check_dynamic_balance(work)
        check_tcp()
    return finish("MPI transports")


if __name__ == "__main__":
    sys.exit(main())
