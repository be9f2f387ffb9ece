#!/usr/bin/env python3
"""The timing protocol end to end (drivers/protocol.hpp, docs/statistics.md): every repetition's
time in the JSON, the baseline's too, paired and interleaved; the coefficient of variation and
the speedup/efficiency interval in the summary, CSV and JSON; the reasons printed when there is
no interval; adaptive repetitions for a short run; the sampled serial baseline above 8 workers."""
import csv
import json
import math
import os
import sys
import tempfile

from program_harness import expect, finish, run, summary_value


def record(json_path):
    with open(json_path) as handle:
        document = json.load(handle)
    expect(document["schema_version"] == 2, f"schema_version {document['schema_version']}")
    return document["run"]


def main():
    with tempfile.TemporaryDirectory() as work:
        json_path = os.path.join(work, "run.json")
        csv_path = os.path.join(work, "runs.csv")
        # Measured baseline, 4 repetitions: paired times, CV, interval, all three writers.
        paired = run("simpson", ["-n", "4e6", "--model", "openmp", "--threads", "2", "--repeat", "4", "--warmup",
                                 "0", "--json", json_path, "--csv", csv_path])
        expect(paired.returncode == 0, f"paired run: {paired.stderr}")
        data = record(json_path)
        timing, baseline, metrics = data["timing"], data["baseline"], data["metrics"]
        expect(len(timing["seconds"]) == 4 and len(baseline["repetitions"]) == 4,
               f"repetitions: {timing['seconds']} {baseline['repetitions']}")
        expect(baseline["kind"] == "measured-serial", f"baseline kind {baseline['kind']}")
        ratios = [s / p for s, p in zip(baseline["repetitions"], timing["seconds"])]
        expect(math.isclose(metrics["speedup_low"], min(ratios)) and math.isclose(metrics["speedup_high"], max(ratios)),
               f"interval {metrics['speedup_low']}..{metrics['speedup_high']} is not the paired ratios' range {ratios}")
        expect(math.isclose(metrics["efficiency_high"], metrics["speedup_high"] / 2), "efficiency interval")
        expect(timing["cv"] is not None and timing["cv"] >= 0, f"cv {timing['cv']}")
        for key in ("speedup", "efficiency", "interval"):
            expect(summary_value(paired.stdout, key) is not None, f"summary lacks {key}")
        expect("[" in summary_value(paired.stdout, "efficiency"), "the efficiency line shows no interval")
        expect("cv " in summary_value(paired.stdout, "time"), "the time line shows no cv")
        wide = (metrics["speedup_high"] - metrics["speedup_low"]) / metrics["speedup"] > 0.10
        expect(("warning: the speedup interval" in paired.stdout) == wide, "spread warning shown wrongly")
        with open(csv_path, newline="") as handle:
            row = list(csv.DictReader(handle))[0]
        expect(float(row["speedup_low"]) == metrics["speedup_low"] and row["time_cv"] != "", f"CSV row {row}")

        # No interval: fewer than 3 repetitions, or no baseline; the summary says why.
        two = run("simpson", ["-n", "4e6", "--model", "serial", "--repeat", "2", "--warmup", "0"])
        expect("at least 3" in (summary_value(two.stdout, "interval") or ""), f"2 repetitions: {two.stdout}")
        none = run("simpson", ["-n", "4e6", "--model", "serial", "--repeat", "3", "--baseline", "none"])
        expect("no interval" in (summary_value(none.stdout, "baseline") or ""), f"no baseline: {none.stdout}")
        given = run("simpson", ["-n", "4e6", "--model", "serial", "--repeat", "3", "--baseline", "0.5"])
        expect("given baseline" in (summary_value(given.stdout, "interval") or ""), f"given baseline: {given.stdout}")

        # Adaptive defaults: a short run gets a warm-up and at least 3 timed repetitions, filling --min-time.
        auto_json = os.path.join(work, "auto.json")
        auto = run("simpson", ["-n", "1e6", "--model", "serial", "--min-time", "0.2", "--json", auto_json])
        expect(auto.returncode == 0, f"auto run: {auto.stderr}")
        auto_timing = record(auto_json)["timing"]
        expect(auto_timing["warmup"] == 1 and len(auto_timing["seconds"]) >= 3, f"auto protocol: {auto_timing}")
        expect(sum(auto_timing["seconds"]) >= 0.2 or len(auto_timing["seconds"]) == 1000,
               f"auto repetitions do not fill --min-time: {auto_timing}")

        # Above 8 workers the baseline is a strided sample, reported as an estimate.
        sampled_json = os.path.join(work, "sampled.json")
        sampled = run("simpson", ["-n", "4e7", "--model", "openmp", "--threads", "9", "--repeat", "3", "--warmup",
                                  "0", "--json", sampled_json], timeout=600)
        expect(sampled.returncode == 0, f"sampled run: {sampled.stderr}")
        sampled_baseline = record(sampled_json)["baseline"]
        expect(sampled_baseline["kind"] == "sampled-serial" and 0 < sampled_baseline["sample_share"] < 0.2,
               f"9 workers: baseline {sampled_baseline}")
        expect("ESTIMATE" in (summary_value(sampled.stdout, "baseline") or ""), f"sampled: {sampled.stdout}")
    return finish("statistics")


if __name__ == "__main__":
    sys.exit(main())
