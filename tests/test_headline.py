"""The headline job: findings computed from the stored tables, and the command end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import CADRESIM, cli_env

from experiments.briefings.headline import (
    cost_finding,
    findings_sentences,
    lever_finding,
    uncertainty_finding,
)
from experiments.cli import main

ROOT = Path(__file__).resolve().parents[1]

CLI = CADRESIM


def _effects():
    rows = []
    for scen, d_gen, d_sym in (("good", 0.10, 0.02), ("bad", -0.05, 0.0)):
        rows.append(dict(scenario=scen, output="innovation_rate", baseline_mean=0.09,
                         mean_diff=d_gen, ci_low=d_gen - 0.01, ci_high=d_gen + 0.01))
        rows.append(dict(scenario=scen, output="symbolic_rate", baseline_mean=0.05,
                         mean_diff=d_sym, ci_low=d_sym - 0.01, ci_high=d_sym + 0.01))
    return pd.DataFrame(rows)


def _indices():
    return pd.DataFrame([
        dict(output="innovation_rate", level="mechanism", name="M3", mechanism="M3", ST=0.5,
             direction="raises"),
        dict(output="innovation_rate", level="mechanism", name="M13", mechanism="M13", ST=0.3,
             direction="mixed"),
        dict(output="innovation_rate", level="mechanism", name="M12", mechanism="M12", ST=0.1,
             direction="raises"),
        dict(output="innovation_rate", level="parameter", name="workload", mechanism="M13",
             ST=0.9, direction="lowers"),
        dict(output="innovation_rate", level="parameter", name="digital_relief", mechanism="M13",
             ST=0.2, direction="raises"),
    ])


def test_findings_state_the_numbers_of_the_tables():
    s1, s2, s3 = findings_sentences(_effects(), _indices())
    assert "9.0%" in s1 and "good" in s1 and "+10.0 percentage points" in s1 and "bad" in s1
    assert "good" in s2 and "+2.0" in s2 and "bad" not in s2
    assert s3.index("fault tolerance") < s3.index("workload")  # ranked by total effect
    assert "50%" in s3 and "raises it" in s3
    assert "workload lowers it, digital_relief raises it" in s3  # a mixed mechanism, spelled out
    assert "workload (" not in s3.split("workload")[0]  # parameter rows are not mechanisms
    assert "not the size of an effect" in s3


def test_findings_over_a_posterior_give_the_range_with_behaviour_uncertain():
    effects = _effects().assign(draws=20, full_low=lambda d: d.mean_diff - 0.04,
                                full_high=lambda d: d.mean_diff + 0.04, same_sign_share=0.95)
    indices = pd.concat([_indices(), pd.DataFrame([dict(
        output="innovation_rate", level="mechanism", name="posterior", mechanism="posterior",
        ST=0.7, direction="mixed")])])
    s1, _, s3 = findings_sentences(effects, indices)
    assert "one county's effect, with behaviour uncertain, +6 to +14" in s1
    assert "same sign in 95% of 20 calibrated behaviours" in s1
    assert s3.index("what we do not know about behaviour") < s3.index("fault tolerance")
    assert "70% of the variance" in s3 and "reform ranges" in s3
    said = uncertainty_finding({"names": ["choice_sensitivity"],
                                "calibrated": ["choice_sensitivity"]})
    assert "1 behavioural uncertainties are calibrated" in said and "lower bound" in said
    assert "seed noise only" in uncertainty_finding(None)


def test_cost_and_lever_findings_price_only_what_costs_enough():
    effects = _effects()[lambda d: d.output == "innovation_rate"].assign(
        cost_diff=[500.0, 10.0], cost_ci_low=[450.0, 9.0], cost_ci_high=[550.0, 11.0],
        per_1000_yuan=[0.2, -5.0], per_1000_yuan_low=[0.18, -6.0],
        per_1000_yuan_high=[0.22, -4.0], cost_reading=["", ""])
    cheap = pd.concat([effects, effects.iloc[[0]].assign(
        scenario="cheap", mean_diff=0.004, ci_low=0.003, ci_high=0.005, cost_diff=12.0,
        per_1000_yuan=0.33, per_1000_yuan_low=0.25, per_1000_yuan_high=0.41)])
    said = cost_finding(cheap)
    assert "good, the strongest, adds 500 yuan" in said
    assert "good buys the most genuine innovation: +20" in said  # not the 12-yuan one
    assert "cheap adds +0.40 points for 12 yuan" in said
    levers = pd.DataFrame([dict(lever="workload", today=0.75, reform=0.65,
                                innovation_rate__mean_diff=0.036, innovation_rate__ci_low=0.03,
                                innovation_rate__ci_high=0.042, innovation_rate__full_low=0.004,
                                innovation_rate__full_high=0.068)])
    assert "workload 0.75 -> 0.65: +3.6 points (one county +0 to +7)" in lever_finding(levers)


def test_headline_runs_end_to_end_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "headline"
    # `make calibrate` writes the posterior into the headline folder; a rebuild keeps it.
    shutil.copytree(ROOT / "results" / "headline" / "posterior", out / "posterior")
    posterior = (out / "posterior" / "posterior.parquet").read_bytes()
    args = ["headline", "--out", str(out), "-r", "2", "-n", "4", "--years", "6",
            "--n-cadres", "150", "-q", "-w", "1"]
    done = subprocess.run(CLI + [*args, "--replace"], capture_output=True, text=True,
                          timeout=600, env=cli_env())
    assert done.returncode == 0, done.stderr
    assert (out / "posterior" / "posterior.parquet").read_bytes() == posterior
    for name in ("findings.md", "key_figure.png", "manifest.json",
                 "policy_comparison/effects.csv", "sensitivity/indices.csv"):
        assert (out / name).exists(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["replicates"] == 2
    assert set(manifest["part_fingerprints"]) == {"policy_comparison", "lever_effects",
                                                    "sensitivity"}
    assert not (out / "parts.json").exists()
    assert not list(tmp_path.glob(".*partial*"))
    again = subprocess.run(CLI + args, capture_output=True, text=True, timeout=600,
                          env=cli_env())
    assert again.returncode == 2
    assert "--replace" in again.stderr and "Traceback" not in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_bad_settings_fail_before_anything_is_run_or_written(tmp_path, capsys):
    # In this process (the end-to-end test above runs the command in its own).
    for bad in (["--samples", "100"], ["-r", "1"], ["--years", "3"], ["--n-cadres", "10"]):
        with pytest.raises(SystemExit) as done:
            main(["headline", "--out", str(tmp_path / "h"), "-q", *bad])
        err = capsys.readouterr().err
        assert done.value.code == 2, bad
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert list(tmp_path.iterdir()) == [], bad  # no results, no staging folder


def test_readme_states_the_numbers_of_the_committed_headline():
    """The README's findings are written from the committed tables; after `make run` they must
    be rewritten, and this test says where they went stale."""
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("<!-- HEADLINE:BEGIN -->"):readme.index("<!-- HEADLINE:END -->")]
    text = " ".join(block.split())
    folder = ROOT / "results" / "headline"
    effects = pd.read_csv(folder / "policy_comparison" / "effects.csv")
    gen = effects[effects.output == "innovation_rate"].set_index("scenario")
    cft = gen.loc["credible_fault_tolerance"]
    assert (f"{cft.mean_diff * 100:.1f} percentage points ({cft.ci_low * 100:.1f}-"
            f"{cft.ci_high * 100:.1f}") in text
    today = gen.loc[(gen.ci_high - gen.ci_low).idxmin(), "baseline_mean"]
    assert f"about {today:.1%} of cadres" in text
    summary = pd.read_csv(folder / "policy_comparison" / "summary.csv")
    base = summary[summary.scenario == "baseline"]
    for barrier in ("afraid", "unable", "unwilling", "unaccustomed"):
        assert f"{barrier} {base[f'barrier_{barrier}'].mean():.0%}" in text, barrier
    indices = pd.read_csv(folder / "sensitivity" / "indices.csv")
    m13 = indices[(indices.output == "innovation_rate") & (indices.name == "M13")].iloc[0]
    assert f"workload and stress {m13.ST:.0%}" in text
