"""Bad input and hostile files (issue 16 items 1, 4, 7, 11, 12; issue 13's shards and signals):
one line naming the problem and the fix, exit code 2, nothing written, nothing outside the output
folder; the headline never mixes parts made with different settings; durable writes."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from conftest import cadresim

from experiments.store import load_manifest

TINY = ["--years", "1", "--n-cadres", "200", "--workers", "1", "-q"]




def refused(args, needle: str, folder: Path | None = None) -> None:
    """The command exits 2 with one line holding ``needle``; ``folder`` stays as it was."""
    before = sorted(p.name for p in folder.iterdir()) if folder is not None else None
    code, _, err = cadresim(*args)
    assert code == 2, (args, err)
    lines = [x for x in err.strip().splitlines() if not x.startswith("note:")]  # notes aside
    assert "Traceback" not in err and len(lines) == 1, err
    assert needle in err, err
    if folder is not None:
        assert sorted(p.name for p in folder.iterdir()) == before, "something was written"


# ------------------------------------------------------------------------------ item 1
def test_headline_recomputes_a_part_made_with_other_settings(tmp_path, monkeypatch, capsys):
    """Killed after the comparison, rerun with other settings: the old comparison was reused
    and the manifest claimed the new settings. (The whole headline, with its manifest's part
    fingerprints, runs end to end in test_headline.py.)"""
    from experiments import sensitivity
    from experiments.briefings.headline import PARTS_FILE, HeadlineSettings, run_headline
    from experiments.replicates import experiment

    out = tmp_path / "headline"
    small = dict(years=6, n_cadres=100, samples=4, seed=3)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process died while the sensitivity part ran

    monkeypatch.setattr(sensitivity, "run_sensitivity", killed)
    # The parts' figures (four fifths of this test's time) are not what it checks; the whole
    # headline, figures included, runs in test_headline.py.
    monkeypatch.setattr(experiment, "write_experiment_figures", lambda *args, **kwargs: [])
    staging = tmp_path / ".headline.headline-partial"
    fingerprints = []
    for replicates in (2, 3):
        with pytest.raises(KeyboardInterrupt):
            run_headline(out, HeadlineSettings(replicates=replicates, **small), workers=1,
                         progress=False)
        made = load_manifest(staging / "policy_comparison")["settings"]["replicates"]
        assert made == replicates, "a comparison made with other settings was reused"
        fingerprints.append(json.loads((staging / PARTS_FILE).read_text()))
    assert "policy_comparison in" in capsys.readouterr().err  # it said it recomputes it
    assert fingerprints[0]["policy_comparison"] != fingerprints[1]["policy_comparison"]
    assert fingerprints[0]["sensitivity"] == fingerprints[1]["sensitivity"]  # -r is not in it
    assert not out.exists()


def test_headline_into_a_file_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    refused(["headline", "-o", blocker, "-q"], "is a file", tmp_path)


# ------------------------------------------------------------------------------ item 4
def test_out_through_a_symlink_writes_where_it_points(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    code, _, err = cadresim("run", *TINY, "--out", tmp_path / "link")
    assert code == 0, err
    assert (real / "manifest.json").is_file() and (tmp_path / "link").is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("out", [".", "sub/..", "./"])
def test_out_as_the_current_folder_is_refused_up_front(out, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    refused(["run", *TINY, "--out", out], "is the current folder", tmp_path)


def test_out_through_dotdot_to_a_new_folder_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    code, _, err = cadresim("run", *TINY, "--out", "sub/../new")
    assert code == 0, err
    assert (tmp_path / "new" / "manifest.json").is_file()


# ------------------------------------------------------------------------------ items 7, 12
def test_reproduce_refuses_a_manifest_whose_names_are_paths(tmp_path):
    out = tmp_path / "run"
    assert cadresim("run", *TINY, "--out", out)[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["scenarios"][0]["name"] = "../../TRAVERSED"
    (out / "manifest.json").write_text(json.dumps(manifest))
    refused(["reproduce", out, "--out", tmp_path / "again", "-q"], "not a valid scenario name",
            tmp_path)
    # The old code wrote its runs two levels above its staging folder: into tmp_path.
    assert not list(tmp_path.rglob("TRAVERSED*")) and not list(tmp_path.parent.glob("TRAV*"))


def test_reproduce_on_a_sensitivity_folder_says_what_to_do(tmp_path):
    folder = tmp_path / "sens"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(
        {"schema": 1, "kind": "sensitivity", "command_line": "cadresim sensitivity -N 8"}))
    refused(["reproduce", folder], "rerun it with its own command: cadresim sensitivity -N 8")


# ------------------------------------------------------------------------------ item 11
def _schedule_file(tmp_path: Path, year: str) -> Path:
    path = tmp_path / "nan.toml"
    path.write_text(f"[[schedule]]\nyear = {year}\nset = {{ fault_tolerance = 0.8 }}\n")
    return path


@pytest.mark.parametrize("args, needle", [
    (["run", "-y", "inf"], "--years must be a number > 0 and at most 1000"),
    (["run", "-y", "1e300"], "at most 1000"),
    (["run", "-y", "nan"], "--years"),
    (["sensitivity", "-N", "17179869184", "--years", "1"], "use a smaller --samples"),
    (["sensitivity", "--years", "5000"], "at most 1000"),
])
def test_numbers_out_of_reach_are_one_line(args, needle, tmp_path):
    refused([*args, "--out", tmp_path / "o"], needle, tmp_path)


@pytest.mark.parametrize("year", ["nan", "inf"])
def test_a_non_finite_schedule_year_is_refused(year, tmp_path):
    path = _schedule_file(tmp_path, year)
    refused(["run", path, *TINY, "--out", tmp_path / "o"], "must be a finite number", tmp_path)


def test_manifests_are_strict_json(tmp_path):
    from experiments.store import write_json_atomic

    write_json_atomic(tmp_path / "m.json", {"a": float("nan"), "b": [np.float64("inf"), 1.5]})
    text = (tmp_path / "m.json").read_text()
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c}")) == \
        {"a": None, "b": [None, 1.5]}


def test_dry_run_checks_like_the_real_run_and_times_small_runs(tmp_path, monkeypatch, capsys):
    from experiments.sensitivity import cost

    seen = []
    real = cost.run_chunk
    monkeypatch.setattr(cost, "run_chunk", lambda task: seen.append(task) or real(task))
    code, out, err = cadresim("sensitivity", "--n-cadres", "1000000", "--years", "20", "-N", "4",
                              "--dry-run", "--out", tmp_path / "o")
    assert code == 0, err
    assert seen and max(t["n_cadres"] for t in seen) <= cost.TIMING_CADRES
    assert max(t["n_steps"] for t in seen) <= cost.TIMING_STEPS
    assert "dry run: nothing was written" in out and list(tmp_path.iterdir()) == []
    refused(["sensitivity", "--n-cadres", "20000000", "--dry-run", "--out", tmp_path / "o"],
            "need 50 to 10,000,000 cadres", tmp_path)
    refused(["sensitivity", "--scheduler", "tcp://x:1", "--dry-run", "--out", tmp_path / "o"],
            "need --engine dask", tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    refused(["sensitivity", "--dry-run", "--out", blocker], "is a file")


def test_too_many_cadres_for_memory_are_refused_up_front(tmp_path, monkeypatch):
    from experiments import pool

    monkeypatch.setattr(pool, "available_memory", lambda: 3 * 1024 ** 3)
    refused(["run", "--n-cadres", "10000000", "-y", "1", "-q", "--out", tmp_path / "o"],
            "need about", tmp_path)
    refused(["compare", "baseline", "training_push", "--n-cadres", "1500000", "-y", "1", "-q",
             "--workers", "2", "--out", tmp_path / "o"], "use --workers 1", tmp_path)
    refused(["sensitivity", "--n-cadres", "10000000", "-N", "4", "--years", "1", "--engine",
             "serial", "--out", tmp_path / "o"], "need about", tmp_path)


def test_an_unreachable_scheduler_leaves_nothing(tmp_path, monkeypatch):
    from experiments.sweeps import cluster

    monkeypatch.setattr(cluster, "SCHEDULER_TIMEOUT", "2s")  # the default 30 s, shortened
    refused(["sensitivity", "-N", "4", "--years", "1", "--engine", "dask", "--scheduler",
             "tcp://127.0.0.1:9", "--out", tmp_path / "o", "--quiet"],
            "cannot reach the Dask scheduler", tmp_path)


@pytest.mark.parametrize("stem, name", [("my policy", "my_policy"), ("政策 改革", "政策_改革")])
def test_scenario_files_named_in_any_script_or_with_spaces_run(stem, name, tmp_path):
    path = tmp_path / f"{stem}.toml"
    path.write_text("[params]\nfault_tolerance = 0.7\n", encoding="utf-8")
    code, _, err = cadresim("run", path, *TINY, "--out", tmp_path / "o")
    assert code == 0, err
    assert load_manifest(tmp_path / "o")["scenarios"][0]["name"] == name


# ------------------------------------------------------------------------------ shards
@pytest.mark.parametrize("shard, needle", [
    ("4/4", "shards are numbered from 0, so the last of 4 is 3/4 (a Slurm array for it: "
            "--array=0-3)"),
    ("0/64", "this sweep has only"),
])
def test_shards_that_would_run_another_slice_are_refused(shard, needle, tmp_path):
    from experiments.sweeps import SweepDesign, prepare_sweep

    design = SweepDesign(param_names=["workload", "fault_tolerance"],
                         samples=np.full((8, 2), 0.5), base_params={}, replicates=1,
                         n_steps=4, n_cadres=100)
    prepare_sweep(design, tmp_path / "s", chunk_size=1)
    refused(["resume", tmp_path / "s", "--shard", shard, "--engine", "serial"], needle)


def test_shard_help_says_shards_count_from_0():
    code, out, _ = cadresim("resume", "--help")
    assert code == 0 and "counting from 0" in " ".join(out.split())


# ------------------------------------------------------------------------------ signals
def test_importing_dask_jobqueue_keeps_the_ctrl_c_handler():
    """dask-jobqueue 0.9.0 replaces SIGINT's handler on import (dask-jobqueue#696)."""
    import sys

    from experiments.sweeps.cluster import import_jobqueue

    sys.modules.pop("dask_jobqueue.runner", None)
    sys.modules.pop("dask_jobqueue", None)
    before = signal.getsignal(signal.SIGINT)
    try:
        import_jobqueue()
        assert signal.getsignal(signal.SIGINT) is before
    finally:
        signal.signal(signal.SIGINT, before)


def test_writes_are_flushed_to_the_disk(tmp_path, monkeypatch):
    """A crash or power cut after a write must not leave an empty file: the file and then its
    folder are flushed (fsync) before and after the rename."""
    import pandas as pd

    from experiments.store import atomic_write_text, write_parquet_atomic

    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.readlink(
        f"/proc/self/fd/{fd}")) or real(fd))
    atomic_write_text(tmp_path / "a.txt", "x")
    write_parquet_atomic(pd.DataFrame({"x": [1]}), tmp_path / "b.parquet")
    temp = [p for p in synced if p.endswith(".tmp")]
    assert len(temp) == 2 and synced.count(str(tmp_path)) == 2
    synced.clear()
    monkeypatch.setenv("CADRESIM_FSYNC", "0")  # scratch disks and the benchmark's comparison
    atomic_write_text(tmp_path / "c.txt", "x")
    assert synced == []
