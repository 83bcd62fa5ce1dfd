"""Fault injection (issue 16): the results store under kills, damage, races and a full disk.

Each test does to the real command what the fault does -- kill -9 of the parent or of a worker,
SIGTERM, a truncated or copied file, two identical commands at once, a full disk on a small
tmpfs -- and checks what a user relies on afterwards: one line and exit code 2 (or 130/143 for a
stop), no stray process, no stray file, and after the same command again the numbers of an
undisturbed run, byte for byte.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CADRESIM, cadresim, cli_env

from experiments.replicates import run_experiment
from experiments.sweeps import SweepDesign, run_sweep, sweep_status
from experiments.sweeps.ledger import chunk_path, read_ledger

psutil = pytest.importorskip("psutil")

# A paired comparison long enough (about 0.1 s a run) for a kill to land mid-way.
COMPARE = ["compare", "baseline", "training_push", "-r", "8", "--years", "5", "--n-cadres",
           "1500", "--seed", "4", "-q"]
N_CHUNKS = 24


def sweep_design() -> SweepDesign:
    rng = np.random.default_rng(11)
    return SweepDesign(param_names=["sanction_severity", "training_coverage"],
                       samples=rng.uniform(0, 1, (N_CHUNKS, 2)), base_params={}, replicates=2,
                       n_steps=40, n_cadres=1000, root_seed=5,
                       outputs=["innovation_rate", "barrier_afraid"])


@pytest.fixture(scope="module")
def sweep_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("undisturbed")
    run_sweep(sweep_design(), out, engine="serial", chunk_size=1, progress=False)
    return out


@pytest.fixture(scope="module")
def compare_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "undisturbed"
    code, _, err = cadresim(*COMPARE, "--workers", "1", "--out", out)
    assert code == 0, err
    return pd.read_csv(out / "summary.csv").drop(columns="wall_time_s")




def start(*args, **kw) -> subprocess.Popen:
    """The command line in its own process group (so a test can signal it like a terminal)."""
    return subprocess.Popen([*CADRESIM, *map(str, args)], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=cli_env(**kw))


def wait_for(condition, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the command ended early: {proc.stderr.read()}")
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def alive(pids) -> list[int]:
    """Those of ``pids`` still running (a zombie counts as gone)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def pool_workers(pid: int) -> list[psutil.Process]:
    try:
        return [p for p in psutil.Process(pid).children(recursive=True)
                if "spawn_main" in " ".join(p.cmdline())]
    except psutil.NoSuchProcess:
        return []


def one_line_error(err: str, needle: str) -> None:
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err, err


def no_temp_files(folder: Path) -> None:
    assert not [p for p in folder.rglob("*.tmp")], list(folder.rglob("*.tmp"))


# ------------------------------------------------------------------------------ kills
@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_kill_9_of_the_parent_takes_its_workers_down(command, tmp_path, sweep_reference,
                                                     compare_reference):
    """Issue 16 item 3: workers and the resource tracker outlived a killed parent."""
    if command == "compare":
        out = tmp_path / "cmp"
        args = [*COMPARE, "--workers", "2", "--out", out]
        progress = lambda: len(list((tmp_path / ".cmp.partial" / "runs").glob("*.npz")))  # noqa: E731
    else:
        out = tmp_path / "sweep"
        run_sweep(sweep_design(), out, engine="serial", chunk_size=1, progress=False,
                  shard=(0, N_CHUNKS))  # the directory exists, one chunk done
        args = ["resume", out, "--workers", "2", "--quiet"]
        progress = lambda: len(list((out / "chunks").glob("chunk-*.parquet")))  # noqa: E731
    proc = start(*args)
    try:
        wait_for(lambda: progress() >= 2 and len(pool_workers(proc.pid)) == 2, proc)
        family = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: no chance to stop anything
        proc.wait(10)
        deadline = time.monotonic() + 15
        while alive(family) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alive(family) == [], "processes outlived their parent"
    finally:
        with_group_killed(proc)
    # The same command again (on one worker: cheaper here) finishes the work, with the numbers
    # of an undisturbed run.
    code, _, err = cadresim(*[a if a != "2" else "1" for a in args])
    assert code == 0, err
    if command == "compare":
        got = pd.read_csv(out / "summary.csv").drop(columns="wall_time_s")
        pd.testing.assert_frame_equal(got, compare_reference)
    else:
        same = (out / "results.parquet").read_bytes() == \
            (sweep_reference / "results.parquet").read_bytes()
        assert same


def with_group_killed(proc: subprocess.Popen) -> None:
    """Whatever a test left running of the command's process group is killed."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_a_worker_killed_in_compare_is_survived(tmp_path, compare_reference):
    """Issue 16 item 8: a worker death in run/compare ended in a BrokenProcessPool traceback."""
    killed = {}

    def kill_one():
        wait_for(lambda: len(list((tmp_path / ".cmp.partial" / "runs").glob("*.npz"))) >= 2)
        workers = pool_workers(os.getpid())
        killed["n"] = len(workers)
        os.kill(workers[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    code, _, err = cadresim(*COMPARE, "--workers", "2", "--out", tmp_path / "cmp")
    killer.join(30)
    assert killed.get("n") == 2, "the kill must land while the pool runs"
    assert code == 0, err
    got = pd.read_csv(tmp_path / "cmp" / "summary.csv").drop(columns="wall_time_s")
    pd.testing.assert_frame_equal(got, compare_reference)


@pytest.mark.parametrize("sig, code, engine", [(signal.SIGTERM, 143, "local"),
                                               (signal.SIGINT, 130, "serial")])
def test_sigterm_and_ctrl_c_stop_cleanly_and_say_how_to_resume(sig, code, engine, tmp_path,
                                                               sweep_reference):
    out = tmp_path / "sweep"
    run_sweep(sweep_design(), out, engine="serial", chunk_size=1, progress=False,
              shard=(0, N_CHUNKS))
    workers = ["--workers", "2"] if engine == "local" else []
    proc = start("resume", out, "--engine", engine, *workers, "--quiet")
    try:
        wait_for(lambda: len(list((out / "chunks").glob("*.parquet"))) >= 3, proc)
        workers = [p.pid for p in pool_workers(proc.pid)]
        os.kill(proc.pid, sig)  # scancel / walltime / timeout send SIGTERM to the command
        _, err = proc.communicate(timeout=60)
    finally:
        with_group_killed(proc)
    assert proc.returncode == code, err
    last = err.strip().splitlines()[-1]
    assert "resume with `cadresim resume" in last and "Traceback" not in err
    assert alive(workers) == []
    assert not list(out.glob("**/.*.tmp"))
    assert cadresim("resume", out, "--engine", "serial", "--quiet")[0] == 0
    assert (out / "results.parquet").read_bytes() == \
        (sweep_reference / "results.parquet").read_bytes()


# ------------------------------------------------------------------------------ damage
def test_damaged_chunks_are_reported_and_recomputed(tmp_path, sweep_reference):
    """Issue 16 item 2: truncated/empty chunks gave tracebacks; a copied chunk was merged."""
    out = tmp_path / "sweep"
    shutil.copytree(sweep_reference, out)
    (out / "results.parquet").unlink()
    half = chunk_path(out, 3).read_bytes()
    chunk_path(out, 3).write_bytes(half[: len(half) // 2])  # what a power cut leaves
    chunk_path(out, 5).write_bytes(b"")
    shutil.copy(chunk_path(out, 1), chunk_path(out, 2))  # a file copied over another
    code, stdout, err = cadresim("status", out)
    assert code == 0 and "Traceback" not in err
    assert "damaged chunk 2: holds chunk 1's runs" in stdout
    assert "damaged chunk 3: unreadable" in stdout and "damaged chunk 5: unreadable" in stdout
    code, _, err = cadresim("merge", out)
    assert code == 2
    one_line_error(err, "3 chunk file(s) cannot be trusted")
    code, _, err = cadresim("resume", out, "--engine", "serial", "--quiet")
    assert code == 0, err
    assert "chunk 2 of" in err and "it runs again" in err
    assert (out / "results.parquet").read_bytes() == \
        (sweep_reference / "results.parquet").read_bytes()
    assert sweep_status(out)["complete"]


@pytest.mark.parametrize("damage", ["truncated", "empty", "not a ledger"])
def test_a_damaged_ledger_is_rebuilt_from_the_chunks(damage, tmp_path, sweep_reference):
    out = tmp_path / "sweep"
    shutil.copytree(sweep_reference, out)
    (out / "results.parquet").unlink()
    chunk_path(out, 7).unlink()
    text = (out / "ledger.json").read_text()
    (out / "ledger.json").write_text({"truncated": text[: len(text) // 3], "empty": "",
                                      "not a ledger": "[1, 2]"}[damage])
    code, stdout, err = cadresim("status", out)
    assert code == 0 and "Traceback" not in err, err
    assert "ledger.json is damaged" in stdout
    code, _, err = cadresim("resume", out, "--engine", "serial", "--quiet")
    assert code == 0, err
    assert "ledger.json" in err and "rebuilt" in err
    data, why = read_ledger(out / "ledger.json")
    assert why is None and len(data["chunks"]) == N_CHUNKS
    assert all(len(e["sha256"]) == 64 for e in data["chunks"].values())
    assert (out / "results.parquet").read_bytes() == \
        (sweep_reference / "results.parquet").read_bytes()


@pytest.mark.parametrize("text", ['{"param_names": ["a"', '{"param_names": ["a"]}', "[]"])
def test_a_damaged_design_is_one_line(text, tmp_path, sweep_reference):
    out = tmp_path / "sweep"
    shutil.copytree(sweep_reference, out)
    (out / "design.json").write_text(text)
    for command in ("status", "resume", "merge"):
        code, _, err = cadresim(command, out)
        assert code == 2
        one_line_error(err, "is damaged")


def test_a_truncated_run_piece_is_run_again(tmp_path, monkeypatch):
    """Issue 16 item 10: a truncated .npz crashed the rerun with BadZipFile."""
    from experiments.replicates import runs

    out = tmp_path / "res"
    settings = dict(years=1, n_cadres=200, progress=False, workers=1, seed=2)
    real, calls = runs.run_task, []

    def interrupted(task):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(task.key)
        return real(task)

    monkeypatch.setattr(runs, "run_task", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_experiment("run", ["baseline", "workload_relief"], 3, out=out, **settings)
    monkeypatch.setattr(runs, "run_task", real)
    pieces = sorted((tmp_path / ".res.partial" / "runs").glob("*.npz"))
    assert len(pieces) == 3
    pieces[0].write_bytes(pieces[0].read_bytes()[:100])
    pieces[1].write_bytes(b"")
    again = run_experiment("run", ["baseline", "workload_relief"], 3, out=out, **settings)
    assert again.manifest["resumed_runs"] == 3  # the files existed, two were run again
    fresh = run_experiment("run", ["baseline", "workload_relief"], 3, **settings)
    cols = [c for c in fresh.summary.columns if c != "wall_time_s"]
    pd.testing.assert_frame_equal(again.summary[cols], fresh.summary[cols])


def test_stale_temp_files_never_reach_the_published_folder(tmp_path):
    """Issue 16 item 6: a kill during the analysis left a 0-byte .indices.png.*.tmp that the
    rerun published and listed in manifest.json."""
    from experiments.store import load_manifest

    args = ["sensitivity", "--method", "sobol", "-N", "4", "-R", "1", "--params",
            "workload,fault_tolerance", "--years", "1", "--n-cadres", "100", "--outputs",
            "innovation_rate", "--engine", "serial", "--quiet", "--out", tmp_path / "s"]
    assert cadresim(*args, "--shard", "0/1")[0] == 0  # every chunk done, no analysis yet
    staging = tmp_path / ".s.partial"
    (staging / ".indices.png.k1ll3d.tmp").write_bytes(b"")  # what the killed analysis left
    code, _, err = cadresim(*args)
    assert code == 0, err
    no_temp_files(tmp_path)
    assert not [f for f in load_manifest(tmp_path / "s")["files"] if f.endswith(".tmp")]


# ------------------------------------------------------------------------------ races
def test_two_identical_commands_into_one_folder(tmp_path, compare_reference):
    """Issue 16 item 5: both did all the work, one crashed, a temp .svg reached the folder."""
    out = tmp_path / "cmp"
    first = start(*COMPARE, "--workers", "1", "--out", out)
    try:
        # The second starts while the first is at work, as from a second terminal.
        wait_for(lambda: any((tmp_path / ".cmp.partial" / "runs").glob("*.npz")), first)
        code, _, err = cadresim(*COMPARE, "--workers", "1", "--out", out)
        assert code == 2
        one_line_error(err, "another cadresim command is writing")
        _, err = first.communicate(timeout=300)
        assert first.returncode == 0, err
    finally:
        with_group_killed(first)
    no_temp_files(tmp_path)
    assert not (tmp_path / ".cmp.partial").exists()
    got = pd.read_csv(out / "summary.csv").drop(columns="wall_time_s")
    pd.testing.assert_frame_equal(got, compare_reference)


def test_the_same_shard_twice_at_once_is_refused(tmp_path):
    """Issue 16 item 12: the same shard twice at once lost a ledger entry."""
    from experiments.sweeps import prepare_sweep

    out = tmp_path / "sweep"
    design = sweep_design()
    design.n_steps = 120  # about 0.1 s a run: the first is still at work
    prepare_sweep(design, out, chunk_size=1)
    first = start("resume", out, "--shard", "0/2", "--engine", "serial", "--quiet")
    try:
        wait_for(lambda: any((out / "chunks").glob("*.parquet")), first)
        code, _, err = cadresim("resume", out, "--shard", "0/2", "--engine", "serial")
        assert code == 2
        one_line_error(err, "shard 0/2 of the sweep")
        code, _, err = cadresim("resume", out, "--engine", "serial")  # the whole sweep: not now
        assert code == 2
        one_line_error(err, "another cadresim process is running")
        assert first.wait(300) == 0
    finally:
        with_group_killed(first)
    data, _ = read_ledger(out / "ledger-shard-0-of-2.json")
    assert sorted(map(int, data["chunks"])) == list(range(0, N_CHUNKS, 2))
    assert len(data["sessions"]) == 1  # the refused command recorded nothing


# ------------------------------------------------------------------------------ disk full
@pytest.fixture
def small_disk(tmp_path):
    """A 20 MB tmpfs (skipped where this machine cannot mount one)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root: the disk-full test cannot run here")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): the disk-full test "
                    "cannot run")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` until ``leave`` bytes are free; returns the filler file."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def test_disk_full_is_one_line_and_the_rerun_completes(small_disk, compare_reference):
    """Issue 16 item 9: a full disk gave chained OSError 28 tracebacks and exit 1."""
    out = small_disk / "cmp"
    filler = fill(small_disk, leave=120 * 1024)  # room for a few runs, not for all
    code, _, err = cadresim(*COMPARE, "--workers", "1", "--out", out)
    assert code == 2
    one_line_error(err, "disk full while writing")
    assert "free space and run the same command again" in err
    assert not out.exists()
    no_temp_files(small_disk)
    filler.unlink()
    code, _, err = cadresim(*COMPARE, "--workers", "1", "--out", out)
    assert code == 0, err
    got = pd.read_csv(out / "summary.csv").drop(columns="wall_time_s")
    pd.testing.assert_frame_equal(got, compare_reference)


def test_disk_full_during_a_sweep(small_disk, sweep_reference):
    out = small_disk / "sweep"
    shutil.copytree(sweep_reference, out, ignore=shutil.ignore_patterns("chunk-00001*",
                                                                         "results.parquet"))
    filler = fill(small_disk, leave=16 * 1024)  # room for a few chunk files, not for ten
    code, _, err = cadresim("resume", out, "--engine", "serial", "--quiet")
    assert code == 2
    one_line_error(err, "disk full while writing")
    no_temp_files(out)
    filler.unlink()
    assert cadresim("resume", out, "--engine", "serial", "--quiet")[0] == 0
    assert (out / "results.parquet").read_bytes() == \
        (sweep_reference / "results.parquet").read_bytes()
