"""Cost of the calibration (issue 12): the per-run price of ``simulate`` against ``run_model``, and
the headline calibration's runs, wall time and what it would take on a quiet machine.

    .venv/bin/python benchmarks/bench_calibration.py

The machine is shared: timings are minima of repeats, and the projection for a quiet machine
divides the headline calibration's run count by the quiet runs per second measured here (two
workers, near-linear speed-up, as the sweep benchmark measures).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from experiments.calibration.simulate import simulate
from experiments.runner import run_model

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 7


def best_of(fn, repeats: int = REPEATS) -> float:
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    simulate({}, 0, 4)  # compile and warm up
    run_model({}, 0, 4)
    t_sim = best_of(lambda i: simulate({}, i, 80))
    t_run = best_of(lambda i: run_model({}, i, 80))
    print(f"one run, 1,000 cadres x 80 quarters: simulate {1000 * t_sim:.1f} ms, run_model "
          f"{1000 * t_run:.1f} ms (micro statistics cost {100 * (t_sim / t_run - 1):+.0f}%)")
    quiet_rate = 2.0 / t_sim  # two workers, near-linear
    manifest = ROOT / "results" / "headline" / "posterior" / "manifest.json"
    if manifest.is_file():
        m = json.loads(manifest.read_text())
        runs, wall = m["runs"]["total"], m["times"]["wall_seconds"]
        print(f"headline calibration: {runs:,} runs in {wall / 60:.1f} min measured "
              f"({m['times']['runs_per_second']:.1f} runs/s on a shared machine); at "
              f"{quiet_rate:.0f} runs/s (2 workers at this run time) about "
              f"{runs / quiet_rate / 60:.1f} min")
    else:
        print("no headline calibration yet (make calibrate)")


if __name__ == "__main__":
    main()
