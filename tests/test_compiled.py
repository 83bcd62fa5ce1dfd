"""The compiled passes and their debugging mode: with ``NUMBA_DISABLE_JIT=1`` (model/jit.py) the
same loops run as plain Python, and a short run -- a year end included -- gives the same outputs
as the compiled run. Not bit for bit: compiled code takes ``exp`` and ``log`` from LLVM, plain
Python from the C library, which may differ in the last bit; differences stay near 1e-12.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RUN = """
import json, sys
import numba
from experiments.runner import run_model
assert numba.config.DISABLE_JIT == {disabled}, "NUMBA_DISABLE_JIT not in effect"
res = run_model({params}, seed=3, n_steps=8, n_cadres=100, with_agents=True)
json.dump({{k: v.tolist() for k, v in res["series"].items()}}, sys.stdout)
"""
PARAMS = {"demotion_rate": 0.1, "rotation_rate": 0.2, "training_coverage": 0.6,
          "verification_accuracy": 0.5, "promotion_age_limit": 40}


def run(disabled: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    if disabled:
        env["NUMBA_DISABLE_JIT"] = "1"
    out = subprocess.run([sys.executable, "-c", RUN.format(disabled=disabled, params=PARAMS)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_plain_python_run_agrees_with_the_compiled_run():
    plain, compiled = run(disabled=True), run(disabled=False)
    assert plain.keys() == compiled.keys()
    for name in compiled:
        np.testing.assert_allclose(plain[name], compiled[name], rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    # The run did something worth comparing: innovation, sanctions, a year's turnover.
    assert max(compiled["innovation_rate"]) > 0 and max(compiled["sanction_rate"]) > 0
    assert compiled["promotions"][4] > 0 and compiled["demotions"][4] > 0
