#!/usr/bin/env bash
# A real single-node SLURM on this machine, for the cluster tests and for trying the cluster path
# on a laptop (README, "Training and evaluation").
#
#   sudo scripts/local-slurm.sh start    # install Debian's slurmctld, slurmd, slurm-client, munge if
#                                        # missing; write /etc/slurm/slurm.conf; start the daemons;
#                                        # wait until the node is idle
#   scripts/local-slurm.sh status        # sinfo, and the daemons' PIDs
#   sudo scripts/local-slurm.sh stop     # stop the daemons this script started (by PID)
#
# The node gets this machine's hostname, CPUs and memory (slurmd -C). State, logs and PID files go
# to a temporary folder (REPRO_SLURM_STATE, default /tmp/repro-slurm). MaxArraySize is kept small
# (REPRO_SLURM_MAX_ARRAY_SIZE, default 4) so that the splitting of long arrays is exercised; a
# default SLURM cluster allows 1001. The config file carries a marker line: an existing
# /etc/slurm/slurm.conf without it is never overwritten.
set -euo pipefail

STATE="${REPRO_SLURM_STATE:-/tmp/repro-slurm}"
CONF=/etc/slurm/slurm.conf
MARKER="# written by repro scripts/local-slurm.sh"
MAX_ARRAY_SIZE="${REPRO_SLURM_MAX_ARRAY_SIZE:-4}"

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "local-slurm: '$1' needs root (it installs packages and starts daemons); run it with sudo" >&2
    exit 1
  fi
}

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
      && command -v munged >/dev/null; then
    return
  fi
  echo "local-slurm: installing slurmctld slurmd slurm-client munge (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
}

write_conf() {
  if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    echo "local-slurm: $CONF exists and was not written by this script; not touching it" >&2
    exit 1
  fi
  local node cpus mem host
  node="$(slurmd -C | head -n 1)"
  host="$(hostname -s)"
  cpus="$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node")"
  mem="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")"
  mkdir -p "$STATE/ctld" "$STATE/d" /etc/slurm
  cat >"$CONF" <<EOF
$MARKER
ClusterName=repro
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
MaxArraySize=$MAX_ARRAY_SIZE
MinJobAge=600
KillWait=5
# a requeued job waits cred_expire seconds (default 120) before it starts again
AuthInfo=cred_expire=20
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  if pgrep -x munged >/dev/null; then
    return
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null || \
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge
  chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged
  pgrep -x munged >"$STATE/munged.pid"
}

start() {
  need_root start
  install_packages
  mkdir -p "$STATE"
  write_conf
  start_munge
  if [ ! -s "$STATE/slurmctld.pid" ] || ! kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; then
    slurmctld -c   # -c: a clean start, no state from an earlier run
  fi
  if [ ! -s "$STATE/slurmd.pid" ] || ! kill -0 "$(cat "$STATE/slurmd.pid")" 2>/dev/null; then
    slurmd -c
  fi
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      echo "local-slurm: node $(hostname -s) idle ($(sinfo -h -o '%c CPUs, %m MB')); MaxArraySize=$MAX_ARRAY_SIZE"
      return
    fi
    sleep 1
  done
  echo "local-slurm: the node did not become idle in 60 s; see $STATE/slurmctld.log and $STATE/slurmd.log" >&2
  sinfo >&2 || true
  exit 1
}

stop_pid() {
  local file="$STATE/$1.pid" pid
  pid="$(cat "$file" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    echo "local-slurm: stopped $1 (pid $pid)"
  fi
  rm -f "$file"
}

stop() {
  need_root stop
  scancel --user="$(id -un)" 2>/dev/null || true
  stop_pid slurmd
  stop_pid slurmctld
  stop_pid munged   # only when this script started it (its PID file is written only then)
}

status() {
  for daemon in munged slurmctld slurmd; do
    if [ -s "$STATE/$daemon.pid" ] && kill -0 "$(cat "$STATE/$daemon.pid")" 2>/dev/null; then
      echo "$daemon: running (pid $(cat "$STATE/$daemon.pid"))"
    else
      echo "$daemon: not started by this script"
    fi
  done
  sinfo
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
