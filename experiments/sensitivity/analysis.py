"""Analysis of a sensitivity design: indices, intervals, direction, seed noise and convergence.

One pure function, :func:`analyse`, turns a design and its outputs into tables. It knows nothing
about the model: the tests feed it SALib's Ishigami function through exactly this path.

For every output the analysis

1. averages the R seeded replicates of each sample row (failed runs are NaN and skipped);
2. measures seed noise: the share of the variance of single runs that lies *within* rows (seeds
   only), and the **noise floor**, the share of the variance of the replicate means that seed
   noise alone contributes. A parameter with no effect still gets a Sobol total index near this
   floor (the Saltelli/Jansen estimator reads independent noise as an effect), so indices under it
   are flagged, never presented as sensitivity; when noise is half or more of the variance of
   the means, every index of that output is flagged ``noise_dominated``;
3. computes SALib's indices with bootstrap intervals for every level (parameters, mechanisms);
4. estimates each parameter's direction: standardised regression coefficients (SRC) on the same
   runs, with bootstrap intervals, and for Morris the signed mean effect mu;
5. checks convergence: the same indices from the first quarter and half of the base points
   (Sobol) or trajectories (Morris), the rank agreement (Spearman) and shifts of the parameters
   clearly above the noise floor (an inert parameter's place is set by seed noise, so no sample
   size would settle it).

A constant output has no variance to apportion: every index is reported as exactly zero and the
output is flagged ``constant`` (SALib itself would divide by a zero standard deviation and return
NaN).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .design import MORRIS_LEVELS, Design, Level
from .direction import (
    direction_from_mu,
    direction_from_src,
    group_direction,
    is_constant,
    src,
)

#: Bootstrap resamples for every interval.
NUM_RESAMPLES = 200
CONF_LEVEL = 0.95
#: Convergence: rank agreement and the largest shift allowed between N/2 and N, and the widest
#: acceptable 95% half-interval of a total index (Sobol) or a relative mu* (Morris).
RANK_MIN = 0.9
SHIFT_MAX = 0.05
CONF_MAX = 0.1
#: Round-off allowed in those comparisons (a Spearman of 0.8999999999999998 is 0.9).
TOLERANCE = 1e-9
#: Largest growth of N the convergence check suggests at once.
MAX_FACTOR = 16.0
#: When seed noise makes up at least this share of the variance of the replicate means, no index
#: of that output is trusted (every row is flagged ``noise_dominated``).
NOISE_DOMINATED = 0.5


@dataclass
class OutputAnalysis:
    """The analysis of one output."""

    output: str
    indices: pd.DataFrame  # one row per parameter and per mechanism
    second_order: pd.DataFrame | None
    noise: dict
    convergence: dict
    src_r2: float
    constant: bool = False


@dataclass
class Analysis:
    """The analysis of every output of a design."""

    method: str
    outputs: dict[str, OutputAnalysis] = field(default_factory=dict)

    def indices(self) -> pd.DataFrame:
        """All outputs' indices in one table."""
        return pd.concat([a.indices for a in self.outputs.values()], ignore_index=True)

    def second_order(self) -> pd.DataFrame | None:
        frames = [a.second_order for a in self.outputs.values() if a.second_order is not None]
        return pd.concat(frames, ignore_index=True) if frames else None


# ------------------------------------------------------------------------------ noise
def noise_stats(Y: np.ndarray) -> dict:
    """Seed-noise statistics of a (rows, replicates) matrix of one output.

    ``noise_share``: mean within-row variance / variance of all single runs.
    ``noise_floor``: variance of the replicate means due to seeds / variance of those means.
    Both are NaN with one replicate (noise cannot be told from signal then).
    """
    Y = np.asarray(Y, dtype=np.float64)
    ok = np.isfinite(Y)
    counts = ok.sum(axis=1)
    ybar = np.nanmean(np.where(ok, Y, np.nan), axis=1) if Y.size else Y
    total = float(np.nanvar(Y[ok], ddof=1)) if ok.sum() > 1 else 0.0
    out = {"replicates": int(Y.shape[1]), "total_var": total, "within_var": float("nan"),
           "mean_var": float(np.var(ybar, ddof=1)) if ybar.size > 1 else 0.0,
           "noise_share": float("nan"), "noise_floor": float("nan")}
    multi = counts >= 2
    if multi.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            within = float(np.nanmean(np.nanvar(Y[multi], axis=1, ddof=1)))
        out["within_var"] = within
        out["noise_share"] = within / total if total > 0 else 0.0
        seed_var_of_means = within * float(np.mean(1.0 / np.maximum(counts, 1)))
        out["noise_floor"] = (min(1.0, seed_var_of_means / out["mean_var"])
                              if out["mean_var"] > 0 else 0.0)
    return out


def morris_noise_floor(within_var: float, replicates: float) -> float:
    """mu* that seed noise alone gives a parameter without effect.

    An elementary effect is (y2 - y1) / delta; with noise of variance s2 / R on each replicate
    mean, its expected absolute value is sqrt(2/pi) * sqrt(2 s2 / R) / delta.
    """
    if not np.isfinite(within_var):
        return float("nan")
    delta = MORRIS_LEVELS / (2.0 * (MORRIS_LEVELS - 1))
    return float(np.sqrt(2.0 / np.pi) * np.sqrt(2.0 * within_var / replicates) / delta)


# ------------------------------------------------------------------------------ SALib calls
def _sobol_level(level: Level, y: np.ndarray, n: int, seed: int,
                 second_order: bool) -> dict:
    from SALib.analyze import sobol

    d = len(level.labels)
    yy = y[level.rows[:n * level.unit]]
    if is_constant(yy):
        zeros = np.zeros(d)
        res = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        if second_order:
            res["S2"] = np.where(np.triu(np.ones((d, d)), 1) > 0, 0.0, np.nan)
            res["S2_conf"] = res["S2"].copy()
        return res
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol.analyze(level.salib_problem, yy, calc_second_order=second_order,
                            num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL, seed=seed)
    return {k: np.asarray(v, dtype=np.float64) for k, v in res.items()
            if k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf")}


def _morris_level(level: Level, X: np.ndarray, y: np.ndarray, n: int, seed: int) -> dict:
    from SALib.analyze import morris

    rows = level.rows[:n * level.unit]
    yy = y[rows]
    d = len(level.labels)
    if is_constant(yy):
        z = np.zeros(d)
        return {"mu": z, "mu_star": z, "sigma": z, "mu_star_conf": z}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = morris.analyze(level.salib_problem, X[rows], yy, num_resamples=NUM_RESAMPLES,
                             conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS, seed=seed)
    out = {k: np.asarray(res[k], dtype=np.float64)
           for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
    # SALib gives a group of several parameters no sigma (its members step in independent
    # directions); its signed mean mu has no meaning either, for the same reason.
    out["mu"] = np.where(np.isnan(out["sigma"]), np.nan, out["mu"])
    return out


# ------------------------------------------------------------------------------ flags
def _flags(row: dict, method: str, floor: float) -> str:
    flags = []
    if method == "sobol":
        if row["S1"] < 0 or row["ST"] < 0:
            flags.append("negative")
        if row["S1"] - row["S1_conf"] <= 0:
            flags.append("S1_spans_zero")
        if row["ST"] - row["ST_conf"] <= 0:
            flags.append("ST_spans_zero")
        flags += _noise_flags(row["ST"], row["ST_conf"], floor)
    else:
        if row["mu_star"] - row["mu_star_conf"] <= 0:
            flags.append("mu_star_spans_zero")
        flags += _noise_flags(row["mu_star"], row["mu_star_conf"], floor)
    return ";".join(flags)


def _noise_flags(value: float, conf: float, floor: float) -> list[str]:
    """``below_noise``: the index itself is no larger than what seed noise alone gives;
    ``near_noise``: it is larger, but its interval reaches down to that floor."""
    if not np.isfinite(floor):
        return []
    if value <= floor:
        return ["below_noise"]
    return ["near_noise"] if value - conf <= floor else []


# ------------------------------------------------------------------------------ convergence
def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def _next_pow2(x: float) -> int:
    return 1 << max(2, int(np.ceil(np.log2(max(x, 1.0)))))


def convergence(design: Design, y: np.ndarray, seed: int, floor: float = float("nan")) -> dict:
    """Parameter-level indices from the first N/4, N/2 and all N base points (or trajectories).

    Converged when the ranking at N/2 agrees with the ranking at N (Spearman >= RANK_MIN), no
    index moved by more than SHIFT_MAX between them, and the widest 95% half-interval is at most
    CONF_MAX. Sobol compares total indices; Morris compares mu* divided by the largest mu*.
    Ranking and shifts are read only over the parameters whose index at N is above the seed-noise
    ``floor`` by more than its own interval (all of them when the floor is unknown): below that,
    the order is noise. Comparisons allow TOLERANCE for round-off. Otherwise a larger N is
    suggested from the 1/sqrt(N) shrinkage of intervals and shifts.
    """
    level, n = design.levels["parameter"], design.n
    sizes = sorted({s for s in (n // 4, n // 2, n) if s >= 2})
    values, confs = {}, {}
    for s in sizes:
        if design.method == "sobol":
            r = _sobol_level(level, y, s, seed, level.second_order)
            values[s], confs[s] = r["ST"], r["ST_conf"]
        else:
            r = _morris_level(level, design.X, y, s, seed)
            values[s], confs[s] = r["mu_star"], r["mu_star_conf"]
    scale = 1.0
    if design.method == "morris":
        scale = float(np.max(values[n])) or 1.0
    out = {"sizes": sizes, "metric": "ST" if design.method == "sobol" else "mu_star / max mu_star",
           "values": {str(s): (values[s] / scale).tolist() for s in sizes}}
    above = (values[n] - confs[n] > floor) if np.isfinite(floor) else np.ones(len(values[n]), bool)
    rank = {str(s): (_spearman(values[s][above], values[n][above]) if above.sum() >= 3
                     else float("nan")) for s in sizes if s != n}
    half = n // 2
    shift = (float(np.max(np.abs(values[n] - values[half])[above]) / scale)
             if half in values and above.any() else (0.0 if half in values else np.nan))
    widest = float(np.max(confs[n]) / scale)
    const = is_constant(y[level.rows])
    rank_half = rank.get(str(half), float("nan"))
    # With fewer than three parameters above noise there is no order to check.
    rank_ok = const or above.sum() < 3 or (np.isfinite(rank_half)
                                           and rank_half >= RANK_MIN - TOLERANCE)
    shift_ok = const or (np.isfinite(shift) and shift <= SHIFT_MAX + TOLERANCE)
    conf_ok = const or widest <= CONF_MAX + TOLERANCE
    out["above_noise"] = int(above.sum())
    converged = bool(rank_ok and shift_ok and conf_ok)
    factor = 1.0
    if not converged:
        factor = max(2.0 if rank_ok else 4.0,
                     (widest / CONF_MAX) ** 2 if not conf_ok else 1.0,
                     (shift / SHIFT_MAX) ** 2 if np.isfinite(shift) and not shift_ok else 1.0)
    unstable = factor > MAX_FACTOR  # extrapolating 1/sqrt(N) that far is not credible
    factor = min(factor, MAX_FACTOR)
    if design.method == "sobol":
        suggested = n if converged else _next_pow2(n * factor)
    else:
        suggested = n if converged else int(np.ceil(n * factor))
    reasons = []
    if not rank_ok:
        reasons.append(f"the ranking of the {int(above.sum())} parameters above the noise floor "
                       f"at N/2 agrees with N only at Spearman {rank_half:.3f} "
                       f"(need {RANK_MIN:.3f})")
    if not shift_ok:
        reasons.append(f"an index moved by {shift:.3f} from N/2 to N (need <= {SHIFT_MAX:.3f})")
    if not conf_ok:
        reasons.append(f"the widest 95% interval is +/-{widest:.3f} (need <= {CONF_MAX:.3f})")
    if unstable:
        reasons.append(f"the estimates are too unsettled to say how many samples would do "
                       f"(suggestion capped at {MAX_FACTOR:.0f} times N; rerun and check again)")
    out.update({"rank_spearman": rank, "max_shift": shift, "widest_conf": widest,
                "converged": converged, "suggested_n": int(suggested), "reasons": reasons})
    return out


# ------------------------------------------------------------------------------ analysis
def analysis_seed(seed: int) -> int:
    """A non-zero bootstrap seed (SALib's Sobol analyser falls back to NumPy's global generator
    when given 0, which would make intervals irreproducible)."""
    return int(np.random.SeedSequence(seed, spawn_key=(2,)).generate_state(1)[0]) or 1


def replicate_means(Y: np.ndarray) -> np.ndarray:
    """Mean over the successful replicates of each row; refuses rows without any."""
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    ok = np.isfinite(Y)
    empty = np.flatnonzero(~ok.any(axis=1))
    if empty.size:
        raise ValueError(f"{empty.size} sample rows have no successful run (first: row "
                         f"{int(empty[0])}); the design is incomplete and cannot be analysed")
    return np.nanmean(Y, axis=1)


def analyse(design: Design, Y_by_output: dict[str, np.ndarray], seed: int = 1) -> Analysis:
    """Analyse ``design`` given each output's (rows, replicates) matrix (NaN for failed runs).

    The same function analyses the model and test functions; see the module docstring.
    """
    result = Analysis(design.method)
    aseed = analysis_seed(seed)
    for output, Y in Y_by_output.items():
        Y = np.asarray(Y, dtype=np.float64)
        Y = Y[:, None] if Y.ndim == 1 else Y
        if Y.shape[0] != design.n_rows:
            raise ValueError(f"output '{output}' has {Y.shape[0]} rows, the design {design.n_rows}")
        result.outputs[output] = _analyse_output(design, output, Y, aseed)
    return result


def _analyse_output(design: Design, output: str, Y: np.ndarray, seed: int) -> OutputAnalysis:
    y = replicate_means(Y)
    noise = noise_stats(Y)
    constant = is_constant(y)
    problem = design.problem
    coef, coef_conf, r2 = src(design.X, y, seed)
    if design.method == "morris":
        floor = morris_noise_floor(noise["within_var"], noise["replicates"])
    else:
        floor = noise["noise_floor"]
    noise["index_floor"] = floor
    _, counts = np.unique(y, return_counts=True)
    noise["same_value_share"] = float(counts.max() / y.size)
    frames, second = [], None
    for name, level in design.levels.items():
        if design.method == "sobol":
            res = _sobol_level(level, y, design.n, seed, level.second_order)
        else:
            res = _morris_level(level, design.X, y, design.n, seed)
        rows = []
        for j, label in enumerate(level.labels):
            row = {"output": output, "level": name, "name": label,
                   "mechanism": problem.groups[j] if name == "parameter" else label}
            for key in (("S1", "S1_conf", "ST", "ST_conf") if design.method == "sobol"
                        else ("mu", "mu_star", "sigma", "mu_star_conf")):
                row[key] = float(res[key][j])
            row["src"] = float(coef[j]) if name == "parameter" else np.nan
            row["src_conf"] = float(coef_conf[j]) if name == "parameter" else np.nan
            row["flags"] = "constant" if constant else _flags(row, design.method, floor)
            if not constant and noise["noise_floor"] >= NOISE_DOMINATED:
                row["flags"] = ";".join(f for f in (row["flags"], "noise_dominated") if f)
            rows.append(row)
        table = pd.DataFrame(rows)
        if name == "parameter":
            if design.method == "sobol":
                table["direction"] = [direction_from_src(s, c)
                                      for s, c in zip(table["src"], table["src_conf"],
                                                      strict=True)]
            else:
                table["direction"] = [direction_from_mu(m, s)
                                      for m, s in zip(table["mu"], table["mu_star"], strict=True)]
            if constant:
                table["direction"] = "none"
            params = table
            if "S2" in res:
                second = _second_order_table(output, level.labels, res)
        else:
            table["direction"] = [group_direction(problem_members(problem, g), params)
                                  for g in table["name"]]
        frames.append(table)
    indices = pd.concat(frames, ignore_index=True)
    conv = convergence(design, y, seed, floor)
    return OutputAnalysis(output, indices, second, noise, conv, r2, constant)


def problem_members(problem, group: str) -> list[str]:
    """Names of the parameters of ``group``."""
    return [problem.names[i] for i in problem.members(group)]


def _second_order_table(output: str, labels: list[str], res: dict) -> pd.DataFrame:
    rows = []
    for j in range(len(labels)):
        for k in range(j + 1, len(labels)):
            rows.append({"output": output, "name_1": labels[j], "name_2": labels[k],
                         "S2": float(res["S2"][j, k]), "S2_conf": float(res["S2_conf"][j, k])})
    return pd.DataFrame(rows)
