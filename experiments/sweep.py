"""Deprecated: sweeps moved to the package ``experiments.sweeps``. This module goes away in the
next release."""

import warnings

from .sweeps import (
    SweepDesign,
    SweepIncomplete,
    load_design,
    load_failures,
    load_results,
    merge_shards,
    parse_shard,
    plan_chunk_rows,
    prepare_sweep,
    resume_sweep,
    run_chunk,
    run_seed,
    run_sweep,
    sweep_status,
)

__all__ = ["SweepDesign", "SweepIncomplete", "load_design", "load_failures", "load_results",
           "merge_shards", "parse_shard", "plan_chunk_rows", "prepare_sweep", "resume_sweep",
           "run_chunk", "run_seed", "run_sweep", "sweep_status"]

warnings.warn("experiments.sweep is deprecated; import from experiments.sweeps",
              DeprecationWarning, stacklevel=2)
