"""benchmarks/mutation.py's list of one-line mutations still applies to the model's sources (its
full run is not part of CI; this keeps the list from rotting as the model changes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_mutation_applies_once_across_all_mechanism_modules():
    out = subprocess.run([sys.executable, "benchmarks/mutation.py", "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    count = int(out.stdout.split()[0])
    assert count >= 20
    for module in ("decision", "accountability", "social_learning", "promotion", "organisation",
                   "leaders", "conformity", "training", "incentives", "workload", "demography",
                   "population", "outputs", "costs", "model"):
        assert module in out.stdout.split(":")[1], module
