"""The settings of a scenario experiment, checked before anything runs: the scenarios (with
``--set`` overrides and horizons), the numbers (replicates, years, seed, size, workers) and the
default name of its results folder."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import UserError
from ..scenario import Scenario, load_scenario

STEPS_PER_YEAR = 4
#: Longest run accepted (a careless 1e300 would otherwise run until killed).
MAX_YEARS = 1000


def prepare_scenarios(scenarios: Iterable[Scenario | str], years: float,
                      overrides: dict | None = None) -> list[Scenario]:
    """Load scenario names or paths, apply ``--set`` overrides, check horizons and names."""
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    loaded = [s.with_overrides(overrides) for s in loaded]
    seen = set()
    for s in loaded:
        if s.name in seen:
            raise UserError(f"scenario '{s.name}' is given twice; give each scenario once")
        seen.add(s.name)
        s.check_horizon(years)
    return loaded


def check_settings(replicates, years, seed, n_cadres, workers, min_replicates: int = 1) -> int:
    """Validate the numeric settings of an experiment; returns the number of steps."""
    from model.model import MAX_CADRES, MIN_CADRES

    def whole(v) -> bool:
        return isinstance(v, int | np.integer) and not isinstance(v, bool)

    if not whole(replicates) or replicates < min_replicates:
        need = "at least 2 (a paired interval needs two)" if min_replicates > 1 else ">= 1"
        raise UserError(f"--replicates must be a whole number {need}, got {replicates!r}")
    if (isinstance(years, bool) or not isinstance(years, int | float)
            or not 0 < years <= MAX_YEARS):  # also refuses NaN and infinity
        raise UserError(f"--years must be a number > 0 and at most {MAX_YEARS}, got {years!r}")
    n_steps = int(round(years * STEPS_PER_YEAR))
    if n_steps < 1:
        raise UserError(f"--years {years!r} is shorter than one quarter; use --years 0.25 or more")
    if not whole(seed) or seed < 0:
        raise UserError(f"--seed must be a whole number >= 0, got {seed!r}")
    if not whole(n_cadres) or not MIN_CADRES <= n_cadres <= MAX_CADRES:
        raise UserError(f"--n-cadres must be a whole number in [{MIN_CADRES}, {MAX_CADRES}], "
                        f"got {n_cadres!r}")
    if workers is not None and (not whole(workers) or workers < 1):
        raise UserError(f"--workers must be a whole number >= 1, got {workers!r}")
    return n_steps


def default_out_name(kind: str, names: Sequence[str]) -> str:
    """Folder name under ``results/`` for an experiment on ``names`` (baseline first)."""
    if kind == "compare":
        rest = names[1:]
        tail = "-".join(rest) if len(rest) <= 2 else f"{rest[0]}-and-{len(rest) - 1}-more"
        return f"compare-{names[0]}-vs-{tail}"
    return "-".join(names) if len(names) <= 3 else f"{names[0]}-and-{len(names) - 1}-more"


def check_posterior(posterior, seeds_per_draw) -> None:
    """Validate the posterior settings of an experiment (``posterior``: a Posterior or None)."""
    if (isinstance(seeds_per_draw, bool) or not isinstance(seeds_per_draw, int | np.integer)
            or seeds_per_draw < 1):
        raise UserError(f"--seeds-per-draw must be a whole number >= 1, got {seeds_per_draw!r}")


def replicate_params(posterior, replicate: int, root_seed: int, seeds_per_draw: int,
                     explicit: set) -> tuple[dict, int]:
    """The posterior's parameter set for ``replicate`` and its draw number.

    Replicates come in groups of ``seeds_per_draw`` that share one posterior draw (a nested
    design: k draws x m seeds), so that parameter uncertainty and seed noise can be told apart;
    every scenario's replicate r shares the draw as it shares the seed. Parameters the scenario
    or ``--set`` gives explicitly are not replaced. Without a posterior: ``({}, 0)``.
    """
    if posterior is None:
        return {}, 0
    draw = replicate // seeds_per_draw
    values = posterior.draw_for(draw, root_seed)
    return {k: v for k, v in values.items() if k not in explicit}, draw
