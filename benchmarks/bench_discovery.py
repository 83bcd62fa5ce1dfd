"""Benchmark of ``cadresim discover`` and ``cadresim robust`` at briefing size (issue 15: each
within 30 minutes on 2 cores).

    python benchmarks/bench_discovery.py                  # both, at their default (briefing) size
    python benchmarks/bench_discovery.py --only robust    # one of them
    python benchmarks/bench_discovery.py --quick          # the --quick size (a smoke test)

Each command runs as a subprocess, as a user runs it, into a temporary folder (removed after).
Reported per command: model runs, wall time, the CPU time of the command and every worker it
started, runs per second, and an estimate for a quiet machine: CPU time / cores (the runs are
independent and the local engine keeps both cores busy; what is not CPU time on a shared machine
is waiting for a core). The machine is shared: the load average before and after is printed
beside the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CADRESIM = str(Path(sys.executable).with_name("cadresim"))
COMMANDS = {
    "discover": ["discover", "--where", "innovation_gain > 0.05", "--effect",
                 "credible_fault_tolerance"],
    "robust": ["robust"],
}
BUDGET_MINUTES = 30


def run(name: str, quick: bool, workers: int, keep: Path | None = None) -> dict:
    """Run one command; wall and CPU time (its own and its children's), runs, load. With
    ``keep``, its results folder is kept as ``keep/<name>``."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    args = [CADRESIM, *COMMANDS[name], "--quiet", "--workers", str(workers), "--out",
            str(folder / "out")] + (["--quick"] if quick else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed: {proc.stderr.strip()}")
        manifest = json.loads((folder / "out" / "manifest.json").read_text())
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder / "out"), str(keep / name))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs = (manifest["runs"]["total"] if name == "robust"
            else manifest["plan"]["points"] * manifest["plan"]["replicates"] * 2)
    return {"command": "cadresim " + " ".join(args[1:]), "runs": runs,
            "wall_minutes": round(wall / 60, 2), "cpu_minutes": round(cpu / 60, 2),
            "runs_per_s": round(runs / wall, 2), "cpu_ms_per_run": round(1000 * cpu / runs, 1),
            "quiet_machine_minutes": round(cpu / workers / 60, 2),
            "load_avg_before": load, "load_avg_after": os.getloadavg(),
            "answer": proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the --quick size (smoke test)")
    ap.add_argument("--only", choices=sorted(COMMANDS), default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep the results folders under this folder (default: removed)")
    args = ap.parse_args()
    report = {"cpus": len(os.sched_getaffinity(0)), "workers": args.workers}
    for name in [args.only] if args.only else list(COMMANDS):
        report[name] = r = run(name, args.quick, args.workers, args.keep)
        print(f"{name}: {r['runs']:,} runs in {r['wall_minutes']:.1f} min on this (shared) "
              f"machine, {r['runs_per_s']:.1f} runs/s; {r['cpu_ms_per_run']:.0f} ms of CPU per "
              f"run, so ~{r['quiet_machine_minutes']:.1f} min on a quiet {args.workers}-core "
              f"machine (budget {BUDGET_MINUTES} min); load {r['load_avg_before'][0]:.1f} -> "
              f"{r['load_avg_after'][0]:.1f}", file=sys.stderr)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
