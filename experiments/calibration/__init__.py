"""Calibration: the model's behavioural uncertainties fitted to published evidence, and the
posterior ensemble every answer draws from (``cadresim calibrate``).

The modules, in the order the data flows:

* ``targets.toml`` -- the published numbers, each mapped onto one model statistic with a band;
* ``targets.py``   -- :func:`load_targets`: the file checked, bands and distances;
* ``simulate.py``  -- :func:`simulate`: ``run_model`` plus the micro statistics the targets need,
  the one function every calibration run goes through (on the sweep engines);
* ``plan.py``      -- :class:`CalibrationPlan`: every number that decides a calibration;
* ``screen.py``    -- Morris screening: which uncertainties the targets can inform;
* ``smc.py``       -- ABC-SMC as pure functions (proposal, weights, tolerances; pyabc's kernel);
* ``generations.py`` -- the generations, each batch of candidates a resumable sweep;
* ``check.py``     -- the posterior-predictive check;
* ``figures.py``, ``report.py`` -- marginals against priors, the check, ``summary.md``;
* ``cost.py``      -- runs and time before running (``--dry-run``);
* ``run.py``       -- :func:`calibrate`: all of it into one results folder;
* ``posterior.py`` -- the posterior contract: :func:`load_posterior`, :class:`Posterior`
  (``draw``, ``draw_for``), :func:`default_posterior` (the committed headline posterior).

Public names: those of ``__all__``.
"""

from __future__ import annotations

from .plan import CalibrationPlan, quick_plan
from .posterior import (
    HEADLINE_POSTERIOR,
    POSTERIOR_FILE,
    Posterior,
    default_posterior,
    load_posterior,
    resolve_posterior,
)
from .run import CalibrationResult, calibrate
from .simulate import simulate
from .targets import DEFAULT_TARGETS, Target, Targets, load_targets

__all__ = [
    "DEFAULT_TARGETS", "HEADLINE_POSTERIOR", "POSTERIOR_FILE", "CalibrationPlan",
    "CalibrationResult", "Posterior", "Target", "Targets", "calibrate", "default_posterior",
    "load_posterior", "load_targets", "quick_plan", "resolve_posterior", "simulate",
]
