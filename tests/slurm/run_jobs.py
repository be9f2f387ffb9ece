#!/usr/bin/python3
"""Submits every batch script in jobs/ (jobs/*.sbatch) and the CI's own in tests/slurm/
(*.sbatch, e.g. the node sweep) to a running multi-node Slurm with tiny sizes, waits for all
of them with a timeout, and checks what each wrote: the CSV has its header once and the
expected number of intact rows, every row is valid, carries the Slurm job id (and for a job
array every array task id exactly once), and there is one valid JSON record per row. From the
JSON records (each rank's host and CPUs): every host a record names is a node of the cluster,
the job's records together name the nodes it ran on, a multi-node row puts its ranks one per
node where asked, a record is marked oversubscribed exactly when some node runs more workers
than it has cores, and a decomposition-invariant run gave its serial baseline's exact bits.

Each script declares its own test in comment lines that this reads:
    # ci-sbatch: OPTIONS       sbatch options overriding the script's #SBATCH lines
    # ci-env: NAME=VALUE       environment for the job (repeatable; PROGRAM=… picks the program)
    # ci-rows: N               rows the job must append (required)
    # ci-array-tasks: A-B      array task ids that must each write one row
    # ci-nodes: N              distinct nodes the job's records must name together (default 1)
    # ci-ranks-per-node: N     at most N ranks of a record on one node
    # ci-csv: PATH             the CSV, relative to OUT_DIR (default PROGRAM.csv)
    # ci-json: GLOB            the JSON records, relative to OUT_DIR (default json/*.json)
    # ci-files: PATH...        more files the job must write (non-empty), relative to OUT_DIR
A script without ci-rows fails the check, so a new script cannot go untested.

Needs a running Slurm (scripts/local-slurm.sh start; SLURM_CONF in the environment) and the
programs built in build/release (--bin-dir). Usage:
    tests/slurm/run_jobs.py --cores-per-node K [--timeout S] [--keep DIR] [--bin-dir DIR] [SCRIPT...]
K: the cores each node's slurmd may use (its cpuset), for the oversubscription check.
Exit status 0 when every job finished and wrote valid records, 1 otherwise.
"""

import argparse
import csv
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Tiny problems and one timed run per point: CI checks that the scripts work, not speed.
CI_ENVIRONMENT = {
    "PROGRAM": "simpson",
    "STRONG_SIZE": "2e5",
    "REPEAT": "1",
    "WARMUP": "0",
}
# Open MPI refuses to run as root without these. They belong to the CI machine, never to the
# job scripts or the programs, so they reach the jobs through sbatch's environment.
ROOT_MPI_ENVIRONMENT = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
}


class Case:
    def __init__(self, script):
        self.script = script
        self.name = os.path.splitext(os.path.basename(script))[0]
        self.sbatch_options = []
        self.environment = {}
        self.rows = None
        self.array_tasks = None
        self.nodes = 1
        self.ranks_per_node = None
        self.csv = None
        self.json = os.path.join("json", "*.json")
        self.files = []
        self.job_id = None
        self.problems = []
        with open(script, encoding="utf-8") as text:
            for line in text:
                if not line.startswith("# ci-"):
                    continue
                key, _, value = line[2:].partition(":")
                value = value.strip()
                if key == "ci-sbatch":
                    self.sbatch_options += shlex.split(value)
                elif key == "ci-env":
                    name, _, setting = value.partition("=")
                    self.environment[name.strip()] = setting
                elif key == "ci-rows":
                    self.rows = int(value)
                elif key == "ci-array-tasks":
                    first, _, last = value.partition("-")
                    self.array_tasks = set(range(int(first), int(last or first) + 1))
                elif key == "ci-nodes":
                    self.nodes = int(value)
                elif key == "ci-ranks-per-node":
                    self.ranks_per_node = int(value)
                elif key == "ci-csv":
                    self.csv = value
                elif key == "ci-json":
                    self.json = value
                elif key == "ci-files":
                    self.files += value.split()
                else:
                    self.problems.append(f"unknown directive '{key}'")
        if self.rows is None:
            self.problems.append("no '# ci-rows: N' line: every job script must declare its CI test")
        self.program = self.environment.get("PROGRAM", CI_ENVIRONMENT["PROGRAM"])
        self.csv = self.csv or self.program + ".csv"


def cluster_nodes():
    """The node names of the running cluster (sinfo)."""
    done = subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)
    return set(done.stdout.split())


def decomposition_invariant(run):
    """Every program's result is bit-identical for every decomposition, except montecarlo with
    one random stream per rank (--streams rank), whose samples depend on the rank count."""
    return not (run["program"] == "montecarlo" and run["parameters"].get("streams") == "rank")


def check_placement(case, name, document, nodes, cores_per_node):
    """The checks a JSON record's per-rank hosts and CPUs allow; returns the hosts it names."""
    run = document["run"]
    ranks = document["context"].get("ranks") or []
    threads = run["decomposition"]["threads"]
    hosts = [entry["host"] for entry in ranks]
    if len(ranks) != run["decomposition"]["ranks"]:
        case.problems.append(f"{name}: {len(ranks)} ranks placed, the record has {run['decomposition']['ranks']}")
    strangers = sorted(set(hosts) - nodes)
    if strangers:
        case.problems.append(f"{name}: names host(s) {strangers}, not nodes of the cluster {sorted(nodes)} "
                             "(the record must take the host from Slurm's node name)")
    per_node = Counter(hosts)
    if case.ranks_per_node and max(per_node.values(), default=0) > case.ranks_per_node:
        case.problems.append(f"{name}: ranks per node {dict(per_node)}, at most {case.ranks_per_node} expected")
    expected = any(count * threads > cores_per_node for count in per_node.values())
    if bool(run["decomposition"]["oversubscribed"]) != expected:
        case.problems.append(f"{name}: oversubscribed={run['decomposition']['oversubscribed']}, but ranks per node "
                             f"{dict(per_node)} x {threads} thread(s) on {cores_per_node} core(s) per node")
    if run["baseline"]["kind"] == "measured-serial" and decomposition_invariant(run):
        if not run["baseline"]["bits_match"]:
            case.problems.append(f"{name}: the result differs from its serial baseline's bits")
    return set(hosts)


def submit(case, output_root):
    out_dir = os.path.join(output_root, case.name)
    os.makedirs(out_dir)
    environment = dict(os.environ)
    environment.update(CI_ENVIRONMENT)
    if os.geteuid() == 0:
        environment.update(ROOT_MPI_ENVIRONMENT)
    environment.update(case.environment)
    environment["OUT_DIR"] = out_dir
    command = ["sbatch", "--parsable", f"--output={out_dir}/slurm-%j.out"] + case.sbatch_options + [case.script]
    done = subprocess.run(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        case.problems.append(f"sbatch failed ({done.returncode}): {done.stderr.strip()}")
        return
    case.job_id = done.stdout.strip().split(";")[0]
    case.out_dir = out_dir
    print(f"submitted {case.name:12s} job {case.job_id}: {' '.join(case.sbatch_options)}", flush=True)


def pending_jobs(job_ids):
    """Job ids still in the queue (array tasks report as JOBID_TASK)."""
    done = subprocess.run(["squeue", "-h", "-o", "%i", "-j", ",".join(job_ids)],
                          capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    queued = set()
    for entry in done.stdout.split():
        queued.add(entry.split("_")[0])
    return queued & set(job_ids)


def job_states(job_id):
    """(state, exit code) of a job, or of every task of an array, from scontrol (no slurmdbd)."""
    done = subprocess.run(["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True,
                          check=False, stdin=subprocess.DEVNULL)
    states = []
    for line in done.stdout.splitlines():
        fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
        states.append((fields.get("ArrayTaskId", ""), fields.get("JobState", "?"), fields.get("ExitCode", "?")))
    return states or [("", "UNKNOWN", done.stderr.strip())]


def check_records(case, nodes, cores_per_node):
    csv_path = os.path.join(case.out_dir, case.csv)
    if not os.path.exists(csv_path):
        case.problems.append(f"no CSV written at {csv_path}")
        return
    with open(csv_path, encoding="utf-8", newline="") as text:
        lines = text.read().splitlines()
    if not lines:
        case.problems.append("the CSV is empty")
        return
    header = lines[0]
    if lines.count(header) != 1:
        case.problems.append(f"the header appears {lines.count(header)} times")
    table = list(csv.reader(lines))
    columns = table[0]
    rows = table[1:]
    if len(rows) != case.rows:
        case.problems.append(f"{len(rows)} rows, expected {case.rows}")
    records = []
    for number, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            case.problems.append(f"line {number} has {len(row)} fields, the header {len(columns)} (torn row?)")
            continue
        records.append(dict(zip(columns, row)))
    for record in records:
        if record["valid"] != "1":
            case.problems.append(f"row with valid={record['valid']}: {record}")
        if record["program"] != case.program:
            case.problems.append(f"row of program '{record['program']}'")
        if not record["slurm_job_id"]:
            case.problems.append("row without slurm_job_id")
        if record["host"] not in nodes:
            case.problems.append(f"row names host '{record['host']}', not a node of the cluster {sorted(nodes)}")
    if case.array_tasks is None:
        wrong = {r["slurm_job_id"] for r in records} - {case.job_id}
        if wrong:
            case.problems.append(f"rows carry slurm_job_id {sorted(wrong)}, expected {case.job_id}")
    else:
        task_ids = sorted(int(r["slurm_array_task_id"]) for r in records if r["slurm_array_task_id"])
        if task_ids != sorted(case.array_tasks):
            case.problems.append(f"array task ids {task_ids}, expected each of {sorted(case.array_tasks)} once")
        if len({r["slurm_job_id"] for r in records}) != len(records):
            case.problems.append("array tasks share a slurm_job_id (each task is its own job)")
    json_paths = sorted(glob.glob(os.path.join(case.out_dir, case.json)))
    if len(json_paths) != case.rows:
        case.problems.append(f"{len(json_paths)} JSON records, expected {case.rows}")
    named = set()
    node_counts = []
    layouts = []
    for path in json_paths:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as text:
            document = json.load(text)
        if not document["run"]["result"]["valid"] or not document["context"].get("slurm_job_id"):
            case.problems.append(f"{name}: not valid or without slurm_job_id")
        hosts = check_placement(case, name, document, nodes, cores_per_node)
        named |= hosts
        node_counts.append(len(hosts))
        decomposition = document["run"]["decomposition"]
        layouts.append(f"{decomposition['ranks']}x{decomposition['threads']} on {','.join(sorted(hosts))}"
                       + (" (oversubscribed)" if decomposition["oversubscribed"] else ""))
    if records and "nodes" in records[0]:  # the record's node count (schema 2), where present
        counted = sorted(record["nodes"] for record in records)
        if counted != sorted(str(count) for count in node_counts):
            case.problems.append(f"the rows' nodes column says {counted}, their ranks' hosts "
                                 f"{sorted(node_counts)}")
    if len(named) != case.nodes:
        case.problems.append(f"the records name the node(s) {sorted(named)}, expected {case.nodes} distinct")
    for relative in case.files:
        path = os.path.join(case.out_dir, relative)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            case.problems.append(f"no file {relative} (or empty)")
    if not case.problems:
        print(f"ok  {case.name:12s} job {case.job_id}: {len(rows)} valid rows, header once"
              + (f", array tasks {task_ids}" if case.array_tasks is not None else "")
              + f"; {'; '.join(sorted(layouts))}", flush=True)


def show_output(case):
    print(f"--- {case.name}: job output", file=sys.stderr)
    for path in sorted(glob.glob(os.path.join(getattr(case, "out_dir", "/nonexistent"), "slurm-*.out"))):
        print(f"--- {path}", file=sys.stderr)
        with open(path, encoding="utf-8", errors="replace") as text:
            sys.stderr.write(text.read()[-6000:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300, help="seconds for all jobs together")
    parser.add_argument("--keep", help="write the outputs here (default: a temporary folder, removed on success)")
    parser.add_argument("--cores-per-node", type=int, required=True,
                        help="cores each node's slurmd may use (scripts/local-slurm.sh start --cores-per-node)")
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "release"),
                        help="the programs the jobs run (their BIN_DIR; default build/release)")
    parser.add_argument("scripts", nargs="*", help="batch scripts (default: jobs/*.sbatch and tests/slurm/*.sbatch)")
    args = parser.parse_args()

    scripts = args.scripts or (sorted(glob.glob(os.path.join(ROOT, "jobs", "*.sbatch")))
                               + sorted(glob.glob(os.path.join(ROOT, "tests", "slurm", "*.sbatch"))))
    if not scripts:
        print("run_jobs: error: no jobs/*.sbatch scripts", file=sys.stderr)
        return 1
    CI_ENVIRONMENT["BIN_DIR"] = os.path.abspath(args.bin_dir)
    cases = [Case(script) for script in scripts]
    for program in sorted({case.program for case in cases}):
        if not os.access(os.path.join(args.bin_dir, program), os.X_OK):
            print(f"run_jobs: error: {args.bin_dir}/{program} missing; build it first", file=sys.stderr)
            return 1
    nodes = cluster_nodes()
    if len(nodes) < max(case.nodes for case in cases):
        print(f"run_jobs: error: the cluster has the nodes {sorted(nodes)}; the jobs need "
              f"{max(case.nodes for case in cases)} (scripts/local-slurm.sh start --nodes N)", file=sys.stderr)
        return 1
    output_root = args.keep or tempfile.mkdtemp(prefix="parscale-slurm-jobs-")
    os.makedirs(output_root, exist_ok=True)
    for case in cases:
        if not case.problems:
            submit(case, output_root)

    submitted = [case for case in cases if case.job_id]
    started = time.monotonic()
    waiting = {case.job_id for case in submitted}
    while waiting and time.monotonic() - started < args.timeout:
        time.sleep(0.5)
        waiting = pending_jobs(sorted(waiting))
    if waiting:
        subprocess.run(["scancel"] + sorted(waiting), check=False, stdin=subprocess.DEVNULL)
    print(f"all jobs left the queue after {time.monotonic() - started:.1f} s" if not waiting
          else f"timeout after {args.timeout:.0f} s", flush=True)

    for case in submitted:
        if case.job_id in waiting:
            case.problems.append(f"did not finish within {args.timeout:.0f} s (cancelled)")
        for task, state, exit_code in job_states(case.job_id):
            if state != "COMPLETED" or exit_code != "0:0":
                case.problems.append(f"job {case.job_id}{'_' + task if task else ''}: {state}, exit code {exit_code}")
        check_records(case, nodes, args.cores_per_node)

    failed = [case for case in cases if case.problems]
    for case in failed:
        print(f"FAIL {case.name} ({case.script}):", file=sys.stderr)
        for problem in case.problems:
            print(f"  {problem}", file=sys.stderr)
        show_output(case)
    print(f"slurm jobs: {len(cases) - len(failed)} of {len(cases)} scripts passed; outputs in {output_root}"
          if failed or args.keep else f"slurm jobs: all {len(cases)} scripts passed", flush=True)
    if not failed and not args.keep:
        subprocess.run(["rm", "-rf", output_root], check=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
