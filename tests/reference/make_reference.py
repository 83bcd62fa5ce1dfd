"""Regenerate the reference numbers that ``tests/test_reference.py`` holds the code to.

    make reference        # or: .venv/bin/python tests/reference/make_reference.py

Regenerate ONLY after an intended change of the model's results (a new rule, a changed default,
a new output), never to make a failing test pass after a refactoring: a refactoring must
reproduce these numbers bit for bit. Say in the commit message that the reference was
regenerated and why.

Three pieces, each small and run through the public API exactly as users run it:

* ``run_model``: the model at its defaults, 1,000 cadres x 40 quarters, three seeds: every
  summary value exactly and a SHA-256 of every output's series (float64 bytes);
* ``sweep``: a tiny Sobol sensitivity analysis (three levers in two mechanisms, N = 4, two
  replicates) through the sweep machinery on the serial engine: every run's seed and outputs,
  and every index of the analysis;
* ``compare``: a paired comparison of two library scenarios (three replicates): the effects table.

Floats are stored as Python writes them (shortest repr), which reads back to the same float.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REFERENCE = HERE / "reference.json"

RUN = {"seeds": [0, 1, 2], "n_cadres": 1000, "n_steps": 40}
SWEEP = {"params": "fault_tolerance,tolerance_credibility,workload", "samples": 4,
         "replicates": 2, "years": 2, "n_cadres": 200, "seed": 11,
         "outputs": "innovation_rate,symbolic_rate,mean_stress"}
COMPARE = {"baseline": "baseline", "scenario": "credible_fault_tolerance", "replicates": 3,
           "years": 2, "n_cadres": 200, "seed": 5}
#: Outputs of the reference comparison, fixed here so that a change of the default outputs
#: (``KEY_OUTPUTS``) does not change the reference.
COMPARE_OUTPUTS = ("innovation_rate", "success_rate", "symbolic_rate", "barrier_afraid",
                   "barrier_unwilling", "barrier_unaccustomed", "barrier_unable", "mean_stress",
                   "innovator_share_promoted", "cumulative_value")
#: Columns of the effects table kept in the reference (the rest are labels).
EFFECT_COLUMNS = ("n", "baseline_mean", "scenario_mean", "mean_diff", "sd_diff", "ci_low",
                  "ci_high", "ci_halfwidth", "ci_halfwidth_unpaired", "p_value")


def _plain(x):
    """A float, int or string as stored in JSON (NaN and infinities as strings)."""
    if isinstance(x, np.integer | int) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, np.floating | float):
        return float(x) if math.isfinite(x) else str(float(x))
    return x


def series_digest(values) -> str:
    """SHA-256 of a series as little-endian float64 bytes: equal exactly when every bit is."""
    return hashlib.sha256(np.asarray(values, dtype="<f8").tobytes()).hexdigest()


def model_runs() -> dict:
    """Summary values and series digests of the default model on each seed."""
    from experiments import run_model

    out = {}
    for seed in RUN["seeds"]:
        res = run_model({}, seed, RUN["n_steps"], n_cadres=RUN["n_cadres"])
        out[str(seed)] = {
            "summary": {k: _plain(v) for k, v in res["summary"].items()},
            "series_sha256": {k: series_digest(v) for k, v in res["series"].items()},
        }
    return out


def small_sweep() -> dict:
    """Every run and every index of a tiny Sobol analysis on the serial engine."""
    import pandas as pd

    from experiments.sensitivity import Plan, build_problem, parse_outputs, run_sensitivity

    plan = Plan(method="sobol", samples=SWEEP["samples"], replicates=SWEEP["replicates"],
                problem=build_problem(SWEEP["params"]), outputs=parse_outputs(SWEEP["outputs"]),
                years=SWEEP["years"], seed=SWEEP["seed"], n_cadres=SWEEP["n_cadres"])
    with tempfile.TemporaryDirectory(prefix="cadresim-reference-") as tmp:
        out = Path(tmp) / "sobol"
        analysis = run_sensitivity(plan, out, engine="serial", progress=False,
                                   argv=["make_reference"])
        runs = pd.read_parquet(out / "runs" / "results.parquet")
    indices = analysis.indices()
    numeric = [c for c in indices.columns if c not in ("output", "level", "name", "mechanism",
                                                       "direction", "flags")]
    return {
        "fingerprint": plan.sweep_design(plan.design()).fingerprint(),
        "runs": {col: [_plain(v) for v in runs[col]]
                 for col in ["row", "replicate", "seed", *plan.outputs]},
        "indices": [{**{k: row[k] for k in ("output", "level", "name", "direction", "flags")},
                     **{k: _plain(row[k]) for k in numeric}}
                    for row in indices.to_dict("records")],
    }


def comparison() -> list[dict]:
    """The effects table of a small paired comparison (one process)."""
    from experiments import compare_scenarios

    effects = compare_scenarios(COMPARE["baseline"], [COMPARE["scenario"]],
                                COMPARE["replicates"], COMPARE["years"], COMPARE["seed"],
                                n_cadres=COMPARE["n_cadres"], workers=1, progress=False,
                                outputs=COMPARE_OUTPUTS)
    return [{"output": row["output"], **{k: _plain(row[k]) for k in EFFECT_COLUMNS}}
            for row in effects.to_dict("records")]


def compute() -> dict:
    """Every reference number, computed by the code as it stands."""
    return {"run_model": model_runs(), "sweep": small_sweep(), "compare": comparison()}


def main() -> None:
    """Write ``reference.json`` beside this file."""
    doc = {
        "about": "Reference numbers of tests/test_reference.py. Regenerate ONLY after an "
                 "intended model change: make reference",
        "settings": {"run_model": RUN, "sweep": SWEEP, "compare": COMPARE},
        **compute(),
    }
    REFERENCE.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {REFERENCE.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
