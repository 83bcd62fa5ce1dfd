"""Experiments on the cadre model: scenarios, replicated paired comparisons, sweeps, sensitivity.

Public names are imported lazily (on first use), so that ``import experiments`` stays cheap in
worker processes that only need ``experiments.runner.run_model``.
"""

from __future__ import annotations

import importlib

#: public name -> module (inside this package) that defines it
_EXPORTS = {
    "run_model": "runner",
    "summarise": "runner",
    "UserError": "errors",
    "Scenario": "scenario",
    "list_scenarios": "scenario",
    "load_scenario": "scenario",
    "run_scenarios": "replicates.experiment",
    "run_experiment": "replicates.experiment",
    "compare_scenarios": "replicates.experiment",
    "reproduce": "replicates.experiment",
    "replicate_seed": "replicates.runs",
    "effects_table": "replicates.effects",
    "KEY_OUTPUTS": "replicates.effects",
    "paired_ci": "stats",
    "provenance": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'experiments' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
