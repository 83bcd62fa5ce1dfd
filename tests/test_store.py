"""The results store: atomic files and folders, provenance, manifest completeness, reruns from a
manifest, and resuming an interrupted experiment."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from matplotlib.figure import Figure

from experiments import UserError, replicates
from experiments.replicates import reproduce, run_experiment, runs
from experiments.store import (
    atomic_write_text,
    load_manifest,
    provenance,
    read_png_provenance,
    save_figure,
    sha256_file,
    staged_output_dir,
    write_parquet_atomic,
)
from model.parameters import PARAMETERS_BY_NAME

TINY = {"years": 1, "n_cadres": 200, "progress": False, "workers": 1}


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_text(p, "old")
    atomic_write_text(p, "new")
    assert p.read_text() == "new"
    good = pd.DataFrame({"x": [1, 2]})
    write_parquet_atomic(good, tmp_path / "t.parquet")
    bad = pd.DataFrame({"x": [1, object()]})  # pyarrow cannot store this: fails mid-write
    with pytest.raises(Exception):  # noqa: B017 -- whichever error pyarrow raises
        write_parquet_atomic(bad, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), good)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["a.txt", "t.parquet"]


def test_provenance_and_figure_metadata(tmp_path):
    prov = provenance(["cadresim", "run", "--seed", "3"])
    assert prov["command_line"] == "cadresim run --seed 3"
    assert prov["git"]["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", prov["git"]["commit"])
    assert prov["git"]["dirty"] in (True, False, None)
    for pkg in ("cadresim", "mesa", "numpy", "pandas", "matplotlib"):
        assert prov["packages"][pkg]
    assert prov["python"].startswith("3.") and prov["time"].endswith("+00:00")
    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    png, svg = save_figure(fig, tmp_path / "fig", prov, title="a line")
    assert read_png_provenance(png) == json.loads(json.dumps(prov))
    assert "cadresim run --seed 3" in svg.read_text()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["fig.png", "fig.svg"]


def test_staged_folder_appears_only_when_complete(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError), staged_output_dir(target, {"a": 1}) as stage:
        (stage / "half.csv").write_text("x")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []  # nothing to resume from: nothing kept
    with staged_output_dir(target, {"a": 1}) as stage:
        (stage / "done.csv").write_text("x")
    assert [f.name for f in target.iterdir()] == ["done.csv"]
    with pytest.raises(UserError, match="already exists and is not empty"):
        with staged_output_dir(target, {"a": 1}):
            pass
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UserError, match="not a writable folder"):
        with staged_output_dir(blocker / "out"):
            pass


def test_manifest_is_complete(tmp_path):
    out = tmp_path / "res"
    res = run_experiment("run", ["baseline", "training_push"], 2, seed=4, out=out,
                         overrides={"workload": 0.9}, argv=["cadresim", "run", "x"], **TINY)
    m = load_manifest(out)
    assert m["kind"] == "run" and m["command_line"] == "cadresim run x"
    prov = m["provenance"]
    assert "commit" in prov["git"] and "dirty" in prov["git"]
    assert prov["packages"]["mesa"] == "3.3.1" and prov["python"]
    s = m["settings"]
    got = (s["replicates"], s["years"], s["seed"], s["n_cadres"], s["n_steps"])
    assert got == (2, 1, 4, 200, 4)
    assert s["set_overrides"] == {"workload": 0.9}
    for sc in m["scenarios"]:
        assert set(sc["full_params"]) == set(PARAMETERS_BY_NAME)
        assert sc["full_params"]["workload"] == 0.9
        assert sc["description"] and sc["path"].endswith(f"{sc['name']}.toml")
    assert m["scenarios"][1]["full_params"]["training_coverage"] == 0.6
    assert m["seeds"]["replicates"] == [replicates.replicate_seed(4, r) for r in range(2)]
    assert "SeedSequence" in m["seeds"]["rule"]
    runs = {(r["scenario"], r["replicate"]): r for r in m["runs"]}
    assert set(runs) == {(n, r) for n in ("baseline", "training_push") for r in range(2)}
    for r in runs.values():
        assert r["wall_time_s"] > 0 and r["started"] <= r["finished"]
    assert m["started"] <= m["finished"] and m["wall_time_s"] > 0
    files = set(m["files"])
    assert {"timeseries.parquet", "summary.csv", "summary_by_scenario.csv",
            "innovation_barriers.png", "innovation_barriers.svg"} <= files
    for name, info in m["files"].items():
        assert sha256_file(out / name) == info["sha256"]
    assert read_png_provenance(out / "innovation_barriers.png")["git"] == prov["git"]
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 2 * 2 * 5 and ts["seed"].nunique() == 2
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"),
                                  res.summary, check_dtype=False)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging left


def test_rerun_from_manifest_reproduces_the_numbers(tmp_path):
    out = tmp_path / "orig"
    first = run_experiment("run", ["baseline", "reform_in_year_5"], 2, years=6, seed=9,
                           n_cadres=200, workers=1, progress=False, out=out)
    manifest = load_manifest(out / "manifest.json")
    # the scenario files may change later; the manifest alone must be enough
    manifest["scenarios"][1]["path"] = str(tmp_path / "gone.toml")
    again = reproduce(manifest, out=None, progress=False)
    keys = ["scenario", "replicate", "seed"]
    cols = [c for c in first.summary.columns if c != "wall_time_s"]
    pd.testing.assert_frame_equal(first.summary[cols], again.summary[cols])
    pd.testing.assert_frame_equal(first.timeseries, again.timeseries)
    pd.testing.assert_frame_equal(first.stats, again.stats)
    stored = pd.read_csv(out / "summary.csv")
    assert replicates.compare_summaries(stored, again.summary) == 0.0
    assert list(stored[keys].itertuples(index=False)) == list(
        again.summary[keys].itertuples(index=False))


def test_interrupted_run_resumes_what_is_missing(tmp_path, monkeypatch):
    out = tmp_path / "res"
    real, calls = runs.run_task, []

    def flaky(task):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(task.key)
        return real(task)

    monkeypatch.setattr(runs, "run_task", flaky)  # what the pool calls
    with pytest.raises(KeyboardInterrupt):
        run_experiment("run", ["baseline", "workload_relief"], 3, seed=2, out=out, **TINY)
    assert not out.exists()  # nothing half-written where results are expected
    staging = tmp_path / ".res.partial"
    assert len(list((staging / "runs").iterdir())) == 3
    # a different command cannot silently mix into the unfinished run
    with pytest.raises(UserError, match="unfinished run with different settings"):
        run_experiment("run", ["baseline", "workload_relief"], 3, seed=3, out=out, **TINY)
    monkeypatch.setattr(runs, "run_task", real)
    resumed = run_experiment("run", ["baseline", "workload_relief"], 3, seed=2, out=out, **TINY)
    assert resumed.manifest["resumed_runs"] == 3 and not staging.exists()
    fresh = run_experiment("run", ["baseline", "workload_relief"], 3, seed=2, **TINY)
    cols = [c for c in fresh.summary.columns if c != "wall_time_s"]
    pd.testing.assert_frame_equal(resumed.summary[cols], fresh.summary[cols])
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
