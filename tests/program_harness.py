"""Shared helpers for the end-to-end tests: where the programs are and how to launch them."""
import concurrent.futures
import os
import shlex
import subprocess

BIN_DIR = os.environ.get("PARSCALE_BIN_DIR", os.path.join(os.path.dirname(__file__), "..", "build", "release"))


def launcher(ranks):
    """The command prefix that starts `ranks` MPI processes (nothing for a plain run)."""
    if ranks is None:
        return []
    mpiexec = os.environ.get("PARSCALE_MPIEXEC", "mpiexec")
    numproc = os.environ.get("PARSCALE_MPIEXEC_NUMPROC_FLAG", "-n")
    preflags = shlex.split(os.environ.get("PARSCALE_MPIEXEC_PREFLAGS", "").replace(";", " "))
    return [mpiexec, numproc, str(ranks), *preflags]


def run(program, args, ranks=None, env=None, timeout=120, cwd=None):
    """Runs a parscale program; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    command = launcher(ranks) + [os.path.join(BIN_DIR, program)] + list(args)
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=timeout, cwd=cwd)


def run_side_by_side(check, cases, jobs=4):
    """check(*case) for every case, `jobs` at a time; their results in the cases' order (an
    exception in a case is raised here). A launch spends most of its time waiting on Open MPI's
    start-up, not on the CPU (10 plain launches: 3.6 s of wall time, 1.2 s of CPU time on 2
    cores), so independent cases overlap well. Each case must work in its own directory, which
    is also what its processes_with() check looks for."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda case: check(*case), cases))


def processes_with(token):
    """PIDs of live processes whose command line or working directory contains `token`:
    tests tag their runs (a unique directory or label) and call this to find leftovers."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().decode(errors="replace")
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if state != "Z" and (token in cmdline or token in cwd):
            found.append(int(entry))
    return found


FAILURES = []


def expect(condition, message):
    """Records a failed check and goes on, so one run reports every failure; returns the condition."""
    if not condition:
        FAILURES.append(message)
    return condition


def finish(name, note=""):
    """Prints every failed check, then one verdict line; returns the exit status (0 or 1)."""
    for failure in FAILURES:
        print("FAIL", failure, flush=True)
    print(f"{name}: {len(FAILURES)} check(s) FAILED" if FAILURES else f"{name}: all checks passed{note}", flush=True)
    return 1 if FAILURES else 0


def summary_value(stdout, key):
    """The value of a `key = value` line of a program's summary, or None."""
    for line in stdout.splitlines():
        if line.split("=")[0].strip() == key:
            return line.split("=", 1)[1].strip()
    return None
