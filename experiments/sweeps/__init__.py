"""Sweeps: many seeded model runs over a table of parameter rows, chunked, crash-safe and
resumable, on any engine (``cadresim status``, ``resume``, ``merge``; used by ``sensitivity``).

The modules, in the order the data flows:

* ``design.py``  -- :class:`SweepDesign` (what to run), run seeds, the chunk plan, its files;
* ``chunks.py``  -- chunks and shards, and :func:`run_chunk`, the work every engine runs;
* ``engines.py`` -- the engines: ``serial``, ``local`` process pool (``experiments.pool``),
  ``dask``;
* ``cluster.py`` -- the Dask engine: a scheduler, a local Dask cluster, or Slurm/PBS jobs;
* ``ledger.py``  -- the files of a sweep directory, the checks of its chunks, the ledger;
* ``run.py``     -- :func:`run_sweep`, :func:`resume_sweep`, :func:`prepare_sweep`;
* ``merge.py``   -- reading a sweep directory: results, failures, status, merging shards.

Each run's seed depends only on the root seed and its (row, replicate), so the results do not
depend on engine, workers, chunking, sharding or interruptions.
"""

from __future__ import annotations

from .chunks import parse_shard, run_chunk
from .design import SweepDesign, load_design, plan_chunk_rows, run_seed
from .engines import CLUSTERS, ENGINES
from .merge import load_failures, load_results, merge_shards, sweep_status
from .run import SweepIncomplete, SweepInterrupted, prepare_sweep, resume_sweep, run_sweep

__all__ = [
    "CLUSTERS", "ENGINES", "SweepDesign", "SweepIncomplete", "SweepInterrupted", "load_design",
    "load_failures",
    "load_results", "merge_shards", "parse_shard", "plan_chunk_rows", "prepare_sweep",
    "resume_sweep", "run_chunk", "run_seed", "run_sweep", "sweep_status",
]
