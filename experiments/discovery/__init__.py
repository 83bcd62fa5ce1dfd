"""Scenario discovery and robust policy packages (``cadresim discover``, ``cadresim robust``).

Two questions a policy researcher asks of the model: *under which conditions* does a policy work
(scenario discovery: PRIM, with CART as a second view, checked on held-out points), and *which
affordable package of levers* raises genuine innovation without breeding image projects across
everything we do not know (robust decision making: a many-objective search evaluated over an
ensemble of plausible worlds with common random numbers). The modules, in the order the data
flows:

* ``ensemble.py``   -- the sampled worlds: levers over reform ranges, uncertainties from the
  calibration posterior (``experiments.calibration.posterior``; ``--posterior none``: over
  their declared ranges), seed streams;
* ``question.py``   -- ``--where "innovation_gain > 0.05"``: which points are cases of interest;
* ``points.py``     -- the point table from stored sweeps, and :class:`DiscoverPlan` for new runs;
* ``prim.py``       -- EMA Workbench's PRIM: trajectory, quasi-p values, the box chosen;
* ``cart.py``       -- EMA Workbench's CART wrapper over a seeded scikit-learn tree;
* ``figures.py``    -- trade-off, box and tree figures; ``report.py`` -- the discovery summary;
* ``discover.py``   -- :func:`run_discover`: runs or reads the points, analyses, writes a folder;
* ``search.py``     -- a resumable NSGA-II (pymoo's ask-and-tell) whose generations are replayed;
* ``robust.py``     -- packages evaluated over the ensemble (one sweep per generation), robustness;
* ``pareto.py``     -- the Pareto set, library scenarios, scenario files, figure and summary;
* ``robust_run.py`` -- :func:`run_robust`: references, budget check, search, validation, files;
* ``cost.py``       -- runs and time before running (``--dry-run``);
* ``read.py``       -- stored folders read back for the briefing notebook (tables, figures).

Public names: those of ``__all__``.
"""

from __future__ import annotations

from .discover import Discovery, Settings, analyse, run_discover
from .ensemble import Uncertainties, lever_samples, parse_levers, uncertainties
from .points import DiscoverPlan, PointTable, find_arms, load_points
from .prim import Box, choose, in_box, performance, run_prim
from .question import Question, parse_where
from .read import StoredDiscovery, StoredRobust, load_discovery, load_robust
from .robust import RobustPlan
from .robust_run import RobustResult, run_robust

__all__ = [
    "Box", "DiscoverPlan", "Discovery", "PointTable", "Question", "RobustPlan",
    "RobustResult", "Settings", "StoredDiscovery", "StoredRobust", "Uncertainties", "analyse",
    "choose", "find_arms", "in_box", "lever_samples", "load_discovery",
    "load_points", "load_robust", "parse_levers", "parse_where",
    "performance", "run_discover", "run_prim", "run_robust", "uncertainties",
]
