#!/usr/bin/python3
"""Project a program's strong and weak scaling to thousands of ranks from measured inputs.

A PROJECTION, not a measurement. The model (docs/at-scale.md, "The cost model", lists every
assumption) for one timed repetition on P ranks of one thread each:

    T(P) = t_block * ceil(B / P) * I          compute: the largest share, times the imbalance
         + ceil(log2 P) * (a + m * b)         the binomial reduction: one message per round
         + R(P) * a                           dynamic only: rank 0 serves R(P) requests
    R(P) = min(B, c (g + n - 1)) + (g - 1) + (n - 1)    the two-level queue (drivers/work_queue.hpp):
           c = 2 (1 + ln 32) guided grabs per member of rank 0's group (g = min(P, G) ranks) and
           shares per other group leader (n = ceil(P / G) groups, G = 16), plus one "no more" each;
           for P <= G it is the one-level queue's min(B, 2P (1 + ln 32)) + P - 1

t_block = the np-1 record's median time / its blocks; I = the record's imbalance at np 2 (1 at
np 1); a = the smallest message's one-way time in a ping-pong (tests/mpi_pingpong.cpp) on the
transport, b = the slope of a line fitted to its sizes; m = bytes of one reduction message. Weak scaling keeps the np-1 blocks per rank.
The launch cost L(P) = l0 + l1 * P (fitted to measured mpirun wall times of tiny runs) is
outside the timed region; it is drawn as a separate curve (time to solution of one repetition).

Checks the model against the study's measured mpi points (np 1-2; np 3-4 on this 2-core host are
oversubscribed and reported apart) and states the error. Exit 0 ok, 2 bad input.

    scripts/cost_model.py --inputs results/cost-model/inputs.json --study results/simpson-strong \
        [--weak-study results/montecarlo-weak] --out results/cost-model/simpson.png
"""
import argparse
import json
import math
import pathlib
import sys

MAX_RANKS = 4096
GUIDED_GRABS_PER_RANK = 2.0 * (1.0 + math.log(32.0))  # drivers/driver.hpp: dynamic_chunk_policy
QUEUE_GROUP_SIZE = 16  # drivers/work_queue.hpp: kQueueGroupSize


def fail(message):
    print(f"cost_model.py: {message}", file=sys.stderr)
    sys.exit(2)


def fit_line(xs, ys):
    """Least squares y = c0 + c1 x (numpy-free: two parameters)."""
    n = len(xs)
    if n < 2:
        fail("a fit needs at least two points")
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx if sxx > 0 else 0.0
    return mean_y - slope * mean_x, max(slope, 0.0)


def load_inputs(path):
    try:
        inputs = json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError) as error:
        fail(f"--inputs: cannot read {path}: {error}")
    transports = {}
    for name, pingpong in inputs.get("pingpong", {}).items():
        points = sorted(pingpong.get("points", []), key=lambda p: p["bytes"])
        # Latency: the smallest message's one-way time (a line's intercept through sizes up to
        # 128 KiB is dominated by the large ones and can come out negative); per byte: the slope.
        _, per_byte = fit_line([p["bytes"] for p in points], [p["one_way_s"] for p in points])
        transports[name] = {"latency_s": points[0]["one_way_s"], "per_byte_s": per_byte}
    if not transports:
        fail(f"--inputs: {path} has no 'pingpong' measurements")
    launch = inputs.get("launch")
    if not launch or len(launch.get("np", [])) < 2:
        fail(f"--inputs: {path} needs 'launch' with np and wall_s at two rank counts or more")
    l0, l1 = fit_line(launch["np"], launch["wall_s"])
    return {"transports": transports, "launch": (max(l0, 0.0), l1),
            "message_bytes": float(inputs.get("message_bytes", 1400))}


def read_points(study):
    """The study's per-point JSON records: (sweep name, ranks, threads, median s, blocks, imbalance, oversubscribed)."""
    directory = pathlib.Path(study) / "points"
    if not directory.is_dir():
        fail(f"--study: {study} has no points/ directory of per-point JSON records")
    points = []
    for path in sorted(directory.glob("*.json")):
        record = json.loads(path.read_text())
        run = record["run"]
        decomposition = run["decomposition"]
        sweep = path.stem.rsplit("-r", 1)[0]
        points.append({"sweep": sweep, "ranks": decomposition["ranks"], "threads": decomposition["threads"],
                       "model": decomposition["model"], "distribution": decomposition["distribution"],
                       "time_s": run["timing"]["median_s"], "blocks": run["work"]["blocks"],
                       "imbalance": run["metrics"].get("imbalance") or 1.0,
                       "oversubscribed": bool(decomposition.get("oversubscribed"))})
    return points


def mpi_sweeps(points):
    """Sweeps of MPI ranks with one thread each that hold an np-1 point (the model's serial input)."""
    sweeps = {}
    for point in points:
        if point["model"] == "mpi" and point["threads"] == 1:
            sweeps.setdefault(point["sweep"], []).append(point)
    usable = {}
    for name, sweep in sweeps.items():
        serial = [p for p in sweep if p["ranks"] == 1]
        if serial:
            usable[name] = sorted(sweep, key=lambda p: p["ranks"])
    return usable


def queue_requests(ranks, blocks):
    """Requests rank 0 serves in one dynamic run: its own group's grabs and the other leaders' shares
    (guided, GUIDED_GRABS_PER_RANK each), plus one "no more" to each; every leader serves fewer."""
    if ranks <= 1:
        return 0
    group = min(ranks, QUEUE_GROUP_SIZE)
    groups = math.ceil(ranks / QUEUE_GROUP_SIZE)
    clients = group - 1 + groups - 1
    return min(blocks, GUIDED_GRABS_PER_RANK * (clients + 1)) + clients


def project(ranks, blocks, t_block, imbalance, dynamic, transport, message_bytes):
    compute = t_block * math.ceil(blocks / ranks) * (imbalance if ranks > 1 else 1.0)
    rounds = math.ceil(math.log2(ranks)) if ranks > 1 else 0
    reduction = rounds * (transport["latency_s"] + message_bytes * transport["per_byte_s"])
    requests = queue_requests(ranks, blocks) if dynamic else 0
    return compute + reduction + requests * transport["latency_s"]


def model_sweep(sweep, inputs, weak):
    serial = next(p for p in sweep if p["ranks"] == 1)
    t_block = serial["time_s"] / serial["blocks"]
    at_two = [p for p in sweep if p["ranks"] == 2]
    imbalance = at_two[0]["imbalance"] if at_two else 1.0
    dynamic = serial["distribution"] == "dynamic" or any(p["distribution"] == "dynamic" for p in sweep)

    def blocks_at(p):
        return serial["blocks"] * p if weak else serial["blocks"]

    return {"t_block_s": t_block, "imbalance": imbalance, "dynamic": dynamic, "blocks_np1": serial["blocks"],
            "predict": lambda p, transport: project(p, blocks_at(p), t_block, imbalance, dynamic, transport,
                                                   inputs["message_bytes"])}


def errors(sweep, model, transport):
    rows = []
    for point in sweep:
        predicted = model["predict"](point["ranks"], transport)
        rows.append({"ranks": point["ranks"], "measured_s": point["time_s"], "projected_s": predicted,
                     "relative_error": (predicted - point["time_s"]) / point["time_s"],
                     "oversubscribed": point["oversubscribed"]})
    return rows


def summarise(rows, oversubscribed):
    chosen = [abs(r["relative_error"]) for r in rows if r["oversubscribed"] == oversubscribed]
    return max(chosen) if chosen else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", required=True, help="measured inputs (JSON: pingpong, launch, message_bytes)")
    parser.add_argument("--study", required=True, help="a strong-scaling study directory (with points/*.json)")
    parser.add_argument("--weak-study", help="a weak-scaling study directory of the same program (optional)")
    parser.add_argument("--out", required=True, help="the plot (PNG); the projection's JSON goes beside it")
    args = parser.parse_args()

    inputs = load_inputs(args.inputs)
    strong = mpi_sweeps(read_points(args.study))
    if not strong:
        fail(f"--study: {args.study} has no MPI sweep (one thread per rank) with an np-1 point")
    weak = mpi_sweeps(read_points(args.weak_study)) if args.weak_study else {}

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranks = [2 ** k for k in range(13)]
    assert ranks[-1] == MAX_RANKS
    report = {"projection": True, "strong": {}, "weak": {},
              "inputs": {"transports": inputs["transports"], "message_bytes": inputs["message_bytes"],
                         "launch": {"l0_s": inputs["launch"][0], "l1_s_per_rank": inputs["launch"][1]}}}
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    program = pathlib.Path(args.study).name.rsplit("-", 1)[0]
    lines = []
    for panel, (kind, sweeps, is_weak) in zip(axes, [("strong", strong, False),
                                                     ("weak", weak or strong, True)]):
        measured_here = (kind == "strong") or bool(weak)
        for index, (name, sweep) in enumerate(sorted(sweeps.items())):
            model = model_sweep(sweep, inputs, is_weak)
            color = f"C{index}"
            entry = {"t_block_s": model["t_block_s"], "imbalance_np2": model["imbalance"],
                     "dynamic": model["dynamic"], "blocks_np1": model["blocks_np1"], "transports": {}}
            for transport_name, transport in sorted(inputs["transports"].items()):
                style = "-" if transport_name == "shm" else "--"
                projected = [model["predict"](p, transport) for p in ranks]
                panel.plot(ranks, projected, style, color=color,
                           label=f"{name}: projection ({transport_name})")
                rows = errors(sweep, model, transport) if measured_here else []
                entry["transports"][transport_name] = {
                    "ranks": ranks, "projected_s": projected, "checked": rows,
                    "max_abs_error_np1_2": summarise(rows, False),
                    "max_abs_error_oversubscribed": summarise(rows, True)}
                if rows:
                    lines.append(f"{program} {kind} {name} ({transport_name}): model error at np 1-2 "
                                 f"max {100 * summarise(rows, False):.1f}%"
                                 + (f"; np 3-4 (oversubscribed) max {100 * summarise(rows, True):.1f}%"
                                    if summarise(rows, True) is not None else ""))
            if "shm" in inputs["transports"]:
                launch = [inputs["launch"][0] + inputs["launch"][1] * p + model["predict"](p, inputs["transports"]["shm"])
                          for p in ranks]
                panel.plot(ranks, launch, ":", color=color, label=f"{name}: projection + launch (shm)")
            if measured_here:
                plain = [p for p in sweep if not p["oversubscribed"]]
                over = [p for p in sweep if p["oversubscribed"]]
                panel.plot([p["ranks"] for p in plain], [p["time_s"] for p in plain], "o", color=color,
                           label=f"{name}: measured")
                panel.plot([p["ranks"] for p in over], [p["time_s"] for p in over], "o", color=color,
                           markerfacecolor="none", label=f"{name}: measured, oversubscribed")
            report[kind][name] = entry
        panel.set_xscale("log", base=2)
        panel.set_yscale("log")
        panel.set_xlabel("MPI ranks (one thread each)")
        panel.set_ylabel("time per repetition (s)")
        title = f"{program}, {kind} scaling: PROJECTION to {MAX_RANKS} ranks"
        if kind == "weak" and not weak:
            title += " (no weak study measured)"
        panel.set_title(title, fontsize=9)
        panel.grid(True, which="both", alpha=0.3)
        panel.legend(fontsize=6)
    figure.suptitle("cost model (scripts/cost_model.py): lines are projections, circles measured "
                    "(hollow: oversubscribed, 2-core host)", fontsize=9)
    figure.tight_layout()
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    report["errors"] = lines
    out.with_suffix(".json").write_text(json.dumps(report, indent=1, default=float) + "\n")
    for line in lines:
        print(line)
    print(f"wrote {out} and {out.with_suffix('.json')} (a projection, not a measurement)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
