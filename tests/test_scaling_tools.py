#!/usr/bin/python3
"""The scaling-study tools on real runs, in a temporary folder (never results/):

  runner   scripts/scaling_study.py: a tiny strong sweep (openmp, mpi 1-3, hybrid 1x1/2x2) and
           a tiny weak sweep of simpson; the context file, per-point CSV/JSON, the study CSV read
           with pandas and checked column by column (baselines, speedups, oversubscription,
           identical bits), progress lines, refusal to overwrite, usage errors, srun commands
  plots    scripts/plot_scaling.py turns those CSVs (and a CSV the program wrote itself) into
           non-empty PNG and SVG files
  reproduce scripts/reproduce_results.sh --quick over the built programs: every program
           present gets its studies and figures, every missing one a SKIPPED line

    tests/test_scaling_tools.py [runner|plots|reproduce ...]   (default: all)
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import pandas as pd

from program_harness import BIN_DIR, expect, finish, run

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(REPO, "scripts", "scaling_study.py")
PLOTTER = os.path.join(REPO, "scripts", "plot_scaling.py")
REPRODUCE = os.path.join(REPO, "scripts", "reproduce_results.sh")
PYTHON = "/usr/bin/python3"

# The columns the README documents for a study CSV.
PROGRAM_COLUMNS = ["program", "kernel", "label", "parameters", "work_size", "model", "ranks", "threads", "workers",
                   "schedule", "distribution", "oversubscribed", "repeat", "time_min_s", "time_median_s",
                   "time_max_s", "baseline", "baseline_s", "speedup", "efficiency", "karp_flatt", "result", "valid",
                   "host", "git_commit"]
STUDY_COLUMNS = ["study", "scaling", "sweep", "series", "p", "size", "size_per_worker", "point", "baseline_point",
                 "baseline_point_s", "sweep_speedup", "sweep_efficiency", "expected_oversubscribed", "command"]


def tool(command, timeout=600):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def usable_cpus():
    return len(os.sched_getaffinity(0))


def close(a, b, tolerance=1e-9):
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=0.0)


def check_study_csv(path, scaling, size):
    data = pd.read_csv(path)
    missing = [column for column in PROGRAM_COLUMNS + STUDY_COLUMNS if column not in data.columns]
    expect(not missing, f"{path}: missing columns {missing}")
    if missing:
        return data
    for column in ("ranks", "threads", "workers", "p", "oversubscribed", "work_size"):
        expect(pd.api.types.is_integer_dtype(data[column]), f"{column} is not read as integers")
    for column in ("time_median_s", "sweep_speedup", "sweep_efficiency"):
        expect(pd.api.types.is_float_dtype(data[column]), f"{column} is not read as numbers")
    expect((data["valid"] == 1).all(), "a point failed validation")
    expect((data["p"] == data["workers"]).all(), "p differs from workers")
    expect((data["workers"] == data["ranks"] * data["threads"]).all(), "workers != ranks x threads")
    # Simpson's bits do not depend on the decomposition: one result per problem size.
    texts = pd.read_csv(path, dtype={"result": str})["result"]
    for size_value, results in texts.groupby(data["size"]):
        expect(results.nunique() == 1, f"points of size {size_value} disagree on the bits: {set(results)}")
    cpus = usable_cpus()
    expect(((data["workers"] > cpus).astype(int) == data["oversubscribed"]).all(),
           f"oversubscribed column wrong on {cpus} CPUs: {data[['workers', 'oversubscribed']].values.tolist()}")
    expect((data["expected_oversubscribed"] == data["oversubscribed"]).all(), "runner and program disagree on "
                                                                              "oversubscription")
    expect((data["study"] == os.path.basename(os.path.dirname(path))).all(), "study column")
    expect((data["scaling"] == scaling).all(), "scaling column")
    for sweep, rows in data.groupby("sweep"):
        first = rows.iloc[0]
        expect(first["p"] == 1, f"{sweep}: the first point is not p = 1")
        t1 = first["time_median_s"]
        expect(first["baseline"] == "none", f"{sweep}: the p = 1 point ran with baseline {first['baseline']}")
        for _, row in rows.iterrows():
            expect(row["baseline_point"] == first["point"], f"{row['point']}: baseline point {row['baseline_point']}")
            expect(row["baseline_point_s"] == t1, f"{row['point']}: baseline_point_s != the p = 1 median")
            expect(f"baseline_point={first['point']}" in row["label"], f"{row['point']}: label {row['label']}")
            ratio = t1 / row["time_median_s"]
            if scaling == "strong":
                expect(row["size"] == size and row["work_size"] == first["work_size"], "strong: the size changed")
                expect(close(row["sweep_speedup"], ratio), f"{row['point']}: sweep_speedup")
                if row["p"] > 1:
                    expect(row["baseline"] == "given" and row["baseline_s"] == t1,
                           f"{row['point']}: program baseline {row['baseline']} {row['baseline_s']} != T_1 {t1}")
                    expect(close(row["speedup"], ratio), f"{row['point']}: program speedup {row['speedup']}")
                    expect(close(row["efficiency"], ratio / row["p"]), f"{row['point']}: efficiency")
                    karp_flatt = (1 / ratio - 1 / row["p"]) / (1 - 1 / row["p"])
                    expect(close(row["karp_flatt"], karp_flatt, 1e-6), f"{row['point']}: karp_flatt")
            else:
                expect(row["size"] == size * row["p"] and row["size_per_worker"] == size,
                       f"weak: {row['point']} ran size {row['size']}")
                expect(row["baseline"] == "none", f"weak: {row['point']} ran with a baseline")
                expect(close(row["sweep_efficiency"], ratio), f"{row['point']}: weak efficiency != T_1/T_p")
                expect(close(row["sweep_speedup"], ratio * row["p"]), f"{row['point']}: scaled speedup")
    return data


def check_point_files(study_dir, data):
    for _, row in data.iterrows():
        stem = os.path.join(study_dir, "points", row["point"])
        for extension in (".csv", ".json", ".log"):
            expect(os.path.getsize(stem + extension) > 0, f"{stem}{extension} missing or empty")
        with open(stem + ".json") as handle:
            document = json.load(handle)
        expect(document["run"]["label"] == row["label"], f"{row['point']}: JSON label differs from the CSV")
        expect(document["run"]["decomposition"]["workers"] == row["workers"], f"{row['point']}: JSON workers")
        expect(len(document["run"]["timing"]["seconds"]) == row["repeat"], f"{row['point']}: repetitions")
        expect(len(document["context"].get("ranks", [])) == row["ranks"], f"{row['point']}: context.ranks")


def check_figures(directory, stem):
    for extension, magic in ((".png", b"\x89PNG"), (".svg", b"<svg")):
        path = os.path.join(directory, stem + extension)
        if expect(os.path.exists(path), f"no figure {path}"):
            with open(path, "rb") as handle:
                content = handle.read()
            expect(len(content) > 1000 and magic in content[:400], f"{path} is not a real {extension} file")


def test_runner_and_plots(work, check_plots):
    common = ["--out", work, "--bin-dir", BIN_DIR, "--repeat", "2", "--warmup", "0"]
    strong = tool([PYTHON, RUNNER, "simpson", "--size", "2e6", "--threads", "1,2", "--ranks", "1-3",
                   "--hybrid", "2x2", "--sweep", "openmp", "--sweep", "mpi:distribution=cyclic",
                   "--sweep", "hybrid"] + common)
    expect(strong.returncode == 0, f"strong sweep failed: {strong.stderr}")
    points = 2 + 3 + 2  # openmp 1-2, mpi 1-3, hybrid 1x1 (added as the baseline) and 2x2
    progress = [line for line in strong.stderr.splitlines() if line.startswith("[")]
    expect(len(progress) == points and all("median" in line for line in progress),
           f"expected {points} progress lines: {strong.stderr}")
    study_dir = os.path.join(work, "simpson-strong")
    csv_path = os.path.join(study_dir, "simpson-strong.csv")
    if not expect(os.path.exists(csv_path), "no study CSV"):
        return
    data = check_study_csv(csv_path, "strong", 2_000_000)
    expect(len(data) == points, f"study CSV has {len(data)} rows, expected {points}")
    expect(set(data["series"]) == {"openmp", "mpi distribution=cyclic", "hybrid t=1", "hybrid t=2"},
           f"series: {set(data['series'])}")
    expect((data[data["sweep"].str.startswith("mpi")]["distribution"] == "cyclic").all(), "distribution not passed")
    check_point_files(study_dir, data)
    with open(os.path.join(study_dir, "context.json")) as handle:
        context = json.load(handle)
    for key in ("command_line", "lscpu", "nproc", "mpirun_version", "program_version", "compiler", "git_commit",
                "loadavg_start", "loadavg_end", "launcher"):
        expect(context.get(key), f"context.json lacks {key}")
    expect("scaling_study.py" in context.get("command_line", ""), "context.json: command line")
    with open(os.path.join(study_dir, "study.json")) as handle:
        manifest = json.load(handle)
    expect(len(manifest["points"]) == points and all(p["exit_code"] == 0 for p in manifest["points"]),
           "study.json points")

    again = tool([PYTHON, RUNNER, "simpson", "--size", "2e6"] + common)
    expect(again.returncode == 2 and "--overwrite" in again.stderr, f"an existing study was not protected: "
                                                                    f"{again.returncode} {again.stderr}")

    weak = tool([PYTHON, RUNNER, "simpson", "--scaling", "weak", "--size", "1e6", "--threads", "1,2",
                 "--ranks", "1-3", "--sweep", "openmp", "--sweep", "mpi"] + common)
    expect(weak.returncode == 0, f"weak sweep failed: {weak.stderr}")
    weak_csv = os.path.join(work, "simpson-weak", "simpson-weak.csv")
    if expect(os.path.exists(weak_csv), "no weak study CSV"):
        weak_data = check_study_csv(weak_csv, "weak", 1_000_000)
        expect(len(weak_data) == 5, f"weak study has {len(weak_data)} rows")

    if check_plots:
        for csv_file, stem in ((csv_path, "simpson-strong"), (weak_csv, "simpson-weak")):
            plot = tool([PYTHON, PLOTTER, csv_file])
            expect(plot.returncode == 0, f"plot of {csv_file} failed: {plot.stderr}")
            # Below 4 usable CPUs no series has 3 points with p > 1 that are not oversubscribed: no fit.
            if len(os.sched_getaffinity(0)) < 4:
                expect("fit: fewer than 3 points" in plot.stdout and "serial fraction f =" not in plot.stdout,
                       f"a fit through too few points, or no word of it: {plot.stdout}")
            check_figures(os.path.dirname(csv_file), stem)
        combined = tool([PYTHON, PLOTTER, csv_path, weak_csv, "--out", work, "--name", "both", "--group-by",
                         "study,series"])
        expect(combined.returncode == 0, f"combined plot failed: {combined.stderr}")
        check_figures(work, "both-strong")
        check_figures(work, "both-weak")
        # A CSV the program wrote itself (no study columns; measured serial baseline).
        raw_csv = os.path.join(work, "raw.csv")
        for threads in ("1", "2"):
            result = run("simpson", ["-n", "2e6", "--model", "openmp", "--threads", threads, "--repeat", "1",
                                     "--csv", raw_csv, "-q"])
            expect(result.returncode == 0, f"raw run failed: {result.stderr}")
        raw = tool([PYTHON, PLOTTER, raw_csv, "--out", work, "--name", "raw"])
        expect(raw.returncode == 0, f"plot of a program CSV failed: {raw.stderr}")
        check_figures(work, "raw-strong")
        # Four points not oversubscribed (a hand-made CSV from the real rows): the fit is drawn.
        rows = pd.read_csv(raw_csv)
        synthetic = pd.concat([rows.iloc[[0]]] * 4, ignore_index=True)
        synthetic["workers"] = synthetic["threads"] = [1, 2, 3, 4]
        synthetic["oversubscribed"] = 0
        base = float(rows.iloc[0]["time_median_s"])
        for column in ("time_min_s", "time_median_s", "time_max_s"):
            synthetic[column] = [base / (0.1 + 0.9 / p) ** -1 for p in (1, 2, 3, 4)]
        four_csv = os.path.join(work, "four.csv")
        synthetic.to_csv(four_csv, index=False)
        four = tool([PYTHON, PLOTTER, four_csv, "--out", work, "--name", "four"])
        expect(four.returncode == 0 and "Amdahl serial fraction f = 0.1" in four.stdout,
               f"no Amdahl fit through 3 points with p > 1: {four.stdout} {four.stderr}")
        # A schema-1 CSV is refused in one line naming the file.
        old_rows = rows.copy()
        old_rows["schema_version"] = 1
        old_csv = os.path.join(work, "old.csv")
        old_rows.to_csv(old_csv, index=False)
        refused = tool([PYTHON, PLOTTER, old_csv, "--out", work])
        expect(refused.returncode == 2 and "record schema 1" in refused.stderr and old_csv in refused.stderr
               and refused.stderr.count("\n") == 1, f"schema-1 CSV not refused in one line: {refused.stderr!r}")
        mixed = tool([PYTHON, PLOTTER, csv_path, "--group-by", "program", "--out", work])
        expect(mixed.returncode == 2 and "--group-by" in mixed.stderr, "mixing sweeps on one line not refused")

    # Usage errors and a program that rejects its arguments.
    for bad in (["--sweep", "cuda"], ["--sweep", "mpi:schedule=dynamic"], ["--scaling", "weak"],
                ["--ranks", "0-2"], ["--hybrid", "2by2"], ["--size", "1.5"]):
        result = tool([PYTHON, RUNNER, "simpson", "--out", work, "--bin-dir", BIN_DIR] + bad)
        expect(result.returncode == 2 and "error:" in result.stderr, f"{bad}: exit {result.returncode}")
    rejected = tool([PYTHON, RUNNER, "simpson", "--study", "rejected", "--size", "3"] + common)
    expect(rejected.returncode == 1 and "rejected its arguments" in rejected.stderr,
           f"an odd interval count: exit {rejected.returncode}: {rejected.stderr}")

    # Inside a Slurm allocation the points go through srun (checked without running them).
    dry = tool([PYTHON, RUNNER, "simpson", "--launcher", "srun", "--cores", "2", "--dry-run", "--ranks", "1-3",
                "--hybrid", "1x2"], timeout=60)
    lines = dry.stdout.splitlines()
    expect(dry.returncode == 0 and all(line.startswith("srun --ntasks=") for line in lines),
           f"srun dry run: {dry.stdout} {dry.stderr}")
    expect(any(line.startswith("srun --ntasks=3 --cpus-per-task=1 --overcommit") for line in lines),
           "srun: no --overcommit for 3 ranks on 2 cores")
    expect(any(line.startswith("srun --ntasks=1 --cpus-per-task=2 --cpu-bind=cores") and "--model hybrid" in line
               for line in lines), "srun: hybrid 1x2 not given 2 CPUs per task")


def test_reproduce(work):
    out = os.path.join(work, "reproduce")
    result = tool(["bash", REPRODUCE, "--quick", "--out", out, "--bin-dir", BIN_DIR], timeout=1200)
    expect(result.returncode == 0, f"reproduce_results.sh --quick failed: {result.stderr[-3000:]}")
    studies = {"simpson-strong": "simpson", "montecarlo-strong": "montecarlo", "primes-strong": "primes",
               "montecarlo-weak": "montecarlo"}
    present = 0
    for study, program in studies.items():
        if os.path.exists(os.path.join(BIN_DIR, program)):
            present += 1
            csv_path = os.path.join(out, study, f"{study}.csv")
            if expect(os.path.exists(csv_path), f"no {csv_path}"):
                data = pd.read_csv(csv_path)
                expect((data["valid"] == 1).all() and len(data) >= 4, f"{study}: {len(data)} rows, some invalid")
                check_figures(os.path.join(out, study), study)
        else:
            expect(f"{study}: SKIPPED" in result.stderr, f"no SKIPPED line for {study}: {result.stderr}")
    expect(present >= 1, "simpson is not built")
    if sum(os.path.exists(os.path.join(BIN_DIR, p)) for p in ("simpson", "montecarlo", "primes")) > 1:
        check_figures(out, "kernels-mpi-strong")


def main(argv):
    parts = argv or ["runner", "plots", "reproduce"]
    with tempfile.TemporaryDirectory(prefix="parscale-scaling-") as work:
        if "runner" in parts or "plots" in parts:
            test_runner_and_plots(work, "plots" in parts)
        if "reproduce" in parts:
            test_reproduce(work)
    return finish(f"scaling tools ({', '.join(parts)})")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
