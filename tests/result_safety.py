#!/usr/bin/env python3
"""Issue 17 end to end: no data lost, no hang, one truth per job. Every case checks the exit
code, the error line, stdout, and the bytes of every file in its directory before and after.

  --part files      result files (same file twice, links, loops, long names, torn CSV tails),
                    stdout failures, formula cells, umask; serial and under mpiexec -n 2
  --part agreement  MPMD launches whose ranks differ in program, options or environment, at
                    np 2 and np 3: exit 2, one line naming the option and the ranks, no hang
  --part threads    the record's threads are those that ran (OMP_THREAD_LIMIT, OMP_DYNAMIC);
                    thread creation failure is exit 3 with one line
  --part checkpoint  primes --workload sieve --checkpoint stopped by SIGTERM and resumed by another
                    decomposition gives the uninterrupted run's bits; checkpoints of another problem refused
  --part disk       needs root (mount): a full tmpfs (a failed append leaves the CSV's bytes
                    as they were; the JSON's old bytes stay; the result is on stdout; exit 3)
                    and a read-only mount (the JSON's temporary file cannot be made: exit 2,
                    nothing run). Exits 77 (skipped) when it cannot mount.
"""
import argparse
import csv
import io
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

from program_harness import BIN_DIR, launcher, processes_with, run_side_by_side

FAILURES = []
SKIP = 77
QUICK = ["--repeat", "1", "--warmup", "0"]


def expect(condition, message):
    if not condition:
        FAILURES.append(message)
        print("  FAIL", message, flush=True)
    return condition


def snapshot(directory):
    """Name -> bytes (or link target) of everything in `directory`."""
    state = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.islink(path):
            state[name] = ("link", os.readlink(path))
        elif os.path.isfile(path):
            with open(path, "rb") as handle:
                state[name] = handle.read()
        else:
            state[name] = ("dir",)
    return state


def program(name):
    return os.path.join(BIN_DIR, name)


def run_command(command, cwd, env=None, timeout=90, stdout=subprocess.PIPE, preexec=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    began = time.monotonic()
    try:
        result = subprocess.run(command, cwd=cwd, env=full_env, stdout=stdout, stderr=subprocess.PIPE,
                                timeout=timeout, preexec_fn=preexec)
    except subprocess.TimeoutExpired as expired:
        return None, b"", expired.stderr or b"", time.monotonic() - began
    return result.returncode, result.stdout or b"", result.stderr, time.monotonic() - began


def error_lines(stderr, name):
    return [line for line in stderr.decode(errors="replace").splitlines() if line.startswith(f"{name}: error:")]


def check_refusal(label, code, out, err, name, needle, before, after, expected_code=2):
    """Exit `expected_code`, exactly one error line naming `needle`, nothing on stdout, no file changed."""
    lines = error_lines(err, name)
    ok = expect(code == expected_code, f"{label}: exit {code}, expected {expected_code}; {err.decode()[-800:]}")
    ok &= expect(len(lines) == 1, f"{label}: expected one error line, got {lines}")
    ok &= expect(bool(lines) and needle in lines[0], f"{label}: error line lacks {needle!r}: {lines}")
    ok &= expect(not out.strip(), f"{label}: stdout not empty: {out.decode()[:300]}")
    ok &= expect(before == after, f"{label}: files changed: {describe_change(before, after)}")
    print(f"  {'ok' if ok else 'FAILED'}: {label}: exit {code}: {lines[0] if lines else '(no line)'}", flush=True)


def describe_change(before, after):
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    return changed


# ---------------------------------------------------------------------------------------
# Result files

def make_csv(work, name="runs.csv"):
    """A real CSV: header and one whole row, from a real run."""
    code, _, err, _ = run_command([program("simpson"), "-n", "2e5", "--model", "serial", *QUICK, "--csv", name,
                                   "-q"], work)
    expect(code == 0, f"making {name}: exit {code}: {err.decode()}")
    return os.path.join(work, name)


def file_refusals(ranks):
    where = "serial" if ranks is None else f"mpiexec -n {ranks}"
    print(f"result files refused before the run ({where}):", flush=True)

    def setup_torn(work, tail):
        path = make_csv(work)
        with open(path, "ab") as handle:
            handle.write(tail)

    def setup_links(work):
        make_csv(work)
        os.symlink("runs.csv", os.path.join(work, "link.json"))
        os.link(os.path.join(work, "runs.csv"), os.path.join(work, "hard.json"))
        os.symlink("nowhere.csv", os.path.join(work, "dangling.csv"))
        os.symlink("loop2", os.path.join(work, "loop1"))
        os.symlink("loop1", os.path.join(work, "loop2"))

    long_name = "x" * 252 + ".json"  # 257 characters: over NAME_MAX (255)
    cases = [
        ("same file twice", setup_links, ["--csv", "runs.csv", "--json", "runs.csv"], "--csv and --json name the same"),
        ("same new file, two spellings", None, ["--csv", "new.csv", "--json", "./new.csv"], "name the same file"),
        ("JSON a symlink to the CSV", setup_links, ["--csv", "runs.csv", "--json", "link.json"], "name the same"),
        ("JSON a hard link to the CSV", setup_links, ["--csv", "runs.csv", "--json", "hard.json"], "name the same"),
        ("dangling symlink as --csv", setup_links, ["--csv", "dangling.csv"], "dangling symbolic link"),
        ("symlink loop as --json", setup_links, ["--json", "loop1"], "symbolic link loop"),
        ("JSON name over NAME_MAX", None, ["--json", long_name], "--json"),
        ("CSV cut off (no final newline)", lambda w: setup_torn(w, b"1,2026-12-02T00:00:00Z,simpson"),
         ["--csv", "runs.csv"], "line 3 is not a whole row"),
        ("CSV last row too short", lambda w: setup_torn(w, b"1,2,3\n"), ["--csv", "runs.csv"],
         "line 3 is not a whole row (3 fields"),
        ("CSV last row in an open quote", lambda w: setup_torn(w, b'1,"never closed\n'), ["--csv", "runs.csv"],
         "line 3 is not a whole row"),
    ]
    def check_case(label, setup, args, needle):
        with tempfile.TemporaryDirectory(prefix="parscale-safety-") as work:
            if setup:
                setup(work)
            before = snapshot(work)
            command = launcher(ranks) + [program("simpson"), "-n", "2e5", *QUICK] + args
            code, out, err, _ = run_command(command, work)
            check_refusal(f"{label} [{where}]", code, out, err, "simpson", needle, before, snapshot(work))
            expect(not processes_with(os.path.basename(work)), f"{label}: processes left behind")

    run_side_by_side(check_case, cases)


def file_writes(ranks):
    where = "serial" if ranks is None else f"mpiexec -n {ranks}"
    print(f"result files written ({where}):", flush=True)
    base = launcher(ranks) + [program("simpson"), "-n", "2e5", *QUICK]
    with tempfile.TemporaryDirectory(prefix="parscale-safety-") as work:
        # A legal 250-character JSON name: its temporary file has a short fixed name, so it fits.
        name = "y" * 245 + ".json"
        code, out, err, _ = run_command(base + ["--json", name, "-q"], work)
        expect(code == 0 and os.path.isfile(os.path.join(work, name)),
               f"250-character JSON name [{where}]: exit {code}: {err.decode()[-500:]}")
        print(f"  250-character JSON name: exit {code}", flush=True)

        # Links: both files are written through them; the links stay links.
        make_csv(work, "real.csv")
        with open(os.path.join(work, "real.json"), "w") as handle:
            handle.write("{}\n")
        os.symlink("real.csv", os.path.join(work, "link.csv"))
        os.symlink("real.json", os.path.join(work, "link.json"))
        with open(os.path.join(work, "real.csv"), "rb") as handle:
            csv_before = handle.read()
        code, out, err, _ = run_command(base + ["--csv", "link.csv", "--json", "link.json", "-q"], work)
        expect(code == 0, f"writing through links [{where}]: exit {code}: {err.decode()[-500:]}")
        expect(os.path.islink(os.path.join(work, "link.csv")) and os.path.islink(os.path.join(work, "link.json")),
               f"links were replaced [{where}]")
        with open(os.path.join(work, "real.csv"), "rb") as handle:
            csv_after = handle.read()
        expect(csv_after.startswith(csv_before) and csv_after.count(b"\n") == csv_before.count(b"\n") + 1,
               f"CSV through a link: not one row appended [{where}]")
        with open(os.path.join(work, "real.json")) as handle:
            expect(json.load(handle).get("schema_version") is not None, f"JSON through a link not replaced [{where}]")
        print(f"  CSV and JSON through symlinks: exit {code}, links kept, targets written", flush=True)

        # Formula cells neutralised in the CSV, kept in the JSON; numbers untouched.
        formula = "=cmd|'/C calc'!A0"
        for label in (formula, "+1+2", "@SUM(A1)", "\tx", "-5"):
            code, _, err, _ = run_command(base + ["--csv", "cells.csv", "--json", "cells.json", "--label", label,
                                                  "-q"], work)
            expect(code == 0, f"label {label!r}: exit {code}: {err.decode()[-300:]}")
            with open(os.path.join(work, "cells.json")) as handle:
                expect(json.load(handle)["run"]["label"] == label, f"JSON changed the label {label!r}")
        with open(os.path.join(work, "cells.csv"), newline="") as handle:
            labels = [row["label"] for row in csv.DictReader(handle)]
        expected = ["'" + formula, "'+1+2", "'@SUM(A1)", "'\tx", "-5"]
        expect(labels == expected, f"CSV label cells {labels}, expected {expected} [{where}]")
        print(f"  formula labels in the CSV: {labels}", flush=True)


def stdout_failures():
    print("standard output fails (serial; under mpiexec the launcher owns stdout):", flush=True)
    base = [program("simpson"), "-n", "2e5", *QUICK]
    with tempfile.TemporaryDirectory(prefix="parscale-safety-") as work:
        with open("/dev/full", "wb") as full:
            code, _, err, _ = run_command(base + ["--csv", "runs.csv"], work, stdout=full)
        lines = error_lines(err, "simpson")
        expect(code == 3, f"> /dev/full: exit {code}, expected 3")
        expect(len(lines) == 1 and "standard output" in lines[0], f"> /dev/full: error lines {lines}")
        # The files are still written: the result is kept somewhere.
        with open(os.path.join(work, "runs.csv")) as handle:
            expect(len(list(csv.reader(handle))) == 2, "> /dev/full: CSV row not written")
        print(f"  > /dev/full: exit {code}: {lines}", flush=True)

        def close_stdout():
            os.close(1)

        code, _, err, _ = run_command(base + ["--json", "closed.json"], work, stdout=None, preexec=close_stdout)
        lines = error_lines(err, "simpson")
        expect(code == 3, f">&-: exit {code}, expected 3")
        expect(len(lines) == 1 and "standard output is closed" in lines[0], f">&-: error lines {lines}")
        with open(os.path.join(work, "closed.json")) as handle:
            expect(json.load(handle)["run"]["program"] == "simpson", ">&-: the JSON got something else")
        print(f"  >&- (closed stdout): exit {code}: {lines}", flush=True)


def umask_modes():
    print("file modes follow the umask:", flush=True)
    with tempfile.TemporaryDirectory(prefix="parscale-safety-") as work:
        def strict_umask():
            os.umask(0o077)

        code, _, err, _ = run_command([program("simpson"), "-n", "2e5", *QUICK, "--csv", "u.csv", "--json", "u.json",
                                       "-q"], work, preexec=strict_umask)
        expect(code == 0, f"umask 077: exit {code}: {err.decode()}")
        modes = {name: oct(os.stat(os.path.join(work, name)).st_mode & 0o777) for name in ("u.csv", "u.json")}
        expect(modes == {"u.csv": "0o600", "u.json": "0o600"}, f"umask 077 gave {modes}")
        os.chmod(os.path.join(work, "u.json"), 0o640)
        code, _, _, _ = run_command([program("simpson"), "-n", "2e5", *QUICK, "--json", "u.json", "-q"], work)
        mode = oct(os.stat(os.path.join(work, "u.json")).st_mode & 0o777)
        expect(mode == "0o640", f"a replaced JSON should keep its mode 0o640, got {mode}")
        print(f"  umask 077: {modes}; a replaced 0640 file stays {mode}", flush=True)


# ---------------------------------------------------------------------------------------
# Ranks must agree

def mpmd(contexts):
    """contexts: [(ranks, [program, args...], env or None)] -> one mpiexec MPMD command."""
    command = launcher(1)[:1]
    preflags = launcher(1)[3:]
    command += preflags
    for i, (ranks, argv, env) in enumerate(contexts):
        if i:
            command.append(":")
        command += [launcher(1)[1], str(ranks)]
        if env:
            command += ["env"] + [f"{key}={value}" for key, value in env.items()]
        command += argv
    return command


def agreement():
    print("ranks that disagree (MPMD, np 2 and np 3): exit 2, one line, no hang:", flush=True)
    simpson, montecarlo = program("simpson"), program("montecarlo")
    cases = [
        ("--repeat 1 vs 3", [simpson, "-n", "1e6", "--repeat", "1"], [simpson, "-n", "1e6", "--repeat", "3"], None,
         None, "--repeat"),
        ("--baseline none vs measure", [simpson, "-n", "1e6", "--baseline", "none"],
         [simpson, "-n", "1e6", "--baseline", "measure"], None, None, "--baseline"),
        ("montecarlo --seed 1 vs 2", [montecarlo, "-N", "1e6", "--seed", "1"],
         [montecarlo, "-N", "1e6", "--seed", "2"], None, None, "seed"),
        ("-n 1e6 vs 2e6", [simpson, "-n", "1e6"], [simpson, "-n", "2e6"], None, None, "intervals"),
        ("simpson vs montecarlo", [simpson], [montecarlo], None, None, "the program"),
        ("--help on some ranks only", [simpson, "--help"], [simpson], None, None, "--help"),
        ("--distribution cyclic vs dynamic", [simpson, "--distribution", "cyclic"],
         [simpson, "--distribution", "dynamic"], None, None, "--distribution"),
        ("OMP_NUM_THREADS 1 vs 2 (hybrid)", [simpson, "--model", "hybrid", "-n", "1e6"],
         [simpson, "--model", "hybrid", "-n", "1e6"], {"OMP_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "2"},
         "threads per rank"),
        ("OMP_THREAD_LIMIT 1 on some ranks (hybrid --threads 2)", [simpson, "--model", "hybrid", "--threads", "2"],
         [simpson, "--model", "hybrid", "--threads", "2"], None, {"OMP_THREAD_LIMIT": "1"}, "threads per rank"),
    ]
    def check_case(ranks, label, first, rest, first_env, rest_env, needle):
        with tempfile.TemporaryDirectory(prefix="parscale-safety-") as work:
            make_csv(work)
            before = snapshot(work)
            # Rank 0 alone writes: --csv on rank 0 only must not itself be a disagreement.
            command = mpmd([(1, first + ["--csv", "runs.csv"], first_env), (ranks - 1, rest, rest_env)])
            code, out, err, took = run_command(command, work, timeout=60)
            name = os.path.basename(first[0])
            check_refusal(f"{label} [np {ranks}, {took:.1f} s]", code, out, err, name, needle, before,
                          snapshot(work))
            lines = error_lines(err, name)
            if lines and ranks == 3:
                expect("ranks 1,2" in lines[0], f"{label}: np 3 line should name ranks 1,2: {lines[0]}")
            expect(not processes_with(os.path.basename(work)), f"{label}: processes left behind")

    run_side_by_side(check_case, [(ranks, *case) for ranks in (2, 3) for case in cases])
    # Control: ranks that differ only in output-only options agree and finish.
    with tempfile.TemporaryDirectory(prefix="parscale-safety-") as work:
        command = mpmd([(1, [simpson, "-n", "1e6", *QUICK, "--csv", "runs.csv", "--label", "a", "-q"], None),
                        (2, [simpson, "-n", "1e6", *QUICK, "--label", "b", "--json", "other.json"], None)])
        code, out, err, _ = run_command(command, work, timeout=60)
        expect(code == 0 and b"verdict: PASS" in out, f"output-only differences: exit {code}: {err.decode()[-800:]}")
        expect(not os.path.exists(os.path.join(work, "other.json")), "a rank other than 0 wrote its --json")
        print(f"  control (only --csv/--json/--label/--quiet differ): exit {code}", flush=True)


# ---------------------------------------------------------------------------------------
# Threads that really ran

def record_of(work, name):
    with open(os.path.join(work, name)) as handle:
        return json.load(handle)["run"]


def threads_truth():
    print("the record's threads are the threads that ran:", flush=True)
    simpson = program("simpson")
    with tempfile.TemporaryDirectory(prefix="parscale-safety-") as work:
        for label, env, ranks, model in [
            ("OMP_THREAD_LIMIT=1 simpson --threads 8", {"OMP_THREAD_LIMIT": "1"}, None, "openmp"),
            ("OMP_THREAD_LIMIT=1 mpiexec -n 2 simpson --model hybrid --threads 8", {"OMP_THREAD_LIMIT": "1"}, 2,
             "hybrid"),
        ]:
            code, out, err, _ = run_command(launcher(ranks) + [simpson, "--model", model, "--threads", "8", "-n", "4e6",
                                                              "--repeat", "1", "--json", "limit.json"], work, env)
            expect(code == 0, f"{label}: exit {code}: {err.decode()[-500:]}")
            record = record_of(work, "limit.json")
            decomposition = record["decomposition"]
            workers = record["workers"]
            expected_workers = ranks or 1
            expect(decomposition["threads"] == 1 and decomposition["workers"] == expected_workers
                   and len(workers) == expected_workers,
                   f"{label}: record says {decomposition}, {len(workers)} worker entries")
            expect(all(worker["blocks"] > 0 for worker in workers), f"{label}: a listed worker did nothing: {workers}")
            metrics = record["metrics"]
            expect(abs(metrics["efficiency"] * expected_workers - metrics["speedup"]) < 1e-9,
                   f"{label}: efficiency not for {expected_workers} worker(s): {metrics}")
            expect(b"OMP_THREAD_LIMIT=1 caps" in err, f"{label}: no warning naming OMP_THREAD_LIMIT")
            print(f"  {label}: threads {decomposition['threads']}, workers {decomposition['workers']}, "
                  f"efficiency {metrics['efficiency']:.3f}", flush=True)

        # OMP_DYNAMIC lets the runtime give fewer threads: every worker listed must have run.
        code, out, err, _ = run_command([simpson, "--model", "openmp", "--threads", "8", "-n", "4e6", "--repeat", "1",
                                         "--json", "dynamic.json"], work, {"OMP_DYNAMIC": "true"})
        expect(code == 0, f"OMP_DYNAMIC=true: exit {code}: {err.decode()[-500:]}")
        record = record_of(work, "dynamic.json")
        decomposition, workers = record["decomposition"], record["workers"]
        expect(decomposition["workers"] == len(workers) == decomposition["threads"],
               f"OMP_DYNAMIC=true: record {decomposition} vs {len(workers)} worker entries")
        expect(all(worker["blocks"] > 0 for worker in workers), f"OMP_DYNAMIC=true: idle workers listed: {workers}")
        print(f"  OMP_DYNAMIC=true --threads 8: the runtime ran {len(workers)}; record threads "
              f"{decomposition['threads']}, workers {decomposition['workers']}", flush=True)

        # Thread creation fails (an address-space limit no 4 thread stacks of 1 GiB fit in).
        def small_address_space():
            resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))

        if "ASAN_OPTIONS" in os.environ:
            # AddressSanitizer reserves terabytes of shadow address space at start-up, so under an
            # address-space limit the program dies before main(): this case cannot run there.
            print("  thread creation fails: SKIPPED under AddressSanitizer (it needs more address space "
                  "than the limit this case sets); the release stage checks it", flush=True)
        else:
            before = snapshot(work)
            code, out, err, _ = run_command([simpson, "--model", "openmp", "--threads", "4", "-n", "2e5", *QUICK,
                                             "--csv", "t.csv"], work, {"OMP_STACKSIZE": "1G"},
                                            preexec=small_address_space)
            check_refusal("thread creation fails", code, out, err, "simpson", "could not create 4 threads", before,
                          snapshot(work), expected_code=3)

        # OMP_NUM_THREADS read as the runtime reads it.
        for value, accepted in [("1e3", False), ("2,x", False), (" 2 ", True), ("+2", True), ("2,1", True)]:
            code, out, err, _ = run_command([simpson, "--model", "openmp", "-n", "2e5", *QUICK, "--json", "o.json",
                                             "-q"], work, {"OMP_NUM_THREADS": value})
            if accepted:
                expect(code == 0 and record_of(work, "o.json")["decomposition"]["threads"] == 2,
                       f"OMP_NUM_THREADS={value!r}: exit {code}")
            else:
                lines = error_lines(err, "simpson")
                expect(code == 2 and len(lines) == 1 and "OMP_NUM_THREADS" in lines[0],
                       f"OMP_NUM_THREADS={value!r}: exit {code}, {lines}")
            print(f"  OMP_NUM_THREADS={value!r}: exit {code}", flush=True)


# ---------------------------------------------------------------------------------------
# A full disk and a read-only directory (root: mounts)

def mount_tmpfs(directory, size):
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", directory],
                          capture_output=True).returncode == 0


def fill(directory):
    """Fills the file system: writes until ENOSPC."""
    fd = os.open(os.path.join(directory, "filler"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        while os.write(fd, b"\0" * 512) > 0:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def disk(ranks_list):
    if os.geteuid() != 0:
        print("SKIPPED: not root, cannot mount a small tmpfs")
        return SKIP
    print("a full disk (tmpfs of 64 KiB) and a read-only mount:", flush=True)
    simpson = program("simpson")
    with tempfile.TemporaryDirectory(prefix="parscale-safety-disk-") as mount_point:
        if not mount_tmpfs(mount_point, "64k"):
            print("SKIPPED: mount -t tmpfs failed (no CAP_SYS_ADMIN?)")
            return SKIP
        try:
            for ranks in ranks_list:
                where = "serial" if ranks is None else f"mpiexec -n {ranks}"
                for name in os.listdir(mount_point):
                    os.unlink(os.path.join(mount_point, name))
                # A CSV whose last page has ~80 bytes free: the append can write part of a row only.
                row_source = make_csv(mount_point, "seed.csv")
                with open(row_source) as handle:
                    header, row = handle.read().splitlines()[:2]
                os.unlink(row_source)
                text = header + "\n" + row + "\n"
                page = 4096
                cells = next(csv.reader([row]))

                def row_line(label):
                    cells[4] = label  # the label column
                    buffer = io.StringIO()
                    csv.writer(buffer, lineterminator="\n").writerow(cells)
                    return buffer.getvalue()

                padding = (page - 80 - len(text) - len(row_line(""))) % page
                text += row_line("p" * padding)
                expect(len(text) % page == page - 80, f"CSV of {len(text)} bytes does not leave 80 free in its page")
                csv_path = os.path.join(mount_point, "runs.csv")
                with open(csv_path, "w") as handle:
                    handle.write(text)
                with open(os.path.join(mount_point, "run.json"), "w") as handle:
                    handle.write('{"old": true}\n')
                fill(mount_point)
                before = snapshot(mount_point)
                command = launcher(ranks) + [simpson, "-n", "2e5", *QUICK, "--csv", csv_path]
                code, out, err, _ = run_command(command, mount_point)
                after = snapshot(mount_point)
                lines = error_lines(err, "simpson")
                expect(code == 3, f"full disk, CSV [{where}]: exit {code}, expected 3: {err.decode()[-500:]}")
                expect(len(lines) == 1 and "No space left" in lines[0], f"full disk, CSV [{where}]: {lines}")
                expect(b"verdict: PASS" in out, f"full disk, CSV [{where}]: the result is not on stdout")
                expect(before == after, f"full disk, CSV [{where}]: bytes changed: {describe_change(before, after)}")
                print(f"  full disk, CSV [{where}]: exit {code}, CSV {len(text)} bytes before and "
                      f"{len(after['runs.csv'])} after, result on stdout: {b'verdict: PASS' in out}", flush=True)

                command = launcher(ranks) + [simpson, "-n", "2e5", *QUICK, "--json", "run.json"]
                code, out, err, _ = run_command(command, mount_point)
                after = snapshot(mount_point)
                lines = error_lines(err, "simpson")
                expect(code == 3 and len(lines) == 1, f"full disk, JSON [{where}]: exit {code}, {lines}")
                expect(b"verdict: PASS" in out, f"full disk, JSON [{where}]: the result is not on stdout")
                expect(before == after, f"full disk, JSON [{where}]: bytes changed: {describe_change(before, after)}")
                print(f"  full disk, JSON [{where}]: exit {code}: {lines}", flush=True)

                # Space freed: the next run appends one whole row after the old ones.
                os.unlink(os.path.join(mount_point, "filler"))
                command = launcher(ranks) + [simpson, "-n", "2e5", *QUICK, "--csv", csv_path, "-q"]
                code, _, err, _ = run_command(command, mount_point)
                with open(csv_path) as handle:
                    appended = handle.read()
                rows = list(csv.reader(io.StringIO(appended)))
                expect(code == 0 and appended.startswith(text) and len(rows) == 4
                       and all(len(r) == len(rows[0]) for r in rows),
                       f"after freeing space [{where}]: exit {code}, {len(rows)} rows, widths "
                       f"{[len(r) for r in rows]}")
                print(f"  space freed [{where}]: exit {code}, {len(rows) - 1} whole rows", flush=True)

            # A read-only file system: the JSON exists and is writable by mode, but no temporary
            # file can be made beside it. Known before the run: exit 2, nothing run.
            subprocess.run(["mount", "-o", "remount,ro", mount_point], check=True)
            for ranks in ranks_list:
                where = "serial" if ranks is None else f"mpiexec -n {ranks}"
                before = snapshot(mount_point)
                command = launcher(ranks) + [simpson, "-n", "2e5", *QUICK, "--json",
                                             os.path.join(mount_point, "run.json")]
                code, out, err, _ = run_command(command, mount_point)
                check_refusal(f"JSON directory takes no temporary file [{where}]", code, out, err, "simpson",
                              "is not writable", before, snapshot(mount_point))
        finally:
            subprocess.run(["umount", mount_point])
    return 0


# ---------------------------------------------------------------------------------------
# Checkpoint

def wait_for_checkpoint(files, timeout=120):
    """True once every file in `files` exists and holds at least one block (header + 1 line)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if all(open(f).read().count("\n") >= 2 for f in files):
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def stop_after_checkpoint(command, work, files):
    """Starts `command`, sends SIGTERM once `files` hold blocks; (exit code, stderr)."""
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    saved = wait_for_checkpoint([os.path.join(work, f) for f in files])
    process.send_signal(15)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        _, err = process.communicate()
    expect(saved, f"{command}: no checkpoint file appeared before the run ended")
    return process.returncode, err


def checkpoint():
    print("--checkpoint: stopped by SIGTERM, resumed by another decomposition, the same bits:", flush=True)
    primes = program("primes")
    timing = ["--repeat", "1", "--warmup", "0", "--baseline", "none", "-q"]
    with tempfile.TemporaryDirectory(prefix="parscale-safety-ck-") as work:
        # The run must outlast a few checkpoint intervals (2 s) on this machine, however fast it is:
        # a first size is timed, and scaled up (the sieve's cost is about linear in N) when too quick.
        size = 2e10
        code, out, err, took = run_command([primes, "--workload", "sieve", "-n", f"{size:.0f}"] + timing, work,
                                           timeout=600)
        expect(code == 0, f"sizing run: exit {code}: {err.decode()[-500:]}")
        if took < 10.0:
            size = min(2e11, size * math.ceil(10.0 / max(took, 0.5)))
        problem = ["--workload", "sieve", "-n", f"{size:.0f}"] + timing
        code, out, err, took = run_command([primes] + problem, work, timeout=600)
        expect(code == 0, f"uninterrupted run: exit {code}: {err.decode()[-500:]}")
        reference = out.decode().strip()
        print(f"  uninterrupted: {took:.1f} s: {reference}", flush=True)
        for label, first, first_files, second in [
            ("openmp (2 threads) stopped, mpiexec -n 2 resumes", [primes], ["ck.rank0"], launcher(2) + [primes]),
            ("mpiexec -n 2 stopped, serial resumes", launcher(2) + [primes], ["ck.rank0", "ck.rank1"],
             [primes, "--model", "serial"]),
        ]:
            code, err = stop_after_checkpoint(first + problem + ["--checkpoint", "ck"], work, first_files)
            kept = sorted(name for name in os.listdir(work) if name.startswith("ck."))
            expect(set(first_files) <= set(kept), f"{label}: checkpoint files after the stop: {kept}")
            expect(not [n for n in os.listdir(work) if ".tmp." in n], f"{label}: temporary files left")
            code2, out2, err2, took2 = run_command(second + problem + ["--checkpoint", "ck", "--json", "r.json"],
                                                   work, timeout=600)
            note = [line for line in err2.decode().splitlines() if "came from the checkpoint" in line]
            expect(code2 == 0, f"{label}: resumed run exit {code2}: {err2.decode()[-500:]}")
            expect(out2.decode().strip() == reference, f"{label}: resumed {out2.decode()!r} vs {reference!r}")
            resumed = record_of(work, "r.json")["kernel_details"]["checkpoint"]["blocks_resumed"]
            blocks = record_of(work, "r.json")["work"]["blocks"]
            expect(0 < resumed < blocks, f"{label}: {resumed} of {blocks} blocks resumed")
            expect(not [n for n in os.listdir(work) if n.startswith("ck.")], f"{label}: checkpoint not removed")
            print(f"  {label}: stop exit {code}, kept {kept}; resumed {resumed} of {blocks} blocks in {took2:.1f} s, "
                  f"same result: {out2.decode().strip() == reference}", flush=True)

        # Refusals, before any work: another problem's checkpoint, a kernel whose blocks depend
        # on the worker, and a timing protocol that would compute the problem twice.
        code, err = stop_after_checkpoint([primes] + problem + ["--checkpoint", "ck"], work, ["ck.rank0"])
        for ranks in (None, 2):
            where = "serial" if ranks is None else f"mpiexec -n {ranks}"
            for label, argv, name, needle in [
                ("another problem's checkpoint", [primes, "--workload", "sieve", "-n", "3e10", "--repeat", "1",
                                                  "--warmup", "0", "--baseline", "none", "--checkpoint", "ck"],
                 "primes", "another problem"),
                ("--json names the checkpoint's file", [primes, "--workload", "sieve", "-n", "2e10", "--repeat",
                                                          "1", "--warmup", "0", "--baseline", "none", "--checkpoint",
                                                          "ck", "--json", "ck.rank0"], "primes", "name the same file"),
                ("montecarlo --checkpoint", [program("montecarlo"), "--repeat", "1", "--warmup", "0", "--baseline",
                                             "none", "--checkpoint", "mc"], "montecarlo", "--checkpoint"),
                ("--checkpoint with --repeat 3", [primes, "--workload", "sieve", "--baseline", "none", "--repeat",
                                                   "3", "--checkpoint", "ck"], "primes", "--repeat 1"),
            ]:
                before = snapshot(work)
                code, out, err, _ = run_command(launcher(ranks) + argv, work)
                check_refusal(f"{label} [{where}]", code, out, err, name, needle, before, snapshot(work))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["files", "agreement", "threads", "disk", "checkpoint"], required=True)
    options = parser.parse_args()
    began = time.monotonic()
    if options.part == "files":
        for ranks in (None, 2):
            file_refusals(ranks)
            file_writes(ranks)
        stdout_failures()
        umask_modes()
    elif options.part == "agreement":
        agreement()
    elif options.part == "threads":
        threads_truth()
    elif options.part == "checkpoint":
        checkpoint()
    elif options.part == "disk":
        if disk([None, 2]) == SKIP:
            return SKIP
    print(f"{options.part}: {len(FAILURES)} failures, {time.monotonic() - began:.1f} s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
