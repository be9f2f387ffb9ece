"""How the study runner (scaling_study.py) starts a point (plain, mpirun or srun) and what it
records of the machine it runs on. Standard library only."""
import datetime
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys

def usable_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def slurm_cpus():
    """CPUs of this Slurm allocation on its nodes, or None."""
    per_node = os.environ.get("SLURM_CPUS_ON_NODE")
    nodes = os.environ.get("SLURM_JOB_NUM_NODES") or os.environ.get("SLURM_NNODES") or "1"
    if per_node and per_node.isdigit() and nodes.isdigit():
        return int(per_node) * int(nodes)
    return None


def command_output(command, timeout=30):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        return (result.stdout + result.stderr).strip()
    except (OSError, subprocess.SubprocessError) as error:
        return f"unavailable ({error})"


class Launcher:
    """Builds the command that starts a point: plain, under mpirun, or under srun."""

    def __init__(self, kind, mpirun, extra, cores):
        self.kind = kind
        self.mpirun = mpirun
        self.extra = extra
        self.cores = cores
        self.open_mpi = kind == "mpirun" and "Open MPI" in command_output(self.mpirun + ["--version"])

    def prefix(self, model, ranks, threads):
        oversubscribed = ranks * threads > self.cores
        if self.kind == "srun":
            # Inside an allocation every point goes through srun, so it runs on the allocated node(s).
            command = ["srun", f"--ntasks={ranks}", f"--cpus-per-task={threads}"]
            command += ["--overcommit", "--cpu-bind=none"] if oversubscribed else ["--cpu-bind=cores"]
            return command + self.extra
        if model == "openmp":
            return []
        command = self.mpirun + ["-np", str(ranks)]
        if self.open_mpi:
            if oversubscribed:
                # Binding more ranks/threads than cores is refused; let the OS share the cores.
                command += ["--oversubscribe", "--bind-to", "none"]
            elif model == "hybrid":
                command += ["--map-by", f"slot:PE={threads}", "--bind-to", "core"]
            else:
                command += ["--bind-to", "core"]
        return command + self.extra


def machine_context(args, program_path, launcher, argv, repo):
    git = ["git", "-C", repo]
    context = {
        "command_line": shlex.join([sys.executable] + argv),
        "cwd": os.getcwd(),
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(),
        "uname": " ".join(platform.uname()),
        "python": sys.version.split()[0],
        "nproc": command_output(["nproc"]),
        "usable_cpus": usable_cpus(),
        "cores_for_oversubscription": launcher.cores,
        "lscpu": command_output(["lscpu"]),
        "loadavg_start": open("/proc/loadavg").read().strip() if os.path.exists("/proc/loadavg") else None,
        "launcher": launcher.kind,
        "mpirun": shlex.join(launcher.mpirun),
        "mpirun_version": command_output(launcher.mpirun + ["--version"]),
        "srun_version": command_output(["srun", "--version"]) if launcher.kind == "srun" else None,
        "program": program_path,
        "program_version": command_output([program_path, "--version"]),
        "compiler": command_output(["c++", "--version"]).splitlines()[0] if shutil.which("c++") else None,
        "git_commit": command_output(git + ["rev-parse", "HEAD"]),
        "git_describe": command_output(git + ["describe", "--always", "--dirty"]),
        "git_status": command_output(git + ["status", "--porcelain"]),
        "environment": {key: value for key, value in sorted(os.environ.items())
                        if key.startswith(("OMP_", "GOMP_", "OMPI_", "PMIX_MCA", "SLURM_", "PARSCALE_"))},
    }
    return context
