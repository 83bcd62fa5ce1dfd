"""Scenario experiments: scenarios x seeded replicates, paired comparisons, their tables and
figures (``cadresim run``, ``compare``, ``reproduce``).

Replicate ``r`` of every scenario runs on the same seed, so paired differences are nearly free of
seed noise. The modules, in the order the data flows:

* ``settings.py``   -- the scenarios and numbers of an experiment, checked before anything runs;
* ``runs.py``       -- seeds, one run per task, the local process pool, resumable pieces;
* ``tables.py``     -- time series, summary and per-scenario tables from the finished runs;
* ``effects.py``    -- paired effects against the baseline (intervals from ``experiments.stats``),
  each policy's extra cost and the gain per 1,000 yuan;
* ``figures.py``    -- time series with bands, reform marks and the window read;
* ``effect_figures.py`` -- effects with paired and unpaired intervals, costs and gains per cost;
* ``readme.py``     -- the README.md of a results folder (files, columns, how to read them);
* ``experiment.py`` -- :func:`run_experiment` and its short forms, writing the results folder.

Public names: ``run_experiment``, ``run_scenarios``, ``compare_scenarios``, ``reproduce``,
``ExperimentResult``, ``effects_table``, ``KEY_OUTPUTS``, ``replicate_seed``, and the pieces
listed in ``__all__``.
"""

from __future__ import annotations

from .effect_figures import cost_figure
from .effects import KEY_OUTPUTS, effects_table, overall_narrowing
from .experiment import (
    ExperimentResult,
    compare_scenarios,
    reproduce,
    run_experiment,
    run_scenarios,
    write_results,
)
from .figures import effects_figure, timeseries_figure, write_experiment_figures
from .runs import SEED_RULE, RunRecord, Task, default_workers, execute, replicate_seed, run_task
from .settings import STEPS_PER_YEAR, check_settings, default_out_name, prepare_scenarios
from .tables import compare_summaries, scenario_stats, summary_table, timeseries_table

__all__ = [
    "KEY_OUTPUTS", "SEED_RULE", "STEPS_PER_YEAR", "ExperimentResult", "RunRecord", "Task",
    "check_settings", "compare_scenarios", "cost_figure", "compare_summaries", "default_out_name",
    "default_workers", "effects_figure", "effects_table", "execute", "overall_narrowing",
    "prepare_scenarios", "replicate_seed", "reproduce", "run_experiment", "run_scenarios",
    "run_task", "scenario_stats", "summary_table", "timeseries_figure", "timeseries_table",
    "write_experiment_figures", "write_results",
]
