"""Deprecated: paired comparisons moved to ``experiments.replicates`` (effects, experiment) and
the intervals to ``experiments.stats``. This module goes away in the next release."""

import warnings

from .replicates.effects import KEY_OUTPUTS, effects_table, overall_narrowing
from .replicates.experiment import compare_scenarios
from .stats import CONFIDENCE, narrowing_ratio, paired_ci, t_halfwidth, welch_halfwidth

__all__ = ["CONFIDENCE", "KEY_OUTPUTS", "compare_scenarios", "effects_table", "narrowing_ratio",
           "overall_narrowing", "paired_ci", "t_halfwidth", "welch_halfwidth"]

warnings.warn("experiments.compare is deprecated; import from experiments.replicates "
              "(or experiments.stats for the intervals)", DeprecationWarning, stacklevel=2)
