"""ABC-SMC (population Monte Carlo ABC) in the form pyabc implements it, one generation at a time,
as pure functions of stored results so that every generation can run as resumable sweeps.

The algorithm (Toni et al. 2009; Beaumont et al. 2009; adaptive tolerances as in Del Moral et al.
2012 and pyabc's ``QuantileEpsilon``):

* generation 0 draws ``N`` parameter sets from the prior (uniform over each declared range);
* generation t >= 1 has a tolerance ``eps_t``, the ``alpha`` quantile of the previous
  generation's distances (never below 1: a distance of 1 means every target is met, the end);
  candidates are drawn from the previous population by weight and moved by a multivariate normal
  kernel (pyabc's ``MultivariateNormalTransition``: weighted covariance, Silverman bandwidth);
  a candidate is accepted when its run's distance is at most ``eps_t``; the first ``N`` accepted
  *by candidate number* form the population (independent of which worker finished first);
* an accepted set gets the importance weight prior / proposal,
  ``w_i = prior(x_i) / sum_j W_j K(x_i | x_j)`` (pyabc's transition density), normalised.

Uncertainties that the targets cannot inform are *nuisance* parameters: every candidate draws
them afresh from their prior, so the calibrated ones are fitted whatever their values are (their
densities cancel from the weights), and the accepted sets carry them as prior draws.

Why not ``pyabc.ABCSMC`` itself: its parallel samplers reseed NumPy's global generator from the
operating system in every worker (``np.random.seed()``), so results change with the engine and
the number of workers, and its SQLite history resumes only at whole generations. Here every
candidate comes from ``SeedSequence(seed, spawn_key=(generation, batch, 0))`` and every run's
seed from the sweep's rule, so any engine, worker count, sharding or interruption gives the same
posterior.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.parameters import PARAMETERS_BY_NAME

from ..errors import UserError

#: Quantile of the last generation's distances that sets the next tolerance (pyabc's default).
ALPHA = 0.5
#: Redraws allowed for a batch whose perturbed candidates keep leaving the prior's box.
MAX_REDRAWS = 1000


def candidate_rng(seed: int, generation: int, batch: int) -> np.random.Generator:
    """The generator of one batch's candidates."""
    return np.random.default_rng(np.random.SeedSequence(int(seed),
                                                        spawn_key=(generation, batch, 0)))


def batch_seed(seed: int, generation: int, batch: int) -> int:
    """Root seed of one batch's sweep (its runs take seeds from (row, replicate) under it)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(generation, batch, 1))
    return int(ss.generate_state(1)[0])


def bounds(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Declared ranges of ``names``: the uniform prior of each."""
    ps = [PARAMETERS_BY_NAME[n] for n in names]
    return np.array([p.low for p in ps]), np.array([p.high for p in ps])


def draw_prior(rng: np.random.Generator, names: list[str], n: int) -> np.ndarray:
    """``n`` draws from the uniform prior of ``names`` (whole numbers for integer parameters)."""
    out = np.empty((n, len(names)))
    for j, name in enumerate(names):
        p = PARAMETERS_BY_NAME[name]
        if p.integer:
            out[:, j] = rng.integers(int(np.ceil(p.low)), int(np.floor(p.high)) + 1, size=n)
        else:
            out[:, j] = rng.uniform(p.low, p.high, size=n)
    return out


class Proposal:
    """The proposal of generation t >= 1: the previous population perturbed by pyabc's
    multivariate normal kernel."""

    def __init__(self, population: pd.DataFrame, weights: np.ndarray):
        from pyabc.transition import MultivariateNormalTransition

        self.names = list(population.columns)
        self.X = population.to_numpy(dtype=float)
        self.w = np.asarray(weights, dtype=float) / np.sum(weights)
        self.transition = MultivariateNormalTransition()
        self.transition.fit(population.reset_index(drop=True), self.w)
        cov = np.atleast_2d(self.transition.cov)
        # A small ridge keeps the factor defined when a column has collapsed to one value.
        ridge = 1e-12 * max(float(np.trace(cov)), 1e-12) * np.eye(cov.shape[0])
        self.chol = np.linalg.cholesky(cov + ridge)
        self.low, self.high = bounds(self.names)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` candidates inside the prior's box (a candidate outside it is drawn again, as
        pyabc does: the prior density there is zero)."""
        out = np.empty((n, len(self.names)))
        todo = np.arange(n)
        cdf = np.cumsum(self.w)
        cdf[-1] = 1.0
        for _ in range(MAX_REDRAWS):
            parents = np.minimum(np.searchsorted(cdf, rng.random(todo.size), side="right"),
                                 len(self.w) - 1)
            moved = self.X[parents] + rng.standard_normal((todo.size, len(self.names))) @ \
                self.chol.T
            inside = np.all((moved >= self.low) & (moved <= self.high), axis=1)
            out[todo[inside]] = moved[inside]
            todo = todo[~inside]
            if todo.size == 0:
                return out
        raise UserError("the ABC proposal keeps leaving the declared ranges; the population has "
                        "collapsed onto a bound -- check the targets")

    def weights(self, accepted: np.ndarray) -> np.ndarray:
        """Importance weights prior / proposal of accepted candidates (normalised); the uniform
        prior is constant inside the box, so only the proposal density matters. The density is
        pyabc's kernel mixture, summed in log space (in several dimensions the plain densities
        underflow)."""
        from scipy.special import logsumexp
        from scipy.stats import multivariate_normal

        kernel = multivariate_normal(cov=self.transition.cov, allow_singular=True)
        log_w = np.log(self.w)
        log_q = np.array([logsumexp(log_w + kernel.logpdf(x - self.X)) for x in accepted])
        log_iw = -log_q
        w = np.exp(log_iw - log_iw.max())
        return w / w.sum()


def next_epsilon(distances: np.ndarray, weights: np.ndarray, alpha: float = ALPHA) -> float:
    """The next tolerance: the weighted ``alpha`` quantile of the population's distances, never
    below 1 (all targets met)."""
    from pyabc.weighted_statistics import weighted_quantile

    q = float(weighted_quantile(np.asarray(distances, float), np.asarray(weights, float),
                                alpha=alpha))
    return max(1.0, q)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (pyabc.weighted_statistics.effective_sample_size)."""
    from pyabc.weighted_statistics import effective_sample_size

    return float(effective_sample_size(np.asarray(weights, float)))


def batch_size(needed: int, rate: float, population: int) -> int:
    """Candidates to run for ``needed`` more acceptances at acceptance ``rate`` (a fifth more,
    so that one batch usually suffices; at least a quarter of a population, at most ten)."""
    rate = min(max(rate, 0.01), 1.0)
    return int(min(max(np.ceil(1.2 * needed / rate), population / 4), 10 * population))
