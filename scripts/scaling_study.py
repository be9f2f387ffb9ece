#!/usr/bin/python3
"""Runs one parscale program over a scaling sweep and collects its records.

    scripts/scaling_study.py simpson --scaling strong --size 2e9
    scripts/scaling_study.py montecarlo --scaling weak --size 1e8 --sweep openmp --sweep mpi
    scripts/scaling_study.py primes --args "--workload trial" \\
        --sweep openmp:schedule=static --sweep openmp:schedule=dynamic \\
        --sweep mpi:distribution=block --sweep mpi:distribution=dynamic

A study is a set of sweeps (a model with its schedule/distribution); each sweep is run at
p = 1 first, then at the larger worker counts:
  openmp  threads 1..T (--threads), one process
  mpi     ranks 1..P (--ranks), through mpirun, or srun inside a Slurm allocation
  hybrid  ranks x threads (--hybrid RxT,...); plotted as one series per threads-per-rank
Strong scaling keeps the problem fixed (--size); weak scaling keeps the work per worker
fixed (the program gets --size x p). The baseline of every point is the p = 1 point of
its own sweep: strong points after it are run with --baseline <its median>, so the
program's own speedup/efficiency/karp_flatt columns use it; weak points run with
--baseline none and the study columns carry the scaled speedup and E = T_1/T_p.

Output (results/<study>/ by default):
  context.json        machine and software context: lscpu, nproc, mpirun --version, the
                      program's --version (compiler, flags, commit), git state, command line
  <study>.csv         one row per point: the program's CSV columns, then the study columns
                      (study, scaling, sweep, series, p, size, size_per_worker, point,
                      baseline_point, baseline_point_s, sweep_speedup, sweep_efficiency,
                      expected_oversubscribed, command)
  study.json          the study definition and every point's command, exit code and files
  points/<point>.csv, .json, .log   each point's own CSV row, JSON record and output
One result line per point goes to stderr; on a terminal (--progress) a status line shows the
running point, how long it has run and an estimate of the study's time left. Standard library only (Debian's python3).
Exit status: 0 all points valid, 1 some point failed or was invalid, 2 bad usage.
"""
import argparse
import csv
import datetime
import json
import os
import re
import shlex
import shutil
import sys
import time

from study_launch import Launcher, machine_context, slurm_cpus, usable_cpus
from study_progress import StatusLine, StudyClock, format_duration, run_point
from study_sweeps import (SIZE_OPTIONS, UsageError, build_points, parse_hybrid, parse_int_list, parse_sweep,
                          point_size, program_arguments, program_count)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Installed (cmake --install, the .deb), this file is <prefix>/share/parscale/scripts/ and the
# programs are in <prefix>/bin; in a checkout they are in build/release.
INSTALLED = os.path.basename(os.path.dirname(REPO)) == "share" and os.path.basename(REPO) == "parscale"
DEFAULT_BIN_DIR = (os.path.join(os.path.dirname(os.path.dirname(REPO)), "bin") if INSTALLED
                   else os.path.join(REPO, "build", "release"))

STUDY_COLUMNS = ["study", "scaling", "sweep", "series", "p", "size", "size_per_worker", "point", "baseline_point",
                 "baseline_point_s", "sweep_speedup", "sweep_efficiency", "expected_oversubscribed", "command"]


RECORD_SCHEMA_VERSION = 2  # src/record.hpp kRecordSchemaVersion


def read_csv_row(path):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) != 1:
        raise RuntimeError(f"{path}: expected one CSV row, found {len(rows)}")
    if rows[0].get("schema_version") != str(RECORD_SCHEMA_VERSION):
        raise RuntimeError(f"{path}: written by record schema {rows[0].get('schema_version')}, this runner reads "
                           f"schema {RECORD_SCHEMA_VERSION}; use this version's programs (--bin-dir)")
    return rows[0]


def write_study_csv(path, rows):
    if not rows:
        return
    header = list(rows[0].keys())
    temporary = path + ".tmp"
    with open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(temporary, path)


def write_json(path, document):
    temporary = path + ".tmp"
    with open(temporary, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="scaling_study.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Sweep specs: openmp | mpi | hybrid, optionally :schedule=S and/or :distribution=D, e.g.\n"
               "  --sweep openmp:schedule=dynamic --sweep mpi:distribution=dynamic --sweep "
               "hybrid:schedule=dynamic:distribution=block")
    parser.add_argument("program", help="program name in --bin-dir (simpson, montecarlo, primes) or a path")
    parser.add_argument("--study", help="study name, the output folder (default: PROGRAM-SCALING)")
    parser.add_argument("--scaling", choices=("strong", "weak"), default="strong")
    parser.add_argument("--sweep", action="append", default=[], metavar="SPEC",
                        help="a model with its schedule/distribution; repeatable (default: openmp, mpi, hybrid)")
    parser.add_argument("--threads", default="1,2", help="OpenMP threads for openmp sweeps (default 1,2)")
    parser.add_argument("--ranks", default="1-4", help="MPI ranks for mpi sweeps (default 1-4)")
    parser.add_argument("--hybrid", help="ranks x threads for hybrid sweeps, e.g. 1x1,2x1,1x2,2x2 "
                                         "(default: --ranks x --threads with at most max(--ranks) workers)")
    parser.add_argument("--size", help="strong: the problem size; weak: the size per worker (default: the "
                                       "program's own problem; required for weak)")
    parser.add_argument("--size-option", help="the program option --size sets (default: --intervals for simpson, "
                                              "--samples for montecarlo)")
    parser.add_argument("--args", default="", help="more program arguments, one shell-quoted string "
                                                   "(e.g. \"--workload trial --limit 120000\")")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per point (median used; default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs per point (default 1)")
    parser.add_argument("--out", default="results" if INSTALLED else os.path.join(REPO, "results"),
                        help="parent folder of the study folder (default: the repository's results/; "
                             "installed: ./results)")
    parser.add_argument("--bin-dir", default=os.environ.get("PARSCALE_BIN_DIR", DEFAULT_BIN_DIR),
                        help="where the programs are (default: $PARSCALE_BIN_DIR, else build/release; "
                             "installed: <prefix>/bin)")
    parser.add_argument("--launcher", choices=("auto", "mpirun", "srun"), default="auto",
                        help="auto: srun inside a Slurm allocation (SLURM_JOB_ID set), else mpirun")
    parser.add_argument("--mpirun", default=os.environ.get("PARSCALE_MPIEXEC", "mpirun"),
                        help="the mpirun command (default: $PARSCALE_MPIEXEC, else mpirun)")
    parser.add_argument("--launcher-args", default="", help="more launcher arguments, one shell-quoted string")
    parser.add_argument("--cores", type=int, help="cores available, for marking and launching oversubscribed "
                                                  "points (default: this process's CPUs, or the Slurm allocation's)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a point is killed (default 1800)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing study folder's results")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                        help="a line showing the running point and the time left, rewritten in place: auto "
                             "(when stderr is a terminal), always, never")
    args = parser.parse_args(argv)

    args.threads = parse_int_list(args.threads, "--threads")
    args.ranks = parse_int_list(args.ranks, "--ranks")
    args.hybrid = parse_hybrid(args.hybrid) if args.hybrid else None
    args.sweeps = [parse_sweep(text) for text in (args.sweep or ["openmp", "mpi", "hybrid"])]
    if len({sweep["name"] for sweep in args.sweeps}) != len(args.sweeps):
        raise UsageError("--sweep: the same sweep is given twice")
    args.program_name = os.path.basename(args.program)
    args.study = args.study or f"{args.program_name}-{args.scaling}"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", args.study):
        raise UsageError(f"--study: expected letters, digits, '.', '_' or '-', got '{args.study}'")
    args.args = shlex.split(args.args)
    args.launcher_args = shlex.split(args.launcher_args)
    if args.repeat < 1 or args.warmup < 0:
        raise UsageError("--repeat must be >= 1 and --warmup >= 0")
    if args.size is not None:
        args.size_option = args.size_option or SIZE_OPTIONS.get(args.program_name)
        if not args.size_option:
            raise UsageError(f"--size: no known size option for '{args.program_name}'; give --size-option")
    elif args.scaling == "weak":
        raise UsageError("--scaling weak needs --size (the work per worker)")
    return args


def main(argv):
    try:
        args = parse_arguments(argv)
    except UsageError as error:
        print(f"scaling_study.py: error: {error}", file=sys.stderr)
        return 2

    program_path = args.program if os.sep in args.program else os.path.join(args.bin_dir, args.program)
    program_path = os.path.abspath(program_path)
    if not (os.path.isfile(program_path) and os.access(program_path, os.X_OK)):
        print(f"scaling_study.py: error: no program at {program_path} (build it, or give --bin-dir)", file=sys.stderr)
        return 2

    if args.size is not None:
        try:
            args.size = program_count(program_path, args.size, "--size")
        except UsageError as error:
            print(f"scaling_study.py: error: {error}", file=sys.stderr)
            return 2

    kind = args.launcher
    if kind == "auto":
        kind = "srun" if os.environ.get("SLURM_JOB_ID") else "mpirun"
    cores = args.cores or (slurm_cpus() if kind == "srun" else None) or usable_cpus()
    launcher = Launcher(kind, shlex.split(args.mpirun), args.launcher_args, cores)
    points = build_points(args, args.sweeps)

    study_dir = os.path.abspath(os.path.join(args.out, args.study))
    points_dir = os.path.join(study_dir, "points")
    study_csv = os.path.join(study_dir, f"{args.study}.csv")
    if args.dry_run:
        for point in points:
            size = point_size(args, point["p"])
            files = {"label": f"study={args.study}", "csv": "POINT.csv", "json": "POINT.json"}
            baseline = "none" if point["baseline"] or args.scaling == "weak" else "T1"
            print(shlex.join(launcher.prefix(point["sweep"]["model"], point["ranks"], point["threads"]) +
                             [program_path] + program_arguments(args, point, size, baseline, files)))
        return 0
    if os.path.exists(study_csv) or os.path.isdir(points_dir):
        if not args.overwrite:
            print(f"scaling_study.py: error: {study_dir} already holds a study; give --overwrite to replace it",
                  file=sys.stderr)
            return 2
        shutil.rmtree(points_dir, ignore_errors=True)
        for name in (f"{args.study}.csv", "study.json", "context.json"):
            if os.path.exists(os.path.join(study_dir, name)):
                os.remove(os.path.join(study_dir, name))
    os.makedirs(points_dir, exist_ok=True)

    context = machine_context(args, program_path, launcher, [os.path.abspath(__file__)] + argv, REPO)
    write_json(os.path.join(study_dir, "context.json"), context)
    definition = {"study": args.study, "program": args.program_name, "scaling": args.scaling,
                  "sweeps": [sweep["name"] for sweep in args.sweeps], "size": args.size,
                  "size_option": args.size_option if args.size is not None else None,
                  "program_args": args.args, "repeat": args.repeat, "warmup": args.warmup,
                  "launcher": launcher.kind, "cores": cores}
    manifest = {"definition": definition, "points": []}

    rows = []
    baselines = {}  # sweep name -> (point id, median text)
    failures = []
    started = time.monotonic()
    clock = StudyClock(len(points))
    status = StatusLine(args.progress)
    print(f"scaling_study.py: {args.study}: {len(points)} points of {args.program_name} "
          f"({args.scaling} scaling, {len(args.sweeps)} sweeps, {cores} cores) -> {study_dir}", file=sys.stderr)
    for index, point in enumerate(points, 1):
        sweep = point["sweep"]
        size = point_size(args, point["p"])
        baseline = baselines.get(sweep["name"])
        if point["baseline"] or args.scaling == "weak" or baseline is None:
            baseline_text = "none"
        else:
            baseline_text = baseline[1]
        files = {
            "csv": os.path.join(points_dir, point["id"] + ".csv"),
            "json": os.path.join(points_dir, point["id"] + ".json"),
            "log": os.path.join(points_dir, point["id"] + ".log"),
            "label": (f"study={args.study};scaling={args.scaling};sweep={sweep['name']};p={point['p']};"
                      f"baseline_point={baseline[0] if baseline else point['id']}"),
        }
        command = (launcher.prefix(sweep["model"], point["ranks"], point["threads"]) + [program_path] +
                   program_arguments(args, point, size, baseline_text, files))
        point_started = time.monotonic()
        running = (f"[{index}/{len(points)}] {args.study}: {point['series']} p={point['p']} "
                   f"({point['ranks']}x{point['threads']}) running")

        def describe(running_for, running=running):
            left = clock.seconds_left(running_for)
            estimate = "estimating time left" if left is None else f"~{format_duration(left)} left"
            return f"{running} {format_duration(running_for)}, {format_duration(clock.elapsed())} elapsed, {estimate}"

        exit_code, output = run_point(command, args.timeout, status, describe)
        elapsed = time.monotonic() - point_started
        clock.point_done(elapsed)
        with open(files["log"], "w") as handle:
            handle.write("$ " + shlex.join(command) + "\n" + output)
        entry = {"point": point["id"], "sweep": sweep["name"], "ranks": point["ranks"], "threads": point["threads"],
                 "p": point["p"], "size": size, "command": shlex.join(command), "exit_code": exit_code,
                 "seconds": round(elapsed, 3), "csv": os.path.relpath(files["csv"], study_dir),
                 "json": os.path.relpath(files["json"], study_dir), "log": os.path.relpath(files["log"], study_dir)}
        manifest["points"].append(entry)
        expected_oversubscribed = point["p"] > cores
        prefix = (f"[{index:>{len(str(len(points)))}}/{len(points)}] {args.study}: {point['series']:<18} "
                  f"p={point['p']} ({point['ranks']}x{point['threads']})")
        row = None
        if os.path.exists(files["csv"]):
            try:
                row = read_csv_row(files["csv"])
            except (OSError, RuntimeError, csv.Error) as error:
                output += f"\n{error}"
        if row is None or exit_code not in (0, 1):
            failures.append(f"{point['id']}: exit {exit_code}, see {files['log']}")
            last_lines = " | ".join(line for line in output.strip().splitlines()[-3:])
            print(f"{prefix}  FAILED (exit {exit_code}): {last_lines}", file=sys.stderr)
            write_json(os.path.join(study_dir, "study.json"), manifest)
            if exit_code == 2:
                print("scaling_study.py: error: the program rejected its arguments; stopping the study",
                      file=sys.stderr)
                break
            continue
        if exit_code == 1 or row.get("valid") != "1":
            failures.append(f"{point['id']}: result failed validation, see {files['log']}")
        if point["baseline"]:
            baselines[sweep["name"]] = (point["id"], row["time_median_s"])
            baseline = baselines[sweep["name"]]
        median = float(row["time_median_s"])
        t1 = float(baseline[1]) if baseline else float("nan")
        speedup = t1 / median if baseline and median > 0 else float("nan")
        if args.scaling == "weak":
            speedup *= point["p"]  # scaled speedup p * T_1 / T_p; efficiency T_1 / T_p
        efficiency = speedup / point["p"]
        marked = row.get("oversubscribed") == "1"
        if marked != expected_oversubscribed:
            print(f"scaling_study.py: warning: {point['id']}: the program marked oversubscribed={int(marked)}, "
                  f"but {point['p']} workers on {cores} cores", file=sys.stderr)
        study_values = {
            "study": args.study, "scaling": args.scaling, "sweep": sweep["name"], "series": point["series"],
            "p": point["p"], "size": "" if size is None else size,
            "size_per_worker": "" if size is None else (args.size if args.scaling == "weak" else size / point["p"]),
            "point": point["id"], "baseline_point": baseline[0] if baseline else "",
            "baseline_point_s": baseline[1] if baseline else "",
            "sweep_speedup": "" if speedup != speedup else repr(speedup),
            "sweep_efficiency": "" if efficiency != efficiency else repr(efficiency),
            "expected_oversubscribed": int(expected_oversubscribed), "command": shlex.join(command),
        }
        clash = set(study_values) & set(row)
        if clash:
            raise RuntimeError(f"the program's CSV already has the study columns {sorted(clash)}")
        row.update(study_values)
        rows.append(row)
        write_study_csv(study_csv, rows)
        write_json(os.path.join(study_dir, "study.json"), manifest)
        total = time.monotonic() - started
        left = clock.seconds_left() or 0.0
        verdict = "" if row.get("valid") == "1" else "  INVALID RESULT"
        metric = "S" if args.scaling == "strong" else "scaled S"
        print(f"{prefix}  median {median:.4g} s  {metric}={speedup:.3g} E={efficiency:.3g}"
              f"{'  oversubscribed' if marked else ''}{verdict}  [{format_duration(total)} elapsed, "
              f"~{format_duration(left)} left]", file=sys.stderr)

    context["finished"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    context["loadavg_end"] = open("/proc/loadavg").read().strip() if os.path.exists("/proc/loadavg") else None
    context["wall_seconds"] = round(time.monotonic() - started, 1)
    write_json(os.path.join(study_dir, "context.json"), context)
    manifest["failures"] = failures
    write_json(os.path.join(study_dir, "study.json"), manifest)
    print(f"scaling_study.py: {args.study}: {len(rows)} of {len(points)} points recorded in "
          f"{format_duration(time.monotonic() - started)}; CSV {study_csv}", file=sys.stderr)
    for failure in failures:
        print(f"scaling_study.py: FAILED {failure}", file=sys.stderr)
    return 1 if failures or len(rows) != len(points) else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("\nscaling_study.py: interrupted; the study CSV holds the points finished so far", file=sys.stderr)
        sys.exit(130)
