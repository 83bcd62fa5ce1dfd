"""The ABC-SMC generations, each batch of candidates a resumable sweep (``smc.py`` has the
algorithm; this module runs it).

Batch ``k`` of generation ``t`` lives in ``runs/gen-TT/batch-KKK``: a sweep directory whose
design (candidates and seeds) is a pure function of the plan and the batches before it. Running
the calibration again therefore recomputes every decision from the stored sweeps and runs only
what is missing -- on any engine, with any number of workers, or as job-array shards that each run
their slice of every batch and wait for the others.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..sweeps import run_sweep, sweep_status
from . import smc
from .plan import CalibrationPlan

#: Seconds between looks at the other shards' progress.
SHARD_POLL = 2.0
#: Stop when a generation's tolerance is less than this share below the last one (pyabc's
#: ``min_eps_diff``, relative): the targets cannot all be met, and more generations only
#: spend runs (the last population is then the best the model reaches, reported as such).
MIN_EPS_DROP = 0.03


@dataclass
class SMCResult:
    """Every accepted population, the final one, and one line of bookkeeping per generation."""

    final: pd.DataFrame               # the posterior: parameter columns, statistics, weight
    populations: pd.DataFrame         # every generation's accepted sets (column 'generation')
    history: list[dict] = field(default_factory=list)
    runs: int = 0

    @property
    def epsilon(self) -> float:
        return self.history[-1]["epsilon"]

    @property
    def converged(self) -> bool:
        """Whether the last generation met every target (tolerance 1)."""
        return self.epsilon <= 1.0 and not self.history[-1]["stalled"]


def run_batch(plan: CalibrationPlan, names: list[str], X: np.ndarray, t: int, k: int,
              runs: Path, progress: bool, engine: dict) -> pd.DataFrame:
    """Run one batch of candidates (a sweep) and return them with statistics and distances."""
    design = plan.sweep(names, X, smc.batch_seed(plan.seed, t, k),
                        meta={"step": "abc", "generation": t, "batch": k})
    folder = runs / f"gen-{t:02d}" / f"batch-{k:03d}"
    results = run_sweep(design, folder, progress=progress, **engine)
    if engine.get("shard") is not None:
        results = wait_for_shards(folder, progress)
    frame = pd.DataFrame(X, columns=names)
    stats = {}
    for s in plan.targets.statistics:
        v = results[s].to_numpy(dtype=float, copy=True)
        v[(results["status"] != "ok").to_numpy()] = np.nan
        stats[s] = v
        frame[s] = v
    D = plan.targets.distances(stats)
    for j, name in enumerate(plan.targets.names):
        frame[f"d_{name}"] = D[:, j]
    frame["distance"] = D.max(axis=1)
    frame["seed"] = results["seed"].to_numpy()
    frame["generation"], frame["batch"], frame["row"] = t, k, np.arange(len(frame))
    return frame


def wait_for_shards(folder: Path, progress: bool) -> pd.DataFrame:
    """Wait until every shard has written its chunks of a batch, then read all of them."""
    from ..sweeps import load_results

    said = False
    while not sweep_status(folder)["complete"]:
        if progress and not said:
            print(f"waiting for the other shards to finish {folder}", flush=True)
            said = True
        time.sleep(SHARD_POLL)
    return load_results(folder)


def run_generations(plan: CalibrationPlan, runs: Path, progress: bool = True,
                    log: Callable[[str], None] = print, **engine) -> SMCResult:
    """Run ABC-SMC until every target is met (tolerance 1), acceptance falls under
    ``min_acceptance`` or ``max_generations`` have run."""
    cal, nui = list(plan.calibrate), plan.nuisance_names()
    names = cal + nui
    n = plan.population
    eps, proposal, rate = math.inf, None, smc.ALPHA
    populations, history, total = [], [], 0
    final = None
    for t in range(plan.max_generations):
        frames, ran, k, stalled = [], 0, 0, False
        while True:
            ok = [f[np.isfinite(f["distance"]) & (f["distance"] <= eps)] for f in frames]
            accepted = sum(len(f) for f in ok)
            if accepted >= n:
                break
            if ran and ran * plan.min_acceptance >= n:  # too rare to reach n acceptances
                stalled = True
                break
            size = n if t == 0 and k == 0 else smc.batch_size(n - accepted, rate, n)
            rng = smc.candidate_rng(plan.seed, t, k)
            X_cal = smc.draw_prior(rng, cal, size) if proposal is None else \
                proposal.sample(rng, size)
            X = np.hstack([X_cal, smc.draw_prior(rng, nui, size)])
            frames.append(run_batch(plan, names, X, t, k, runs, progress, engine))
            ran += size
            k += 1
            rate = max(sum(len(f[np.isfinite(f["distance"]) & (f["distance"] <= eps)])
                           for f in frames) / ran, 1e-3)
        cand = pd.concat(frames, ignore_index=True)
        if stalled:
            # Stop at the n best candidates: their largest distance is the tolerance reached.
            eps = float(np.sort(cand["distance"].to_numpy())[min(n, len(cand)) - 1])
        acc = cand[np.isfinite(cand["distance"]) & (cand["distance"] <= eps)].head(n)
        acc = acc.reset_index(drop=True)
        w = np.full(len(acc), 1.0 / len(acc)) if proposal is None else \
            proposal.weights(acc[cal].to_numpy())
        acc["weight"] = w
        total += ran
        history.append({"generation": t, "epsilon": eps, "candidates": ran, "batches": k,
                        "accepted": len(acc), "acceptance": len(acc) / ran,
                        "effective_size": smc.effective_size(w), "stalled": stalled,
                        "met_all": int((acc["distance"] <= 1.0).sum())})
        log(f"generation {t}: tolerance {eps:.3g}, {len(acc)} of {ran} candidates accepted "
            f"({100 * len(acc) / ran:.0f}%), effective size {smc.effective_size(w):.0f}"
            + (" -- stalled: the targets cannot all be met" if stalled and eps > 1 else ""))
        populations.append(acc)
        final = acc
        previous = history[-2]["epsilon"] if len(history) > 1 else math.inf
        if not stalled and eps > 1.0 and eps > (1.0 - MIN_EPS_DROP) * previous:
            history[-1]["stalled"] = stalled = True
            log(f"the tolerance fell by less than {100 * MIN_EPS_DROP:.0f}% "
                f"({previous:.3g} -> {eps:.3g}): the targets cannot all be met; stopping")
        if stalled or eps <= 1.0:
            break
        eps = smc.next_epsilon(acc["distance"].to_numpy(), w)
        proposal = smc.Proposal(acc[cal], w)
        rate = smc.ALPHA
    return SMCResult(final=final, populations=pd.concat(populations, ignore_index=True),
                     history=history, runs=total)
