#!/usr/bin/env python3
"""The spread of reported efficiencies over consecutive runs, two builds interleaved
(docs/statistics.md): run each program RUNS times with each build, alternating builds, and
print every run's efficiency (and interval, where the build reports one) and wall time.

Usage: scripts/efficiency_spread.py BEFORE_BIN_DIR AFTER_BIN_DIR [RUNS] > out.json"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROGRAMS = [
    ("primes", ["--workload", "sieve", "-n", "1e10", "--model", "openmp", "--threads", "2"]),
    ("simpson", ["-n", "1e9", "--model", "openmp", "--threads", "2"]),
]


def one_run(bin_dir, program, args, work):
    json_path = os.path.join(work, "run.json")
    started = time.monotonic()
    result = subprocess.run([os.path.join(bin_dir, program)] + args + ["--json", json_path],
                            capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"{bin_dir}/{program} exited {result.returncode}: {result.stderr}")
    with open(json_path) as handle:
        run = json.load(handle)["run"]
    metrics = run["metrics"]
    return {"efficiency": metrics["efficiency"], "efficiency_low": metrics.get("efficiency_low"),
            "efficiency_high": metrics.get("efficiency_high"), "wall_s": wall,
            "timed": len(run["timing"]["seconds"]), "warmup": run["timing"]["warmup"]}


def main():
    before, after = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for program, args in PROGRAMS:
            for build in ("before", "after"):
                results[f"{program}/{build}"] = []
            for k in range(runs):
                for build, bin_dir in (("before", before), ("after", after)) if k % 2 == 0 else (
                        ("after", after), ("before", before)):
                    entry = one_run(bin_dir, program, args, work)
                    results[f"{program}/{build}"].append(entry)
                    print(program, build, k, json.dumps(entry), file=sys.stderr, flush=True)
    summary = {}
    for key, entries in results.items():
        values = [e["efficiency"] for e in entries]
        summary[key] = {"min": min(values), "median": statistics.median(values), "max": max(values),
                        "stdev": statistics.stdev(values) if len(values) > 1 else None,
                        "median_wall_s": statistics.median(e["wall_s"] for e in entries)}
    json.dump({"runs": results, "summary": summary}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
