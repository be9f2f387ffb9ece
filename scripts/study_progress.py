"""Progress of a scaling study on a terminal: which point of how many is running, how long it
has run and an estimate of the study's time left, on one line of stderr rewritten in place
and erased before the point's result line is printed. Never in pipes or files unless asked
(--progress always), like the programs' own --progress. Used by scaling_study.py."""
import shutil
import subprocess
import sys
import time

REFRESH_SECONDS = 0.5


def format_duration(seconds):
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"


class StudyClock:
    """Estimates the time left from the points finished so far (their mean wall time)."""

    def __init__(self, points):
        self.points = points
        self.finished = []
        self.started = time.monotonic()

    def point_done(self, seconds):
        self.finished.append(seconds)

    def elapsed(self):
        return time.monotonic() - self.started

    def seconds_left(self, running_for=None):
        """None until a point has finished. running_for: seconds the running point has taken
        (it is expected to take the mean too); None between points."""
        if not self.finished:
            return None
        mean = sum(self.finished) / len(self.finished)
        waiting = self.points - len(self.finished)
        if running_for is None:
            return mean * waiting
        return max(0.0, mean - running_for) + mean * max(0, waiting - 1)


class StatusLine:
    def __init__(self, mode, stream=sys.stderr):
        self.stream = stream
        self.enabled = mode == "always" or (mode == "auto" and stream.isatty())
        self.shown = False

    def show(self, text):
        if not self.enabled:
            return
        columns = shutil.get_terminal_size((80, 24)).columns - 1
        self.stream.write("\r" + text[:columns] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self):
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def run_point(command, timeout, status, describe):
    """Runs one point, capturing its output; while it runs, status shows describe(seconds in point).
    Returns (exit code or "timeout"/"not-started", output)."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as error:
        return "not-started", str(error)
    while True:
        running_for = time.monotonic() - started
        status.show(describe(running_for))
        wait = REFRESH_SECONDS if status.enabled else None
        if timeout is not None:
            wait = min(wait, timeout - running_for) if wait is not None else timeout - running_for
        try:
            stdout, stderr = process.communicate(timeout=max(wait, 0.01) if wait is not None else None)
            status.clear()
            return process.returncode, stdout + stderr
        except subprocess.TimeoutExpired:
            if timeout is not None and time.monotonic() - started >= timeout:
                process.kill()
                stdout, stderr = process.communicate()
                status.clear()
                return "timeout", f"killed after {timeout} s\n{stdout or ''}{stderr or ''}"
