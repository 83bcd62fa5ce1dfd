"""Benchmark of one model run (the unit of work of every sweep).

    python benchmarks/bench_model.py            # all sizes
    python benchmarks/bench_model.py --quick    # 1,000 cadres only

Reports the median wall time of several runs of 80 steps (20 years) with data collection, for
1,000 and 100,000 cadres, and time and peak memory of a 1,000,000-cadre run with agents, read and
not read (each in a subprocess, so that its memory is measured alone). Targets (issue 2): <= 25 ms,
<= 3 s, runs within 4 GB.

Each size is timed three ways: as sweeps run it (``run_model``, which skips the agent objects;
the outputs are identical), as users build it (``CadreModel``: a Mesa agent per cadre, made when
first asked for, with agent records of every step) without reading the agents, and the same with
``model.agents`` read at the start, so that every agent object is made and kept registered as
cadres join and leave. The first time of each kind is not counted (Numba loads its compiled code
then).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.runner import release, run_model  # noqa: E402
from model import CadreModel  # noqa: E402
from model.model import gc_paused  # noqa: E402


def one_run(n_cadres: int, seed: int, kind: str, n_steps: int = 80) -> None:
    """One run of ``kind``: "sweeps", "agents" (not read) or "agents read"."""
    if kind != "agents read":
        run_model({}, seed, n_steps, n_cadres=n_cadres, with_agents=kind == "agents")
        return
    with gc_paused():  # as run_model runs it
        m = CadreModel(seed=seed, n_cadres=n_cadres)
        len(m.agents)  # every agent made now, as by a script that reads them
        for _ in range(n_steps):
            m.step()
        release(m)


def time_runs(n_cadres: int, repeats: int, kind: str, n_steps: int = 80) -> list[float]:
    """Wall times of ``repeats`` seeded runs (after one untimed warm-up run)."""
    times = []
    for seed in range(repeats + 1):
        t0 = time.perf_counter()
        one_run(n_cadres, seed, kind, n_steps)
        times.append(time.perf_counter() - t0)
    return times[1:]


def one_big_run(n_cadres: int, kind: str) -> dict:
    """Time and peak RSS of one run, measured in this (fresh) process."""
    t0 = time.perf_counter()
    one_run(n_cadres, 0, kind)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n_cadres": n_cadres, "seconds": round(wall, 2), "peak_rss_mb": round(peak_mb)}


KINDS = (("agents", "with Mesa agents, not read"), ("agents read", "with Mesa agents, read"),
         ("sweeps", "as sweeps run it"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 cadres only")
    ap.add_argument("--big", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--kind", default="agents read", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.big:
        print(json.dumps(one_big_run(args.big, args.kind)))
        return
    for kind, label in KINDS:
        t = time_runs(1000, 25, kind)
        print(f"1,000 cadres x 80 steps, {label}: median {statistics.median(t) * 1e3:.1f} ms "
              f"(min {min(t) * 1e3:.1f}, max {max(t) * 1e3:.1f}; 25 runs; target <= 25 ms)")
    if args.quick:
        return
    for kind, label in KINDS:
        t = time_runs(100_000, 3, kind)
        print(f"100,000 cadres x 80 steps, {label}: median {statistics.median(t):.2f} s "
              f"(3 runs; target <= 3 s)")
    for kind, label in KINDS[:2]:
        out = subprocess.run([sys.executable, __file__, "--big", "1000000", "--kind", kind],
                             capture_output=True, text=True, check=True)
        big = json.loads(out.stdout)
        print(f"1,000,000 cadres x 80 steps, {label}: {big['seconds']:.1f} s, peak memory "
              f"{big['peak_rss_mb']} MB (target: runs within 4,096 MB)")


if __name__ == "__main__":
    main()
