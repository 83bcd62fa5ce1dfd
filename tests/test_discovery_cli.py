"""``cadresim discover`` and ``cadresim robust`` end to end at ``--quick`` size (serial engine):
the files a user gets, their provenance, re-asking stored points, exported packages that
``compare`` accepts, resuming, and bad input refused in one line with nothing written."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.store import read_png_provenance

SERIAL = ["--engine", "serial", "--quiet"]
#: The root seed the quick examples' known answers were recorded with.
SEED = ["--seed", "0"]


def _run(args, capsys) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    out = tmp_path_factory.mktemp("discover") / "cost"
    main(["discover", "--where", "policy_cost > 9000", "--quick", "--out", str(out), *SERIAL,
          *SEED])
    return out


@pytest.fixture(scope="module")
def robust_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("robust") / "r"
    main(["robust", "--quick", "--out", str(out), *SERIAL, *SEED])
    return out


def test_discover_writes_boxes_figures_summary_and_manifest(discovered):
    for name in ("boxes.csv", "trajectory.csv", "holdout.csv", "cart_boxes.csv",
                 "points.parquet", "tradeoff.png", "box.png", "cart_tree.png", "summary.md"):
        assert (discovered / name).is_file(), name
    boxes = pd.read_csv(discovered / "boxes.csv")
    chosen = boxes[boxes["chosen"]]
    # Cost above 9,000 yuan is a matter of the expensive levers: digital relief, workload.
    assert set(chosen["input"]) & {"digital_relief", "workload"}
    for col in ("lower", "upper", "coverage", "density", "mass", "quasi_p_lower",
                "quasi_p_upper"):
        assert col in boxes.columns
    assert (chosen[["quasi_p_lower", "quasi_p_upper"]].min(axis=1) <= 0.05).all()
    held = pd.read_csv(discovered / "holdout.csv")
    assert set(held["sample"]) == {"in-sample", "held-out"}
    assert held["density_low"].le(held["density"]).all()
    points = pd.read_parquet(discovered / "points.parquet")
    assert len(points) == 120 and points["held_out"].sum() == 30
    manifest = json.loads((discovered / "manifest.json").read_text())
    assert manifest["kind"] == "discover" and manifest["provenance"]["git"]["commit"]
    assert manifest["question"]["column"] == "policy_cost"
    assert manifest["method_packages"]["ema_workbench"] == "2.5.3"
    assert "box.png" in manifest["files"]
    assert read_png_provenance(discovered / "box.png")["git"] == manifest["provenance"]["git"]
    summary = (discovered / "summary.md").read_text()
    assert "**Answer.**" in summary and "held-out" in summary and "quasi-p" in summary
    assert "calibration posterior" in summary  # says which worlds the answer holds over


def test_a_stored_folder_is_asked_again_without_running(discovered, tmp_path, capsys):
    code, out, err = _run(["discover", str(discovered), "--where", "policy_cost > 9000",
                           "--holdout", "0.3", "--out", str(tmp_path / "again")], capsys)
    assert code == 0 and "above 9,000" in out, err
    first = pd.read_parquet(discovered / "points.parquet")
    again = pd.read_parquet(tmp_path / "again" / "points.parquet")
    assert np.array_equal(first["policy_cost"], again["policy_cost"])
    assert again["held_out"].sum() == 36
    assert not (tmp_path / "again" / "runs").exists()
    assert "dry run" in _run(["discover", str(discovered), "--where", "policy_cost > 1",
                              "--dry-run"], capsys)[1]


def test_any_sweep_directory_is_a_source(tmp_path, capsys):
    from experiments.sweeps import SweepDesign, run_sweep

    # Workload at or above today's load costs nothing; digital relief costs 40,000 yuan per
    # unit: a cost above 7,000 yuan means digital relief above about (7,000 - 3,232) / 40,000,
    # a little less where rewards paid for successes add to the cost.
    rng = np.random.default_rng(1)
    samples = np.column_stack([rng.uniform(0.75, 0.85, 80), rng.uniform(0, 0.25, 80)])
    run_sweep(SweepDesign(["workload", "digital_relief"], samples, {}, 1, 2, 60, 3,
                          ["policy_cost", "innovation_rate"]), tmp_path / "s", engine="serial",
              progress=False)
    code, out, err = _run(["discover", str(tmp_path / "s"), "--where", "policy_cost > 7000",
                           "--out", str(tmp_path / "d")], capsys)
    assert code == 0, err
    boxes = pd.read_csv(tmp_path / "d" / "boxes.csv")
    chosen = boxes[boxes["chosen"]]
    assert list(chosen["input"]) == ["digital_relief"]
    assert 0.05 < chosen["lower"].item() < 0.1 and np.isnan(chosen["upper"].item())


def test_same_points_on_two_processes(discovered, tmp_path, capsys):
    code, _, err = _run(["discover", "--where", "policy_cost > 9000", "--quick", "--engine",
                         "local", "--workers", "2", "--quiet", "--out", str(tmp_path / "p"),
                         *SEED],
                        capsys)
    assert code == 0, err
    assert pd.read_parquet(tmp_path / "p" / "points.parquet").equals(
        pd.read_parquet(discovered / "points.parquet"))


def test_robust_writes_the_pareto_set_library_and_scenario_files(robust_dir, tmp_path, capsys):
    front = pd.read_csv(robust_dir / "pareto.csv")
    library = pd.read_csv(robust_dir / "library.csv")
    assert len(front) >= 1 and (front["cost_p90"] <= 5000).all()  # within the budget
    assert {"today", "serious_reform", "credible_fault_tolerance"} <= set(library["package"])
    for col in ("gain_mean", "gain_mean_low", "gain_mean_high", "regret_p90", "symbolic_p90",
                "cost_p90", "validated_gain_mean", "validated_cost_p90"):
        assert col in front.columns
    assert any(c.startswith("robustly_better_than_") for c in front.columns)
    gens = pd.read_csv(robust_dir / "generations.csv")
    assert list(gens["generation"]) == [0, 1]
    summary = (robust_dir / "summary.md").read_text()
    assert "**Answer.**" in summary and "fresh worlds" in summary
    manifest = json.loads((robust_dir / "manifest.json").read_text())
    assert manifest["kind"] == "robust" and manifest["method_packages"]["pymoo"] == "0.6.2"
    assert (robust_dir / "pareto.png").is_file()
    # Each package is a scenario file that `compare` accepts, holding the package exactly.
    first = sorted((robust_dir / "packages").glob("*.toml"))[0]
    from experiments.scenario import load_scenario

    scen = load_scenario(str(first))
    row = front[front["package"] == first.stem].iloc[0]
    assert scen.params["workload"] == pytest.approx(row["workload"], abs=0)
    code, out, err = _run(["compare", "baseline", str(first), "-r", "2", "--years", "1",
                           "--n-cadres", "60", "--workers", "1", "--quiet", "--out",
                           str(tmp_path / "c")], capsys)
    assert code == 0, err and first.stem in out


def test_robust_resumes_after_an_interruption(robust_dir, tmp_path, monkeypatch):
    from experiments.discovery import robust_run

    real = robust_run.run_search

    def stop_after_first_generation(*args, **kwargs):
        evaluate = args[3]

        def wrapped(g, X):
            if g == 1:
                raise KeyboardInterrupt
            return evaluate(g, X)

        return real(*args[:3], wrapped, *args[4:], **kwargs)

    monkeypatch.setattr(robust_run, "run_search", stop_after_first_generation)
    with pytest.raises(SystemExit):
        main(["robust", "--quick", "--out", str(tmp_path / "r"), *SERIAL, *SEED])
    staged = tmp_path / ".r.partial" / "runs"
    assert (staged / "gen-000" / "results.parquet").is_file() and not (tmp_path / "r").exists()
    monkeypatch.setattr(robust_run, "run_search", real)
    main(["robust", "--quick", "--out", str(tmp_path / "r"), *SERIAL, *SEED])
    assert pd.read_csv(tmp_path / "r" / "pareto.csv").equals(
        pd.read_csv(robust_dir / "pareto.csv"))


@pytest.mark.parametrize("args, message", [
    (["discover", "--where", "innovaton_gain > 0.05", "--effect", "credible_fault_tolerance",
      "--quick"], "unknown result 'innovaton_gain' in --where (did you mean 'innovation_gain'?)"),
    (["discover", "--where", "innovation_rate > 0.1", "--levers", "workload,fault_tolerence",
      "--quick"], "unknown lever 'fault_tolerence' (did you mean 'fault_tolerance'?) in --levers"),
    (["robust", "--levers", "training_coverage,free_lunch", "--quick"], "unknown lever "
                                                                        "'free_lunch'"),
    (["discover", "--where", "innovation_gain > 0.05", "--quick"], "add --effect SCENARIO"),
    (["discover", "--where", "innovation_gain > 0.05", "--effect", "no_such_policy",
      "--quick"], "unknown scenario 'no_such_policy'"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    code, _, err = _run([*args, "--out", str(out), *SERIAL], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and message in err, err
    assert not out.exists() and not list(tmp_path.glob(".*"))


def test_stored_folders_refuse_what_they_cannot_answer(discovered, tmp_path, capsys):
    out = tmp_path / "out"
    for args, message in (
            (["discover", str(discovered), "--where", "policy_cost > 1e9"],
             "the box would be empty: no point satisfies 'policy_cost > 1e9'"),
            (["discover", str(tmp_path), "--where", "policy_cost > 1"], "is not a sweep"),
            (["discover", str(discovered), "--where", "innovation_gain > 0.05", "--effect",
              "credible_fault_tolerance"], "--effect shape new runs"),
            (["discover", str(discovered), "--where", "policy_cost > 9000", "--box", "0"],
             "restricts nothing")):
        code, _, err = _run([*args, "--out", str(out)], capsys)
        assert code == 2 and message in err and err.strip().count("\n") == 0, err
        assert not out.exists()


def test_a_budget_below_every_package_is_refused(tmp_path, capsys):
    code, _, err = _run(["robust", "--quick", "--budget", "-100000", "--out",
                         str(tmp_path / "r"), *SERIAL], capsys)
    assert code == 2 and "is below every package's cost" in err and "raise --budget" in err
    assert not (tmp_path / "r").exists()


def test_dry_runs_count_runs_and_write_nothing(tmp_path, capsys):
    code, out, _ = _run(["robust", "--quick", "--dry-run", "--out", str(tmp_path / "r")],
                        capsys)
    assert code == 0 and "model runs: 176" in out and "nothing was written" in out
    code, out, _ = _run(["discover", "--where", "innovation_gain > 0.05", "--effect",
                         "credible_fault_tolerance", "--quick", "--dry-run", "--out",
                         str(tmp_path / "d")], capsys)
    assert code == 0 and "model runs: 240" in out and "2 arms" in out
    assert not list(tmp_path.iterdir())
