#!/usr/bin/env python3
"""Robustness end to end (issue 7):
  1. one failing rank (the test-only fault program, and real I/O failures on rank 0) ends
     the whole job with a non-zero exit code within 10 s, leaving no process behind;
  2. 16 concurrent appenders to one CSV give one header and 16 whole rows; a JSON file is
     never seen half-written and no temporary file is left behind;
  3. SIGTERM/SIGINT mid-run: a plain process exits with 128 + signal, mpiexec with non-zero
     (MPICH's hydra before 4.3 may say 0: a launcher bug, see hydra_may_lose_exit_status);
     no row, no temporary file, no process left; a burst of signals at random moments
     (some land in the report phase) never tears a row.
Every case prints what it measured (exit code, seconds)."""
import csv
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from program_harness import BIN_DIR, launcher, processes_with

FAULT_PROGRAM = os.environ.get("PARSCALE_FAULT_PROGRAM", os.path.join(BIN_DIR, "tests", "parscale_fault"))
SIMPSON = os.path.join(BIN_DIR, "simpson")
DEADLINE = 10.0  # seconds from the fault to the end of the whole job
FAILURES = []


def expect(condition, message):
    if not condition:
        FAILURES.append(message)
        print("  FAIL", message, flush=True)
    return condition


def expect_no_leftovers(token, label):
    """Every process of the run must be gone (a short grace period for the launcher's
    children to be reaped); any left are reported and then killed, by PID."""
    deadline = time.monotonic() + 3.0
    while processes_with(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = processes_with(token)
    expect(not leftovers, f"{label}: processes left behind: {leftovers}")
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def start(command, cwd, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen(command, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def finish(process, timeout):
    """(exit code or None on timeout, stdout, stderr); kills the session on timeout."""
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return None, out, err


def temporary_files(directory):
    return sorted(name for name in os.listdir(directory) if ".tmp." in name or name.startswith(".parscale-probe"))


def read_csv_rows(path):
    """(header count, rows, torn rows): a row is torn if its column count differs from the header's."""
    if not os.path.exists(path):
        return 0, [], []
    with open(path, newline="") as handle:
        text = handle.read()
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return 0, [], []
    header = rows[0]
    headers = sum(1 for row in rows if row == header)
    data = [row for row in rows[1:] if row != header]
    torn = [row for row in data if len(row) != len(header)]
    if text and not text.endswith("\n"):
        torn.append(["<no final newline>"])
    return headers, data, torn


# ---------------------------------------------------------------------------------------
# 1. One rank fails.

def fault_case(label, program_args, ranks=4, sabotage=None, expect_line=None, env=None, setup=None,
               hybrid=False):
    """Runs `program_args` under mpiexec -np `ranks` in a fresh directory (`setup(dir)`
    first); `sabotage[1](dir)` runs `sabotage[0]` seconds after the start."""
    token = f"parscale-robust-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix=token) as work:
        if setup:
            setup(work)
        command = (launcher_flags_bind_none() if hybrid else launcher(ranks)) + program_args + ["--label", token]
        began = time.monotonic()
        process = start(command, work, env)
        fault_time = began
        if sabotage:
            time.sleep(sabotage[0])
            sabotage[1](work)
            fault_time = time.monotonic()
        code, _, err = finish(process, timeout=DEADLINE + (fault_time - began))
        ended = time.monotonic()
        after_fault = ended - fault_time
        print(f"  {label}: exit {code}, {ended - began:.2f} s in all, {after_fault:.2f} s after the fault"
              f"{'' if sabotage else ' (fault at start)'}", flush=True)
        expect(code is not None, f"{label}: still running after {DEADLINE} s (hang); stderr: {err[-2000:]}")
        expect(code != 0, f"{label}: exit code 0 despite the fault")
        expect(after_fault < DEADLINE, f"{label}: took {after_fault:.2f} s, deadline {DEADLINE} s")
        if expect_line:
            expect(expect_line in err, f"{label}: stderr lacks {expect_line!r}: {err[-2000:]}")
        expect_no_leftovers(token, label)
        leftovers = temporary_files(work)
        expect(not leftovers, f"{label}: temporary files left: {leftovers}")
        return code


def test_one_rank_fails():
    print("one rank fails (mpiexec -np 4, deadline 10 s):", flush=True)
    fault = [FAULT_PROGRAM, "--baseline", "none", "--warmup", "0", "--repeat", "1"]
    # Control: the same program without a fault passes, so the checks below can tell.
    token = f"parscale-robust-{uuid.uuid4().hex[:12]}"
    control = subprocess.run(launcher(4) + fault + ["--label", token], capture_output=True, text=True, timeout=60)
    expect(control.returncode == 0, f"fault --fault none: exit {control.returncode}: {control.stderr[-2000:]}")
    expect_no_leftovers(token, "control")
    cases = 0
    long_run = ["--blocks", "400", "--block-ms", "25"]  # 100 blocks a rank: ~2.5 s
    for label, args, line in [
        ("compute throws on rank 2 of 4", ["--fault", "throw", "--fault-rank", "2"], "rank 2 of 4: injected fault"),
        ("compute throws on rank 0 of 4 (holds the dynamic counter)",
         ["--fault", "throw", "--fault-rank", "0", "--distribution", "dynamic"], "rank 0 of 4: injected fault"),
        ("compute throws on rank 3 of 4, cyclic, while others compute",
         ["--fault", "throw", "--fault-rank", "3", "--distribution", "cyclic"] + long_run, "rank 3 of 4"),
        ("compute throws inside an OpenMP region, rank 1, hybrid 2 threads",
         ["--fault", "throw", "--fault-rank", "1", "--model", "hybrid", "--threads", "2"],
         "rank 1 of 4"),
        ("SIGKILL on rank 2 of 4", ["--fault", "kill", "--fault-rank", "2"], None),
        ("SIGKILL on rank 0 of 4 (holds the dynamic counter)",
         ["--fault", "kill", "--fault-rank", "0", "--distribution", "dynamic"], None),
        ("rank 0 throws in its report phase, others wait for it", ["--fault", "report"], "rank 0 of 4: injected"),
    ]:
        fault_case(label, fault + args, expect_line=line, hybrid="--threads" in args)
        cases += 1

    # Real I/O failures on rank 0 at the end of the run: the paths pass the check before
    # the run and are sabotaged 2.5 s into it (the run takes ~5 s; start-up under load or
    # ASan can take over a second, and the check must have passed before the sabotage).
    io_run = ["--blocks", "800", "--block-ms", "25"]
    for label, args, sabotage in [
        ("CSV write fails on rank 0 (path became a directory)", ["--csv", "runs.csv"],
         lambda work: os.mkdir(os.path.join(work, "runs.csv"))),
        ("JSON rename fails on rank 0 (path became a directory)", ["--json", "run.json"],
         lambda work: os.mkdir(os.path.join(work, "run.json"))),
        ("JSON temporary file cannot be created (directory removed)", ["--json", "out/run.json"],
         lambda work: os.rmdir(os.path.join(work, "out"))),
    ]:
        fault_case(label, fault + io_run + args, sabotage=(2.5, sabotage), expect_line="error: cannot",
                   setup=lambda work: os.mkdir(os.path.join(work, "out")))
        cases += 1
    return cases + 1


def launcher_flags_bind_none():
    """Hybrid under Open MPI's mpirun needs --bind-to none; MPICH's hydra binds nothing by default."""
    command = launcher(4)
    if "openmpi" in os.path.realpath(shutil.which(command[0]) or command[0]):
        return command + ["--bind-to", "none"]
    return command


# ---------------------------------------------------------------------------------------
# 2. Result files under concurrency.

def test_concurrent_csv(appenders=16):
    print(f"{appenders} concurrent appenders to one CSV:", flush=True)
    with tempfile.TemporaryDirectory(prefix="parscale-robust-csv") as work:
        path = os.path.join(work, "runs.csv")
        args = ["-n", "2e5", "--model", "serial", "--warmup", "0", "--repeat", "1", "--baseline", "none",
                "--csv", path, "--quiet"]
        began = time.monotonic()
        processes = [start([SIMPSON] + args + ["--label", f"appender {i}, \"quoted\""], work)
                     for i in range(appenders)]
        codes = [finish(p, 120)[0] for p in processes]
        print(f"  exit codes {sorted(set(codes))}, {time.monotonic() - began:.2f} s", flush=True)
        expect(all(code == 0 for code in codes), f"appenders failed: {codes}")
        headers, rows, torn = read_csv_rows(path)
        print(f"  {headers} header(s), {len(rows)} rows, {len(torn)} torn", flush=True)
        expect(headers == 1, f"expected 1 header, got {headers}")
        expect(len(rows) == appenders, f"expected {appenders} rows, got {len(rows)}")
        expect(not torn, f"torn rows: {torn[:3]}")
        with open(path, newline="") as handle:
            labels = sorted(row["label"] for row in csv.DictReader(handle))
        expect(labels == sorted(f"appender {i}, \"quoted\"" for i in range(appenders)),
               f"labels did not survive: {labels}")
        expect(not temporary_files(work), f"temporary files left: {temporary_files(work)}")


def test_json_never_half_written(writers=8):
    print(f"JSON replaced by {writers} concurrent writers while a reader reads it:", flush=True)
    with tempfile.TemporaryDirectory(prefix="parscale-robust-json") as work:
        path = os.path.join(work, "run.json")
        seed = subprocess.run([SIMPSON, "-n", "2e5", "--model", "serial", "--repeat", "1", "--json", path],
                              capture_output=True, text=True, timeout=60)
        expect(seed.returncode == 0, f"first JSON write failed: {seed.stderr}")
        reads, bad = [0], []
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                with open(path) as handle:
                    text = handle.read()
                try:
                    json.loads(text)
                except ValueError:
                    bad.append(len(text))
                reads[0] += 1

        thread = threading.Thread(target=reader)
        thread.start()
        processes = [start([SIMPSON, "-n", "2e5", "--model", "serial", "--warmup", "0", "--repeat", "1",
                            "--baseline", "none", "--json", path, "--label", f"writer {i}"], work)
                     for i in range(writers)]
        codes = [finish(p, 120)[0] for p in processes]
        stop.set()
        thread.join()
        print(f"  {reads[0]} reads, {len(bad)} not valid JSON, exit codes {sorted(set(codes))}", flush=True)
        expect(reads[0] > 0, "the reader never read the file")
        expect(not bad, f"{len(bad)} reads saw a half-written JSON (sizes {bad[:5]})")
        expect(all(code == 0 for code in codes), f"writers failed: {codes}")
        with open(path) as handle:
            expect(json.load(handle)["run"]["label"].startswith("writer "), "final JSON is not from a writer")
        expect(not temporary_files(work), f"temporary files left: {temporary_files(work)}")


def test_environment_garbage():
    """Variables the programs only record (SLURM_*): bytes that are not UTF-8, newlines,
    commas and quotes must neither fail a finished run nor break the CSV or the JSON."""
    print("garbage in the recorded SLURM_* variables:", flush=True)
    with tempfile.TemporaryDirectory(prefix="parscale-robust-env") as work:
        env = {"SLURM_JOB_ID": b"\xff\xfe12".decode("utf-8", "surrogateescape"),
               "SLURM_JOB_NODELIST": 'node[1-2]\nnode3,"x"', "SLURM_NTASKS": "-1e99"}
        process = start([SIMPSON, "-n", "2e5", "--model", "serial", "--repeat", "1", "--csv", "runs.csv",
                         "--json", "run.json"], work, env)
        code, _, err = finish(process, 60)
        print(f"  exit {code}", flush=True)
        expect(code == 0, f"run with garbage SLURM_* variables: exit {code}: {err[-1500:]}")
        headers, rows, torn = read_csv_rows(os.path.join(work, "runs.csv"))
        expect(headers == 1 and len(rows) == 1 and not torn, f"CSV: {headers} headers, {len(rows)} rows, torn {torn}")
        with open(os.path.join(work, "run.json")) as handle:
            context = json.load(handle)["context"]
        expect(context.get("slurm_job_nodelist") == env["SLURM_JOB_NODELIST"], "nodelist did not round-trip")


# ---------------------------------------------------------------------------------------
# 3. Signals.

def hydra_may_lose_exit_status():
    """True for MPICH's hydra before 4.3: when several ranks exit non-zero at the same moment,
    as they do when it forwards a signal to all of them, its proxy can record every exit
    status as 0 (pmodels/mpich#7057, fixed upstream by #7058 in July 2024). Debian 12 ships
    4.0.2; traced here, both ranks exited 143 and mpiexec still returned 0 in ~30 % of runs."""
    try:
        version = subprocess.run(launcher(1)[:1] + ["--version"], capture_output=True, text=True,
                                 timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    if "HYDRA" not in version:
        return False
    found = re.search(r"Version:\s*(\d+)\.(\d+)", version)
    return found is None or (int(found.group(1)), int(found.group(2))) < (4, 3)


def signal_case(label, ranks, signal_number, delay=1.5, expected=None):
    token = f"parscale-robust-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix=token) as work:
        # Long enough never to finish: 2^36 points, 100 repetitions.
        args = ["-n", "2^36", "--repeat", "100", "--csv", "runs.csv", "--json", "run.json", "--label", token]
        process = start(launcher(ranks) + [SIMPSON] + args, work)
        time.sleep(delay)
        sent = time.monotonic()
        process.send_signal(signal_number)
        code, _, err = finish(process, DEADLINE)
        took = time.monotonic() - sent
        print(f"  {label}: exit {code}, {took:.2f} s after the signal", flush=True)
        if expected is not None:
            expect(code == expected, f"{label}: exit {code}, expected {expected}; {err[-1500:]}")
        elif code == 0 and ranks is not None and hydra_may_lose_exit_status():
            print("  (hydra lost the ranks' exit statuses, pmodels/mpich#7057; the checks below show the "
                  "run was cut short and left nothing behind)", flush=True)
        else:
            expect(code is not None and code != 0, f"{label}: exit {code}, expected non-zero; {err[-1500:]}")
        expect(took < DEADLINE, f"{label}: took {took:.2f} s")
        # 100 repetitions of 2^36 points take minutes: a run that honours the signal never reports.
        _, rows, torn = read_csv_rows(os.path.join(work, "runs.csv"))
        expect(not rows and not torn, f"{label}: {len(rows)} rows, torn {torn}: the run was not interrupted")
        expect(not os.path.exists(os.path.join(work, "run.json")), f"{label}: run.json written, not interrupted")
        expect(not temporary_files(work), f"{label}: temporary files left: {temporary_files(work)}")
        expect_no_leftovers(token, label)


def test_signal_burst(runs=24, seed=7):
    """Short runs signalled at random moments over their whole life, so some signals land
    while the row and the JSON are written: each run exits 0 or 143, rows are whole, every
    JSON present parses, no temporary file is left."""
    print(f"SIGTERM burst: {runs} short runs signalled at random moments:", flush=True)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="parscale-robust-burst") as work:
        csv_path = os.path.join(work, "runs.csv")
        probe = time.monotonic()
        base = ["-n", "2e6", "--model", "serial", "--warmup", "0", "--repeat", "2", "--baseline", "none",
                "--csv", csv_path, "--quiet"]
        subprocess.run([SIMPSON] + base + ["--json", os.path.join(work, "probe.json")], capture_output=True,
                       timeout=60)
        duration = time.monotonic() - probe
        codes = []
        for i in range(runs):
            process = start([SIMPSON] + base + ["--json", os.path.join(work, f"run{i}.json")], work)
            # Most of a short run is MPI start-up; aim the signals at its second half.
            time.sleep(rng.uniform(0.3 * duration, 1.1 * duration))
            process.send_signal(signal.SIGTERM)
            codes.append(finish(process, DEADLINE)[0])
        finished = codes.count(0)
        print(f"  one run takes {duration:.3f} s; {finished} finished, {codes.count(143)} exited 143", flush=True)
        expect(all(code in (0, 143) for code in codes), f"unexpected exit codes {codes}")
        headers, rows, torn = read_csv_rows(csv_path)
        print(f"  CSV: {headers} header, {len(rows)} rows, {len(torn)} torn", flush=True)
        expect(headers == 1 and not torn, f"header count {headers}, torn rows {torn[:3]}")
        # +1 for the probe run; a run signalled during its report may still write its row.
        expect(finished + 1 <= len(rows) <= runs + 1, f"{len(rows)} rows for {finished} finished runs")
        for i in range(runs):
            json_path = os.path.join(work, f"run{i}.json")
            if os.path.exists(json_path):
                with open(json_path) as handle:
                    try:
                        json.load(handle)
                    except ValueError:
                        expect(False, f"run{i}.json is not whole")
        expect(not temporary_files(work), f"temporary files left: {temporary_files(work)}")
        expect_no_leftovers(os.path.basename(work), "SIGTERM burst")


def test_signals():
    print("SIGINT/SIGTERM mid-run:", flush=True)
    signal_case("plain process, SIGTERM", None, signal.SIGTERM, expected=128 + signal.SIGTERM)
    signal_case("plain process, SIGINT", None, signal.SIGINT, expected=128 + signal.SIGINT)
    signal_case("mpiexec -np 2, SIGTERM to mpiexec", 2, signal.SIGTERM, delay=2.0)
    signal_case("mpiexec -np 2, SIGINT to mpiexec", 2, signal.SIGINT, delay=2.0)
    test_signal_burst()


def main():
    began = time.monotonic()
    faults = test_one_rank_fails()
    test_concurrent_csv()
    test_json_never_half_written()
    test_environment_garbage()
    test_signals()
    print(f"{faults} fault cases (incl. the control), {len(FAILURES)} failures, {time.monotonic() - began:.1f} s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
