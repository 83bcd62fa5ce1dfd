"""Calibration: the model's behavioural uncertainties fitted to published evidence, and the
posterior ensemble every answer draws from (``cadresim calibrate``).

The modules, in the order the data flows:

* ``posterior.py`` -- the posterior contract: :func:`load_posterior`, :class:`Posterior`
  (``draw``, ``draw_for``), :func:`default_posterior` (the committed headline posterior).

Public names: those of ``__all__``.
"""

from __future__ import annotations

from .posterior import (
    HEADLINE_POSTERIOR,
    POSTERIOR_FILE,
    Posterior,
    default_posterior,
    load_posterior,
    resolve_posterior,
)

__all__ = [
    "HEADLINE_POSTERIOR", "POSTERIOR_FILE", "Posterior", "default_posterior", "load_posterior",
    "resolve_posterior",
]
