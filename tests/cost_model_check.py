#!/usr/bin/python3
"""scripts/cost_model.py on a tiny fixture whose projection is known by hand: it must write a
PNG plot and its JSON, state the model's error at np 1-2 (and apart for the oversubscribed np 3),
and the error must be the one computed here; a study without an np-1 point is refused (exit 2)."""
import json
import math
import pathlib
import subprocess
import sys
import tempfile

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "cost_model.py"
LATENCY, PER_BYTE, MESSAGE = 1e-5, 1e-9, 1000.0
BLOCKS, SERIAL_S = 1000, 1.0


def point(directory, ranks, seconds, imbalance, oversubscribed=False):
    record = {"schema_version": 1, "context": {}, "run": {
        "decomposition": {"model": "mpi", "distribution": "block", "ranks": ranks, "threads": 1,
                          "workers": ranks, "oversubscribed": oversubscribed},
        "timing": {"median_s": seconds}, "work": {"blocks": BLOCKS}, "metrics": {"imbalance": imbalance}}}
    (directory / f"mpi-r{ranks}-t1.json").write_text(json.dumps(record))


def main():
    failures = []
    with tempfile.TemporaryDirectory() as temporary:
        root = pathlib.Path(temporary)
        points = root / "toy-strong" / "points"
        points.mkdir(parents=True)
        point(points, 1, SERIAL_S, 1.0)
        point(points, 2, 0.55, 1.02)
        point(points, 3, 0.9, 1.0, oversubscribed=True)
        inputs = root / "inputs.json"
        inputs.write_text(json.dumps({
            "pingpong": {"shm": {"points": [{"bytes": b, "one_way_s": LATENCY + b * PER_BYTE} for b in (8, 512, 8192)]}},
            "launch": {"np": [1, 2, 4], "wall_s": [0.5, 0.6, 0.8]}, "message_bytes": MESSAGE}))
        out = root / "plots" / "toy.png"
        run = subprocess.run([sys.executable, str(SCRIPT), "--inputs", str(inputs), "--study",
                              str(root / "toy-strong"), "--out", str(out)], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"exit {run.returncode}: {run.stderr}")
        else:
            # By hand: t_block = 1 ms; np 2: 500 blocks x 1.02 + one round of (latency + bytes x per_byte).
            latency = LATENCY + 8 * PER_BYTE  # the smallest message's one-way time
            expected_two = SERIAL_S / BLOCKS * 500 * 1.02 + (latency + MESSAGE * PER_BYTE)
            expected_error = abs(expected_two - 0.55) / 0.55
            expected_three = SERIAL_S / BLOCKS * math.ceil(BLOCKS / 3) * 1.02 + 2 * (latency + MESSAGE * PER_BYTE)
            expected_over = abs(expected_three - 0.9) / 0.9
            if not out.is_file() or out.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n" or out.stat().st_size < 10000:
                failures.append(f"no PNG plot at {out}")
            report = json.loads(out.with_suffix(".json").read_text())
            checked = report["strong"]["mpi"]["transports"]["shm"]
            if report.get("projection") is not True:
                failures.append("the JSON does not say it is a projection")
            if not math.isclose(checked["max_abs_error_np1_2"], expected_error, rel_tol=1e-9):
                failures.append(f"error at np 1-2 {checked['max_abs_error_np1_2']} != {expected_error}")
            if not math.isclose(checked["max_abs_error_oversubscribed"], expected_over, rel_tol=1e-9):
                failures.append(f"oversubscribed error {checked['max_abs_error_oversubscribed']} != {expected_over}")
            stated = f"model error at np 1-2 max {100 * expected_error:.1f}%"
            if stated not in run.stdout or "oversubscribed" not in run.stdout:
                failures.append(f"the error is not stated ('{stated}' expected) in: {run.stdout}")
            if len(checked["projected_s"]) != 13 or checked["ranks"][-1] != 4096:
                failures.append("the projection does not reach 4096 ranks")
        # No np-1 point: no serial input, refused in one line.
        (points / "mpi-r1-t1.json").unlink()
        refused = subprocess.run([sys.executable, str(SCRIPT), "--inputs", str(inputs), "--study",
                                  str(root / "toy-strong"), "--out", str(root / "refused.png")],
                                 capture_output=True, text=True)
        if refused.returncode != 2 or len(refused.stderr.strip().splitlines()) != 1 or (root / "refused.png").exists():
            failures.append(f"a study without an np-1 point: exit {refused.returncode}, stderr {refused.stderr!r}")
    for failure in failures:
        print("FAIL:", failure)
    print("cost model check:", "FAIL" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
