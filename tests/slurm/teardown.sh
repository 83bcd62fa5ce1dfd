#!/bin/bash
# Stop what recipe.sh started: cancel jobs, then TERM (later KILL) the recorded PIDs only.
# Leaves the packages installed; pass --purge to also delete state/spool/logs under $BASE.
# Copied from the project's shared, verified recipe (../shared/slurm/); keep the two in step.
BASE=${SLURM_BASE:-${TMPDIR:-/tmp}/cadresim-slurm}
export SLURM_CONF=$BASE/etc/slurm.conf
if [ -s "$BASE/run/slurmctld.pid" ] && kill -0 "$(cat "$BASE/run/slurmctld.pid")" 2>/dev/null; then
    timeout 10 scancel --full --quiet --partition=normal 2>/dev/null || true
    for _ in $(seq 20); do [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
fi
for d in slurmd slurmctld munged; do        # compute daemon first, munge last
    f=$BASE/run/$d.pid
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && { echo "$d ($pid) ignored TERM; KILL"; kill -KILL "$pid"; }
    fi
    rm -f "$f" "$f.daemon"
done
if [ "${1:-}" = "--purge" ]; then rm -rf "$BASE"/{state,spool,log,run,etc} "$BASE/env.sh"; fi
echo "slurm down"
