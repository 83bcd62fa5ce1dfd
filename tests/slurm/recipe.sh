#!/bin/bash
# Bring up a real single-node Slurm (22.05, Debian 12 packages) with no systemd.
# Daemons run in the foreground (-D / -F) in the background; PIDs go to $BASE/run/*.pid.
# Afterwards:  source $BASE/env.sh   (exports SLURM_CONF), then sinfo / srun / sbatch.
# Undo with teardown.sh.  Idempotent install; fresh controller state on every start.
# `recipe.sh --install-only` installs the packages and starts nothing (what `make test` runs).
# Copied from the project's shared, verified recipe (../shared/slurm/; timings with awk, not bc,
# which a fresh Debian lacks); keep the two in step.
set -euo pipefail
BASE=${SLURM_BASE:-${TMPDIR:-/tmp}/cadresim-slurm}
mkdir -p "$(dirname "$BASE")"
T0=$(date +%s.%N)

# 1. Packages (8 debs, ~14 s).  No recommends: slurm-wlm's recommends pull 42 packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then   # keep postinst from starting services itself
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        slurmctld slurmd slurm-client munge >"$BASE.install.log" 2>&1 \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
           --no-install-recommends slurmctld slurmd slurm-client munge >"$BASE.install.log" 2>&1; }
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
T1=$(date +%s.%N)
if [ "${1:-}" = "--install-only" ]; then
    printf 'slurm and munge installed (%.1f s)\n' "$(awk "BEGIN{print $T1 - $T0}")"; exit 0
fi

# 2. Munge key (the package's postinst normally creates one).
if [ ! -s /etc/munge/munge.key ]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
fi

# 3. Config: one node with the CPUs/memory slurmd detects (RealMemory at 95% so that the
#    node is never drained for "Low RealMemory"); partition "normal" as in docs/CLUSTER.md.
if [ -s "$BASE/run/slurmctld.pid" ] && kill -0 "$(cat "$BASE/run/slurmctld.pid")" 2>/dev/null; then
    echo "slurmctld already running (pid $(cat "$BASE/run/slurmctld.pid")); run teardown.sh first" >&2; exit 1
fi
rm -rf "$BASE/state" "$BASE/spool"
mkdir -p "$BASE"/{etc,state,spool,log,run}
HOST=$(hostname -s)
NODE=$(slurmd -C | head -1)                       # NodeName=... CPUs=... RealMemory=...
MEM=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$NODE")
NODE=$(sed "s/RealMemory=[0-9]*/RealMemory=$((MEM * 95 / 100))/" <<<"$NODE")
cat > "$BASE/etc/slurm.conf" <<EOF
ClusterName=local
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/run/slurmctld.pid.daemon
SlurmdPidFile=$BASE/run/slurmd.pid.daemon
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
$NODE State=UNKNOWN
PartitionName=normal Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
echo "export SLURM_CONF=$BASE/etc/slurm.conf" > "$BASE/env.sh"
export SLURM_CONF=$BASE/etc/slurm.conf

# 4. Daemons.  setpriv execs, so the recorded PID is munged's own.
install -d -o munge -g munge -m 0755 /run/munge
setsid setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
    >"$BASE/log/munged.out" 2>&1 < /dev/null & echo $! > "$BASE/run/munged.pid"
for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
munge -n </dev/null | unmunge >/dev/null || { echo "munged did not start; see $BASE/log/munged.out" >&2; exit 1; }
setsid /usr/sbin/slurmctld -D -i >"$BASE/log/slurmctld.out" 2>&1 < /dev/null & echo $! > "$BASE/run/slurmctld.pid"
setsid /usr/sbin/slurmd -D >"$BASE/log/slurmd.out" 2>&1 < /dev/null & echo $! > "$BASE/run/slurmd.pid"

# 5. Wait for the node to be idle, then prove it runs a job step.
for _ in $(seq 60); do sinfo -h -o %T 2>/dev/null | grep -qx idle && break; sleep 0.5; done
sinfo -h -o %T | grep -qx idle || { sinfo; echo "node not idle; see $BASE/log/*.log" >&2; exit 1; }
[ "$(timeout 30 srun -N1 -n1 hostname)" = "$HOST" ] || { echo "srun failed" >&2; exit 1; }
T2=$(date +%s.%N)
printf 'slurm up: install/check %.1f s, start+verify %.1f s; source %s/env.sh\n' \
    "$(awk "BEGIN{print $T1 - $T0}")" "$(awk "BEGIN{print $T2 - $T1}")" "$BASE"
sinfo
