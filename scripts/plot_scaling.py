#!/usr/bin/python3
"""Scaling plots from parscale CSV files (a study's CSV from scripts/scaling_study.py, or any
CSV the programs wrote with --csv). Writes one figure per scaling kind found, as PNG and SVG:

  strong: time vs p, speedup vs p (ideal line, Amdahl fit), efficiency vs p, Karp-Flatt vs p
  weak:   time vs p, scaled speedup vs p (ideal line, Gustafson fit), efficiency T_1/T_p,
          serial fraction from Gustafson's law vs p

Every number is recomputed from raw columns: T_p is time_median_s, and T_1 is the p = 1 row
of the same study and sweep (for a CSV without one, the row's own baseline_s):
  strong  S = T_1/T_p, E = S/p, Karp-Flatt e = (1/S - 1/p)/(1 - 1/p)
          Amdahl fit: the f in [0, 1] minimising sum (S_i - 1/(f + (1-f)/p_i))^2
  weak    S = p T_1/T_p (scaled speedup), E = T_1/T_p
          Gustafson fit: S = p - f (p - 1), least squares f = sum (p-1)(p-S) / sum (p-1)^2
Error bars come from the repetitions: T_p from time_min_s to time_max_s, and S and E from
min(T_1)/max(T_p) to max(T_1)/min(T_p) (the p = 1 point's spread and this point's).
Oversubscribed points (more workers than cores; the CSV's oversubscribed column) are drawn
hollow, their p range is shaded, and they are left out of the fits (--fit-oversubscribed
keeps them). A fit needs at least 3 points with p > 1 that are not oversubscribed: with fewer
(a 2-core host) the legend says there are too few points, and no curve is drawn.
Only record schema 2 CSVs are read (schema_version column); older files are refused.

    scripts/plot_scaling.py results/simpson-strong/simpson-strong.csv
    scripts/plot_scaling.py results/*-strong/*.csv --filter model=mpi --group-by program --name mpi-kernels
"""
import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

REQUIRED = ["schema_version", "program", "model", "ranks", "threads", "workers", "oversubscribed", "time_min_s",
            "time_median_s", "time_max_s"]
SCHEMA_VERSION = 2
MIN_FIT_POINTS = 3
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h"]


def fail(message):
    print(f"plot_scaling.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def load(paths):
    frames = []
    for path in paths:
        try:
            frame = pd.read_csv(path, keep_default_na=True)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            fail(f"{path}: {error}")
        if "schema_version" in frame.columns and not frame.empty:
            versions = sorted({int(v) for v in pd.to_numeric(frame["schema_version"], errors="coerce").dropna()})
            if versions != [SCHEMA_VERSION]:
                fail(f"{path}: written by record schema {'/'.join(map(str, versions)) or '?'}, this script reads "
                     f"schema {SCHEMA_VERSION}; rerun the study with this version's programs "
                     f"(scripts/scaling_study.py) or plot it with the version that wrote it")
        missing = [column for column in REQUIRED if column not in frame.columns]
        if missing:
            fail(f"{path}: not a parscale CSV, it lacks the columns {missing}")
        frame["source_file"] = os.path.basename(path)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    # CSVs the programs wrote themselves have no study columns: derive them.
    if "p" not in data:
        data["p"] = data["workers"]
    if "scaling" not in data:
        data["scaling"] = "strong"
    if "study" not in data:
        data["study"] = data["source_file"]
    if "sweep" not in data:
        def sweep_name(row):
            parts = [row["model"]]
            if row["model"] in ("openmp", "hybrid") and isinstance(row.get("schedule"), str):
                parts.append(f"schedule={row['schedule']}")
            if row["model"] in ("mpi", "hybrid") and isinstance(row.get("distribution"), str):
                parts.append(f"distribution={row['distribution']}")
            return " ".join(parts)
        data["sweep"] = data.apply(sweep_name, axis=1)
    if "series" not in data:
        data["series"] = [f"{sweep} t={threads}" if model == "hybrid" else sweep
                          for sweep, model, threads in zip(data["sweep"], data["model"], data["threads"])]
    data["p"] = data["p"].astype(int)
    data["oversubscribed"] = data["oversubscribed"].astype(int).astype(bool)
    data = data[data["time_median_s"] > 0].copy()
    if data.empty:
        fail("no rows with a positive time_median_s")
    return data


def add_metrics(data):
    """T_1 per (study, sweep) from its p = 1 row(s), then the metrics from raw times."""
    ones = data[data["p"] == 1].groupby(["study", "sweep"])
    t1 = pd.concat([ones["time_median_s"].median().rename("t1_s"), ones["time_min_s"].min().rename("t1_min_s"),
                    ones["time_max_s"].max().rename("t1_max_s")], axis=1)
    data = data.join(t1, on=["study", "sweep"])
    if "baseline_s" in data:
        # No p = 1 row in the sweep (a hand-made CSV): the program's own measured baseline.
        for column in ("t1_s", "t1_min_s", "t1_max_s"):
            data[column] = data[column].fillna(data["baseline_s"])
    lost = data["t1_s"].isna()
    if lost.any():
        print(f"plot_scaling.py: warning: {int(lost.sum())} rows have no p = 1 point in their sweep and no "
              f"baseline_s; left out", file=sys.stderr)
        data = data[~lost].copy()
    p = data["p"].astype(float)
    ratio = data["t1_s"] / data["time_median_s"]
    weak = data["scaling"] == "weak"
    data["S"] = np.where(weak, p * ratio, ratio)
    data["E"] = data["S"] / p
    # The repetitions' range: the slowest p = 1 run against the fastest p run, and the reverse.
    low_ratio = data["t1_min_s"] / data["time_max_s"]
    high_ratio = data["t1_max_s"] / data["time_min_s"]
    data["S_low"] = np.where(weak, p * low_ratio, low_ratio)
    data["S_high"] = np.where(weak, p * high_ratio, high_ratio)
    data["E_low"] = data["S_low"] / p
    data["E_high"] = data["S_high"] / p
    with np.errstate(divide="ignore", invalid="ignore"):
        karp_flatt = (1.0 / data["S"] - 1.0 / p) / (1.0 - 1.0 / p)
        gustafson = (p - data["S"]) / (p - 1.0)
    data["serial_fraction"] = np.where(p > 1, np.where(weak, gustafson, karp_flatt), np.nan)
    return data


def amdahl_fit(p, speedup):
    """Least-squares serial fraction f in [0, 1] of S(p) = 1/(f + (1-f)/p) (grid, then refined)."""
    p = np.asarray(p, dtype=float)
    speedup = np.asarray(speedup, dtype=float)

    def residual(f):
        return np.sum((speedup[None, :] - 1.0 / (f[:, None] + (1.0 - f[:, None]) / p[None, :])) ** 2, axis=1)

    grid = np.linspace(0.0, 1.0, 10001)
    best = grid[np.argmin(residual(grid))]
    fine = np.clip(np.linspace(best - 1e-4, best + 1e-4, 2001), 0.0, 1.0)
    return float(fine[np.argmin(residual(fine))])


def gustafson_fit(p, speedup):
    """Least-squares f of S(p) = p - f (p - 1) (linear in f), kept in [0, 1] like Amdahl's."""
    p = np.asarray(p, dtype=float)
    speedup = np.asarray(speedup, dtype=float)
    return float(np.clip(np.sum((p - 1.0) * (p - speedup)) / np.sum((p - 1.0) ** 2), 0.0, 1.0))


def group_columns(data, requested):
    if requested:
        columns = [column.strip() for column in requested.split(",") if column.strip()]
        unknown = [column for column in columns if column not in data]
        if unknown:
            fail(f"--group-by: unknown columns {unknown}")
        return columns
    columns = [column for column in ("program", "study", "series") if data[column].nunique() > 1]
    return columns or ["series"]


def label_of(columns, key):
    values = key if isinstance(key, tuple) else (key,)
    return " ".join(str(value) for value in values)


def shade_oversubscribed(axes, data):
    """Grey band over the p range where every point is oversubscribed."""
    over = data[data["oversubscribed"]]
    if over.empty:
        return
    first = over["p"].min()
    if data[data["p"] >= first]["oversubscribed"].all():
        for ax in axes:
            ax.axvspan(first - 0.5, data["p"].max() + 0.5, color="0.9", zorder=0)
        axes[2].text(first - 0.4, 0.02, "oversubscribed", transform=axes[2].get_xaxis_transform(),
                     va="bottom", ha="left", fontsize=8, color="0.35")


def plot_kind(data, kind, columns, name, out_dir, formats, fit_oversubscribed, title):
    strong = kind == "strong"
    figure, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    ax_time, ax_speedup, ax_efficiency, ax_fraction = axes.flat
    max_p = int(data["p"].max())
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fits = []
    series_handles, series_labels = [], []
    for index, (key, group) in enumerate(data.groupby(columns if len(columns) > 1 else columns[0], sort=False)):
        label = label_of(columns, key)
        # Repeated runs of the same point (CSV files appended to): their median.
        group = group.groupby("p").agg(time_median_s=("time_median_s", "median"), time_min_s=("time_min_s", "min"),
                                       time_max_s=("time_max_s", "max"), S=("S", "median"),
                                       S_low=("S_low", "min"), S_high=("S_high", "max"),
                                       E=("E", "median"), E_low=("E_low", "min"), E_high=("E_high", "max"),
                                       serial_fraction=("serial_fraction", "median"),
                                       oversubscribed=("oversubscribed", "max"),
                                       rows=("time_median_s", "size")).reset_index()
        color = colors[index % len(colors)]
        marker = MARKERS[index % len(MARKERS)]
        for ax, column in ((ax_time, "time_median_s"), (ax_speedup, "S"), (ax_efficiency, "E"),
                           (ax_fraction, "serial_fraction")):
            shown = group.dropna(subset=[column])
            ax.plot(shown["p"], shown[column], "-", color=color, lw=1.5, zorder=2)
            bars = {"time_median_s": ("time_min_s", "time_max_s"), "S": ("S_low", "S_high"),
                    "E": ("E_low", "E_high")}.get(column)
            if bars:
                low, high = shown[bars[0]], shown[bars[1]]
                ax.errorbar(shown["p"], shown[column], yerr=[(shown[column] - low).clip(lower=0),
                                                             (high - shown[column]).clip(lower=0)],
                            fmt="none", ecolor=color, elinewidth=1, capsize=3, zorder=2)
            for over, face in ((False, color), (True, "white")):
                part = shown[shown["oversubscribed"] == over]
                ax.plot(part["p"], part[column], linestyle="none", marker=marker, markersize=7, color=color,
                        markerfacecolor=face, markeredgewidth=1.5, zorder=3)
        fitted = group[(group["p"] > 1) & (fit_oversubscribed | ~group["oversubscribed"])]
        fit_text = f"no fit: too few points ({len(fitted)} of the {MIN_FIT_POINTS} needed)"
        if len(fitted) >= MIN_FIT_POINTS:
            f = amdahl_fit(fitted["p"], fitted["S"]) if strong else gustafson_fit(fitted["p"], fitted["S"])
            curve_p = np.linspace(1, max_p, 200)
            curve = 1.0 / (f + (1.0 - f) / curve_p) if strong else curve_p - f * (curve_p - 1.0)
            ax_speedup.plot(curve_p, curve, "--", color=color, lw=1, zorder=1)
            ax_fraction.axhline(f, color=color, ls="--", lw=0.8, zorder=1)
            fits.append((label, f))
            fit_text = f"f = {f:.3g}{' (at bound)' if f in (0.0, 1.0) else ''}, {len(fitted)} pts"
        series_handles.append(Line2D([], [], color=color, marker=marker, markersize=7, lw=1.5))
        series_labels.append(f"{label}  ({fit_text})")
    ideal = np.arange(1, max_p + 1)
    ax_speedup.plot(ideal, ideal, ":", color="black", lw=1, label="ideal S = p", zorder=1)
    ax_efficiency.axhline(1.0, color="black", ls=":", lw=1)
    for ax in axes.flat:
        ax.set_xlabel("p = ranks x threads (workers)")
        ax.set_xticks(range(1, max_p + 1) if max_p <= 16 else [2 ** k for k in range(int(math.log2(max_p)) + 1)])
        ax.set_xlim(0.5, max_p + 0.5)
        ax.grid(True, alpha=0.3)
    shade_oversubscribed(axes.flat, data)
    ax_time.set_ylabel("time T_p (s, median)")
    ax_time.set_title("time" + (" (problem fixed)" if strong else " (work per worker fixed)"))
    ax_time.set_ylim(bottom=0)
    if strong:
        ax_speedup.set_ylabel("speedup S = T_1 / T_p")
        ax_speedup.set_title("speedup; dashed: Amdahl fit S(p) = 1/(f + (1-f)/p)")
        ax_efficiency.set_ylabel("efficiency E = S / p")
        ax_fraction.set_ylabel("Karp-Flatt e = (1/S - 1/p) / (1 - 1/p)")
        ax_fraction.set_title("experimental serial fraction (dashed: fitted f)")
    else:
        ax_speedup.set_ylabel("scaled speedup S = p T_1 / T_p")
        ax_speedup.set_title("scaled speedup; dashed: Gustafson fit S(p) = p - f(p-1)")
        ax_efficiency.set_ylabel("weak efficiency E = T_1 / T_p")
        ax_fraction.set_ylabel("serial fraction (p - S) / (p - 1)")
        ax_fraction.set_title("Gustafson serial fraction per point (dashed: fitted f)")
    ax_speedup.set_ylim(bottom=0)
    ax_efficiency.set_title("efficiency")
    ax_efficiency.set_ylim(0, max(1.1, float(data["E"].max()) * 1.1))
    law = "Amdahl" if strong else "Gustafson"
    handles = series_handles + [
        Line2D([], [], linestyle="none", marker="o", color="0.3", markerfacecolor="white", markeredgewidth=1.5),
        Line2D([], [], color="black", ls=":", lw=1), Line2D([], [], color="0.3", ls="--", lw=1)]
    labels = series_labels + ["hollow marker: oversubscribed (workers > cores)", "ideal",
                              f"dashed: {law} fit (least squares) through >= {MIN_FIT_POINTS} points p > 1"
                              + ("" if fit_oversubscribed else ", not oversubscribed")]
    if data["oversubscribed"].any():
        handles.append(Patch(color="0.9"))
        labels.append("shaded: every point oversubscribed")
    longest = max(len(text) for text in labels)
    columns_in_legend = 1 if longest > 75 else 2 if longest > 40 else 3
    figure.legend(handles, labels, fontsize=9, loc="lower center", ncol=columns_in_legend, frameon=False,
                  bbox_to_anchor=(0.5, 0.02))
    hosts = ", ".join(sorted(str(host) for host in data["host"].dropna().unique())) if "host" in data else "?"
    repeats = sorted({int(r) for r in data["repeat"].dropna()}) if "repeat" in data else []
    figure.suptitle(title or f"{', '.join(sorted(data['program'].unique()))}: {kind} scaling", fontsize=13)
    figure.text(0.5, 0.003, f"host {hosts}; T_p = median of {'/'.join(map(str, repeats)) or '?'} timed runs, "
                f"bars: their min..max; T_1 = the p = 1 point of each sweep", ha="center", fontsize=8, color="0.3")
    legend_rows = math.ceil(len(labels) / columns_in_legend)
    figure.tight_layout(rect=(0, 0.025 + 0.024 * legend_rows, 1, 0.97))
    written = []
    for extension in formats:
        stem = name if name.endswith(f"-{kind}") else f"{name}-{kind}"
        path = os.path.join(out_dir, f"{stem}.{extension}")
        figure.savefig(path, dpi=120)
        written.append(path)
    plt.close(figure)
    return written, fits


def main(argv):
    parser = argparse.ArgumentParser(prog="plot_scaling.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", help="CSV files (a study's CSV, or --csv output of the programs)")
    parser.add_argument("--out", help="folder for the figures (default: the first CSV's folder)")
    parser.add_argument("--name", help="file name stem (default: the study name, or 'scaling')")
    parser.add_argument("--group-by", help="columns whose values make one line each, comma-separated "
                                           "(default: program, study and series where they vary)")
    parser.add_argument("--filter", action="append", default=[], metavar="COLUMN=VALUE",
                        help="keep only rows with this value; repeatable")
    parser.add_argument("--title", help="figure title")
    parser.add_argument("--formats", default="png,svg", help="comma-separated (default png,svg)")
    parser.add_argument("--fit-oversubscribed", action="store_true", help="fit oversubscribed points too")
    args = parser.parse_args(argv)

    data = load(args.csv)
    for condition in args.filter:
        column, _, value = condition.partition("=")
        if column not in data:
            fail(f"--filter: unknown column '{column}'")
        data = data[data[column].astype(str) == value]
    if data.empty:
        fail("no rows left after --filter")
    data = add_metrics(data)
    columns = group_columns(data, args.group_by)
    mixed = data.groupby(columns + ["scaling", "p"]).agg(sweeps=("sweep", "nunique"), studies=("study", "nunique"))
    if (mixed["sweeps"] > 1).any() or (mixed["studies"] > 1).any():
        fail(f"--group-by {','.join(columns)} puts points of different sweeps or studies on one line; "
             f"add series or study to --group-by, or --filter the rows")
    out_dir = args.out or os.path.dirname(os.path.abspath(args.csv[0]))
    os.makedirs(out_dir, exist_ok=True)
    name = args.name or (str(data["study"].iloc[0]) if data["study"].nunique() == 1 else "scaling")
    name = os.path.splitext(name)[0]
    formats = [extension.strip() for extension in args.formats.split(",") if extension.strip()]
    for kind in ("strong", "weak"):
        subset = data[data["scaling"] == kind]
        if subset.empty:
            continue
        written, fits = plot_kind(subset, kind, columns, name, out_dir, formats, args.fit_oversubscribed, args.title)
        law = "Amdahl" if kind == "strong" else "Gustafson"
        for label, f in fits:
            print(f"{name} {kind}: {label}: {law} serial fraction f = {f:.4g}")
        if not fits:
            print(f"{name} {kind}: no {law} fit: fewer than {MIN_FIT_POINTS} points with p > 1 that are not "
                  f"oversubscribed in every series")
        for path in written:
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
