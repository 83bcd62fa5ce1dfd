"""``cadresim sensitivity``: a small real sweep end to end, the dry run, and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from experiments.cli import main
from experiments.sensitivity import build_problem

# Two mechanisms with two levers each (M3, M12) and one with one (M13): both the parameter and
# the mechanism levels have something to estimate.
LEVERS = "fault_tolerance,tolerance_credibility,material_reward,honor_reward,workload"
SMALL = ["--params", LEVERS, "--years", "2", "--n-cadres", "150", "--replicates", "2",
         "--quiet", "--engine", "serial"]


def _run(argv, capsys):
    """Run the command; return (exit code, stdout, stderr)."""
    code = 0
    try:
        main(["sensitivity", *argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def sobol_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sens") / "sobol"
    main(["sensitivity", "--method", "sobol", "--samples", "8", "--second-order",
          "--outputs", "innovation_rate,symbolic_rate,barrier_afraid", "--seed", "3",
          "--out", str(out), *SMALL])
    return out


def test_small_sobol_sweep_writes_every_file(sobol_run):
    names = {p.name for p in sobol_run.iterdir()}
    for f in ("indices.csv", "diagnostics.csv", "second_order.csv", "summary.md",
              "manifest.json", "runs"):
        assert f in names
    for fig in ("indices", "mechanisms"):
        assert {f"{fig}.png", f"{fig}.svg"} <= names
    assert not list(sobol_run.parent.glob(".*partial"))  # the staging folder was moved in place
    idx = pd.read_csv(sobol_run / "indices.csv", keep_default_na=False, na_values=[""])
    assert {"output", "level", "name", "mechanism", "S1", "S1_conf", "ST", "ST_conf", "src",
            "src_conf", "direction", "flags"} <= set(idx.columns)
    assert set(idx.output) == {"innovation_rate", "symbolic_rate", "barrier_afraid"}
    params = idx[idx.level == "parameter"]
    mechs = idx[idx.level == "mechanism"]
    assert len(params) == 3 * 5 and set(mechs.name) == {"M3", "M12", "M13"}
    assert params[["S1", "ST", "S1_conf", "ST_conf", "src"]].notna().all().all()
    assert set(idx.direction) <= {"raises", "lowers", "unclear", "mixed", "none"}
    # Workload lowers genuine innovation (pattern 5 of the specification) even in 2 years.
    inno = params[params.output == "innovation_rate"].set_index("name")
    assert inno.loc["workload", "src"] < 0
    s2 = pd.read_csv(sobol_run / "second_order.csv")
    assert len(s2) == 3 * 10
    diag = pd.read_csv(sobol_run / "diagnostics.csv")
    assert list(diag.output) == ["innovation_rate", "symbolic_rate", "barrier_afraid"]
    assert diag.noise_share.between(0, 1).all()


def test_manifest_and_summary(sobol_run):
    m = json.loads((sobol_run / "manifest.json").read_text())
    assert m["kind"] == "sensitivity"
    assert m["plan"]["samples"] == 8 and m["plan"]["replicates"] == 2
    assert m["plan"]["problem"]["names"] == list(build_problem(LEVERS).names)
    assert m["runs"] == {"total": 8 * (2 * 5 + 2 + 2) * 2, "failed": 0, "engine": "serial",
                         "workers": None}
    assert m["provenance"]["git"].keys() >= {"commit", "dirty"}
    assert m["provenance"]["packages"]["SALib"] == "1.6.0"
    assert "sensitivity" in m["command_line"] and m["times"]["wall_seconds"] > 0
    assert "indices.csv" in m["files"] and "summary.md" in m["files"]
    text = (sobol_run / "summary.md").read_text()
    assert "What drives genuine innovation (`innovation_rate`)" in text
    assert "share of cadres attempting a genuine innovation per quarter, mean of years 1-2" in text
    assert "converged" in text.lower() and "Seed noise" in text
    assert "fault tolerance" in text  # mechanisms are named in words, not only M3
    # Running again into the same folder never overwrites it.
    with pytest.raises(SystemExit) as exc:
        main(["sensitivity", "--samples", "8", "--out", str(sobol_run), *SMALL])
    assert exc.value.code == 2


def test_small_morris_sweep(tmp_path, capsys):
    out = tmp_path / "morris"
    code, stdout, _ = _run(["--method", "morris", "--samples", "4", "--outputs",
                            "innovation_rate,mean_stress", "--out", str(out), *SMALL], capsys)
    assert code == 0 and "wrote" in stdout
    idx = pd.read_csv(out / "indices.csv", keep_default_na=False, na_values=[""])
    assert {"mu", "mu_star", "sigma", "mu_star_conf", "direction"} <= set(idx.columns)
    assert (out / "morris_mu_sigma.png").exists() and (out / "mechanisms.svg").exists()
    stress = idx[(idx.output == "mean_stress") & (idx.level == "parameter")].set_index("name")
    assert stress.loc["workload", "mu"] > 0  # more workload, more stress


def test_dry_run_prints_cost_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "never"
    code, stdout, _ = _run(["--samples", "16", "--dry-run", "--out", str(out), *SMALL], capsys)
    assert code == 0
    # 16 base points x (5 + 2 parameter rows + 2 rows for the groups M3, M12) x 2 replicates
    assert "model runs: 288 (144 sample rows x 2)" in stdout
    assert "time: ~" in stdout and "memory: ~" in stdout and "nothing was written" in stdout
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv,message", [
    (["--params", "fault_tolerance,no_such_lever"], "unknown parameter 'no_such_lever'"),
    (["--outputs", "innovation,symbolic_rate"], "unknown output 'innovation'"),
    (["--samples", "100"], "not a power of two (at least 4), which Sobol sampling needs; "
                           "use --samples 128"),
    (["--params", "workload"], "at least two"),
    (["--replicates", "0"], "--replicates 0"),
    (["--params", "unit_size,workload"], "structure parameter"),
    (["--method", "morris", "--second-order"], "--second-order needs --method sobol"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    out = tmp_path / "bad"
    code, stdout, err = _run([*argv, "--out", str(out), "--dry-run"], capsys)
    assert code == 2
    assert message in err and err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err and not out.exists()


def test_shards_then_full_command_equal_one_run(tmp_path, capsys):
    """A job-array slice leaves the folder unfinished; the plain command then runs what is
    missing (resume), merges and analyses, giving exactly the numbers of a single run."""
    tiny = ["--samples", "4", "--params", "fault_tolerance,tolerance_credibility,workload",
            "--outputs", "innovation_rate,mean_stress", "--years", "1", "--n-cadres", "150",
            "--replicates", "2", "--quiet", "--engine", "serial", "--seed", "5"]
    one, split = tmp_path / "one", tmp_path / "split"
    assert _run([*tiny, "--out", str(one)], capsys)[0] == 0
    code, stdout, _ = _run([*tiny, "--out", str(split), "--shard", "0/2"], capsys)
    assert code == 0 and "shard 0/2 done" in stdout
    assert not split.exists()  # nothing half-finished at the target
    assert _run([*tiny, "--out", str(split)], capsys)[0] == 0
    for name in ("indices.csv", "diagnostics.csv"):
        assert (split / name).read_bytes() == (one / name).read_bytes()


def test_resume_and_merge_finish_an_analysis_from_its_folder(tmp_path, capsys):
    """`cadresim resume|merge DIR` on the --out folder of an unfinished sensitivity analysis
    finish its sweep and analyse it, with the numbers of an uninterrupted run."""
    tiny = ["--samples", "4", "--params", "fault_tolerance,tolerance_credibility,workload",
            "--outputs", "innovation_rate", "--years", "1", "--n-cadres", "150",
            "--replicates", "2", "-q", "--engine", "serial", "--seed", "5"]
    one, split = tmp_path / "one", tmp_path / "split"
    assert _run([*tiny, "--out", str(one)], capsys)[0] == 0
    assert _run([*tiny, "--out", str(split), "--shard", "0/2"], capsys)[0] == 0

    def command(*argv):
        try:
            main([str(a) for a in argv])
            code = 0
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    code, _, err = command("merge", split)  # half the chunks are missing: refused, one line
    assert code == 2 and "not done yet" in err and f"cadresim resume {split}" in err
    code, out, _ = command("status", split)
    assert code == 0 and "unfinished" in out and f"cadresim resume {split}" in out
    code, out, _ = command("resume", split, "-q", "--engine", "serial")
    assert code == 0 and "sensitivity analysis finished" in out
    for name in ("indices.csv", "diagnostics.csv"):
        assert (split / name).read_bytes() == (one / name).read_bytes()
    code, _, err = command("resume", split)
    assert code == 2 and "already complete" in err
    # the other shard's route: both shards done, then merge analyses
    both = tmp_path / "both"
    for shard in ("0/2", "1/2"):
        assert _run([*tiny, "--out", str(both), "--shard", shard], capsys)[0] == 0
    code, out, _ = command("merge", both)
    assert code == 0 and (both / "summary.md").is_file()
    assert (both / "indices.csv").read_bytes() == (one / "indices.csv").read_bytes()


def test_old_option_name_still_works_and_says_the_new_one(tmp_path, capsys):
    code, stdout, err = _run(["--cadres", "150", "--samples", "4", "--params", LEVERS,
                              "--dry-run"], capsys)
    assert code == 0 and "--n-cadres" in err


def test_summary_ranks_only_what_stands_above_seed_noise(sobol_run):
    """Indices whose interval reaches the noise floor are listed apart, unranked; only the rest
    carry a rank. Percentages outside 0-100% come with a note."""
    idx = pd.read_csv(sobol_run / "indices.csv", keep_default_na=False)
    text = (sobol_run / "summary.md").read_text()
    params = idx[(idx.output == "innovation_rate") & (idx.level == "parameter")]
    noisy = params["flags"].str.contains("below_noise|near_noise|noise_dominated")
    section = text.split("## Parameters ranked")[1].split("## What raises")[0]
    ranked = [line.split("|")[2].strip() for line in section.splitlines()
              if line.startswith("| ") and line.split("|")[1].strip().isdigit()]
    assert sorted(ranked) == sorted(params.loc[~noisy, "name"])
    if noisy.any():
        apart = section.split("Cannot be told from seed noise at this sample size")[1]
        assert all(name in apart for name in params.loc[noisy, "name"])
    shown = pd.concat([params[k] + sign * params[f"{k}_conf"] for k in ("S1", "ST")
                       for sign in (-1, 1)])
    outside = ((shown * 100).round() < 0).any() or ((shown * 100).round() > 100).any()
    assert ("Percentages below 0% or above 100%" in text) == bool(outside)
    assert "Shapley" in text  # barrier_afraid is analysed: the shares are explained
