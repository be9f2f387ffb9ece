#!/usr/bin/env python3
"""The programs end to end: the summary on stdout, the CSV row and the JSON record read
back and checked, and the same bits from every model."""
import csv
import json
import os
import sys
import tempfile

from program_harness import expect, finish, run, summary_value


def main():
    with tempfile.TemporaryDirectory() as work:
        csv_path = os.path.join(work, "runs.csv")
        json_path = os.path.join(work, "run.json")
        common = ["-n", "2000000", "--repeat", "2", "--csv", csv_path]
        serial = run("simpson", common + ["--model", "serial", "--json", json_path])
        expect(serial.returncode == 0, f"serial run failed: {serial.stderr}")
        openmp = run("simpson", common + ["--model", "openmp", "--threads", "2"])
        expect(openmp.returncode == 0, f"openmp run failed: {openmp.stderr}")
        mpi = run("simpson", common + ["--label", "np3, quoted \"label\""], ranks=3)
        expect(mpi.returncode == 0, f"mpi run failed: {mpi.stderr}")
        hybrid = run("simpson", common + ["--model", "hybrid", "--threads", "2", "--distribution", "dynamic"],
                     ranks=2)
        expect(hybrid.returncode == 0, f"hybrid run failed: {hybrid.stderr}")

        results = {summary_value(r.stdout, "result") for r in (serial, openmp, mpi, hybrid)}
        expect(len(results) == 1, f"models disagree on the bits: {results}")
        for key in ("result", "error", "time", "speedup", "efficiency", "baseline"):
            expect(summary_value(openmp.stdout, key) is not None, f"summary lacks {key}: {openmp.stdout}")
        expect(openmp.stdout.strip().splitlines()[-1].startswith("verdict: PASS"), "no PASS verdict line")

        with open(csv_path, newline="") as handle:
            lines = handle.read().splitlines()
        expect(sum(1 for line in lines if line.startswith("schema_version,")) == 1, "CSV header not written once")
        with open(csv_path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        expect(len(rows) == 4, f"expected 4 CSV rows, got {len(rows)}")
        models = [row["model"] for row in rows]
        expect(models == ["serial", "openmp", "mpi", "hybrid"], f"models in CSV: {models}")
        expect(rows[2]["label"] == "np3, quoted \"label\"", f"label did not round-trip: {rows[2]['label']}")
        expect(rows[2]["ranks"] == "3" and rows[2]["workers"] == "3", "mpi row has wrong ranks/workers")
        expect(rows[3]["workers"] == "4", "hybrid row should have 2 x 2 workers")
        for row in rows:
            expect(abs(float(row["result"]) - 3.141592653589793) < 1e-8, f"bad result {row['result']}")
            expect(float(row["error"]) <= float(row["tolerance"]), "error above tolerance")
            expect(row["valid"] == "1", "row not valid")
            expect(float(row["speedup"]) > 0, "speedup missing")
            expect(abs(float(row["efficiency"]) * int(row["workers"]) - float(row["speedup"])) < 1e-9,
                   "efficiency != speedup / workers")
        with open(json_path) as handle:
            document = json.load(handle)
        for key in ("host", "mpi_library", "compiler", "cxx_flags", "git_commit", "timestamp", "omp_environment",
                    "slurm_job_id"):
            expect(key in document["context"], f"JSON context lacks {key}")
        run_record = document["run"]
        expect(run_record["result"]["value"] == rows[0]["result"], "JSON and CSV results differ")
        expect(run_record["baseline"]["kind"] == "measured-serial", "baseline kind not named")
        expect(len(run_record["timing"]["seconds"]) == 2, "JSON lacks the per-repetition times")

        # (A failed validation's exit 1 and its records: tests/verdicts_program.py.)
        quiet = run("simpson", ["-n", "1e6", "--quiet", "--baseline", "none", "--model", "serial"])
        expect(quiet.returncode == 0 and quiet.stdout.count("\n") == 1, f"--quiet prints one line: {quiet.stdout}")
        version = run("simpson", ["--version"])
        expect(version.returncode == 0 and "parscale" in version.stdout, "--version")
        help_text = run("simpson", ["--help"])
        expect(help_text.returncode == 0 and "Examples" in help_text.stdout and "--intervals" in help_text.stdout,
               "--help lacks options or examples")
    return finish("program outputs")


if __name__ == "__main__":
    sys.exit(main())
