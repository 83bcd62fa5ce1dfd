"""A stand-in reader of calibration results, written against the calibration contract, until
``experiments.calibration`` lands on this branch (then :func:`ensemble.posterior_api` uses that
package and this module can go).

The contract: a calibration result folder holds ``posterior.parquet`` (one row per parameter set:
one float column per calibrated uncertainty, plus ``weight``; weights sum to one) and
``manifest.json``. Draw ``i`` of a posterior picks one row, with probability equal to its weight,
with a generator seeded by ``SeedSequence(seed, spawn_key=(i,))``, so draws do not depend on how
many are taken or in which order. Uncertainties not in the posterior stay at their declared
defaults.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import PARAMETERS_BY_NAME

from ..errors import UserError

POSTERIOR_FILE = "posterior.parquet"
#: Where the committed headline posterior lives (relative to the repository root).
HEADLINE_POSTERIOR = Path(__file__).resolve().parents[2] / "results" / "headline" / "posterior"


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter sets of the calibrated uncertainties."""

    names: tuple[str, ...]
    params: pd.DataFrame  # one row per parameter set, one column per name
    weights: np.ndarray   # sums to one
    path: Path | None = None

    def draw_for(self, replicate: int, root_seed: int) -> dict:
        """The parameter set of draw ``replicate`` (a row picked with probability = weight)."""
        rng = np.random.default_rng(np.random.SeedSequence(int(root_seed),
                                                           spawn_key=(int(replicate),)))
        row = int(rng.choice(len(self.weights), p=self.weights))
        return {n: float(self.params.iloc[row][n]) for n in self.names}

    def draw(self, k: int, seed: int) -> list[dict]:
        """Draws ``0 .. k-1``."""
        return [self.draw_for(i, seed) for i in range(int(k))]


def load_posterior(path: str | Path) -> Posterior:
    """Read a calibration result folder; UserError naming the problem otherwise."""
    folder = Path(path)
    table = folder / POSTERIOR_FILE
    if not table.is_file() or not (folder / "manifest.json").is_file():
        raise UserError(f"'{folder}' is not a calibration result (it needs {POSTERIOR_FILE} and "
                        "manifest.json); give the folder a calibration wrote")
    try:
        df = pd.read_parquet(table)
        json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the posterior in '{folder}': {exc}") from None
    if "weight" not in df.columns or len(df) == 0:
        raise UserError(f"{table} needs a 'weight' column and at least one row")
    names = tuple(c for c in df.columns if c != "weight")
    for name in names:
        p = PARAMETERS_BY_NAME.get(name)
        if p is None or p.kind != "uncertainty":
            raise UserError(f"{table}: column '{name}' is not a declared uncertainty; see "
                            "`cadresim params --kind uncertainty`")
        values = df[name].to_numpy(dtype=float)
        if not np.isfinite(values).all() or values.min() < p.low or values.max() > p.high:
            raise UserError(f"{table}: '{name}' has values outside its declared range "
                            f"[{p.low:g}, {p.high:g}]")
    weights = df["weight"].to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights < 0).any() or abs(weights.sum() - 1) > 1e-6:
        raise UserError(f"{table}: weights must be >= 0 and sum to 1 (they sum to "
                        f"{weights.sum():.6g})")
    return Posterior(names, df[list(names)].reset_index(drop=True), weights / weights.sum(),
                     folder)


def default_posterior() -> Posterior | None:
    """The committed headline posterior, or None while there is none."""
    if not (HEADLINE_POSTERIOR / POSTERIOR_FILE).is_file():
        return None
    return load_posterior(HEADLINE_POSTERIOR)
