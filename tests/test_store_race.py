"""Shards of a job array that start at the same moment share one staging folder safely."""

from __future__ import annotations

import multiprocessing as mp

from experiments.store import staged_output_dir


def _enter(target: str, plan: dict, start, done, results) -> None:
    start.wait()
    try:
        stage = staged_output_dir(target, plan)
        staging = stage.__enter__()
        (staging / "runs").mkdir(exist_ok=True)  # as a shard's sweep would
        results.put(("ok", str(staging)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        results.put(("error", str(exc)))
    done.wait()  # all shards hold the folder at once, as in a job array


def test_simultaneous_shards_all_join_the_same_staging_folder(tmp_path):
    ctx = mp.get_context("fork")
    n = 6
    start, done, results = ctx.Barrier(n), ctx.Barrier(n), ctx.Queue()
    target = str(tmp_path / "sweep")
    plan = {"method": "sobol", "samples": 8}
    procs = [ctx.Process(target=_enter, args=(target, plan, start, done, results))
             for _ in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    outcomes = [results.get(timeout=5) for _ in range(n)]
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert len({where for _, where in outcomes}) == 1
    assert not list(tmp_path.glob("*.tmp"))  # the losers' temporary folders are gone
