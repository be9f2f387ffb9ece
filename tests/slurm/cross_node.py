#!/usr/bin/python3
"""Runs, faults and result files across the nodes of a running multi-node Slurm (issue 12):

0. (--checks programs) each program runs with each distribution on two nodes, one rank per
   node: valid, its ranks on two distinct nodes of the cluster, not oversubscribed (each node has
   its own cores), and the serial baseline's exact bits (used for MPICH, whose runs the job
   scripts do not launch: they pass srun --mpi=pmix, and Debian's MPICH needs --mpi=pmi2);
1. a rank that fails on the second node ends the whole job, non-zero, within 10 s, although
   the rank on the first node has work for longer than that; nothing is left running
   (the test-only fault program, tests/fault_program.cpp). --fault throw: the program's own
   MPI_Abort ends the job, under srun --kill-on-bad-exit=0 (Slurm's default); --fault kill
   (SIGKILL, no chance to abort): srun --kill-on-bad-exit=1 ends it, as jobs/common.sh launches;
2. two jobs, one on each of two nodes, append to one CSV at the same time: one header, every
   row whole and valid, rows from both nodes, and the jobs' run times overlap.

Needs a running Slurm with at least 2 nodes (SLURM_CONF in the environment), the release build's
programs and build/release/tests/parscale_fault (--bin-dir). Exit status 0 if every check
passed, 1 otherwise.
    tests/slurm/cross_node.py [--bin-dir DIR] [--launcher-args "--mpi=pmix"] [--checks faults,appends]
"""
import argparse
import csv
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from program_harness import FAILURES, expect, processes_with  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
DEADLINE = 10.0  # seconds from the fault (at the start of the run) to the end of the job
BLOCK_MS = 10
# Rank 0 alone would need 3000 / 2 x 10 ms = 15 s, more than the deadline: a job that ends in
# time did so because the fault ended it, not because rank 0 finished its share.
FAULT_BLOCKS = 3000
CONTROL_BLOCKS = 200
APPEND_RUNS = 12


def run(command, timeout, env=None):
    began = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
        return done.returncode, done.stdout, done.stderr, time.monotonic() - began
    except subprocess.TimeoutExpired as expired:
        return None, expired.stdout or "", expired.stderr or "", time.monotonic() - began


def two_node_step(launcher_args, kill_on_bad_exit=1):
    return (["srun", "--nodes=2", "--ntasks=2", "--ntasks-per-node=1", f"--kill-on-bad-exit={kill_on_bad_exit}"]
            + launcher_args)


def rank_nodes(launcher_args):
    """The node of each rank of a two-node step, from Slurm itself."""
    code, out, err, _ = run(two_node_step(launcher_args) + ["--label", "printenv", "SLURMD_NODENAME"], 60)
    nodes = dict(line.split(": ", 1) for line in out.split("\n") if ": " in line)
    expect(code == 0 and len(set(nodes.values())) == 2, f"a 2-node step did not run on two nodes: {out} {err}")
    return nodes


def wait_gone(token, seconds=5.0):
    ended = time.monotonic() + seconds
    while processes_with(token) and time.monotonic() < ended:
        time.sleep(0.1)
    return processes_with(token)


def test_fault_on_second_node(fault_program, launcher_args):
    nodes = rank_nodes(launcher_args)
    print(f"a rank fails on the second node (rank 1 on {nodes.get('1', '?')}, rank 0 on {nodes.get('0', '?')};"
          f" deadline {DEADLINE:.0f} s):", flush=True)
    common = [fault_program, "--baseline", "none", "--warmup", "0", "--repeat", "1", "--block-ms", str(BLOCK_MS)]
    token = f"parscale-cross-{uuid.uuid4().hex[:12]}"
    code, _, err, seconds = run(two_node_step(launcher_args) + common + ["--blocks", str(CONTROL_BLOCKS),
                                                                         "--label", token], 60)
    print(f"  control (--fault none): exit {code}, {seconds:.2f} s", flush=True)
    expect(code == 0, f"the fault program without a fault failed across nodes: exit {code}: {err[-2000:]}")
    for fault, kill_on_bad_exit, line in (("throw", 0, "rank 1 of 2: injected fault"), ("kill", 1, None)):
        token = f"parscale-cross-{uuid.uuid4().hex[:12]}"
        command = two_node_step(launcher_args, kill_on_bad_exit) + common + ["--blocks", str(FAULT_BLOCKS), "--fault", fault,
                                                           "--fault-rank", "1", "--label", token]
        code, _, err, seconds = run(command, DEADLINE + 20)
        print(f"  --fault {fault} on rank 1 (srun --kill-on-bad-exit={kill_on_bad_exit}): exit {code}, "
              f"{seconds:.2f} s", flush=True)
        expect(code is not None, f"--fault {fault}: still running after {DEADLINE + 20:.0f} s: {err[-2000:]}")
        expect(code != 0, f"--fault {fault}: exit code 0 despite the fault")
        expect(seconds < DEADLINE, f"--fault {fault}: the job took {seconds:.2f} s, deadline {DEADLINE:.0f} s")
        if line:
            expect(line in err, f"--fault {fault}: stderr lacks {line!r}: {err[-2000:]}")
        left = wait_gone(token)
        expect(not left, f"--fault {fault}: processes left running: {left}")


PROGRAM_RUNS = {  # tiny sizes: the checks are about placement and bits, not speed
    "simpson": ["-n", "2e6"],
    "montecarlo": ["--samples", "2e6", "--streams", "block"],
    "primes": ["--workload", "trial", "--limit", "2e4"],
}
DISTRIBUTIONS = ("block", "cyclic", "dynamic")


def run_for_record(name, command, record, env=None):
    """Runs one step that writes a JSON record; returns (the document, seconds), or (None, seconds)
    after recording the failure."""
    code, out, err, seconds = run(command, 120, env=env)
    if code != 0 or not os.path.exists(record):
        expect(False, f"{name}: exit {code}: {(out + err)[-2000:]}")
        return None, seconds
    with open(record, encoding="utf-8") as handle:
        return json.load(handle), seconds


def test_programs(bin_dir, launcher_args, nodes, cores_per_node):
    print(f"each program and distribution on two nodes ({' '.join(launcher_args)}):", flush=True)
    with tempfile.TemporaryDirectory(prefix="parscale-cross-programs-") as work:
        for program, size in PROGRAM_RUNS.items():
            for distribution in DISTRIBUTIONS:
                name = f"{program} --distribution {distribution}"
                record = os.path.join(work, f"{program}-{distribution}.json")
                command = two_node_step(launcher_args) + [
                    os.path.join(bin_dir, program), *size, "--distribution", distribution, "--repeat", "1",
                    "--warmup", "0", "--baseline", "measure", "--quiet", "--json", record]
                document, seconds = run_for_record(name, command, record)
                if document is None:
                    continue
                run_record = document["run"]
                hosts = [entry["host"] for entry in document["context"].get("ranks") or []]
                decomposition = run_record["decomposition"]
                expect(decomposition["ranks"] == 2 and len(hosts) == 2,
                       f"{name}: {decomposition['ranks']} rank(s) in the record, 2 launched (did the MPI library "
                       f"see one job, or one job per task?)")
                expect(len(set(hosts)) == 2 and set(hosts) <= set(nodes),
                       f"{name}: ranks on {hosts}, expected two distinct nodes of {nodes}")
                expect(decomposition["oversubscribed"] == (decomposition["threads"] > cores_per_node),
                       f"{name}: oversubscribed={decomposition['oversubscribed']} with one rank per node and "
                       f"{cores_per_node} core(s) per node")
                expect(run_record["result"]["valid"], f"{name}: not valid")
                expect(run_record["baseline"]["bits_match"], f"{name}: the result differs from the serial bits")
                blocks = [worker["blocks"] for worker in run_record["workers"]]
                print(f"  {name}: {seconds:.2f} s, ranks on {','.join(hosts)}, blocks per rank {blocks}, "
                      f"imbalance {run_record['metrics']['imbalance']:.3f}", flush=True)


def test_two_ranks_per_node(bin_dir, launcher_args, nodes, cores_per_node):
    """The placement summary is reduced per node (src/placement.*): with two ranks on each of two
    nodes of one machine, the ranks must be grouped by Slurm node name, not by the machine.
    Open MPI only, over TCP: both nodes' shared-memory segments would have the same names on one
    machine (vader's file names carry the hostname), which a real cluster never sees."""
    if "--mpi=pmix" not in launcher_args:
        print("  two ranks per node: SKIPPED (Open MPI under PMIx only)", flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="parscale-cross-pernode-") as work:
        record = os.path.join(work, "pernode.json")
        command = (["srun", "--nodes=2", "--ntasks=4", "--ntasks-per-node=2", "--overcommit", "--kill-on-bad-exit=1"]
                   + launcher_args + [os.path.join(bin_dir, "simpson"), "-n", "2e6", "--distribution", "dynamic",
                                      "--repeat", "1", "--warmup", "0", "--baseline", "measure", "--quiet",
                                      "--json", record])
        document, seconds = run_for_record("two ranks per node", command, record,
                                           env=dict(os.environ, OMPI_MCA_btl="self,tcp"))
        if document is None:
            return
        context = document["context"]
        decomposition = document["run"]["decomposition"]
        per_node = {entry["host"]: entry["ranks"] for entry in context.get("nodes_detail") or []}
        expect(decomposition["nodes"] == 2 and context.get("hosts") == 2, f"two ranks per node: nodes "
               f"{decomposition['nodes']}, hosts {context.get('hosts')}, expected 2")
        expect(sorted(per_node.values()) == [2, 2] and set(per_node) <= set(nodes),
               f"two ranks per node: nodes_detail {context.get('nodes_detail')}")
        expect(decomposition["oversubscribed"] == (2 * decomposition["threads"] > cores_per_node),
               f"two ranks per node: oversubscribed={decomposition['oversubscribed']} with 2 ranks on "
               f"{cores_per_node} core(s) per node")
        expect(document["run"]["baseline"]["bits_match"], "two ranks per node: not the serial bits")
        print(f"  two ranks per node: {seconds:.2f} s, nodes_detail {per_node}, oversubscribed "
              f"{decomposition['oversubscribed']}", flush=True)


def job_times(job_id):
    done = subprocess.run(["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True, check=False)
    fields = dict(item.split("=", 1) for item in done.stdout.split() if "=" in item)
    return fields.get("JobState"), fields.get("NodeList"), fields.get("StartTime"), fields.get("EndTime")


def test_concurrent_appends(bin_dir, nodes):
    print(f"two jobs on {nodes[0]} and {nodes[1]} append {APPEND_RUNS} rows each to one CSV:", flush=True)
    with tempfile.TemporaryDirectory(prefix="parscale-cross-append-") as work:
        shared = os.path.join(work, "shared.csv")
        loop = (f"for i in $(seq {APPEND_RUNS}); do {shlex.quote(os.path.join(bin_dir, 'simpson'))} -n 2e4 "
                f"--repeat 1 --warmup 0 --baseline none --quiet --label append-$i --csv {shlex.quote(shared)} "
                f"|| exit 1; done")
        job_ids = []
        for node in nodes[:2]:
            done = subprocess.run(["sbatch", "--parsable", f"--nodelist={node}", "--ntasks=1",
                                   f"--output={work}/append-%j.out", "--wrap", loop],
                                  capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
            expect(done.returncode == 0, f"sbatch --nodelist={node} failed: {done.stderr.strip()}")
            if done.returncode == 0:
                job_ids.append(done.stdout.strip().split(";")[0])
        ended = time.monotonic() + 120
        while time.monotonic() < ended:
            queued = subprocess.run(["squeue", "-h", "-o", "%i", "-j", ",".join(job_ids)], capture_output=True,
                                    text=True, check=False).stdout.split()
            if not set(queued) & set(job_ids):
                break
            time.sleep(0.3)
        else:
            subprocess.run(["scancel"] + job_ids, check=False)
            expect(False, "the append jobs did not finish in 120 s (cancelled)")
        spans = []
        for job_id in job_ids:
            state, node, start, end = job_times(job_id)
            expect(state == "COMPLETED", f"append job {job_id} on {node}: {state}")
            spans.append((start, end))
        if len(spans) == 2:
            expect(spans[0][0] <= spans[1][1] and spans[1][0] <= spans[0][1],
                   f"the two jobs did not run at the same time: {spans}")
        if not os.path.exists(shared):
            expect(False, "no shared CSV written")
            return
        with open(shared, encoding="utf-8", newline="") as handle:
            text = handle.read()
        lines = text.splitlines()
        expect(text.endswith("\n"), "the shared CSV does not end with a newline (a torn last row)")
        expect(lines.count(lines[0]) == 1, f"the header appears {lines.count(lines[0])} times")
        table = list(csv.reader(lines))
        header, rows = table[0], table[1:]
        torn = [row for row in rows if len(row) != len(header)]
        expect(not torn, f"{len(torn)} torn rows, e.g. {torn[:1]}")
        expect(len(rows) == APPEND_RUNS * 2, f"{len(rows)} rows, expected {APPEND_RUNS * 2}")
        whole = [dict(zip(header, row)) for row in rows if len(row) == len(header)]
        expect(all(row["valid"] == "1" for row in whole), "a row is not valid")
        hosts = sorted({row["host"] for row in whole})
        expect(hosts == sorted(nodes[:2]), f"rows name the hosts {hosts}, expected the nodes {sorted(nodes[:2])}")
        print(f"  {len(rows)} rows, header once, {len(torn)} torn, hosts {hosts}, job spans {spans}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("--launcher-args", default="--mpi=pmix", help="srun's MPI options (default --mpi=pmix)")
    parser.add_argument("--checks", default="faults,appends",
                        help="comma-separated: programs, faults, appends (default faults,appends)")
    parser.add_argument("--cores-per-node", type=int, default=1, help="cores each node may use (default 1)")
    args = parser.parse_args()
    checks = set(args.checks.split(","))
    unknown = checks - {"programs", "faults", "appends"}
    if unknown:
        parser.error(f"--checks: unknown {sorted(unknown)}; expected programs, faults, appends")
    fault_program = os.path.join(args.bin_dir, "tests", "parscale_fault")
    needed = [os.path.join(args.bin_dir, program) for program in PROGRAM_RUNS]
    for path in needed + ([fault_program] if "faults" in checks else []):
        if not os.access(path, os.X_OK):
            print(f"cross_node: error: {path} missing; build it first", file=sys.stderr)
            return 1
    nodes = sorted(subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True,
                                  check=False).stdout.split())
    if len(nodes) < 2:
        print(f"cross_node: error: the cluster has the nodes {nodes}; 2 needed", file=sys.stderr)
        return 1
    began = time.monotonic()
    launcher_args = shlex.split(args.launcher_args)
    if "programs" in checks:
        test_programs(os.path.abspath(args.bin_dir), launcher_args, nodes, args.cores_per_node)
        test_two_ranks_per_node(os.path.abspath(args.bin_dir), launcher_args, nodes, args.cores_per_node)
    if "faults" in checks:
        test_fault_on_second_node(os.path.abspath(fault_program), launcher_args)
    if "appends" in checks:
        test_concurrent_appends(os.path.abspath(args.bin_dir), nodes)
    for failure in FAILURES:
        print(f"FAIL {failure}", flush=True)
    print(f"cross-node checks: {'all passed' if not FAILURES else f'{len(FAILURES)} failed'} "
          f"in {time.monotonic() - began:.1f} s", flush=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
