"""Who gains from a policy: its paired effect on genuine innovation split by rank, age band and
unit type (the same counties, seed for seed, as the comparison)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..pool import default_workers, map_tasks
from ..replicates.runs import replicate_seed
from ..replicates.settings import check_settings, prepare_scenarios
from ..runner import release
from ..stats import paired_ci
from .labels import RANK_LABELS

#: Age bands used to split effects (upper bounds are exclusive).
AGE_BANDS = ((0, 35, "under 35"), (35, 45, "35-44"), (45, 55, "45-54"), (55, 200, "55 and over"))


def genuine_by_group(model) -> dict[tuple[str, str], tuple[int, int]]:
    """Counts (genuine innovators, cadres) this step per (grouping, group) of serving cadres.

    Groupings: ``rank``, ``age band`` and ``unit type`` (township, department, county leadership).
    A cadre innovated genuinely if its last action was an incremental or bold innovation.
    """
    from model.population import BOLD, INCREMENTAL

    table = model.agent_table()
    genuine = table["last_action"].isin((INCREMENTAL, BOLD)).to_numpy()
    org = model.organisation
    unit = table["unit"].to_numpy()
    unit_type = np.where(unit == org.county_unit, "county leadership",
                         np.where(org.is_township[unit], "township", "department"))
    age = table["age"].to_numpy()
    age_band = np.empty(len(age), dtype=object)
    for low, high, label in AGE_BANDS:
        age_band[(age >= low) & (age < high)] = label
    groups = {"rank": np.asarray(RANK_LABELS, dtype=object)[table["rank"].to_numpy()],
              "age band": age_band, "unit type": unit_type}
    counts = {}
    for grouping, labels in groups.items():
        for label in np.unique(labels.astype(str)):
            mask = labels == label
            counts[(grouping, label)] = (int(genuine[mask].sum()), int(mask.sum()))
    return counts


def group_rates(params: Mapping, seed: int, years: float, n_cadres: int = 1000,
                policy_schedule: list | None = None, tail_years: float = 5,
                window: tuple[int, int] | None = None) -> dict:
    """Genuine-innovation rate per (grouping, group) over the last ``tail_years`` of one run, or
    over the steps ``window`` = (first, last) (1 = the first quarter).

    Pooled over the window's quarters (innovators / cadre-quarters), like the model's
    ``innovation_rate`` is pooled over cadres.
    """
    from model import CadreModel

    n_steps = int(round(years * 4))
    tail = max(1, min(n_steps, int(round(tail_years * 4))))
    first, last = window if window is not None else (n_steps - tail + 1, n_steps)
    model = CadreModel(seed=seed, n_cadres=n_cadres, policy_schedule=policy_schedule, **params)
    sums: dict[tuple[str, str], list[int]] = {}
    try:
        for step in range(n_steps):
            model.step()
            if first <= step + 1 <= last:
                for key, (k, n) in genuine_by_group(model).items():
                    acc = sums.setdefault(key, [0, 0])
                    acc[0] += k
                    acc[1] += n
    finally:
        release(model)
    return {key: k / n for key, (k, n) in sums.items() if n > 0}


def _group_rates_task(args: tuple) -> dict:
    return group_rates(*args)


def who_gains(baseline, scenarios, replicates: int, years: float, seed: int,
              n_cadres: int = 1000, tail_years: float = 5, workers: int | None = 1,
              window: tuple[int, int] | None = None):
    """Paired effect of each scenario on genuine innovation, split by rank, age band, unit type.

    Replicate r of every scenario runs on the seed ``compare_scenarios`` gives it, so the runs
    here are the same counties as in the comparison.

    Args:
        baseline: the reference scenario (a ``Scenario``, a library name or a path).
        scenarios: the scenarios to compare with it (same forms).
        replicates: paired runs per scenario.
        years, n_cadres: size of each run; ``tail_years``: the final years rates are read over,
            or ``window`` = (first, last step), e.g. ``Window.steps`` of the comparison.
        seed: root seed.
        workers: local processes (None: one per CPU); the numbers do not depend on it.

    Returns:
        A DataFrame with columns scenario, grouping, group, baseline, value, mean_diff, ci_low,
        ci_high, n: per group, the percentage of cadres innovating genuinely per quarter under the
        baseline and the scenario, and the paired difference (percentage points) with its 95%
        t-interval.
    """
    import pandas as pd

    check_settings(replicates, years, seed, n_cadres, workers)
    loaded = prepare_scenarios([baseline, *scenarios], years)
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    tasks = [(scen.params, s, years, n_cadres, scen.policy_schedule, tail_years, window)
             for scen in loaded for s in seeds]
    # The shared local pool; results come back in task order, whatever the number of workers.
    results = map_tasks(_group_rates_task, tasks, workers or default_workers(len(tasks)))
    per_scenario = [results[i * replicates:(i + 1) * replicates] for i in range(len(loaded))]
    base = per_scenario[0]
    rows = []
    for scen, runs in zip(loaded[1:], per_scenario[1:], strict=True):
        for key in sorted(set().union(*base, *runs), key=_group_order().index):
            pairs = [(b[key], r[key]) for b, r in zip(base, runs, strict=True)
                     if key in b and key in r]
            if not pairs:
                continue
            b, v = np.asarray(pairs).T * 100.0
            ci = paired_ci(v, b)
            rows.append({"scenario": scen.name, "grouping": key[0], "group": key[1],
                         "baseline": float(b.mean()), "value": float(v.mean()),
                         "mean_diff": ci["mean_diff"], "ci_low": ci["ci_low"],
                         "ci_high": ci["ci_high"], "n": ci["n"]})
    return pd.DataFrame(rows)


def _group_order() -> list[tuple[str, str]]:
    return [("rank", r) for r in RANK_LABELS] + [("age band", b[2]) for b in AGE_BANDS] + [
        ("unit type", u) for u in ("township", "department", "county leadership")]


def gains_matrix(gains, value: str = "mean_diff"):
    """``who_gains`` output as scenarios x groups (rank, then age band, then unit type).

    ``value`` is a column of ``gains``, or ``"interval"`` for text cells "+1.2 [0.3, 2.1]".
    """
    if value == "interval":
        gains = gains.assign(interval=[f"{m:+.1f} [{lo:+.1f}, {hi:+.1f}]" for m, lo, hi in
                                       gains[["mean_diff", "ci_low", "ci_high"]].to_numpy()])
    wide = gains.pivot_table(index="scenario", columns=["grouping", "group"], values=value,
                             sort=False, aggfunc="first")
    wide = wide.reindex(columns=[c for c in _group_order() if c in wide.columns])
    wide.columns = [group for _, group in wide.columns]
    return wide
