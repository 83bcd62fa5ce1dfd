"""Global sensitivity analysis of the cadre model: which levers and mechanisms drive innovation,
in which direction, and how sure we are (``cadresim sensitivity``).

The modules, in the order the data flows (SALib's way: one method per module behind this facade):

* ``plan.py``      -- the SALib problem from the parameter declaration, the outputs, the plan;
* ``design.py``    -- the seeded Sobol / Morris sample designs and the rows each level reads;
* ``cost.py``      -- runs, time and memory before running (``--dry-run``);
* ``run.py``       -- :func:`run_sensitivity`: the design through ``experiments.sweeps``, then
  analysis, tables, figures, summary and manifest into one folder;
* ``analysis.py``  -- indices, intervals, seed noise, convergence (pure: knows no model);
* ``direction.py`` -- which way an effect goes (SRC, Morris mu, mechanisms from their members);
* ``figures.py``   -- index bars, Morris mu*-sigma, the mechanism chart;
* ``report.py``    -- ``indices.csv``, ``diagnostics.csv`` and the plain-language ``summary.md``;
* ``levers.py``    -- effect sizes beside the shares: each lever's reform against today's
  regime, paired, over the posterior (:func:`run_lever_effects`).

Public names: those of ``__all__`` (the same as the former ``experiments/sensitivity.py``, plus
the design and analysis entry points).
"""

from __future__ import annotations

from .analysis import NUM_RESAMPLES, Analysis, OutputAnalysis, analyse
from .cost import estimate_cost, format_cost
from .design import Design, Problem, check_samples, make_design
from .levers import reform_scenarios, run_lever_effects
from .plan import DEFAULT_OUTPUTS, PARAM_SETS, Plan, build_problem, parse_outputs
from .report import duration
from .run import outputs_matrix, run_sensitivity

__all__ = [
    "DEFAULT_OUTPUTS", "NUM_RESAMPLES", "PARAM_SETS", "Analysis", "Design", "OutputAnalysis",
    "Plan", "Problem", "analyse", "build_problem", "check_samples", "duration", "estimate_cost",
    "format_cost", "make_design", "outputs_matrix", "parse_outputs", "reform_scenarios",
    "run_lever_effects", "run_sensitivity",
]
