"""Deprecated: the figures of experiments moved to ``experiments.replicates.figures``. This module
goes away in the next release."""

import warnings

from .replicates.figures import (
    BARRIER_OUTPUTS,
    band_table,
    effects_figure,
    timeseries_figure,
    write_experiment_figures,
)

__all__ = ["BARRIER_OUTPUTS", "band_table", "effects_figure", "timeseries_figure",
           "write_experiment_figures"]

warnings.warn("experiments.figures is deprecated; import from experiments.replicates.figures",
              DeprecationWarning, stacklevel=2)
