#!/usr/bin/env python3
"""What rank 0 receives in a whole run of the real programs, counted by a PMPI library
preloaded into every rank (pmpi_counter.cpp + pmpi_report.cpp), not by the programs' code.

At np 32 and 64 (both above the 16 ranks whose placement is listed one by one), for each
program under the block and cyclic distributions: no gather of any kind, at most
(passes + 1) x ceil(log2 P) + 1 messages (a reduction per pass, then the placement summary:
ceil(log2 ranks-on-node) + ceil(log2 nodes)), and the largest message does not grow from
np 32 to np 64 (by more than the O(log blocks) wobble of where block boundaries fall). Under the
dynamic distribution rank 0 also serves the work queue, so its counts are only reported here
(test_mpi_scale bounds the requests and rank 0's tree nodes). Message sizes wobble by up to a
few hundred bytes besides: the worker summary sends its busy-time histogram over the bins in
use, and oversubscription makes the spread of busy times noisy."""
import json
import math
import os
import subprocess
import sys
import tempfile

from program_harness import BIN_DIR, expect, finish, launcher

PRELOAD = os.environ.get("PARSCALE_PMPI_PRELOAD", "")
PASSES = ["--warmup", "1", "--repeat", "2", "--min-time", "0", "--baseline", "none"]
PROGRAMS = {
    "simpson": ["-n", str(64 * 3 * 65536 + 1000)],
    "montecarlo": ["-N", "20000000"],
    "primes": ["--workload", "sieve", "-n", "1e9"],
}


def counted_run(program, args, ranks, work):
    report = os.path.join(work, f"{program}-{ranks}.json")
    if os.path.exists(report):
        os.remove(report)
    command = launcher(ranks) + ["env", f"LD_PRELOAD={PRELOAD}", f"PARSCALE_PMPI_REPORT={report}",
                                 os.path.join(BIN_DIR, program)] + args + PASSES
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    expect(result.returncode == 0, f"{program} np {ranks} {args}: exit {result.returncode}: {result.stderr[-1500:]}")
    if result.returncode != 0 or not os.path.exists(report):
        expect(False, f"{program} np {ranks}: no PMPI report (was the library preloaded?)")
        return None
    with open(report) as handle:
        return json.load(handle)


def main():
    if not PRELOAD or not os.path.exists(PRELOAD):
        print(f"SKIPPED: no PMPI preload library ({PRELOAD!r})")
        return 77
    checks = 0
    with tempfile.TemporaryDirectory() as work:
        for program, args in PROGRAMS.items():
            for distribution in ("block", "cyclic", "dynamic"):
                counts = {}
                for ranks in (32, 64):
                    counts[ranks] = counted_run(program, args + ["--distribution", distribution], ranks, work)
                if None in counts.values():
                    continue
                for ranks, seen in counts.items():
                    print(f"{program} {distribution} np {ranks}: rank 0 received {seen['messages']} messages, "
                          f"{seen['bytes']} bytes (largest {seen['largest']}), {seen['gathers']} gathers")
                    expect(seen["gathers"] == 0, f"{program} {distribution} np {ranks}: {seen['gathers']} gathers")
                    if distribution != "dynamic":
                        rounds = math.ceil(math.log2(ranks))
                        bound = (3 + 1) * rounds + 1
                        expect(seen["messages"] <= bound,
                               f"{program} {distribution} np {ranks}: {seen['messages']} messages > {bound}")
                    checks += 1
                if distribution == "dynamic":
                    continue
                # O(log blocks) tree nodes vary with where the block boundaries fall, and the
                # histogram with the busy times; an O(P) message would double.
                expect(counts[64]["largest"] <= 1.5 * counts[32]["largest"] + 512,
                       f"{program} {distribution}: the largest message grew from {counts[32]['largest']} (np 32) "
                       f"to {counts[64]['largest']} bytes (np 64)")
    return finish(f"rank 0's traffic ({checks} runs counted)")


if __name__ == "__main__":
    sys.exit(main())
