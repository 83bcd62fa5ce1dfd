"""What a sweep runs, and its form on disk.

A :class:`SweepDesign` says what to run: rows of parameter values, replicates per row, run length.
Its :meth:`~SweepDesign.fingerprint` hashes everything that decides the results, so a sweep
directory is resumed only with the design it was started with. :func:`save_design` writes
``design.json`` and ``samples.npy`` with the chunk plan (rows per chunk: a pure function of the
design, so every shard of a job array computes the same chunks); :func:`load_design` reads them.
Each run's seed comes from the root seed and its (row, replicate) only (:func:`run_seed`; a design
may name another row whose seeds a row shares, ``seed_rows``, for common random numbers).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.model import MAX_CADRES, MIN_CADRES
from model.outputs import OUTPUTS
from model.parameters import PARAMETERS_BY_NAME, validate_value

from ..errors import UserError
from ..store import atomic_write_bytes, atomic_write_text
from .ledger import DESIGN_FILE, SAMPLES_FILE, SEED_ROWS_FILE

#: Rough cost of one cadre-quarter of the model, used only to size chunks (measured ~0.9 µs).
COST_PER_CADRE_STEP = 1e-6
#: Target duration of one chunk: long against the engine's per-task overhead (ms), short enough
#: that a crash loses little and the progress bar moves.
CHUNK_SECONDS = 4.0
#: Split small sweeps into at least this many chunks so that every worker gets some.
MIN_CHUNKS = 32
DESIGN_VERSION = 1


@dataclass
class SweepDesign:
    """What a sweep runs: ``samples[row]`` under ``base_params``, ``replicates`` seeds per row."""

    param_names: list[str]        # columns of samples
    samples: np.ndarray           # (n_rows, len(param_names)) values within the declared ranges
    base_params: dict             # fixed overrides applied under the samples
    replicates: int               # seeded replicates per row
    n_steps: int                  # quarters per run
    n_cadres: int = 1000
    root_seed: int = 0
    outputs: list[str] | None = None   # summary outputs to keep (default all model.OUTPUTS)
    meta: dict = field(default_factory=dict)  # free metadata saved with the design
    #: "module:function" run in place of ``runner.run_model`` (same signature and result), for
    #: analyses that need statistics beyond the model's outputs; "" runs ``run_model``.
    run: str = ""
    # Optional, for designs that compare rows: the row whose seeds each row uses (rows with the
    # same seed row share their random numbers), and a policy schedule applied to every run.
    seed_rows: np.ndarray | None = None
    policy_schedule: list | None = None

    @property
    def n_rows(self) -> int:
        return int(np.asarray(self.samples).shape[0])

    @property
    def n_runs(self) -> int:
        return self.n_rows * int(self.replicates)

    def output_names(self) -> list[str]:
        return list(OUTPUTS) if self.outputs is None else list(self.outputs)

    def params_of_row(self, row: int) -> dict:
        """The full parameter overrides of one row (base parameters under the row's values)."""
        return row_params(self.base_params, self.param_names, np.asarray(self.samples)[row])

    def validate(self) -> None:
        """Raise UserError (or ParameterError) for a design that cannot run at all."""
        names = list(self.param_names)
        for name in names + list(self.base_params):
            if name not in PARAMETERS_BY_NAME:
                validate_value(name, 0)  # raises the model's "unknown parameter" message
        if len(set(names)) != len(names):
            raise UserError(f"parameter names repeat in the design: {names}")
        for name, value in self.base_params.items():
            validate_value(name, value)
        samples = np.asarray(self.samples)
        if samples.ndim != 2 or samples.shape[1] != len(names) or samples.shape[0] == 0:
            raise UserError(f"samples must be a non-empty (rows, {len(names)}) array, one column "
                            f"per parameter name; got shape {samples.shape}")
        if not np.issubdtype(samples.dtype, np.number) or not np.isfinite(samples).all():
            raise UserError("samples must be finite numbers")
        for label, value, low, high in (("replicates", self.replicates, 1, None),
                                        ("n_steps", self.n_steps, 1, None),
                                        ("n_cadres", self.n_cadres, MIN_CADRES, MAX_CADRES)):
            if (isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low
                    or (high is not None and value > high)):
                limit = f"in [{low}, {high}]" if high else f">= {low}"
                raise UserError(f"{label} must be a whole number {limit}, got {value!r}")
        known = run_outputs(self.run)
        unknown = [o for o in self.output_names() if o not in known]
        if self.seed_rows is not None:
            seed_rows = np.asarray(self.seed_rows)
            if (seed_rows.shape != (samples.shape[0],)
                    or not np.issubdtype(seed_rows.dtype, np.integer) or (seed_rows < 0).any()):
                raise UserError("seed_rows must hold one whole number >= 0 per sample row")
        if unknown or not self.output_names():
            raise UserError(f"unknown output(s) {unknown or '(none given)'}; valid outputs: "
                            f"{', '.join(known)}")

    def spec(self) -> dict:
        """Everything that decides the results, as plain JSON data (samples by hash)."""
        samples = np.ascontiguousarray(self.samples, dtype=np.float64)
        # The optional fields enter only when set, so the fingerprints of designs without them
        # (every sweep directory made before they existed) do not change.
        extra = {}
        if self.seed_rows is not None:
            rows = np.ascontiguousarray(self.seed_rows, dtype=np.int64)
            extra["seed_rows_sha256"] = hashlib.sha256(rows.tobytes()).hexdigest()
        if self.policy_schedule:
            extra["policy_schedule"] = json.loads(json.dumps(self.policy_schedule,
                                                             default=_plain))
        return {
            "param_names": list(self.param_names),
            "base_params": {k: _plain(v) for k, v in sorted(self.base_params.items())},
            "replicates": int(self.replicates), "n_steps": int(self.n_steps),
            "n_cadres": int(self.n_cadres), "root_seed": int(self.root_seed),
            "outputs": self.output_names(), "n_rows": int(samples.shape[0]),
            "samples_sha256": hashlib.sha256(samples.tobytes()).hexdigest(), **extra,
            # Only when set, so that the fingerprints of every earlier sweep stay as they were.
            **({"run": self.run} if self.run else {}),
        }

    def fingerprint(self) -> str:
        """A hash of :meth:`spec`: two designs with the same fingerprint give the same results."""
        blob = json.dumps(self.spec(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def run_function(run: str):
    """The per-run function a design names (``"module:function"``), or ``runner.run_model``."""
    if not run:
        from ..runner import run_model

        return run_model
    import importlib

    module, _, name = run.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        raise UserError(f"the sweep's run function '{run}' cannot be imported; use the cadresim "
                        "version that started the sweep") from None


def run_outputs(run: str) -> dict:
    """The outputs a run function returns: the model's, or its module's ``OUTPUTS``."""
    if not run:
        return OUTPUTS
    import importlib

    run_function(run)  # a clear message when it cannot be imported
    return importlib.import_module(run.partition(":")[0]).OUTPUTS


def run_seed(root_seed: int, row: int, replicate: int) -> int:
    """The seed of run (row, replicate): independent of order, chunking and engine."""
    ss = np.random.SeedSequence(int(root_seed), spawn_key=(int(row), int(replicate)))
    return int(ss.generate_state(1)[0])


def row_params(base: dict, names: list[str], values) -> dict:
    """The parameters of one sample row: ``base`` under the row's ``values`` by ``names``."""
    # Plain floats: the model's check turns whole-valued floats of integer parameters into ints.
    return {**base, **{n: float(v) for n, v in zip(names, values, strict=True)}}


def plan_chunk_rows(design: SweepDesign) -> int:
    """Rows per chunk so that a chunk runs for about CHUNK_SECONDS; a pure function of the design
    (no timing), so every shard of a job array computes the same chunks."""
    per_row = COST_PER_CADRE_STEP * design.n_cadres * design.n_steps * design.replicates
    by_time = max(1, int(CHUNK_SECONDS / max(per_row, 1e-9)))
    by_count = max(1, -(-design.n_rows // MIN_CHUNKS))
    return min(by_time, by_count)


def save_design(design: SweepDesign, out_dir: Path, chunk_size: int | None,
                log=None) -> dict:
    """Save the design in a fresh directory, or check it equals the saved one; return the plan.

    A saved design that cannot be read (damaged) is written again from ``design``: the chunk files
    name the sweep they belong to, so chunks of any other design are then run again. Samples
    without ``design.json`` are a design still being written -- by a shard of the same job array
    that started a moment earlier -- or one whose writer was stopped: either way this design is
    written (each file in one atomic replace; shards of one array write the same bytes)."""
    path = out_dir / DESIGN_FILE
    if path.exists():
        try:
            saved = load_design(out_dir)
        except DamagedDesign as exc:
            if log is not None:
                log(f"note: {exc.reason}; written again from this command's design")
        else:
            old, new = saved.spec(), design.spec()
            if old != new:
                diff = [k for k in new if old.get(k) != new.get(k)]
                raise UserError(f"{out_dir} holds a different sweep (differs in: "
                                f"{', '.join(diff)}); use a new --out directory, or `cadresim "
                                "resume DIR` to finish the saved one")
            plan = load_plan(out_dir)
            if chunk_size is not None and chunk_size != plan["chunk_rows"]:
                raise UserError(f"{out_dir} was started with --chunk-size {plan['chunk_rows']}; "
                                "resume with the same chunk size (or leave it out)")
            return plan
    if chunk_size is not None and chunk_size < 1:
        raise UserError(f"--chunk-size must be at least 1 row, got {chunk_size}")
    rows = chunk_size or plan_chunk_rows(design)
    plan = {"chunk_rows": rows, "n_chunks": -(-design.n_rows // rows)}
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(design.samples, dtype=np.float64))
    # Samples first: a design.json on disk always has its samples beside it.
    atomic_write_bytes(out_dir / SAMPLES_FILE, buf.getvalue())
    if design.seed_rows is not None:
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(design.seed_rows, dtype=np.int64))
        atomic_write_bytes(out_dir / SEED_ROWS_FILE, buf.getvalue())
    doc = {"version": DESIGN_VERSION, "fingerprint": design.fingerprint(), **design.spec(),
           "meta": design.meta, "plan": plan}
    atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True, default=_plain))
    return plan


class DamagedDesign(UserError):
    """The design files of a sweep directory cannot be read (truncated, emptied or edited)."""

    def __init__(self, out_dir: Path, why: str):
        self.reason = f"the design in {out_dir} is damaged ({why})"
        super().__init__(f"{self.reason}; the sweep cannot be resumed from it: start it again "
                         "with its original command (finished chunks of the same design are "
                         "kept) or in a new directory")


def load_design(out_dir: str | Path) -> SweepDesign:
    """The design saved in a sweep directory (UserError when absent, DamagedDesign when it
    cannot be read)."""
    out_dir = Path(out_dir)
    path = out_dir / DESIGN_FILE
    if not path.is_file():
        raise UserError(f"{out_dir} has no {DESIGN_FILE}: not a sweep directory (start a sweep "
                        "with `cadresim sensitivity ... --out DIR` first)")
    try:
        doc = json.loads(path.read_text())
        samples = np.load(out_dir / SAMPLES_FILE, allow_pickle=False)
        seed_rows = (np.load(out_dir / SEED_ROWS_FILE, allow_pickle=False)
                     if "seed_rows_sha256" in doc else None)
        design = SweepDesign(param_names=doc["param_names"], samples=samples,
                             base_params=doc["base_params"], replicates=doc["replicates"],
                             n_steps=doc["n_steps"], n_cadres=doc["n_cadres"],
                             root_seed=doc["root_seed"], outputs=doc["outputs"],
                             meta=doc["meta"], run=doc.get("run", ""), seed_rows=seed_rows,
                             policy_schedule=doc.get("policy_schedule"))
        fingerprint_ok = design.fingerprint() == doc["fingerprint"]
        _plan_of(doc)
    except FileNotFoundError as exc:
        raise DamagedDesign(out_dir, f"{Path(exc.filename).name} is missing") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError) as exc:
        raise DamagedDesign(out_dir, f"{type(exc).__name__}: {exc}".splitlines()[0][:120]) \
            from None
    if not fingerprint_ok:
        raise DamagedDesign(out_dir, f"{SAMPLES_FILE} does not match {DESIGN_FILE}: edited?")
    return design


def _plan_of(doc: dict) -> dict:
    plan = doc["plan"]
    rows, n = plan["chunk_rows"], plan["n_chunks"]
    if not (isinstance(rows, int) and isinstance(n, int) and rows >= 1 and n >= 1):
        raise ValueError(f"bad chunk plan {plan}")
    return {"chunk_rows": rows, "n_chunks": n}


def load_plan(out_dir: Path) -> dict:
    """The chunk plan ``{"chunk_rows", "n_chunks"}`` saved with a sweep's design."""
    try:
        return _plan_of(json.loads((Path(out_dir) / DESIGN_FILE).read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DamagedDesign(Path(out_dir), f"{type(exc).__name__}: {exc}"[:120]) from None


def _plain(value):
    """JSON form of NumPy scalars and arrays (for designs and metadata)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, int | float | str | bool | type(None) | list | dict):
        return value
    return str(value)
