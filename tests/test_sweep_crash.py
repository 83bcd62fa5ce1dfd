"""Crash safety: a sweep process killed part-way, and a Dask worker killed mid-sweep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CADRESIM, cli_env

from experiments.cli import main
from experiments.sweeps import SweepDesign, prepare_sweep, run_sweep, sweep_status

N_CHUNKS = 32


def design() -> SweepDesign:
    """One-row chunks of two ~20 ms runs: enough of them to be killed in the middle."""
    rng = np.random.default_rng(3)
    return SweepDesign(param_names=["sanction_severity", "training_coverage"],
                       samples=rng.uniform(0, 1, (N_CHUNKS, 2)), base_params={}, replicates=2,
                       n_steps=40, n_cadres=200, root_seed=9,
                       outputs=["innovation_rate", "barrier_afraid"])


def listing(out: Path) -> dict[str, bytes]:
    """Every file of the chunk folder, hidden temp files included, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted((out / "chunks").iterdir())}


def n_chunk_files(out: Path) -> int:
    return len(list((out / "chunks").glob("chunk-*.parquet")))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    df = run_sweep(design(), out, engine="serial", chunk_size=1, progress=False)
    return out, df


def test_killed_sweep_resumes_to_identical_files(reference, tmp_path):
    ref_dir, ref = reference
    out = tmp_path / "sweep"
    prepare_sweep(design(), out, chunk_size=1)
    # The real command, with a process pool, in its own process group so that SIGKILL takes the
    # workers down too: no polite stop, no chance to clean up.
    cmd = [*CADRESIM, "resume", str(out), "--engine", "local", "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=cli_env())
    try:
        deadline = time.monotonic() + 60
        while n_chunk_files(out) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep wrote no chunk in 60 s"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    done_at_kill = n_chunk_files(out)
    assert 3 <= done_at_kill < N_CHUNKS, "the kill must land part-way"
    assert proc.returncode == -signal.SIGKILL
    st = sweep_status(out)
    assert st["chunks"]["done"] == done_at_kill and not st["complete"]

    main(["resume", str(out), "--engine", "serial", "--quiet"])

    df = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(df, ref)
    assert not df.duplicated(["row", "replicate"]).any() and len(df) == 2 * N_CHUNKS
    assert listing(out) == listing(ref_dir)  # same files, same bytes, no leftover temp file
    assert (out / "results.parquet").read_bytes() == (ref_dir / "results.parquet").read_bytes()
    assert sweep_status(out)["complete"]


def test_dask_worker_killed_mid_sweep_is_rerun(reference, tmp_path, capsys):
    from distributed import Client, LocalCluster

    _, ref = reference
    out = tmp_path / "sweep"
    killed = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:

        def kill_one_worker():
            deadline = time.monotonic() + 60
            while n_chunk_files(out) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            pids = client.run(os.getpid)
            victim = sorted(pids.values())[0]
            killed["pid"], killed["done"] = victim, n_chunk_files(out)
            os.kill(victim, signal.SIGKILL)

        killer = threading.Thread(target=kill_one_worker, daemon=True)
        killer.start()
        df = run_sweep(design(), out, engine="dask", scheduler=cluster.scheduler_address,
                       chunk_size=1, progress=False)
        killer.join(timeout=30)
        assert "pid" in killed and killed["done"] < N_CHUNKS, "the kill must land part-way"
        assert killed["pid"] not in client.run(os.getpid).values()  # that worker really died
    pd.testing.assert_frame_equal(df, ref)
    assert n_chunk_files(out) == N_CHUNKS and sweep_status(out)["complete"]
    # The lost worker is on the console and in the ledger; every chunk names its worker.
    assert "was lost" in capsys.readouterr().err
    ledger = json.loads((out / "ledger.json").read_text())
    events = ledger["sessions"][-1].get("events", [])
    assert [e for e in events if e["event"] == "worker_lost"], events
    assert all(e["dask_worker"].startswith("tcp://") for e in ledger["chunks"].values())


def test_local_worker_process_killed_mid_sweep_is_rerun(reference, tmp_path):
    import psutil

    _, ref = reference
    out = tmp_path / "sweep"
    killed = {}

    def kill_one_pool_worker():
        deadline = time.monotonic() + 60
        while n_chunk_files(out) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = [p for p in psutil.Process().children()
                   if "spawn_main" in " ".join(p.cmdline())]
        killed["done"], killed["n"] = n_chunk_files(out), len(workers)
        os.kill(workers[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one_pool_worker, daemon=True)
    killer.start()
    df = run_sweep(design(), out, engine="local", workers=2, chunk_size=1, progress=False)
    killer.join(timeout=30)
    assert killed["n"] == 2 and killed["done"] < N_CHUNKS, "the kill must land part-way"
    pd.testing.assert_frame_equal(df, ref)
    assert n_chunk_files(out) == N_CHUNKS and sweep_status(out)["complete"]
