"""Experiments on the cadre model: scenarios, replicated paired comparisons, sweeps, sensitivity,
briefings, and the ``cadresim`` command.

The data path runs one way, from the model up to the report; a module imports only from its own
level or below (``tests/test_layout.py`` holds the code to this)::

    model/                   the simulation (one file per mechanism)
      runner.py              run_model(params, seed, n_steps) -> series and summary: the one door
      scenario.py            policy scenarios from TOML files (the library is scenarios/*.toml)
      stats.py               t-intervals, paired and Welch intervals every analysis shares
      store/                 atomic, durable files; locked staged folders; provenance; manifests
      pool.py                local worker processes: one pool, one crash behaviour, for all
      errors.py              UserError: bad input, reported in one line
    replicates/ | sweeps/    many runs: scenarios x paired replicates | parameter rows in chunks
    sensitivity/             an analysis of sweeps: Sobol / Morris indices, direction, report
    briefings/               what a reader sees: notebook helpers, HTML report, the headline
    cli/                     ``cadresim``: one thin module per command group

Each package's ``__init__.py`` says its job, lists its modules in the order the data flows and
re-exports its public names.

Adding a pipeline (calibration, scenario discovery, ...): make ``experiments/<name>/`` with an
``__init__.py`` in the same form; let it run the model through ``runner.run_model``, many runs
through ``replicates`` or ``sweeps``, and write results with ``store``; never import ``cli`` or
``briefings`` from it. Its command goes in ``experiments/cli/<name>.py`` (see
``experiments/cli/__init__.py``), found without being listed. Keep modules under ~400 lines.

Public names below are imported lazily (on first use), so that ``import experiments`` stays cheap
in worker processes that only need ``experiments.runner.run_model`` (``import mesa`` selects the
"spawn" start method, so every worker imports the package afresh).
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
