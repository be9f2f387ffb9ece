#!/usr/bin/python3
"""The progress line (--progress, src/progress.*) as a user and a script see it:

  piped     stdout and stderr are pipes: the default (auto) writes no progress bytes (no carriage
            return, no escape sequence) and the summary is intact; under mpiexec too
  asked     --progress always into a pipe does write the line, rewritten with carriage returns
            and erased at the end (so the check above can fail), and the summary is the same
  terminal  stderr a pseudo-terminal: auto shows the line once the run passes 2 s, then erases it
            before the summary; a run too fast to reach 2 s on this machine is reported SKIPPED
  errors    --progress with another word is a usage error naming the option (exit 2)
Exit 0 when every check passed, 77 when the terminal check could not apply (ctest SKIP), 1 otherwise.
"""
import os
import pty
import subprocess
import sys
import time

from program_harness import BIN_DIR, FAILURES, expect, launcher

PROGRESS_BYTES = ("\r", "\x1b")
# Long enough for a few refreshes (every 0.25 s) with --progress always.
SHORT = ["-n", "2e9", "--model", "openmp", "--threads", "2", "--repeat", "2", "--warmup", "0", "--baseline", "none"]


def run(program, args, ranks=None):
    """Like program_harness.run, but keeps carriage returns (text mode would turn them into newlines)."""
    command = launcher(ranks) + [os.path.join(BIN_DIR, program)] + list(args)
    done = subprocess.run(command, capture_output=True, timeout=600)
    return subprocess.CompletedProcess(command, done.returncode, done.stdout.decode(errors="replace"),
                                       done.stderr.decode(errors="replace"))


def summary_keys(stdout):
    return [line.split("=")[0].strip() for line in stdout.splitlines() if "=" in line]


def check_piped():
    plain = run("simpson", SHORT)
    expect(plain.returncode == 0, f"piped run failed: {plain.stderr}")
    for stream, text in (("stdout", plain.stdout), ("stderr", plain.stderr)):
        expect(not any(byte in text for byte in PROGRESS_BYTES), f"piped run wrote progress bytes on {stream}: "
                                                                  f"{text[:200]!r}")
    expect("verdict: PASS" in plain.stdout, f"piped run: no verdict: {plain.stdout}")
    mpi = run("simpson", ["-n", "1e9", "--repeat", "2", "--warmup", "0"], ranks=2)
    expect(mpi.returncode == 0, f"mpiexec run failed: {mpi.stderr}")
    expect(not any(byte in mpi.stdout + mpi.stderr for byte in PROGRESS_BYTES),
           f"a run under mpiexec wrote progress bytes: {mpi.stderr[:200]!r}")
    return plain


def check_asked(plain):
    asked = run("simpson", SHORT + ["--progress", "always"])
    expect(asked.returncode == 0, f"--progress always failed: {asked.stderr}")
    expect("\r" in asked.stderr and "blocks (" in asked.stderr and "elapsed" in asked.stderr,
           f"--progress always wrote no progress line: {asked.stderr[:300]!r}")
    expect(asked.stderr.endswith("\r\x1b[K"), f"the progress line is not erased at the end: {asked.stderr[-60:]!r}")
    expect(not any(byte in asked.stdout for byte in PROGRESS_BYTES), "progress bytes on stdout")
    expect(summary_keys(asked.stdout) == summary_keys(plain.stdout), "the summary differs with --progress always")


def check_terminal():
    """auto on a terminal: returns False when the run was too fast for the 2 s threshold."""
    command = [os.path.join(BIN_DIR, "simpson"), "-n", "2e10", "--model", "openmp", "--threads", "2",
               "--repeat", "1", "--warmup", "0", "--baseline", "none"]
    main, secondary = pty.openpty()
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    stdout = process.communicate(timeout=600)[0].decode(errors="replace")
    elapsed = time.monotonic() - started
    os.close(main)
    text = seen.decode(errors="replace")
    expect(process.returncode == 0, f"terminal run failed: {text}")
    expect("verdict: PASS" in stdout, "terminal run: no verdict")
    if "blocks (" not in text:
        if elapsed < 3.0:
            print(f"SKIPPED terminal check: the run took {elapsed:.1f} s, under the 2 s before progress appears")
            return False
        expect(False, f"a {elapsed:.1f} s run on a terminal showed no progress: {text[:300]!r}")
        return True
    expect(text.endswith("\r\x1b[K"), f"the line is not erased before the summary: {text[-60:]!r}")
    expect(text.count("\r") >= 2, "the line was never rewritten in place")
    return True


def check_errors():
    bad = run("simpson", ["--progress", "sometimes"])
    expect(bad.returncode == 2 and "--progress" in bad.stderr and "auto|always|never" in bad.stderr,
           f"--progress sometimes: exit {bad.returncode}: {bad.stderr}")


def main():
    plain = check_piped()
    check_asked(plain)
    terminal_applied = check_terminal()
    check_errors()
    for failure in FAILURES:
        print("FAIL", failure)
    if FAILURES:
        return 1
    print("progress output: all checks passed" + ("" if terminal_applied else " (terminal check skipped)"))
    return 0 if terminal_applied else 77


if __name__ == "__main__":
    sys.exit(main())
