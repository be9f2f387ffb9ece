#!/usr/bin/python3
"""Submits every batch script in jobs/ (jobs/*.sbatch) to a running Slurm with tiny sizes,
waits for all of them with a timeout, and checks what each wrote: the CSV has its header once
and the expected number of intact rows, every row is valid, carries the Slurm job id (and for
a job array every array task id exactly once), and there is one valid JSON record per row.

Each script declares its own test in comment lines that this reads:
    # ci-sbatch: OPTIONS       sbatch options overriding the script's #SBATCH lines
    # ci-env: NAME=VALUE       environment for the job (repeatable; PROGRAM=… picks the program)
    # ci-rows: N               rows the job must append (required)
    # ci-array-tasks: A-B      array task ids that must each write one row
A script without ci-rows fails the check, so a new script cannot go untested.

Needs a running Slurm (scripts/local-slurm.sh start; SLURM_CONF in the environment) and the
programs built in build/release. Usage: tests/slurm/run_jobs.py [--timeout S] [--keep DIR]
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
                else:
                    self.problems.append(f"unknown directive '{key}'")
        if self.rows is None:
            self.problems.append("no '# ci-rows: N' line: every job script must declare its CI test")
        self.program = self.environment.get("PROGRAM", CI_ENVIRONMENT["PROGRAM"])


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


def check_records(case):
    csv_path = os.path.join(case.out_dir, case.program + ".csv")
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
    json_paths = sorted(glob.glob(os.path.join(case.out_dir, "json", "*.json")))
    if len(json_paths) != case.rows:
        case.problems.append(f"{len(json_paths)} JSON records, expected {case.rows}")
    for path in json_paths:
        with open(path, encoding="utf-8") as text:
            record = json.load(text)
        if not record["run"]["result"]["valid"] or not record["context"].get("slurm_job_id"):
            case.problems.append(f"{os.path.basename(path)}: not valid or without slurm_job_id")
    if not case.problems:
        print(f"ok  {case.name:12s} job {case.job_id}: {len(rows)} valid rows, header once"
              + (f", array tasks {task_ids}" if case.array_tasks is not None else ""), flush=True)


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
    args = parser.parse_args()

    scripts = sorted(glob.glob(os.path.join(ROOT, "jobs", "*.sbatch")))
    if not scripts:
        print("run_jobs: error: no jobs/*.sbatch scripts", file=sys.stderr)
        return 1
    cases = [Case(script) for script in scripts]
    for program in sorted({case.program for case in cases}):
        if not os.access(os.path.join(ROOT, "build", "release", program), os.X_OK):
            print(f"run_jobs: error: build/release/{program} missing; build the release preset first",
                  file=sys.stderr)
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
        check_records(case)

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
