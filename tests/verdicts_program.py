#!/usr/bin/env python3
"""The three verdicts end to end, for every program: a failed check exits 1 (forced the way a
user would, with --tolerance or --reference) and is recorded as FAIL with valid=0; --verify
never prints UNVERIFIED, exits 0 and records valid=0; a checked run names its reference's
source. Also: a schema-1 CSV is refused in one line naming the file."""
import csv
import os
import sys
import tempfile

from program_harness import expect, finish, run

QUICK = ["--repeat", "1", "--warmup", "0", "--baseline", "none", "--model", "serial"]

CASES = [
    # (program, args, expected exit, status, reference source contains)
    ("simpson", ["-n", "1e6", "--tolerance", "1e-20"], 1, "FAIL", "closed form"),
    ("simpson", ["-n", "1e6"], 0, "PASS", "closed form"),
    ("montecarlo", ["--samples", "1e6", "--tolerance", "0"], 1, "FAIL", "closed form"),
    ("montecarlo", ["--samples", "1e6", "--verify", "never"], 0, "UNVERIFIED", "--verify never"),
    ("primes", ["--limit", "20000", "--reference", "1"], 1, "FAIL", "given with --reference"),
    ("primes", ["--limit", "20000"], 0, "PASS", "oracle"),
    ("primes", ["--workload", "sieve", "-n", "123456789", "--reference", "339456017624315"], 1, "FAIL",
     "given with --reference"),
    ("primes", ["--workload", "sieve", "-n", "123456789"], 0, "PASS", "oracle: Lucy_Hedgehog"),
    ("primes", ["--workload", "sieve", "-n", "1e9"], 0, "PASS", "published table"),
    ("primes", ["--workload", "sieve", "-n", "123456789", "--verify", "never"], 0, "UNVERIFIED", "--verify never"),
    ("primes", ["--workload", "oracle", "-n", "98765432"], 0, "PASS", "segmented sieve"),
]


def main():
    with tempfile.TemporaryDirectory() as work:
        for index, (program, args, code, status, source) in enumerate(CASES):
            csv_path = os.path.join(work, f"{index}.csv")
            result = run(program, args + QUICK + ["--csv", csv_path], timeout=300)
            name = f"{program} {' '.join(args)}"
            expect(result.returncode == code, f"{name}: exit {result.returncode}, expected {code}: {result.stderr}")
            last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
            expect(last.startswith(f"verdict: {status} "), f"{name}: verdict line {last!r}")
            with open(csv_path, newline="") as handle:
                rows = list(csv.DictReader(handle))
            expect(len(rows) == 1, f"{name}: {len(rows)} CSV rows")
            if rows:
                row = rows[0]
                expect(row["status"] == status, f"{name}: CSV status {row['status']}")
                expect(row["valid"] == ("1" if status == "PASS" else "0"), f"{name}: CSV valid {row['valid']}")
                expect(source in row["reference_source"], f"{name}: reference_source {row['reference_source']!r}")
            print(f"{name}: exit {result.returncode}, {status}")

        # A CSV written by schema 1 is refused before the run, in one line naming the file.
        old = os.path.join(work, "old.csv")
        with open(old, "w") as handle:
            handle.write("schema_version,timestamp,program\n1,2026-11-30T00:00:00Z,simpson\n")
        refused = run("simpson", ["-n", "1e6", "--csv", old] + QUICK)
        expect(refused.returncode == 2, f"schema-1 CSV: exit {refused.returncode}")
        expect(refused.stderr.count("\n") == 1 and old in refused.stderr and "schema 1" in refused.stderr,
               f"schema-1 CSV: {refused.stderr!r}")
        expect(refused.stdout == "", "schema-1 CSV: the program ran anyway")
    return finish("verdicts")


if __name__ == "__main__":
    sys.exit(main())
