#!/bin/bash
# Measures the cost model's message and launch inputs on this host and writes them as JSON
# (scripts/cost_model.py --inputs). Interleaved: each round runs the ping-pong over shared
# memory, then over loopback TCP, then the launch probes; per size the median over rounds.
#   scripts/cost_model_inputs.sh BUILD_DIR OUT.json [ROUNDS]
set -euo pipefail
build=${1:?usage: cost_model_inputs.sh BUILD_DIR OUT.json [ROUNDS]}
out=${2:?usage: cost_model_inputs.sh BUILD_DIR OUT.json [ROUNDS]}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/mpi-env.sh"
shm="--mca pml ob1 --mca btl vader,self"
tcp="--mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for round in $(seq "$rounds"); do
  mpirun -np 2 $shm "$build/mpi_pingpong" > "$scratch/shm-$round.json"
  mpirun -np 2 $tcp "$build/mpi_pingpong" > "$scratch/tcp-$round.json"
  for np in 1 2 4; do
    start=$(date +%s.%N)
    mpirun -np "$np" "$build/simpson" -n 1e6 --baseline none --repeat 1 --warmup 0 --quiet > /dev/null
    echo "$np $start $(date +%s.%N)" >> "$scratch/launch.txt"
  done
done
/usr/bin/python3 - "$scratch" "$rounds" "$out" <<'PY'
import json, pathlib, statistics, sys, datetime, socket
scratch, rounds, out = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def median_points(name):
    runs = [json.loads((scratch / f"{name}-{r}.json").read_text())["points"] for r in range(1, rounds + 1)]
    return {"points": [{"bytes": run[0]["bytes"], "one_way_s": statistics.median(p["one_way_s"] for p in run),
                        "rounds_s": [p["one_way_s"] for p in run]} for run in zip(*runs)]}
launch = {}
for line in (scratch / "launch.txt").read_text().split("\n"):
    if line:
        np, start, end = line.split()
        launch.setdefault(int(np), []).append(float(end) - float(start))
inputs = {
    "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "host": socket.gethostname(),
    "pingpong": {"shm": median_points("shm"), "tcp": median_points("tcp")},
    "launch": {"np": sorted(launch), "wall_s": [statistics.median(launch[n]) for n in sorted(launch)],
               "rounds_s": {str(n): launch[n] for n in sorted(launch)},
               "what": "wall time of mpirun -np N simpson -n 1e6 --repeat 1 --warmup 0 (np 4 oversubscribed)"},
    "message_bytes": 1400,
    "message_bytes_source": "docs/at-scale.md: largest reduction message rank 0 received at np 64, cyclic (1348 B)",
}
pathlib.Path(out).write_text(json.dumps(inputs, indent=1) + "\n")
print(f"wrote {out}")
PY
