"""Shared fixtures: small seeded models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def small_model():
    """A seeded 200-cadre county, freshly built."""
    from model import CadreModel

    return CadreModel(seed=7, n_cadres=200)
