#!/usr/bin/env bash
# A Slurm cluster of N nodes on this one machine, for trying the batch scripts in jobs/ across
# nodes and for CI: one slurmctld and one `slurmd -N nK` per node (Slurm's multiple-slurmd
# support, which Debian 12's slurm-wlm is built with).
#
#   scripts/local-slurm.sh start [--nodes N] [--cores-per-node K] [--cpus-per-node C]
#                                             start munged (if not running), slurmctld and N slurmd
#                                             (default N: PARSCALE_SLURM_NODES, else 2); wait for idle.
#                                             C (PARSCALE_SLURM_CPUS_PER_NODE): the CPUs each node
#                                             declares to Slurm, default its own cores; more lets a
#                                             job ask for more threads than a node has (oversubscribed);
#                                             K (PARSCALE_SLURM_CORES_PER_NODE): at most K cores each
#   scripts/local-slurm.sh stop               stop the daemons this script started (by their pid
#                                              files) and remove the cluster's state; exit status 1
#                                              if a daemon or job step of this cluster is left
#   scripts/local-slurm.sh status             show the daemons and `sinfo`; exit status 0 if running, else 3
#   scripts/local-slurm.sh env                print the line that points the Slurm commands at this cluster
#
# Then:  export SLURM_CONF=/tmp/parscale-slurm/slurm.conf   (what `env` prints)
#        sbatch --nodes=2 --ntasks=2 jobs/mpi_strong.sbatch; squeue; ...
#
# The nodes n1..nN are Slurm nodes on one host. Each node gets its own CPUs: its slurmd runs
# under `taskset -c <its cores>` and Slurm does no binding of its own (TaskPlugin=task/none), so a
# job step inherits its node's cpuset. The host's usable cores are split evenly (2 cores, 2 nodes:
# n1 core 0, n2 core 1); with more nodes than cores, nodes share cores (said at start), and a
# record of a run on them says oversubscribed. --cpus-per-node declares more CPUs than a node's
# cores, so that e.g. one rank per node with 2 threads can be submitted on 1-core nodes (Slurm
# refuses --cpus-per-task above a node's CPUs, even with --overcommit); such runs are
# oversubscribed, and the programs' records say so. Each node's slurmd has its own port, spool, pid
# file, log and TmpFS (%n in slurm.conf): without a TmpFS per node, two nodes' PMIx servers
# collide in one directory ("spmix_appdir ...: File exists").
# What this proves and what not: Open MPI and Slurm see separate nodes (no shared-memory transport
# between them; ranks talk over TCP), but both nodes share one host, so the "network" is this
# host's own TCP stack, not a real interconnect (docs/multi-node.md).
#
# Authentication: munge, as on a real cluster, so the jobs run through the same credential path a
# user's cluster uses. Not auth/none + cred/none: with those, any local user could submit a job
# claiming any uid, root included, and slurmd (run as root) would run it: a root escalation on a
# shared machine, even for a throwaway cluster. munge is already a test package.
#
# Needs root (slurmd launches jobs; munged runs as user munge) and the Debian packages munge
# slurmd slurmctld slurm-client (scripts/setup.sh test). Systemd is not used: the daemons are
# started by hand. The configuration is generated into PARSCALE_SLURM_DIR (default
# /tmp/parscale-slurm) and never touches /etc/slurm, so it cannot clobber a real installation;
# every start is a fresh cluster, and stop removes its state. Ports: PARSCALE_SLURM_PORT
# (slurmctld, default 6817) and the next N (node K: that + K).
set -euo pipefail

state_dir=${PARSCALE_SLURM_DIR:-/tmp/parscale-slurm}
ctld_port=${PARSCALE_SLURM_PORT:-6817}
conf="$state_dir/slurm.conf"
nodes_file="$state_dir/nodes"  # the node names of the running cluster, one a line
munge_socket_dir=/run/munge
munged_pid_file="$munge_socket_dir/munged.pid"
export SLURM_CONF="$conf"

say() { echo "local-slurm: $*"; }
die() { echo "local-slurm: error: $*" >&2; exit 1; }

pid_alive() {  # pid_alive FILE: the pid in FILE is a running process (not a zombie)
  local pid state
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  state=$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

munge_works() {
  munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1
}

node_names() {  # the nodes of the cluster that was started (none if never started)
  [ -s "$nodes_file" ] && cat "$nodes_file"
  return 0
}

slurmd_pid_file() { echo "$state_dir/slurmd-$1.pid"; }
slurmd_log_file() { echo "$state_dir/slurmd-$1.log"; }

require_root_and_packages() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (slurmd launches the jobs); try: sudo $0 start"
  local tool
  for tool in munged mungekey slurmctld slurmd sinfo taskset; do
    command -v "$tool" >/dev/null || die "'$tool' not found; install the test packages: scripts/setup.sh test"
  done
}

start_munge() {
  if munge_works; then
    say "munged already running"
    return
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    # The Debian package creates the key on install; make one if this machine has none.
    say "creating /etc/munge/munge.key"
    mkdir -p /etc/munge
    mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null ||
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  # Without systemd nobody creates the runtime directory (tmpfs) for the socket.
  install -d -o munge -g munge -m 0755 "$munge_socket_dir"
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  runuser -u munge -- munged --pid-file="$munged_pid_file"
  touch "$state_dir/munged.started-by-us"
  for _ in $(seq 50); do
    munge_works && { say "munged started"; return; }
    sleep 0.1
  done
  tail -n 20 /var/log/munge/munged.log >&2 || true
  die "munged did not come up (its log above: /var/log/munge/munged.log)"
}

usable_cores() {  # the CPUs this process may run on, one a line (0,1 or 0-3 lists expanded)
  local list part
  list=$(taskset -cp $$ | sed 's/.*: *//')
  for part in ${list//,/ }; do
    if [[ $part == *-* ]]; then
      seq "${part%-*}" "${part#*-}"
    else
      echo "$part"
    fi
  done
}

# plan_nodes N [K]: one line per node, "nK CORELIST CORES", the host's usable cores split evenly
# (at most K each; the remainder unused); with more nodes than cores, node K takes core (K-1) mod cores.
plan_nodes() {
  local count=$1 most=${2:-} k first
  local -a cores
  mapfile -t cores < <(usable_cores)
  if [ "$count" -le "${#cores[@]}" ]; then
    local per_node=$((${#cores[@]} / count))
    [ -n "$most" ] && [ "$most" -lt "$per_node" ] && per_node=$most
    for ((k = 0; k < count; k++)); do
      first=$((k * per_node))
      local selected=("${cores[@]:first:per_node}")
      local joined
      joined=$(IFS=,; echo "${selected[*]}")
      echo "n$((k + 1)) $joined $per_node"
    done
  else
    for ((k = 0; k < count; k++)); do
      echo "n$((k + 1)) ${cores[k % ${#cores[@]}]} 1"
    done
  fi
}

write_config() {  # write_config PLAN (the lines of plan_nodes)
  local plan=$1 host memory name cores cpus port node_lines=""
  host=$(hostname -s)
  # `slurmd -C` prints this machine's NodeName line; RealMemory is shared out between the nodes.
  memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  local count
  count=$(wc -l <<<"$plan")
  memory=$((${memory:-1024} / count))
  while read -r name cores cpus; do
    cpus=${cpus_per_node:-$cpus}
    port=$((ctld_port + ${name#n}))
    node_lines+="NodeName=$name NodeHostname=$host NodeAddr=127.0.0.1 Port=$port CPUs=$cpus Boards=1"
    node_lines+=" SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$memory State=UNKNOWN"
    node_lines+="  # cores $cores"$'\n'
  done <<<"$plan"
  local names
  names=$(awk '{print $1}' <<<"$plan" | paste -sd,)
  cat >"$conf" <<EOF
# Generated by scripts/local-slurm.sh: a $count-node cluster on one host, $host.
ClusterName=parscale-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=$ctld_port
StateSaveLocation=$state_dir/ctld-state
SlurmctldPidFile=$state_dir/slurmctld.pid
SlurmctldLogFile=$state_dir/slurmctld.log
# One slurmd per node on this host (slurmd -N NAME): %n is the node's name.
SlurmdSpoolDir=$state_dir/spool-%n
SlurmdPidFile=$state_dir/slurmd-%n.pid
SlurmdLogFile=$state_dir/slurmd-%n.log
# Each node's job temporary space; PMIx puts its per-step directories here.
TmpFS=$state_dir/tmp-%n
PlugStackConfig=$state_dir/plugstack.conf
# No cgroups in a container: track processes by parent id, and no task binding by Slurm: a step
# inherits its node's cpuset (each slurmd runs under taskset), and the job scripts bind OpenMP
# threads with OMP_PLACES/OMP_PROC_BIND.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
SchedulerType=sched/backfill
ReturnToService=2
# A job that asks for more than the nodes have is rejected at submission instead of pending forever.
EnforcePartLimits=ALL
# No slurmdbd, so no sacct: finished jobs stay in "scontrol show job" for MinJobAge seconds
# and are logged, one line each, in the text job-completion log.
JobCompType=jobcomp/filetxt
JobCompLoc=$state_dir/jobcomp.log
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
$node_lines
# LLN: a job goes to the least loaded node, so one-node jobs (array tasks) spread over the nodes.
PartitionName=local Nodes=$names Default=YES MaxTime=INFINITE State=UP LLN=YES
EOF
  : >"$state_dir/plugstack.conf"
}

show_logs() {  # the last lines of every daemon's log, to stderr
  local name
  echo "--- $state_dir/slurmctld.log" >&2
  tail -n 20 "$state_dir/slurmctld.log" >&2 2>/dev/null || echo "(no log)" >&2
  for name in $(node_names); do
    echo "--- $(slurmd_log_file "$name")" >&2
    tail -n 20 "$(slurmd_log_file "$name")" >&2 2>/dev/null || echo "(no log)" >&2
  done
}

wait_for_idle() {
  local states="" expected
  expected=$(node_names | wc -l)
  for _ in $(seq 100); do
    states=$(timeout 5 sinfo -h -N -o "%N %T" 2>/dev/null || true)
    if [ "$(grep -c ' idle' <<<"$states")" -eq "$expected" ]; then
      say "$expected node(s) idle: $(sinfo -h -N -o '%N (%c CPU)' | paste -sd' '); $(print_env)"
      return
    fi
    # A node that registered after slurmctld marked it down (ReturnToService covers most cases).
    awk '$2 ~ /^(down|drain)/ {print $1}' <<<"$states" | while read -r name; do
      scontrol update NodeName="$name" State=RESUME 2>/dev/null || true
    done
    sleep 0.2
  done
  show_logs
  die "not every node became idle in 20 s (sinfo: $(echo "$states" | paste -sd';'))"
}

wait_for_pid_file() {  # wait_for_pid_file NAME FILE: the daemon wrote its pid file and runs
  local name=$1 file=$2
  for _ in $(seq 50); do
    pid_alive "$file" && return 0
    sleep 0.1
  done
  show_logs
  die "$name did not come up in 5 s (no live pid in $file; its log is above)"
}

print_env() { echo "export SLURM_CONF=$conf"; }

daemons_alive() {  # how many of the cluster's daemons run, as "alive of expected"
  local name alive=0 expected=1
  pid_alive "$state_dir/slurmctld.pid" && alive=$((alive + 1))
  for name in $(node_names); do
    expected=$((expected + 1))
    pid_alive "$(slurmd_pid_file "$name")" && alive=$((alive + 1))
  done
  echo "$alive of $expected"
}

start() {
  local count=${PARSCALE_SLURM_NODES:-2}
  cpus_per_node=${PARSCALE_SLURM_CPUS_PER_NODE:-}
  local cores_per_node=${PARSCALE_SLURM_CORES_PER_NODE:-}
  while [ $# -gt 0 ]; do
    case "$1" in
      --nodes) count=${2:-}; shift; [ $# -gt 0 ] && shift ;;
      --nodes=*) count=${1#--nodes=}; shift ;;
      --cpus-per-node) cpus_per_node=${2:-}; shift; [ $# -gt 0 ] && shift ;;
      --cpus-per-node=*) cpus_per_node=${1#--cpus-per-node=}; shift ;;
      --cores-per-node) cores_per_node=${2:-}; shift; [ $# -gt 0 ] && shift ;;
      --cores-per-node=*) cores_per_node=${1#--cores-per-node=}; shift ;;
      *) echo "usage: $0 start [--nodes N] [--cores-per-node K] [--cpus-per-node C]" >&2; exit 2 ;;
    esac
  done
  [[ $count =~ ^[1-9][0-9]?$ ]] || { echo "local-slurm: --nodes: expected an integer in [1, 99], got '$count'" >&2; exit 2; }
  [[ -z $cpus_per_node || $cpus_per_node =~ ^[1-9][0-9]{0,2}$ ]] ||
    { echo "local-slurm: --cpus-per-node: expected an integer in [1, 999], got '$cpus_per_node'" >&2; exit 2; }
  [[ -z $cores_per_node || $cores_per_node =~ ^[1-9][0-9]{0,2}$ ]] ||
    { echo "local-slurm: --cores-per-node: expected an integer in [1, 999], got '$cores_per_node'" >&2; exit 2; }
  require_root_and_packages
  local alive
  alive=$(daemons_alive)
  if [ "${alive%% *}" -gt 0 ] && [ "${alive%% *}" = "${alive##* }" ]; then
    local running
    running=$(node_names | wc -l)
    [ "$running" -eq "$count" ] || die "a $running-node cluster is running; stop it first for $count nodes"
    say "already running ($running nodes; stop it first for a fresh cluster)"
    wait_for_idle
    return
  fi
  if [ "${alive%% *}" -gt 0 ]; then
    say "only $alive daemons of the last cluster run; stopping them for a fresh start"
    stop || die "could not stop what was left of the last cluster"
  fi
  # A fresh cluster: no state or logs from an earlier one (a crashed start included).
  clean_state
  rm -f "$state_dir"/*.log
  mkdir -p "$state_dir/ctld-state"
  # A start that fails stops what it started (the logs stay for a look).
  trap 'echo "local-slurm: start failed; stopping what it started" >&2; stop >&2 || true' EXIT
  start_munge
  local plan name cores cpus usable
  plan=$(plan_nodes "$count" "$cores_per_node")
  usable=$(usable_cores | wc -l)
  if [ "$count" -gt "$usable" ]; then
    say "warning: $count nodes on $usable core(s): nodes share cores, so runs across them are oversubscribed"
  fi
  write_config "$plan"
  awk '{print $1}' <<<"$plan" >"$nodes_file"
  slurmctld
  wait_for_pid_file slurmctld "$state_dir/slurmctld.pid"
  while read -r name cores cpus; do
    mkdir -p "$state_dir/spool-$name" "$state_dir/tmp-$name"
    # The node's cpuset: its job steps inherit it (TaskPlugin=task/none).
    taskset -c "$cores" slurmd -N "$name"
    wait_for_pid_file "slurmd -N $name" "$(slurmd_pid_file "$name")"
    if [ "${cpus_per_node:-$cpus}" -gt "$cpus" ]; then
      say "node $name: slurmd on core(s) $cores, port $((ctld_port + ${name#n})); declares $cpus_per_node CPUs" \
        "on $cpus core(s): jobs using them are oversubscribed"
    else
      say "node $name: slurmd on core(s) $cores ($cpus CPU), port $((ctld_port + ${name#n}))"
    fi
  done <<<"$plan"
  wait_for_idle
  trap - EXIT
}

stop_by_pid_file() {  # stop_by_pid_file NAME FILE
  local name=$1 file=$2 pid
  if ! pid_alive "$file"; then
    rm -f "$file"
    return
  fi
  pid=$(cat "$file")
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { say "stopped $name (pid $pid)"; rm -f "$file"; return; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
  say "killed $name (pid $pid) after 10 s"
}

clean_state() {  # remove the cluster's state, keeping nothing but the folder
  rm -rf "$state_dir/ctld-state" "$state_dir"/spool-* "$state_dir"/tmp-* "$state_dir"/slurmd-*.pid \
    "$state_dir/slurmctld.pid" "$state_dir/jobcomp.log" "$nodes_file"
}

# The daemons and job steps of this cluster still alive, as "pid name" lines: the processes
# whose environment points at this cluster's slurm.conf (slurmd passes it on to slurmstepd).
leftover_processes() {
  local entry pid name
  for entry in /proc/[0-9]*; do
    pid=${entry#/proc/}
    name=$(cat "$entry/comm" 2>/dev/null) || continue
    case "$name" in slurmctld | slurmd | slurmstepd) ;; *) continue ;; esac
    if tr '\0' '\n' <"$entry/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then
      echo "$pid $name"
    fi
  done
}

stop() {
  local name left
  # Cancel what is left so slurmd does not leave job steps behind.
  if pid_alive "$state_dir/slurmctld.pid"; then
    scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
  fi
  for name in $(node_names); do
    stop_by_pid_file "slurmd -N $name" "$(slurmd_pid_file "$name")"
  done
  stop_by_pid_file slurmctld "$state_dir/slurmctld.pid"
  if [ -e "$state_dir/munged.started-by-us" ]; then
    stop_by_pid_file munged "$munged_pid_file"
    rm -f "$state_dir/munged.started-by-us"
  fi
  # The logs and slurm.conf stay for a post-mortem; the state goes, so nothing stale is reused.
  clean_state
  for _ in $(seq 50); do  # job steps end shortly after their slurmd
    left=$(leftover_processes)
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  echo "local-slurm: error: left running after stop (pid name): $(echo "$left" | paste -sd,)" >&2
  return 1
}

status() {
  local name running=0
  if pid_alive "$state_dir/slurmctld.pid"; then
    say "slurmctld running (pid $(cat "$state_dir/slurmctld.pid"))"
    running=1
  else
    say "slurmctld not running"
  fi
  for name in $(node_names); do
    if pid_alive "$(slurmd_pid_file "$name")"; then
      say "slurmd -N $name running (pid $(cat "$(slurmd_pid_file "$name")"))"
      running=1
    else
      say "slurmd -N $name not running"
    fi
  done
  if munge_works; then say "munge works"; else say "munge not working"; fi
  if [ "$running" -eq 1 ]; then
    timeout 10 sinfo -N -o "%N %T %c %C" || say "sinfo did not answer (is slurmctld up?)"
    print_env
    return 0
  fi
  return 3
}

mkdir -p "$state_dir"
command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  start) start "$@" ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: $0 start [--nodes N]|stop|status|env" >&2; exit 2 ;;
esac
