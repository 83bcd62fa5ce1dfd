"""Where the sampled worlds come from: levers over their reform ranges, uncertainties from the
calibration posterior or, while there is none, over their declared ranges.

Every sample is seeded from the command's root seed through its own stream
(``SeedSequence(seed, spawn_key=(STREAM,))``), so the levers, the uncertainties, the held-out
split and the validation ensemble do not shift when one of them changes size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import PARAMETERS, PARAMETERS_BY_NAME

from ..calibration.posterior import NO_POSTERIOR, default_posterior, load_posterior
from ..errors import UserError

#: Seed streams (spawn keys) of the things a discovery command samples.
STREAMS = {"levers": 1, "uncertainties": 2, "split": 3, "search": 4, "validation": 5}


def stream_seed(seed: int, stream: str) -> int:
    """A seed for one purpose, derived from the root seed."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(STREAMS[stream],))
    return int(ss.generate_state(1)[0])


def latin_hypercube(names: list[str], bounds: list[tuple[float, float]], n: int,
                    seed: int) -> pd.DataFrame:
    """A seeded Latin hypercube of ``n`` points; whole-number parameters rounded."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(n)
    cols = {}
    for j, (name, (low, high)) in enumerate(zip(names, bounds, strict=True)):
        values = low + unit[:, j] * (high - low)
        if PARAMETERS_BY_NAME[name].integer:
            values = np.clip(np.rint(values), np.ceil(low), np.floor(high))
        cols[name] = values
    return pd.DataFrame(cols)


def parse_levers(spec: str | None, exclude: set[str] = frozenset()) -> list[str]:
    """Lever names from ``all`` (or None) or a comma-separated list, in declaration order."""
    levers = [p.name for p in PARAMETERS if p.kind == "lever"]
    if spec is None or spec.strip() in ("", "all"):
        chosen = levers
    else:
        chosen = [s.strip() for s in spec.split(",") if s.strip()]
        for name in chosen:
            if name not in levers:
                import difflib

                close = difflib.get_close_matches(name, levers, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise UserError(f"unknown lever '{name}'{hint} in --levers; levers: "
                                f"{', '.join(levers)}")
        chosen = [n for n in levers if n in set(chosen)]
    return [n for n in chosen if n not in exclude]


def lever_samples(levers: list[str], n: int, seed: int) -> pd.DataFrame:
    """``n`` packages of ``levers`` spread over their reform ranges (Latin hypercube)."""
    bounds = [PARAMETERS_BY_NAME[name].reform_range for name in levers]
    return latin_hypercube(levers, bounds, n, stream_seed(seed, "levers"))


@dataclass(frozen=True)
class Uncertainties:
    """How a command draws the uncertainties: from a posterior, or over the declared ranges."""

    posterior: object | None  # a Posterior of the calibration contract, or None
    names: tuple[str, ...]
    description: str

    def sample(self, n: int, seed: int, stream: str = "uncertainties") -> pd.DataFrame:
        """``n`` worlds: one column per varied uncertainty (the rest stay at their defaults)."""
        s = stream_seed(seed, stream)
        if self.posterior is not None:
            return pd.DataFrame(self.posterior.draw(n, s), columns=list(self.names))
        bounds = [(PARAMETERS_BY_NAME[k].low, PARAMETERS_BY_NAME[k].high) for k in self.names]
        return latin_hypercube(list(self.names), bounds, n, s)

    def to_dict(self) -> dict:
        path = getattr(self.posterior, "path", None)
        return {"source": "posterior" if self.posterior is not None else "declared ranges",
                "posterior": str(path) if path is not None else None,
                "names": list(self.names), "description": self.description}


def uncertainties(posterior: str | None = None) -> Uncertainties:
    """The uncertainty source: ``posterior`` a calibration folder, ``"none"`` for the declared
    ranges, or None for the committed headline posterior when it exists (else the ranges)."""
    if posterior is not None and posterior.strip().lower() in NO_POSTERIOR:
        post, why = None, "as asked (--posterior none)"
    elif posterior is not None:
        post, why = load_posterior(Path(posterior)), ""
    else:
        post, why = default_posterior(), "no calibrated posterior exists yet"
    if post is not None:
        where = getattr(post, "path", None) or "the headline calibration"
        return Uncertainties(post, tuple(post.names),
                             f"uncertainties drawn from the calibration posterior at {where} "
                             f"({len(post.names)} calibrated; the others at their defaults)")
    names = tuple(p.name for p in PARAMETERS if p.kind == "uncertainty")
    return Uncertainties(None, names,
                         f"{why}: all {len(names)} uncertainties sampled uniformly over their "
                         "declared ranges (Latin hypercube), which includes worlds the "
                         "calibration would rule out")
