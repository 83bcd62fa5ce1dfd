"""Sweeps: every engine, chunking and sharding gives the same results; failures and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.errors import UserError
from experiments.sweeps import (
    SweepDesign,
    load_design,
    load_failures,
    load_results,
    merge_shards,
    parse_shard,
    resume_sweep,
    run_seed,
    run_sweep,
    sweep_status,
)
from model import ParameterError

OUTPUTS = ["innovation_rate", "symbolic_rate", "mean_stress"]


def small_design(rows: int = 8, **kw) -> SweepDesign:
    rng = np.random.default_rng(11)
    samples = np.column_stack([rng.uniform(0, 1, rows), rng.uniform(0, 1, rows)])
    args = dict(param_names=["fault_tolerance", "material_reward"], samples=samples,
                base_params={"workload": 0.6}, replicates=2, n_steps=8, n_cadres=150,
                root_seed=5, outputs=OUTPUTS, meta={"method": "test"})
    args.update(kw)
    return SweepDesign(**args)


def chunk_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "chunks").iterdir())}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The serial sweep every other route must reproduce, file for file."""
    out = tmp_path_factory.mktemp("serial")
    df = run_sweep(small_design(), out, engine="serial", chunk_size=2, progress=False)
    return out, df


def test_result_frame_layout_and_seeds(reference):
    out, df = reference
    assert list(df.columns) == ["row", "replicate", "seed", "status", "error"] + OUTPUTS
    assert len(df) == 16 and (df["status"] == "ok").all() and (df["error"] == "").all()
    assert list(zip(df["row"], df["replicate"], strict=True)) == [(r, k) for r in range(8)
                                                                  for k in range(2)]
    assert df["seed"].tolist() == [run_seed(5, r, k) for r in range(8) for k in range(2)]
    assert df["seed"].nunique() == 16
    assert df[OUTPUTS].notna().all().all()
    # replicates differ (the seed matters) and the results file is the returned frame
    assert df.loc[0, "innovation_rate"] != df.loc[1, "innovation_rate"] or \
        df.loc[0, "mean_stress"] != df.loc[1, "mean_stress"]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), df)
    pd.testing.assert_frame_equal(load_results(out), df)


def test_run_seed_is_seedsequence_spawn_key():
    ss = np.random.SeedSequence(5, spawn_key=(3, 1))
    assert run_seed(5, 3, 1) == int(ss.generate_state(1)[0])
    assert run_seed(5, 3, 1) != run_seed(5, 1, 3)


def test_local_processes_match_serial(reference, tmp_path, capsys):
    out, ref = reference
    df = run_sweep(small_design(), tmp_path, engine="local", workers=2, chunk_size=2,
                   progress=True)
    pd.testing.assert_frame_equal(df, ref)
    bar = capsys.readouterr().err  # tqdm: runs done of total, runs per second, ETA
    assert "16/16" in bar and "run/s" in bar and "<" in bar
    assert chunk_bytes(tmp_path) == chunk_bytes(out)
    assert (tmp_path / "results.parquet").read_bytes() == (out / "results.parquet").read_bytes()


def test_dask_local_cluster_matches_serial(reference, tmp_path, capsys):
    out, ref = reference
    df = run_sweep(small_design(), tmp_path, engine="dask", workers=2, chunk_size=2,
                   progress=True)
    pd.testing.assert_frame_equal(df, ref)
    assert chunk_bytes(tmp_path) == chunk_bytes(out)
    err = capsys.readouterr().err
    assert "dask dashboard: http" in err and "16/16" in err and "run/s" in err


def test_shards_then_merge_match_serial(reference, tmp_path):
    out, ref = reference
    parts = [run_sweep(small_design(), tmp_path, engine="serial", chunk_size=2, progress=False,
                       shard=(i, 3)) for i in range(3)]
    assert [len(p) for p in parts] == [8, 4, 4]  # chunks 0+3, 1, 2 (2 rows x 2 replicates)
    assert not (tmp_path / "results.parquet").exists()
    df = merge_shards(tmp_path)
    pd.testing.assert_frame_equal(df, ref)
    assert chunk_bytes(tmp_path) == chunk_bytes(out)
    assert (tmp_path / "results.parquet").read_bytes() == (out / "results.parquet").read_bytes()


def test_results_do_not_depend_on_chunk_size(reference, tmp_path):
    _, ref = reference
    for size in (1, 3, None):
        df = run_sweep(small_design(), tmp_path / str(size), engine="serial", chunk_size=size,
                       progress=False)
        pd.testing.assert_frame_equal(df, ref)


def test_rerun_skips_done_chunks_and_resume_needs_only_the_dir(reference, tmp_path):
    out, ref = reference
    run_sweep(small_design(), tmp_path, engine="serial", chunk_size=2, progress=False)
    (tmp_path / "chunks" / "chunk-000001.parquet").unlink()  # a chunk lost
    df = resume_sweep(tmp_path, engine="serial", progress=False)
    pd.testing.assert_frame_equal(df, ref)
    sessions = json.loads((tmp_path / "ledger.json").read_text())["sessions"]
    assert [s["chunks_to_run"] for s in sessions] == [4, 1]
    assert sessions[-1]["state"] == "complete" and "git" in sessions[-1]["provenance"]
    assert chunk_bytes(tmp_path) == chunk_bytes(out)
    assert load_design(tmp_path).meta == {"method": "test"}


def test_a_run_that_raises_is_recorded_and_the_rest_completes(tmp_path, capsys):
    design = small_design()
    design.samples[3, 0] = 7.0  # fault_tolerance out of its range: the model refuses this row
    df = run_sweep(design, tmp_path, engine="serial", chunk_size=2, progress=False)
    bad = df[df["status"] == "failed"]
    assert bad["row"].tolist() == [3, 3]
    assert bad["error"].str.contains("fault_tolerance").all()
    assert bad[OUTPUTS].isna().all().all()
    assert (df[df["row"] != 3]["status"] == "ok").all()
    assert df[df["row"] != 3][OUTPUTS].notna().all().all()
    fails = load_failures(tmp_path)
    assert json.loads(fails.loc[0, "params"])["fault_tolerance"] == 7.0
    st = sweep_status(tmp_path)
    assert st["runs"] == {"ok": 14, "failed": 2, "pending": 0, "total": 16}
    assert st["chunks"] == {"done": 3, "failed": 1, "pending": 0, "damaged": 0}
    assert st["complete"] and len(st["failed_runs"]) == 2
    main(["status", str(tmp_path)])
    text = capsys.readouterr().out
    assert "14 ok, 2 failed, 0 pending of 16" in text and "row 3 replicate 0" in text
    # a resume retries only the chunk holding the failed runs
    resume_sweep(tmp_path, engine="serial", progress=False)
    sessions = json.loads((tmp_path / "ledger.json").read_text())["sessions"]
    assert sessions[-1]["chunks_to_run"] == 1


def test_status_of_a_partial_sweep_and_merge_refuses(tmp_path, capsys):
    run_sweep(small_design(), tmp_path, engine="serial", chunk_size=2, progress=False,
              shard=(0, 2))
    said = capsys.readouterr().err  # which chunks the shard ran, and that shards count from 0
    assert "shard 0/2 (shards are numbered 0 to 1): chunks 0, 2 of the sweep's 4" in said
    assert "shard 0/2 done: chunks 0, 2" in said
    st = sweep_status(tmp_path)
    assert st["chunks"] == {"done": 2, "failed": 0, "pending": 2, "damaged": 0}
    assert st["runs"]["pending"] == 8 and not st["complete"]
    assert len(load_results(tmp_path)) == 8
    with pytest.raises(UserError, match=r"2 of 4 chunks are missing .*shard\(s\) 1/2"):
        merge_shards(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["merge", str(tmp_path)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.startswith("error: 2 of 4 chunks are missing")


@pytest.mark.parametrize("text", ["3", "2/2", "-1/4", "a/b", "1/0", "1/2/3", ""])
def test_bad_shard_is_refused(text):
    with pytest.raises(UserError, match="shard"):
        parse_shard(text)


def test_good_shard():
    assert parse_shard("0/1") == (0, 1) and parse_shard(" 3/8 ") == (3, 8)


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    for argv, needle in [
        (["status", str(tmp_path)], "no design.json"),
        (["resume", str(tmp_path), "--engine", "serial"], "no design.json"),
        (["merge", str(tmp_path / "missing")], "no design.json"),
        (["resume", str(tmp_path), "--shard", "4/2"], "0 <= I < N"),
        (["resume", str(tmp_path), "--workers", "0"], "--workers"),
    ]:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2, argv
        assert needle in err and "Traceback" not in err, (argv, err)


def test_a_different_design_in_the_same_dir_is_refused(tmp_path):
    run_sweep(small_design(), tmp_path, engine="serial", chunk_size=2, progress=False)
    before = chunk_bytes(tmp_path)
    with pytest.raises(UserError, match="different sweep .*replicates"):
        run_sweep(small_design(replicates=3), tmp_path, engine="serial", progress=False)
    with pytest.raises(UserError, match="chunk-size 2"):
        run_sweep(small_design(), tmp_path, engine="serial", chunk_size=3, progress=False)
    # free metadata is not part of the identity of a sweep
    run_sweep(small_design(meta={"other": 1}), tmp_path, engine="serial", progress=False)
    assert chunk_bytes(tmp_path) == before


@pytest.mark.parametrize("change, needle", [
    (dict(param_names=["fault_tolerance", "no_such_lever"]), "unknown parameter"),
    (dict(param_names=["fault_tolerance", "fault_tolerance"]), "repeat"),
    (dict(samples=np.zeros((0, 2))), "non-empty"),
    (dict(samples=np.full((2, 2), np.nan)), "finite"),
    (dict(replicates=0), "replicates"),
    (dict(n_steps=0), "n_steps"),
    (dict(n_cadres=20), "n_cadres"),
    (dict(outputs=["innovation_rate", "nope"]), "unknown output"),
    (dict(base_params={"workload": 9.0}), "workload"),
])
def test_bad_designs_are_refused_before_anything_is_written(tmp_path, change, needle):
    with pytest.raises((UserError, ParameterError), match=needle):
        run_sweep(small_design(**change), tmp_path / "out", engine="serial", progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kwargs, needle", [
    (dict(engine="gpu"), "unknown engine"),
    (dict(engine="local", scheduler="tcp://x:1"), "need --engine dask"),
    (dict(engine="dask", cluster="slurm"), "needs --cluster-config"),
    (dict(engine="dask", cluster="lsf", cluster_config="x.yaml"), "unknown cluster"),
    (dict(engine="dask", scheduler="tcp://x:1", cluster="slurm"), "not both"),
    (dict(engine="dask", cluster="slurm", cluster_config="/no/such.yaml"), "not found"),
])
def test_bad_engine_options_are_refused(tmp_path, kwargs, needle):
    with pytest.raises(UserError, match=needle):
        run_sweep(small_design(), tmp_path, progress=False, **kwargs)


@pytest.mark.parametrize("name, cls, needles", [
    ("slurm.yaml", "SLURMCluster", ["#SBATCH -A my-project", "--nworkers 16"]),
    ("pbs.toml", "PBSCluster", ["#PBS -l select=1:ncpus=12:mem=24GB", "--nworkers 12"]),
])
def test_documented_cluster_configs_build_job_scripts(name, cls, needles, tmp_path,
                                                      monkeypatch):
    import dask_jobqueue

    from experiments.sweeps.engines import read_cluster_config

    path = Path(__file__).resolve().parents[1] / "docs" / "cluster" / name
    config = read_cluster_config(str(path))
    assert config["scale"]["jobs"] >= 1
    monkeypatch.chdir(tmp_path)  # the job's log folder is created here
    with getattr(dask_jobqueue, cls)(**config["cluster"]) as cluster:
        script = cluster.job_script()
    for needle in needles:
        assert needle in script


def test_bad_cluster_config_is_refused(tmp_path):
    from experiments.sweeps.engines import read_cluster_config

    bad = tmp_path / "c.yaml"
    bad.write_text("clusterr:\n  cores: 4\n")
    with pytest.raises(UserError, match="unknown section"):
        read_cluster_config(str(bad))
    bad.write_text("cluster: {cores: 4}\nscale: {workerz: 3}\n")
    with pytest.raises(UserError, match="unknown scale key"):
        read_cluster_config(str(bad))
    bad.write_text("cluster: [unclosed\n")
    with pytest.raises(UserError, match="cannot parse"):
        read_cluster_config(str(bad))


def test_documented_array_script_is_the_shipped_file_and_uses_shards():
    docs = Path(__file__).resolve().parents[1] / "docs"
    script = (docs / "cluster" / "sweep-array.sbatch").read_text()
    assert script in (docs / "CLUSTER.md").read_text()  # the page shows the file as shipped
    assert '--shard "${I}/${N}"' in script and "SLURM_ARRAY_TASK_ID" in script
    assert "cadresim merge DIR" in (docs / "CLUSTER.md").read_text()


def test_workers_keep_no_model_alive_between_runs():
    """Memory stays flat as sweeps grow: after a chunk, no model or agent of it is referenced
    (Mesa 3.3.1 keeps every model in Agent._ids unless told otherwise), while a model that is
    still in use keeps its agent-id counter."""
    import gc

    import mesa

    from experiments.sweeps import plan_chunk_rows, run_chunk
    from experiments.sweeps.chunks import chunk_task
    from model import CadreModel

    live = CadreModel(seed=1, n_cadres=100)
    design = small_design(rows=3)
    plan = {"chunk_rows": 3, "n_chunks": 1}
    assert plan_chunk_rows(design) == 1  # (small sweeps are split for the workers' sake)
    gc.collect()
    before = sum(isinstance(o, CadreModel) for o in gc.get_objects())
    result = run_chunk(chunk_task(design, plan, 0, "k" * 12))
    gc.collect()
    assert len(result["df"]) == 6
    assert sum(isinstance(o, CadreModel) for o in gc.get_objects()) == before
    assert live in mesa.Agent._ids
