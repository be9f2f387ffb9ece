"""The study runner's sweeps and points (scaling_study.py): the sweep syntax, the points a
sweep runs, their problem sizes and program arguments. Standard library only."""
import re
import subprocess

# The option that sets each known program's problem size (strong: the size, weak: the size
# per worker times p). Other programs: --size-option.
SIZE_OPTIONS = {"simpson": "--intervals", "montecarlo": "--samples"}

MODELS = ("openmp", "mpi", "hybrid")


class UsageError(Exception):
    pass


def program_count(program_path, text, what):
    """The positive integer a count (1000000, 1e9, 2^30) stands for, asked of the program itself
    (--print-count), so the count syntax is parsed in one place: src/numbers.cpp."""
    try:
        result = subprocess.run([program_path, "--print-count", text.strip()], capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        raise UsageError(f"{what}: could not ask {program_path} what '{text}' stands for: {error}") from None
    if result.returncode != 0 or not result.stdout.strip().isdigit():
        raise UsageError(f"{what}: expected an integer (1000000, 1e9 or 2^30), got '{text}'") from None
    value = int(result.stdout.strip())
    if value < 1:
        raise UsageError(f"{what}: expected a positive integer, got '{text}'")
    return value


def parse_int_list(text, what):
    values = []
    for part in text.split(","):
        part = part.strip()
        if re.fullmatch(r"\d+-\d+", part):
            low, high = (int(x) for x in part.split("-"))
            values.extend(range(low, high + 1))
        elif part.isdigit():
            values.append(int(part))
        else:
            raise UsageError(f"{what}: expected a list like 1,2,4 or 1-4, got '{text}'")
    if not values or min(values) < 1:
        raise UsageError(f"{what}: expected positive integers, got '{text}'")
    return sorted(set(values))


def parse_hybrid(text):
    pairs = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)x(\d+)\s*", part)
        if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
            raise UsageError(f"--hybrid: expected RANKSxTHREADS pairs like 1x1,2x1,1x2,2x2, got '{text}'")
        pairs.append((int(match.group(1)), int(match.group(2))))
    return sorted(set(pairs), key=lambda rt: (rt[1], rt[0]))


def parse_sweep(text):
    """MODEL[:schedule=S][:distribution=D], e.g. openmp:schedule=dynamic,4 or mpi:distribution=dynamic."""
    parts = text.split(":")
    model = parts[0]
    if model not in MODELS:
        raise UsageError(f"--sweep: model must be one of {'|'.join(MODELS)}, got '{text}'")
    sweep = {"model": model, "schedule": None, "distribution": None}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key not in ("schedule", "distribution") or not value:
            raise UsageError(f"--sweep: expected schedule=... or distribution=... after the model, got '{text}'")
        if key == "schedule" and model == "mpi":
            raise UsageError(f"--sweep: the mpi model has no OpenMP schedule, got '{text}'")
        if key == "distribution" and model == "openmp":
            raise UsageError(f"--sweep: the openmp model has no MPI distribution, got '{text}'")
        sweep[key] = value
    sweep["name"] = " ".join([model] + [f"{key}={sweep[key]}" for key in ("schedule", "distribution") if sweep[key]])
    return sweep


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def build_points(args, sweeps):
    """Every point, sweep by sweep, the p = 1 point first (it is the sweep's baseline)."""
    points = []
    for sweep in sweeps:
        model = sweep["model"]
        if model == "openmp":
            shapes = [(1, t) for t in args.threads]
        elif model == "mpi":
            shapes = [(r, 1) for r in args.ranks]
        else:
            shapes = args.hybrid or [(r, t) for t in args.threads for r in args.ranks if r * t <= max(args.ranks)]
        if (1, 1) not in shapes:
            shapes = [(1, 1)] + list(shapes)
        shapes = sorted(set(shapes), key=lambda rt: (rt[0] * rt[1], rt[1], rt[0]))
        for ranks, threads in shapes:
            workers = ranks * threads
            series = sweep["name"] if model != "hybrid" else f"{sweep['name']} t={threads}"
            point_id = slug(f"{sweep['name']}-r{ranks}-t{threads}")
            points.append({"sweep": sweep, "ranks": ranks, "threads": threads, "p": workers, "series": series,
                           "id": point_id, "baseline": workers == 1})
    return points


def point_size(args, p):
    if args.size is None:
        return None
    return args.size * p if args.scaling == "weak" else args.size


def program_arguments(args, point, size, baseline_text, files):
    sweep = point["sweep"]
    arguments = ["--model", sweep["model"], "--repeat", str(args.repeat), "--warmup", str(args.warmup)]
    if sweep["model"] != "mpi":
        arguments += ["--threads", str(point["threads"])]
    if sweep["schedule"]:
        arguments += ["--schedule", sweep["schedule"]]
    if sweep["distribution"]:
        arguments += ["--distribution", sweep["distribution"]]
    if size is not None:
        arguments += [args.size_option, str(size)]
    arguments += args.args
    arguments += ["--baseline", baseline_text]
    arguments += ["--label", files["label"], "--csv", files["csv"], "--json", files["json"], "--quiet"]
    return arguments
