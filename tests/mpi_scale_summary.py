#!/usr/bin/env python3
"""The summary at np 64 (oversubscribed, tiny size): at most 40 lines, names the slowest
workers (the first one is the maximum busy time of the JSON's statistics), says how many
workers are not listed, and gives the serial bits; --worker-detail lists all 64."""
import json
import os
import re
import sys
import tempfile

from program_harness import expect, finish, run, summary_value

RANKS = 64
PROBLEM = ["-n", str(64 * 3 * 65536 + 1000), "--baseline", "none", "--repeat", "1", "--warmup", "0"]


def main():
    serial = run("simpson", PROBLEM + ["--model", "serial"])
    expect(serial.returncode == 0, f"serial: exit {serial.returncode}: {serial.stderr}")
    with tempfile.TemporaryDirectory() as work:
        json_path = os.path.join(work, "run.json")
        compact = run("simpson", PROBLEM + ["--distribution", "cyclic", "--json", json_path], ranks=RANKS, timeout=600)
        expect(compact.returncode == 0, f"np {RANKS}: exit {compact.returncode}: {compact.stderr[-2000:]}")
        lines = compact.stdout.strip().splitlines()
        expect(len(lines) <= 40, f"np {RANKS}: the summary has {len(lines)} lines (at most 40)")
        expect(summary_value(compact.stdout, "result") == summary_value(serial.stdout, "result"),
               f"np {RANKS}: result {summary_value(compact.stdout, 'result')} is not the serial "
               f"{summary_value(serial.stdout, 'result')}")
        slowest = re.findall(r"^slowest r(\d+)\.t(\d+) += busy ([0-9.]+) s", compact.stdout, re.M)
        expect(len(slowest) >= 1, f"np {RANKS}: no slowest worker named:\n{compact.stdout}")
        expect(re.search(rf"^not listed += \d+ of {RANKS} workers", compact.stdout, re.M) is not None,
               f"np {RANKS}: the summary does not say how many workers are not listed")
        expect(not re.search(r"^worker r", compact.stdout, re.M), f"np {RANKS}: per-worker lines without asking")
        with open(json_path) as handle:
            record = json.load(handle)["run"]
        statistics = record["worker_statistics"]
        expect(statistics["count"] == RANKS and not statistics["all_listed"], f"JSON statistics {statistics}")
        if slowest:
            expect(abs(float(slowest[0][2]) - statistics["busy_max_s"]) <= 1e-6,
                   f"the first slowest line {slowest[0]} is not the maximum busy time {statistics['busy_max_s']}")
        expect(len(record["workers"]) < RANKS, "the JSON lists every worker without --worker-detail")

        detail = run("simpson", PROBLEM + ["--distribution", "dynamic", "--worker-detail", "--json", json_path],
                     ranks=RANKS, timeout=600)
        expect(detail.returncode == 0, f"--worker-detail: exit {detail.returncode}: {detail.stderr[-2000:]}")
        workers = re.findall(r"^worker r(\d+)\.t0 ", detail.stdout, re.M)
        expect(sorted(int(rank) for rank in workers) == list(range(RANKS)), "--worker-detail: not every worker listed")
        with open(json_path) as handle:
            record = json.load(handle)["run"]
        expect(len(record["workers"]) == RANKS and record["worker_statistics"]["all_listed"],
               "--worker-detail: the JSON does not list every worker")
        expect(summary_value(detail.stdout, "result") == summary_value(serial.stdout, "result"), "dynamic np 64 bits")
        print(f"np {RANKS}: {len(lines)} summary lines; slowest {slowest[:2]}")
    return finish("summary at np 64")


if __name__ == "__main__":
    sys.exit(main())
