"""Sweeps: many seeded model runs over a table of parameter rows, crash-safe, on any engine.

A :class:`SweepDesign` says what to run: rows of parameter values, replicates per row, run length.
:func:`run_sweep` splits the rows into chunks (work units of a few seconds), runs the chunks on an
engine (``serial``, ``local`` processes, ``dask``; see ``engines.py``) and writes every finished
chunk to its own file at once (see ``ledger.py`` for the directory layout). Each run's seed comes
from the root seed and its (row, replicate) only, so results do not depend on engine, worker count,
chunking, order, sharding or interruptions. Running the same sweep into the same directory again
(or ``resume_sweep``) runs only the chunks that are missing or had a failed run.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.model import MAX_CADRES, MIN_CADRES
from model.outputs import OUTPUTS
from model.parameters import PARAMETERS_BY_NAME, validate_value

from . import ledger as lg
from .engines import check_engine_options, execute
from .errors import UserError

__all__ = [
    "SweepDesign", "SweepIncomplete", "prepare_sweep", "run_sweep", "resume_sweep", "load_results",
    "load_design", "load_failures", "sweep_status", "merge_shards", "run_seed", "parse_shard",
    "plan_chunk_rows",
]

#: Rough cost of one cadre-quarter of the model, used only to size chunks (measured ~0.9 µs).
COST_PER_CADRE_STEP = 1e-6
#: Target duration of one chunk: long against the engine's per-task overhead (ms), short enough
#: that a crash loses little and the progress bar moves.
CHUNK_SECONDS = 4.0
#: Split small sweeps into at least this many chunks so that every worker gets some.
MIN_CHUNKS = 32
#: Columns of a result frame before the outputs.
ID_COLUMNS = ["row", "replicate", "seed", "status", "error"]
DESIGN_VERSION = 1


class SweepIncomplete(UserError):
    """Some chunks could not be run (their task failed); finished chunks are kept."""


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
        return _row_params(self.base_params, self.param_names, np.asarray(self.samples)[row])

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
        unknown = [o for o in self.output_names() if o not in OUTPUTS]
        if unknown or not self.output_names():
            raise UserError(f"unknown output(s) {unknown or '(none given)'}; valid outputs: "
                            f"{', '.join(OUTPUTS)}")

    def spec(self) -> dict:
        """Everything that decides the results, as plain JSON data (samples by hash)."""
        samples = np.ascontiguousarray(self.samples, dtype=np.float64)
        return {
            "param_names": list(self.param_names),
            "base_params": {k: _plain(v) for k, v in sorted(self.base_params.items())},
            "replicates": int(self.replicates), "n_steps": int(self.n_steps),
            "n_cadres": int(self.n_cadres), "root_seed": int(self.root_seed),
            "outputs": self.output_names(), "n_rows": int(samples.shape[0]),
            "samples_sha256": hashlib.sha256(samples.tobytes()).hexdigest(),
        }

    def fingerprint(self) -> str:
        """A hash of :meth:`spec`: two designs with the same fingerprint give the same results."""
        blob = json.dumps(self.spec(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def run_seed(root_seed: int, row: int, replicate: int) -> int:
    """The seed of run (row, replicate): independent of order, chunking and engine."""
    ss = np.random.SeedSequence(int(root_seed), spawn_key=(int(row), int(replicate)))
    return int(ss.generate_state(1)[0])


def parse_shard(text: str | tuple | None) -> tuple[int, int] | None:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``; UserError naming the fix otherwise."""
    if text is None:
        return None
    if isinstance(text, tuple):
        parts = list(text)
    else:
        parts = str(text).strip().split("/")
    try:
        if len(parts) != 2:
            raise ValueError
        i, n = int(parts[0]), int(parts[1])
    except (TypeError, ValueError):
        raise UserError(f"--shard must look like I/N (for example 0/8), got '{text}'") from None
    if n < 1 or not 0 <= i < n:
        raise UserError(f"--shard {i}/{n}: need 0 <= I < N (shards are numbered 0 to N-1)")
    return i, n


def plan_chunk_rows(design: SweepDesign) -> int:
    """Rows per chunk so that a chunk runs for about CHUNK_SECONDS; a pure function of the design
    (no timing), so every shard of a job array computes the same chunks."""
    per_row = COST_PER_CADRE_STEP * design.n_cadres * design.n_steps * design.replicates
    by_time = max(1, int(CHUNK_SECONDS / max(per_row, 1e-9)))
    by_count = max(1, -(-design.n_rows // MIN_CHUNKS))
    return min(by_time, by_count)


def run_chunk(task: dict) -> dict:
    """Run every (row, replicate) of one chunk; the pure work function every engine calls.

    Returns ``{"df": results, "seconds": wall time, "host": name}``. A run that raises is
    recorded as failed with its error and parameters; the other runs go on. Only summaries are
    kept, so a worker holds no agent-level data between runs.
    """
    from .runner import run_model

    started = time.perf_counter()
    outputs = task["outputs"]
    records = []
    for offset, values in enumerate(task["samples"]):
        row = task["row0"] + offset
        params = _row_params(task["base_params"], task["param_names"], values)
        for rep in range(task["replicates"]):
            seed = run_seed(task["root_seed"], row, rep)
            rec = {"row": row, "replicate": rep, "seed": seed, "status": "ok", "error": "",
                   "params": ""}
            try:
                summary = run_model(params, seed, task["n_steps"],
                                    n_cadres=task["n_cadres"], outputs=outputs)["summary"]
                rec.update({k: float(summary[k]) for k in outputs})
            except Exception as exc:  # recorded, so one bad run does not kill the sweep
                rec.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                           params=json.dumps(params, sort_keys=True))
                rec.update({k: np.nan for k in outputs})
            records.append(rec)
    return {"df": _frame(records, outputs), "seconds": time.perf_counter() - started,
            "host": socket.gethostname()}


def _row_params(base: dict, names: list[str], values) -> dict:
    # Plain floats: the model's check turns whole-valued floats of integer parameters into ints.
    return {**base, **{n: float(v) for n, v in zip(names, values, strict=True)}}


def _frame(records: list[dict], outputs: list[str]) -> pd.DataFrame:
    # Records come in (row, replicate) order; build typed columns directly (cheaper than
    # from_records + astype, which matters for small chunks).
    cols = {k: np.array([r[k] for r in records], dtype=np.int64)
            for k in ("row", "replicate", "seed")}
    cols.update({k: np.array([r[k] for r in records], dtype=object)
                 for k in ("status", "error")})
    cols.update({k: np.array([r[k] for r in records], dtype=np.float64) for k in outputs})
    cols["params"] = np.array([r["params"] for r in records], dtype=object)
    return pd.DataFrame(cols)


# ---------------------------------------------------------------------------------------------
# The sweep directory


def _save_or_check_design(design: SweepDesign, out_dir: Path, chunk_size: int | None) -> dict:
    """Save the design in a fresh directory, or check it equals the saved one; return the plan."""
    path = out_dir / lg.DESIGN_FILE
    if path.exists():
        saved = load_design(out_dir)
        old, new = saved.spec(), design.spec()
        if old != new:
            diff = [k for k in new if old.get(k) != new.get(k)]
            raise UserError(f"{out_dir} holds a different sweep (differs in: {', '.join(diff)}); "
                            "use a new --out directory, or `cadresim resume DIR` to finish the "
                            "saved one")
        plan = json.loads(path.read_text())["plan"]
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
    lg.atomic_write_bytes(out_dir / lg.SAMPLES_FILE, buf.getvalue())
    doc = {"version": DESIGN_VERSION, "fingerprint": design.fingerprint(), **design.spec(),
           "meta": design.meta, "plan": plan}
    lg.atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True, default=_plain))
    return plan


def load_design(out_dir: str | Path) -> SweepDesign:
    """The design saved in a sweep directory."""
    out_dir = Path(out_dir)
    path = out_dir / lg.DESIGN_FILE
    if not path.is_file():
        raise UserError(f"{out_dir} has no {lg.DESIGN_FILE}: not a sweep directory (start a sweep "
                        "with `cadresim sensitivity ... --out DIR` first)")
    try:
        doc = json.loads(path.read_text())
        samples = np.load(out_dir / lg.SAMPLES_FILE, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the design in {out_dir}: {exc}") from exc
    design = SweepDesign(param_names=doc["param_names"], samples=samples,
                         base_params=doc["base_params"], replicates=doc["replicates"],
                         n_steps=doc["n_steps"], n_cadres=doc["n_cadres"],
                         root_seed=doc["root_seed"], outputs=doc["outputs"], meta=doc["meta"])
    if design.fingerprint() != doc["fingerprint"]:
        raise UserError(f"{out_dir}/{lg.SAMPLES_FILE} does not match {lg.DESIGN_FILE} "
                        "(edited or damaged); start the sweep again in a new directory")
    return design


def _plan(out_dir: Path) -> dict:
    return json.loads((out_dir / lg.DESIGN_FILE).read_text())["plan"]


def _chunks_of(plan: dict, shard: tuple[int, int] | None) -> list[int]:
    """Chunk ids of one shard: round robin, so every shard gets early and late rows alike."""
    ids = range(plan["n_chunks"])
    return list(ids) if shard is None else [c for c in ids if c % shard[1] == shard[0]]


def _clean_chunks(out_dir: Path, ids: list[int]) -> set[int]:
    """Chunks among ``ids`` whose file exists and holds no failed run."""
    have = lg.done_chunks(out_dir)
    clean = set()
    for c in ids:
        if c in have and (lg.read_chunk(out_dir, c, ["status"])["status"] == "ok").all():
            clean.add(c)
    return clean


def _task(design: SweepDesign, plan: dict, chunk: int, key: str) -> dict:
    rows = plan["chunk_rows"]
    start, stop = chunk * rows, min((chunk + 1) * rows, design.n_rows)
    return {"chunk": chunk, "key": f"{key[:12]}-{chunk}", "row0": start,
            "samples": np.asarray(design.samples, dtype=np.float64)[start:stop],
            "param_names": list(design.param_names), "base_params": dict(design.base_params),
            "replicates": int(design.replicates), "root_seed": int(design.root_seed),
            "n_steps": int(design.n_steps), "n_cadres": int(design.n_cadres),
            "outputs": design.output_names()}


def prepare_sweep(design: SweepDesign, out_dir: str | Path,
                  chunk_size: int | None = None) -> dict:
    """Create the sweep directory (design and chunk plan) without running anything, or check
    that it holds this design; return the plan ``{"chunk_rows", "n_chunks"}``. Useful before
    launching job-array tasks that each run ``cadresim resume DIR --shard I/N``."""
    design.validate()
    out_dir = Path(out_dir)
    try:
        (out_dir / lg.CHUNK_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot use '{out_dir}' as a sweep directory: {exc.strerror}; "
                        "choose another directory") from None
    return _save_or_check_design(design, out_dir, chunk_size)


def run_sweep(design: SweepDesign, out_dir: str | Path, engine: str = "local",
              workers: int | None = None, scheduler: str | None = None,
              cluster: str | None = None, cluster_config: str | None = None,
              shard: tuple[int, int] | None = None, chunk_size: int | None = None,
              progress: bool = True) -> pd.DataFrame:
    """Run (or resume) a sweep into ``out_dir`` and return its results.

    Args:
        design: what to run.
        out_dir: the sweep directory; a directory holding the same design is resumed, one holding
            another design is refused.
        engine: ``"local"`` (process pool), ``"serial"`` (in this process) or ``"dask"``.
        workers: worker processes (default: the CPUs available); with ``--cluster``, workers to
            start.
        scheduler: address of a running Dask scheduler to join (engine ``dask``).
        cluster: ``"slurm"`` or ``"pbs"``: start Dask workers through dask-jobqueue.
        cluster_config: YAML/TOML file with the jobqueue resources (see docs/CLUSTER.md).
        shard: ``(I, N)``: run only chunks ``c`` with ``c % N == I`` (then ``merge_shards``).
        chunk_size: sample rows per chunk (default: about CHUNK_SECONDS of work); fixed when
            the directory is created.
        progress: show a progress bar (runs done, runs/s, ETA) on stderr.

    Returns:
        One row per (row, replicate), sorted: ``row, replicate, seed, status, error`` and one
        float column per output. With ``shard``, only that shard's runs.

    Raises:
        SweepIncomplete: some chunk tasks failed as a whole (finished chunks are kept).
    """
    design.validate()
    shard = parse_shard(shard)
    check_engine_options(engine, workers, scheduler, cluster, cluster_config)
    out_dir = Path(out_dir)
    plan = prepare_sweep(design, out_dir, chunk_size)
    fingerprint = design.fingerprint()
    mine = _chunks_of(plan, shard)
    lg.remove_stale_temp_files(out_dir, set(mine), shard)
    clean = _clean_chunks(out_dir, mine)
    todo = [c for c in mine if c not in clean]
    ledger = lg.Ledger(out_dir, shard, fingerprint)
    ledger.start_session({"engine": engine, "workers": workers, "scheduler": scheduler,
                          "cluster": cluster, "chunks_to_run": len(todo),
                          "provenance": _provenance()})
    total = sum(_task_runs(design, plan, c) for c in mine)
    todo_runs = sum(_task_runs(design, plan, c) for c in todo)
    tasks = [_task(design, plan, c, fingerprint) for c in todo]
    failed: dict[int, str] = {}
    bar = _progress_bar(total, total - todo_runs, progress)
    results = execute(tasks, run_chunk, engine, workers, scheduler, cluster, cluster_config,
                      log=lambda msg: bar.write(msg, file=sys.stderr))
    state = "interrupted"
    try:
        for chunk, result in results:
            if isinstance(result, BaseException):
                failed[chunk] = f"{type(result).__name__}: {result}"
                ledger.record(chunk, "failed", error=failed[chunk])
            else:
                df = result["df"]
                lg.write_parquet_atomic(df, lg.chunk_path(out_dir, chunk))
                ledger.record(chunk, "done", runs=len(df),
                              failed_runs=int((df["status"] != "ok").sum()),
                              seconds=round(result["seconds"], 3), worker_host=result["host"])
            bar.update(_task_runs(design, plan, chunk))
        state = "incomplete" if failed else "complete"
    finally:
        results.close()  # on Ctrl-C or an error: stop the workers and close the cluster now
        bar.close()
        ledger.end_session(state)
    if failed:
        first = next(iter(failed.items()))
        raise SweepIncomplete(f"{len(failed)} chunk(s) failed (chunk {first[0]}: {first[1]}); "
                              f"finished chunks are kept, rerun `cadresim resume {out_dir}`")
    if shard is None:
        return _merge(out_dir, plan)
    return _concat(out_dir, mine, design.output_names())


def _task_runs(design: SweepDesign, plan: dict, chunk: int) -> int:
    rows = plan["chunk_rows"]
    return (min((chunk + 1) * rows, design.n_rows) - chunk * rows) * design.replicates


def resume_sweep(out_dir: str | Path, engine: str = "local", workers: int | None = None,
                 scheduler: str | None = None, cluster: str | None = None,
                 cluster_config: str | None = None, shard: tuple[int, int] | None = None,
                 chunk_size: int | None = None, progress: bool = True) -> pd.DataFrame:
    """Finish the sweep saved in ``out_dir`` (missing or failed chunks only) from its design."""
    design = load_design(out_dir)
    return run_sweep(design, out_dir, engine=engine, workers=workers, scheduler=scheduler,
                     cluster=cluster, cluster_config=cluster_config, shard=shard,
                     chunk_size=chunk_size, progress=progress)


def _concat(out_dir: Path, ids: list[int], outputs: list[str]) -> pd.DataFrame:
    frames = [lg.read_chunk(out_dir, c) for c in sorted(ids)]
    if not frames:
        return pd.DataFrame(columns=ID_COLUMNS + outputs)
    df = pd.concat(frames, ignore_index=True).drop(columns=["params"])
    return df.sort_values(["row", "replicate"], kind="stable").reset_index(drop=True)


def _merge(out_dir: Path, plan: dict) -> pd.DataFrame:
    outputs = json.loads((out_dir / lg.DESIGN_FILE).read_text())["outputs"]
    df = _concat(out_dir, list(range(plan["n_chunks"])), outputs)
    lg.write_parquet_atomic(df, out_dir / lg.RESULTS_FILE)
    return df


def load_results(out_dir: str | Path) -> pd.DataFrame:
    """Results of the finished chunks of a sweep (all of them when it is complete), sorted by
    (row, replicate)."""
    out_dir = Path(out_dir)
    design = load_design(out_dir)
    return _concat(out_dir, sorted(lg.done_chunks(out_dir)), design.output_names())


def load_failures(out_dir: str | Path) -> pd.DataFrame:
    """The failed runs of a sweep: row, replicate, seed, error and the run's parameters (JSON)."""
    out_dir = Path(out_dir)
    load_design(out_dir)
    cols = ["row", "replicate", "seed", "status", "error", "params"]
    frames = [lg.read_chunk(out_dir, c, cols) for c in sorted(lg.done_chunks(out_dir))]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return df[df["status"] != "ok"].drop(columns=["status"]).reset_index(drop=True)


def merge_shards(out_dir: str | Path) -> pd.DataFrame:
    """Merge the chunks written by all shards into ``results.parquet`` (exactly what one machine
    would have written); refuses while chunks are missing, naming the shards to rerun."""
    out_dir = Path(out_dir)
    design = load_design(out_dir)
    plan = _plan(out_dir)
    missing = sorted(set(range(plan["n_chunks"])) - lg.done_chunks(out_dir))
    if missing:
        shards = _shard_names(out_dir, missing)
        raise UserError(f"{len(missing)} of {plan['n_chunks']} chunks are missing "
                        f"(first: {missing[:5]}){shards}; rerun those shards (or `cadresim resume "
                        f"{out_dir}`) and merge again")
    df = _merge(out_dir, plan)
    assert len(df) == design.n_runs  # every chunk file holds all its runs
    return df


def _shard_names(out_dir: Path, chunks: list[int]) -> str:
    ns = {int(p.stem.split("-of-")[1]) for p in out_dir.glob("ledger-shard-*-of-*.json")}
    if len(ns) != 1:
        return ""
    n = ns.pop()
    return f" from shard(s) {', '.join(f'{i}/{n}' for i in sorted({c % n for c in chunks}))}"


def sweep_status(out_dir: str | Path) -> dict:
    """Progress of a sweep: chunks and runs done / failed / pending, and the failed runs."""
    out_dir = Path(out_dir)
    design = load_design(out_dir)
    plan = _plan(out_dir)
    have = lg.done_chunks(out_dir)
    entries = lg.read_ledgers(out_dir)
    chunks = {"done": 0, "failed": 0, "pending": 0}
    runs = {"ok": 0, "failed": 0, "pending": 0, "total": design.n_runs}
    failed_chunks = {}
    for c in range(plan["n_chunks"]):
        n = _task_runs(design, plan, c)
        if c in have:
            status = lg.read_chunk(out_dir, c, ["status"])["status"]
            bad = int((status != "ok").sum())
            runs["ok"] += len(status) - bad
            runs["failed"] += bad
            chunks["failed" if bad else "done"] += 1
        else:
            runs["pending"] += n
            entry = entries.get(c, {})
            if entry.get("state") == "failed":
                chunks["failed"] += 1
                failed_chunks[c] = entry.get("error", "")
            else:
                chunks["pending"] += 1
    seconds = [e["seconds"] for e in entries.values() if "seconds" in e]
    return {
        "dir": str(out_dir), "fingerprint": design.fingerprint(), "n_rows": design.n_rows,
        "replicates": design.replicates, "n_chunks": plan["n_chunks"],
        "chunk_rows": plan["chunk_rows"], "chunks": chunks, "runs": runs,
        "failed_chunks": failed_chunks,
        "failed_runs": load_failures(out_dir).to_dict("records") if runs["failed"] else [],
        "complete": chunks["pending"] == 0 and not failed_chunks,
        "merged": (out_dir / lg.RESULTS_FILE).exists(),
        "mean_chunk_seconds": float(np.mean(seconds)) if seconds else None,
    }


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc="sweep", disable=not enabled,
                file=sys.stderr, smoothing=0.1, dynamic_ncols=True)


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


def _provenance() -> dict:
    from .store import provenance

    return provenance()
