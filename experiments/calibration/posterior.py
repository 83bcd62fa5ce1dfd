"""The posterior contract: a calibrated ensemble of behavioural parameter sets, and how every
answer draws from it.

A calibration result folder holds ``posterior.parquet`` -- one row per parameter set, one float
column per uncertainty by its declared name, and ``weight`` (positive, summing to 1) -- beside
``manifest.json`` and figures. Other packages code against this module only:

* :func:`load_posterior` reads and validates a folder (a bad folder is a one-line UserError);
* :meth:`Posterior.draw` gives ``k`` weighted draws; draw ``i`` comes from
  ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(i,)))`` alone, so it does not depend
  on ``k``, on the engine or on how the work is chunked;
* :meth:`Posterior.draw_for` is the parameter set of replicate ``r`` (draw ``r`` of
  ``root_seed``): paired scenarios that share a replicate share its parameter set as they share
  its seed;
* :func:`default_posterior` is the committed headline posterior (``results/headline/posterior``),
  None while it does not exist.

Uncertainties that are not columns of a posterior stay at their declared defaults. Levers are
never part of a posterior: they describe the policy regime, not what research does not know.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.parameters import PARAMETERS_BY_NAME

from ..errors import UserError
from ..store import sha256_file

POSTERIOR_FILE = "posterior.parquet"
WEIGHT = "weight"
#: The committed headline posterior, relative to the repository root.
HEADLINE_POSTERIOR = Path("results") / "headline" / "posterior"
_REPO_ROOT = Path(__file__).resolve().parents[2]
#: Weights may miss 1 by rounding in the file; anything further off is a broken file.
WEIGHT_SUM_TOLERANCE = 1e-6
#: What a user types to run without a posterior (every uncertainty at its default).
NO_POSTERIOR = ("none", "off", "defaults")


@dataclass(frozen=True)
class Posterior:
    """A weighted ensemble of parameter sets (the uncertainties it varies, by name)."""

    params: pd.DataFrame      # one row per parameter set, one column per uncertainty
    weights: np.ndarray       # positive, summing to 1
    path: Path | None = None  # the folder it was read from
    manifest: dict = field(default_factory=dict)
    sha256: str = ""          # of posterior.parquet, recorded by every result that used it

    @property
    def names(self) -> list[str]:
        """The uncertainties the ensemble varies, in column order."""
        return list(self.params.columns)

    def __len__(self) -> int:
        return len(self.params)

    @property
    def calibrated(self) -> list[str]:
        """Uncertainties the targets constrained (the rest of :attr:`names` are prior draws)."""
        return list(self.manifest.get("calibrated", self.names))

    def effective_size(self) -> float:
        """Kish's effective sample size of the weights, ``1 / sum(w^2)``."""
        return float(1.0 / np.sum(self.weights ** 2))

    def index_of(self, u) -> np.ndarray:
        """Row indices for uniform numbers ``u`` in [0, 1): the weighted inverse CDF over the
        rows in file order (so a Sobol design can treat the whole ensemble as one input)."""
        cdf = np.cumsum(self.weights)
        cdf[-1] = 1.0
        idx = np.searchsorted(cdf, np.asarray(u, dtype=float), side="right")
        return np.minimum(idx, len(self.weights) - 1)

    def row(self, index: int) -> dict:
        """Parameter set ``index`` as ``{name: float}`` (whole numbers for integer parameters)."""
        values = self.params.iloc[int(index)]
        return {n: _typed(n, values[n]) for n in self.names}

    def draw_index(self, i: int, seed: int) -> int:
        """The row of draw ``i``: one uniform from ``SeedSequence(seed, spawn_key=(i,))``."""
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(i),)))
        return int(self.index_of(rng.random()))

    def draw(self, k: int, seed: int) -> list[dict]:
        """``k`` parameter sets drawn with replacement in proportion to the weights."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise UserError(f"number of posterior draws must be a whole number >= 0, got {k!r}")
        return [self.row(self.draw_index(i, seed)) for i in range(int(k))]

    def draw_for(self, replicate: int, root_seed: int) -> dict:
        """The parameter set of replicate ``replicate`` of an experiment with ``root_seed``."""
        return self.row(self.draw_index(replicate, root_seed))

    def describe(self) -> dict:
        """What a result's manifest records about the posterior it used."""
        return {"path": str(self.path) if self.path else None, "sha256": self.sha256,
                "sets": len(self), "names": self.names, "calibrated": self.calibrated,
                "effective_size": round(self.effective_size(), 1),
                "commit": (self.manifest.get("provenance", {}).get("git") or {}).get("commit")}


def _typed(name: str, value) -> float | int:
    p = PARAMETERS_BY_NAME[name]
    return int(round(float(value))) if p.integer else float(value)


def load_posterior(path: str | Path) -> Posterior:
    """Read and validate the posterior in folder ``path`` (or its ``posterior.parquet``).

    Raises UserError (one line naming the folder and the problem) when the file is missing or
    unreadable, a column is not a declared uncertainty, a value is outside its declared range or
    not finite, or a weight is not positive or the weights do not sum to 1.
    """
    path = Path(path).expanduser()
    folder = path.parent if path.name == POSTERIOR_FILE else path
    file = folder / POSTERIOR_FILE
    if not file.is_file():
        raise UserError(f"no {POSTERIOR_FILE} in '{folder}'; give a calibration result folder "
                        "(made by `cadresim calibrate`) or --posterior none")
    try:
        df = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise UserError(f"cannot read '{file}': {str(exc).splitlines()[0]}; recreate it with "
                        "`cadresim calibrate`") from None
    where = f"posterior '{folder}'"
    if WEIGHT not in df.columns:
        raise UserError(f"{where} has no '{WEIGHT}' column; each row needs its weight")
    names = [c for c in df.columns if c != WEIGHT]
    if not names or len(df) == 0:
        raise UserError(f"{where} holds no parameter sets")
    for name in names:
        p = PARAMETERS_BY_NAME.get(name)
        if p is None:
            raise UserError(f"{where}: column '{name}' is not a declared parameter; see "
                            "`cadresim params --kind uncertainty`")
        if p.kind != "uncertainty":
            raise UserError(f"{where}: column '{name}' is a {p.kind}, not an uncertainty; a "
                            "posterior holds only behavioural uncertainties (levers describe "
                            "the policy regime and are never calibrated)")
        values = pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < p.low) | (values > p.high)
        if p.integer:
            bad |= np.isfinite(values) & (values != np.round(values))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UserError(f"{where}: '{name}' = {df[name].iloc[i]!r} in row {i} is outside "
                            f"its declared range [{p.low:g}, {p.high:g}] or not a valid number")
    w = pd.to_numeric(df[WEIGHT], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        i = int(np.flatnonzero(~np.isfinite(w) | (w <= 0))[0])
        raise UserError(f"{where}: weight {df[WEIGHT].iloc[i]!r} in row {i} is not positive")
    if not math.isclose(float(w.sum()), 1.0, abs_tol=WEIGHT_SUM_TOLERANCE):
        raise UserError(f"{where}: weights sum to {w.sum():.8g}, not 1")
    manifest = {}
    if (folder / "manifest.json").is_file():
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            raise UserError(f"{where}: manifest.json is not valid JSON") from None
    params = df[names].astype(float).reset_index(drop=True)
    return Posterior(params=params, weights=w / w.sum(), path=folder.resolve(),
                     manifest=manifest, sha256=sha256_file(file))


def default_posterior() -> Posterior | None:
    """The committed headline posterior, or None while there is none."""
    folder = _REPO_ROOT / HEADLINE_POSTERIOR
    if not (folder / POSTERIOR_FILE).is_file():
        return None
    return load_posterior(folder)


def resolve_posterior(spec) -> Posterior | None:
    """A posterior from what a user gave: a Posterior, a folder, ``"default"`` (the committed
    headline posterior, None while there is none) or ``"none"``/None (every uncertainty at its
    default)."""
    if spec is None or isinstance(spec, Posterior):
        return spec
    text = str(spec).strip()
    if text.lower() in NO_POSTERIOR:
        return None
    if text.lower() == "default":
        return default_posterior()
    return load_posterior(text)
