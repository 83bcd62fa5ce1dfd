"""``cadresim run / compare / scenarios / reproduce`` as a user types them, and every bad input:
exit code 2, one line, no traceback, nothing written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import CADRESIM, cadresim, cli_env

from experiments.replicates import KEY_OUTPUTS
from experiments.store import load_manifest

TINY = ["--years", "1", "--n-cadres", "200", "--workers", "1", "-q"]




def test_scenarios_lists_library_one_line_each():
    code, out, _ = cadresim("scenarios")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) >= 12 and lines[0].startswith("baseline ")
    assert any(line.startswith("credible_fault_tolerance ") for line in lines)
    code, out, _ = cadresim("scenarios", "reform_in_year_5")
    assert code == 0 and "from year 5 (phased in over 2 years)" in out


def test_run_single_default_then_refuses_to_overwrite(tmp_path):
    out = tmp_path / "single"
    code, stdout, err = cadresim("run", *TINY, "--set", "fault_tolerance=0.9", "--out", out)
    assert code == 0, err
    # Console results say what they are, in words, over which years, in percent.
    assert ("genuine innovation: " in stdout and "(share of cadres attempting a genuine "
            "innovation per quarter, mean of year 1)" in stdout), stdout
    assert "innovation_rate" not in stdout
    names = {p.name for p in out.iterdir()}
    assert {"timeseries.parquet", "summary.csv", "manifest.json", "innovation_barriers.png",
            "innovation_barriers.svg", "README.md"} <= names
    m = load_manifest(out)
    assert [s["name"] for s in m["scenarios"]] == ["baseline"]
    assert m["scenarios"][0]["full_params"]["fault_tolerance"] == 0.9
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code, _, err = cadresim("run", *TINY, "--out", out)
    assert code == 2 and "already exists and is not empty" in err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_compare_writes_effects_and_reproduces(tmp_path):
    out = tmp_path / "cmp"
    code, stdout, err = cadresim("compare", "baseline", "credible_fault_tolerance",
                                 "--replicates", 2, *TINY, "--out", out)
    assert code == 0, err
    assert "times narrower (median) than independent seeds" in stdout
    assert "genuine innovation = share of cadres attempting a genuine innovation per quarter; " \
           "every result is the mean of year 1" in stdout
    assert "extra cost " in stdout and "yuan per cadre per year" in stdout
    eff = pd.read_csv(out / "effects.csv")
    assert list(eff["output"]) == list(KEY_OUTPUTS)
    assert {"scenario", "output", "label", "window", "unit", "mean_diff", "ci_low", "ci_high",
            "baseline_mean", "scenario_mean", "n", "ci_halfwidth_unpaired", "narrowing",
            "cost_diff", "cost_ci_low", "cost_ci_high", "per_1000_yuan",
            "cost_reading"} <= set(eff.columns)
    assert (eff["window"] == "mean of year 1").sum() == len(eff) - 1  # cumulative: at the end
    assert (eff["ci_low"] <= eff["mean_diff"]).all() and (eff["mean_diff"] <= eff["ci_high"]).all()
    assert (eff["n"] == 2).all()
    # Rounded to what the intervals justify: no float noise such as 0.051900000000000016.
    text = (out / "effects.csv").read_text()
    assert not any(len(tok.split(".")[-1]) > 9 for tok in text.replace("\n", ",").split(",")
                   if tok.replace(".", "").replace("-", "").replace("e", "").isdigit())
    for fig in ("effects", "timeseries", "innovation_barriers", "costs"):
        assert (out / f"{fig}.png").is_file() and (out / f"{fig}.svg").is_file()
    readme = (out / "README.md").read_text()
    assert "`narrowing`" in readme and "Shapley" in readme and "Fieller" in readme
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(ts["scenario"]) == {"baseline", "credible_fault_tolerance"}
    code, stdout, err = cadresim("reproduce", out, "--out", tmp_path / "again", "-q")
    assert code == 0, err
    assert "every summary value identical" in stdout


def test_console_script_reports_one_line_and_exit_2(tmp_path):
    """The command line in its own process: no traceback reaches the user."""
    res = subprocess.run([*CADRESIM, "run", "no_such_policy", "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=120, env=cli_env())
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "unknown scenario 'no_such_policy'" in res.stderr
    assert not (tmp_path / "o").exists()


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "malformed": "[params\nfault_tolerance = 0.5\n",
        "unknown_param": "[params]\nfault_tolerence = 0.5\n",
        "out_of_range": "[params]\nsanction_severity = 3\n",
        "late_change": "[[schedule]]\nyear = 30\nset = { fault_tolerance = 0.8 }\n",
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / "inputs" / f"{name}.toml"
        paths[name].parent.mkdir(exist_ok=True)
        paths[name].write_text(text)
    (tmp_path / "blocker").write_text("a file where a folder should be")
    return paths


@pytest.mark.parametrize("case, args, expected", [
    ("malformed", ["run", "{malformed}"], "malformed.toml: malformed TOML"),
    ("unknown scenario", ["run", "baselin"], "unknown scenario 'baselin'"),
    ("unknown parameter", ["run", "{unknown_param}"], "key 'params.fault_tolerence'"),
    ("out of range", ["run", "{out_of_range}"], "allowed [0, 1]"),
    ("change after horizon", ["run", "{late_change}"], "changes at year 30 but the run lasts"),
    ("zero replicates", ["run", "--replicates", "0"], "--replicates must be"),
    ("one replicate compare", ["compare", "baseline", "training_push", "-r", "1"], "at least 2"),
    ("bad --set", ["run", "--set", "workload=9"], "--set workload"),
    ("window too long", ["run", "--window", "30"], "--window 30: the run lasts 20 years"),
    ("window outside the run", ["compare", "baseline", "training_push", "--window", "18-22"],
     "--window 18-22: the run has years 1-20"),
    ("unwritable out", ["run", "--out", "{blocker}/out"], "not a writable folder"),
])
def test_bad_inputs_exit_2_one_line_nothing_written(tmp_path, case, args, expected):
    paths = _bad_files(tmp_path)
    paths["blocker"] = tmp_path / "blocker"
    args = [a.format(**paths) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "results")]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, stdout, err = cadresim(*args, "--years", "20", "--n-cadres", "200", "-q")
    assert code == 2, (case, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], err
    assert "Traceback" not in err + stdout
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_window_chooses_the_years_results_are_read_over(tmp_path):
    out = tmp_path / "early"
    code, stdout, err = cadresim("compare", "baseline", "workload_relief", "-r", 2, "--years", 2,
                                 "--window", "1-1", "--n-cadres", 200, "-w", 1, "-q", "--out", out)
    assert code == 0, err
    assert "every result is the mean of year 1 of each run (cumulative value at the end of " \
           "year 1)" in stdout
    eff = pd.read_csv(out / "effects.csv").set_index("output")
    assert eff.loc["innovation_rate", "window"] == "mean of year 1"
    assert eff.loc["cumulative_value", "window"] == "at the end of year 1"
    summary, ts = pd.read_csv(out / "summary.csv"), pd.read_parquet(out / "timeseries.parquet")
    run = ts[(ts["scenario"] == "baseline") & (ts["replicate"] == 0)]
    first_year = run[(run["step"] >= 1) & (run["step"] <= 4)]["innovation_rate"].mean()
    row = summary[(summary["scenario"] == "baseline") & (summary["replicate"] == 0)].iloc[0]
    assert row["innovation_rate"] == pytest.approx(first_year)
    assert "read over its **year 1** (mean of year 1" in (out / "README.md").read_text()
    code, stdout, err = cadresim("reproduce", out, "--out", tmp_path / "again", "-q")
    assert code == 0 and "every summary value identical" in stdout, err
