"""The two optional fields of a sweep design that scenario discovery and the robust search use:
``seed_rows`` (rows that share their random numbers) and ``policy_schedule`` (a reform during
every run of the sweep)."""

from __future__ import annotations

import numpy as np

from experiments.runner import run_model
from experiments.sweeps import SweepDesign, load_design, run_seed, run_sweep


def _design(**extra) -> SweepDesign:
    samples = np.array([[0.2], [0.8], [0.2], [0.8]])
    return SweepDesign(param_names=["fault_tolerance"], samples=samples, base_params={},
                       replicates=2, n_steps=3, n_cadres=60, root_seed=5,
                       outputs=["innovation_rate", "policy_cost"], **extra)


def test_designs_without_the_new_fields_keep_their_fingerprint():
    plain = _design()
    assert set(plain.spec()) == {"param_names", "base_params", "replicates", "n_steps",
                                 "n_cadres", "root_seed", "outputs", "n_rows", "samples_sha256"}
    shared = _design(seed_rows=np.array([0, 0, 1, 1]))
    assert shared.fingerprint() != plain.fingerprint()
    assert _design(seed_rows=np.array([0, 0, 1, 0])).fingerprint() != shared.fingerprint()


def test_rows_sharing_a_seed_row_run_on_the_same_seeds(tmp_path):
    design = _design(seed_rows=np.array([0, 0, 1, 1]))
    df = run_sweep(design, tmp_path / "s", engine="serial", progress=False)
    seeds = df.pivot(index="row", columns="replicate", values="seed")
    assert (seeds.loc[0] == seeds.loc[1]).all() and (seeds.loc[2] == seeds.loc[3]).all()
    assert (seeds.loc[0] != seeds.loc[2]).all()
    assert seeds.loc[2, 1] == run_seed(5, 1, 1)
    # The same run outside the sweep: a row is its parameters on its seed row's seed.
    alone = run_model({"fault_tolerance": 0.8}, run_seed(5, 1, 0), 3, n_cadres=60)["summary"]
    got = df[(df["row"] == 3) & (df["replicate"] == 0)]["innovation_rate"].item()
    assert got == alone["innovation_rate"]
    loaded = load_design(tmp_path / "s")
    assert np.array_equal(loaded.seed_rows, [0, 0, 1, 1])
    assert loaded.fingerprint() == design.fingerprint()


def test_a_schedule_applies_to_every_run_and_is_part_of_the_design(tmp_path):
    schedule = [{"year": 0.5, "set": {"material_reward": 1.5}, "phase_in_years": 0.0}]
    design = _design(policy_schedule=schedule)
    df = run_sweep(design, tmp_path / "s", engine="serial", progress=False)
    plain = run_sweep(_design(), tmp_path / "p", engine="serial", progress=False)
    assert (df["policy_cost"] != plain["policy_cost"]).any()
    expected = run_model({"fault_tolerance": 0.2}, run_seed(5, 0, 0), 3, n_cadres=60,
                         policy_schedule=schedule)["summary"]["policy_cost"]
    assert df.loc[0, "policy_cost"] == expected
    assert load_design(tmp_path / "s").policy_schedule == schedule
