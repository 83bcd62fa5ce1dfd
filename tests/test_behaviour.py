"""What issue 11's rules must do, as statistical statements over seeds.

Each comparison is paired: replicate r of every arm runs on seed r, so the arms share their draws
(common random numbers) and a difference is measured nearly free of noise. A run is a county of
1,000 cadres over 20 years (80 quarters) summarised by the mean of its last five years
(``experiments.runner.summarise``), as the headline does. Where a test asserts a direction it asks
the 95% paired t-interval to lie on that side of zero; where it asserts a size it says what size and
why. Arms shared by several tests (the baseline above all) are run once per session.

The statements and what the lead measured at the defaults (docs/ODD.md section 7):

* barriers -- the Shapley shares move with the lever that drives them (material reward: unwilling;
  sanction severity: afraid; conformity: unaccustomed);
* no kink -- the effects of -10% and +10% of the range around the defaults of workload,
  stress_threshold and diligence_time differ by less than a factor of two; digital relief has no
  cliff at its first tenth;
* age ceilings -- cadres past the limit attempt less than eligible cadres of their rank, and a lower
  limit lowers county innovation;
* leaders -- both signs of stance occur; promoting innovators breeds stimulating leaders;
* fault tolerance -- coverage and credibility do different things, and coverage without
  credibility does little;
* the tournament -- at today's low weight, innovators are not much over-represented among the
  promoted; a high weight puts them first;
* lone innovators' exposure makes the response to credible tolerance sharper (more convex);
* inspection risk is learned over years, not read from the lever;
* image projects stay rare even at the corners of rewards and verification.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest

from experiments.runner import run_model
from experiments.stats import paired_ci
from model import CadreModel, promotion
from model.parameters import PARAMETERS_BY_NAME
from model.population import BOLD, INCREMENTAL

pytestmark = pytest.mark.slow

N, STEPS = 1000, 80
SEEDS = tuple(range(8))
# Where a test compares two small effects, or a rare group, 8 counties cannot tell the answer from
# seed noise (each test's docstring gives the spread measured over many seeds).
KINK_SEEDS = tuple(range(32))
AGE_SEEDS = tuple(range(32))


@cache
def _run(params_json: str, seed: int, steps: int, schedule_json: str) -> dict:
    res = run_model(json.loads(params_json), seed, steps, n_cadres=N,
                    policy_schedule=json.loads(schedule_json) or None)
    return {"summary": res["summary"], "series": res["series"]}


def runs(params: dict | None = None, seeds=SEEDS, steps: int = STEPS, schedule=None) -> list:
    """One run per seed (cached for the session: arms shared by tests run once)."""
    key = json.dumps(params or {}, sort_keys=True)
    return [_run(key, s, steps, json.dumps(schedule or [])) for s in seeds]


def summary(rs: list, name: str) -> np.ndarray:
    return np.array([r["summary"][name] for r in rs])


def effect(params: dict, name: str, seeds=SEEDS) -> dict:
    """Paired effect of ``params`` against the baseline on ``name``."""
    return paired_ci(summary(runs(params, seeds), name), summary(runs({}, seeds), name))


def diff(params: dict, name: str, seeds=SEEDS) -> np.ndarray:
    """Per-seed paired differences ``params - baseline`` of ``name``."""
    return summary(runs(params, seeds), name) - summary(runs({}, seeds), name)


def side(ci: dict) -> int:
    """+1 or -1 when a paired interval lies above or below zero, else 0."""
    return 1 if ci["ci_low"] > 0 else (-1 if ci["ci_high"] < 0 else 0)


def below_zero(d) -> bool:
    """The 95% t-interval of the mean of ``d`` lies below zero."""
    return paired_ci(np.asarray(d), np.zeros(len(d)))["ci_high"] < 0


def above_zero(d) -> bool:
    return paired_ci(np.asarray(d), np.zeros(len(d)))["ci_low"] > 0


# ------------------------------------------------------------------------------- barriers (1)
def test_material_reward_lowers_the_unwilling_share_more_than_the_afraid_share():
    """Lead: 0.2 -> 1.0 lowers unwilling by ~0.10 and afraid by ~0.03. A reward is a pay-off:
    it must show in *unwilling*, not (as under the old attribution) in *afraid*."""
    more = {"material_reward": 1.0}
    unwilling, afraid = diff(more, "barrier_unwilling"), diff(more, "barrier_afraid")
    assert below_zero(unwilling)
    assert below_zero(unwilling - afraid)
    assert unwilling.mean() < -0.05


def test_sanction_severity_raises_the_afraid_share_and_lowers_the_unwilling_share():
    """Lead: 0.6 -> 0.9 raises afraid by ~0.11 and lowers unwilling by ~0.06."""
    harsher = {"sanction_severity": 0.9}
    afraid, unwilling = diff(harsher, "barrier_afraid"), diff(harsher, "barrier_unwilling")
    assert above_zero(afraid) and below_zero(unwilling)
    assert afraid.mean() > 0.05


def test_switching_conformity_off_lowers_the_unaccustomed_share_the_most():
    """Lead: conformity_strength 1 -> 0 lowers unaccustomed by ~0.08, more than any other."""
    off = {"conformity_strength": 0.0}
    unaccustomed = diff(off, "barrier_unaccustomed")
    assert below_zero(unaccustomed)
    for other in ("afraid", "unwilling", "unable"):
        assert below_zero(unaccustomed - diff(off, f"barrier_{other}")), other


def test_barrier_shares_add_up_to_one_every_quarter_with_a_gap():
    for r in runs():
        s = r["series"]
        total = sum(np.asarray(s[f"barrier_{b}"]) for b in ("afraid", "unwilling",
                                                              "unaccustomed", "unable"))
        gap = np.asarray(s["barrier_gap"]) > 0
        assert gap[1:].all()
        np.testing.assert_allclose(total[gap], 1.0, atol=1e-9)


# ------------------------------------------------------------------------------- no kink (2)
@pytest.mark.parametrize("name, sign", [("workload", -1), ("stress_threshold", +1),
                                        ("diligence_time", -1)])
def test_no_kink_at_the_default(name, sign):
    """The paired effects of -10% and +10% of the range around the default have opposite signs
    (a monotone response) and differ in size by less than a factor of 2. Measured over 160 seeds
    (1 December 2026): ratios 1.67, 0.96 and 1.45 (standard errors ~0.0004 on effects of
    0.01-0.08). A ratio of two small effects is noisy: over 8 seeds it ranged 0.45-1.46 for
    stress_threshold and up to 2.05 for diligence_time, so the test takes 32 (KINK_SEEDS). Under
    the old rules workload 0.75 -> 0.65 added 24 points and 0.75 -> 0.85 removed 8."""
    p = PARAMETERS_BY_NAME[name]
    step = 0.1 * (p.high - p.low)
    down = effect({name: p.default - step}, "innovation_rate", KINK_SEEDS)
    up = effect({name: p.default + step}, "innovation_rate", KINK_SEEDS)
    # A monotone response: each effect distinguishable from 0, on opposite sides (``sign``: +1
    # where innovation rises with the parameter).
    assert side(up) == sign and side(down) == -sign, (down, up)
    ratio = abs(down["mean_diff"]) / abs(up["mean_diff"])
    assert 0.5 < ratio < 2.0, (name, down["mean_diff"], up["mean_diff"])


def test_a_tenth_of_digital_relief_is_not_a_cliff():
    """Digital relief starts at 0 (no tools), so its response is checked upwards: the first
    twentieth of load removed (+0.05, a tenth of its range) adds a few points (lead: ~3; the old
    rules added 21 with +0.1), and the next 0.05 adds between half and twice as much again."""
    first = diff({"digital_relief": 0.05}, "innovation_rate")
    both = diff({"digital_relief": 0.10}, "innovation_rate")
    assert above_zero(first) and first.mean() < 0.08
    ratio = (both - first).mean() / first.mean()
    assert 0.5 < ratio < 2.0, ratio


# ------------------------------------------------------------------------------- age ceilings (3)
def test_cadres_past_the_age_limit_attempt_less_than_eligible_cadres_of_their_rank():
    """Years 10-20 of 8 counties of 2,000 cadres: the share of quarters in which a cadre
    attempts genuine innovation, for cadres eligible for promotion vs cadres at or past the age
    limit, within each rank below the county leadership (lead, 4 seeds: rank 0 8.3% vs 6.9%,
    rank 1 11.1% vs 8.5%, rank 2 13.1% vs 9.2%). Essay 002: ceilinged cadres settle for "a cup
    of tea, a cigarette". Rank 2 has only ~50 cadres past the limit in a county, so a county's
    gap there varies by ~3.5 points around a mean of 2-4 (48 seeds, 1 December 2026) and a fifth
    to a quarter of counties show it negative: 8 counties failed the test in 2 of 6 blocks of
    seeds, so it takes 32 (AGE_SEEDS)."""
    gaps = []
    for seed in AGE_SEEDS:
        m = CadreModel(seed=seed, n_cadres=2000, with_agents=False)
        count = np.zeros((3, 2, 2))  # rank, (eligible, past limit), (attempts, cadre-quarters)
        for step in range(1, STEPS + 1):
            pop = m.population
            eligible = promotion.eligible(pop, m.p, (step - 1) * 0.25)
            past = pop.active & (pop.age >= m.p.promotion_age_limit)
            rank = pop.rank.copy()
            m.step()
            if step <= STEPS // 2:
                continue
            tried = np.isin(m.population.last_action, (INCREMENTAL, BOLD))
            for r in range(3):
                for g, group in enumerate((eligible, past)):
                    who = group & (rank == r)
                    count[r, g] += tried[who].sum(), who.sum()
        rate = count[..., 0] / count[..., 1]
        gaps.append(rate[:, 0] - rate[:, 1])
    gaps = np.array(gaps)
    for r in range(3):
        assert above_zero(gaps[:, r]), (r, gaps[:, r])


def test_a_lower_age_limit_lowers_county_innovation():
    """Lead: 45 -> 35 lowers innovation by ~0.4 points, negative in 10 of 10 paired seeds."""
    seeds = tuple(range(16))
    assert below_zero(diff({"promotion_age_limit": 35}, "innovation_rate", seeds))


# ------------------------------------------------------------------------------- leaders (4)
def test_leaders_of_both_signs_occur_at_baseline():
    """Lead: 0.37-0.44 of heads stimulate (stance > 0); under the old rules none could."""
    share = summary(runs(), "stimulating_leaders")
    assert np.all((share > 0.15) & (share < 0.85)), share


def test_promoting_innovators_breeds_stimulating_leaders_over_the_years():
    """promotion_innovation_weight 0.6 (lead: ~0.56 vs ~0.37 stimulating heads): leaders are
    cadres the appraisal promoted, so the effect builds as they replace the old ones -- larger in
    years 15-20 than in the first two."""
    weight = {"promotion_innovation_weight": 0.6}

    def years(rs, a, b):
        return np.array([np.mean(r["series"]["stimulating_leaders"][4 * a + 1:4 * b + 1])
                         for r in rs])

    late = years(runs(weight), 15, 20) - years(runs(), 15, 20)
    early = years(runs(weight), 0, 2) - years(runs(), 0, 2)
    assert above_zero(late) and late.mean() > 0.08
    assert above_zero(late - early)


# ------------------------------------------------------------------------------- tolerance (5)
def test_coverage_and_credibility_of_fault_tolerance_do_different_things():
    """(coverage 0.8, credibility 0.3) vs (0.3, 0.8): no longer one product, so the runs differ
    (lead: 11.2% vs 16.0%); credibility without coverage of larger attempts is not the same as
    coverage without credibility."""
    broad = summary(runs({"fault_tolerance": 0.8, "tolerance_credibility": 0.3}),
                    "innovation_rate")
    credible = summary(runs({"fault_tolerance": 0.3, "tolerance_credibility": 0.8}),
                       "innovation_rate")
    d = credible - broad
    assert above_zero(d) or below_zero(d)


def test_coverage_without_credibility_does_little():
    """Rules on paper (coverage 0.9, credibility 0.05) move innovation by less than a fifth of
    what credible broad tolerance (0.8, 0.9) adds (lead: 9.2% vs 9.6% baseline vs 24.5%)."""
    paper = diff({"fault_tolerance": 0.9, "tolerance_credibility": 0.05}, "innovation_rate")
    credible = diff({"fault_tolerance": 0.8, "tolerance_credibility": 0.9}, "innovation_rate")
    assert above_zero(credible) and credible.mean() > 0.05
    assert abs(paper.mean()) < 0.2 * credible.mean()


# ------------------------------------------------------------------------------- tournament (7)
def _innovator_excess(rs) -> np.ndarray:
    """Per run: innovators' share among the promoted minus among the eligible candidates,
    averaged over the 20 appraisals."""
    out = []
    for r in rs:
        s = r["series"]
        ends = np.arange(4, STEPS + 1, 4)
        out.append(np.mean(np.asarray(s["innovator_share_promoted"])[ends]
                           - np.asarray(s["innovator_share_candidates"])[ends]))
    return np.array(out)


def test_the_tournament_rewards_innovators_only_when_innovation_is_weighted():
    """At today's weight (0.1) innovators are promoted about in proportion to their share of
    the candidates: the excess is small (lead: 0.19-0.35 promoted vs 0.23-0.32 eligible, noisy;
    measured here about +0.04, from the record's small weight) and far below the old rules'
    +0.25 (52% of the promoted, 27% of cadres). With weight 0.6 they are far ahead (lead: 0.65
    vs 0.27)."""
    base = _innovator_excess(runs())
    weighted = _innovator_excess(runs({"promotion_innovation_weight": 0.6}))
    assert base.mean() < 0.1, base
    assert weighted.mean() > 0.2 and above_zero(weighted - base)


# ------------------------------------------------------------------------------- lone exposure (8)
CREDIBILITY = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def _response(lone: float, seeds) -> np.ndarray:
    """Innovation by credibility of tolerance (fault_tolerance 0.8): (credibility, seed)."""
    return np.array([summary(runs({"fault_tolerance": 0.8, "tolerance_credibility": c,
                                   "lone_exposure": lone}, seeds), "innovation_rate")
                     for c in CREDIBILITY])


def test_lone_innovators_exposure_makes_the_tipping_sharper():
    """Convexity of the response of innovation to credible tolerance: the mean of the response
    scaled to run from 0 (no credibility) to 1 (full credibility) at the interior points. A
    straight line gives 0.5; a response that stays low and then takes off gives less. With lone
    innovators exposed (lone_exposure 1 vs 0), tolerance helps little until many innovate and
    then a lot: the curve is more convex in every seed, and full credibility multiplies
    innovation more (lead: largest step 0.16 -> 0.22 of the rise, top/bottom 3.1 -> 3.7)."""
    seeds = SEEDS[:4]
    shape = {}
    for lone in (0.0, 1.0):
        c = _response(lone, seeds)
        assert np.all(np.diff(c.mean(axis=1)) > 0)  # more credibility, more innovation
        scaled = (c - c[0]) / (c[-1] - c[0])
        shape[lone] = (scaled[1:-1].mean(axis=0), c[-1] / c[0])
    convexity = shape[1.0][0] - shape[0.0][0]
    assert np.all(convexity < 0) and below_zero(convexity), convexity
    assert above_zero(shape[1.0][1] - shape[0.0][1])


# ------------------------------------------------------------------------------- learned risk (9)
def test_a_change_of_inspection_intensity_is_learned_over_years():
    """Intensity 0.6 -> 1.0 in year 5: cadres' mean perceived risk (against the same seeds
    without the change) does not jump to its new level when the lever moves. It moves as cadres
    see failures investigated: less than 60% of the eventual change in the first quarter, still
    short of it after a year, and more after the year than after the quarter. (Before the change
    both arms are identical, draw for draw.) Measured over 80 seeds (1 December 2026): 41-43%
    after the first quarter and 83-85% after a year, but one county's own share varies by ~10
    points around those (2-5% of counties pass 60% in the first quarter, 26-30% pass 90% after a
    year), so the shares are taken over the 8 counties together."""
    change = runs({}, SEEDS, steps=60,
                  schedule=[{"year": 5, "set": {"accountability_intensity": 1.0}}])
    gap = np.array([np.asarray(c["series"]["perceived_risk"])
                    - np.asarray(b["series"]["perceived_risk"])[:61]
                    for c, b in zip(change, runs({}, SEEDS), strict=True)])
    assert np.all(gap[:, :21] == 0.0)
    eventual = gap[:, 36:].mean(axis=1)  # years 9-15
    assert np.all(eventual > 0.1)
    quarter, year = gap[:, 21].mean() / eventual.mean(), gap[:, 24].mean() / eventual.mean()
    assert quarter < 0.6, quarter
    assert year < 1.0, year
    assert np.all(gap[:, 24] > gap[:, 21])


# ------------------------------------------------------------------------------- image projects (6)
@pytest.mark.parametrize("weight", [0.1, 1.0])
def test_image_projects_stay_rare_at_the_corners_of_rewards_and_verification(weight):
    """Rewards at the top of their range (2.0) and no verification: under the old rules 80-99.5%
    of cadres staged image projects. Now a project costs time and money, pays appraisal credit
    only, and may be exposed later (lead: 7%, 18% with innovation weight 1)."""
    corner = {"material_reward": 2.0, "honor_reward": 2.0, "verification_accuracy": 0.0,
              "promotion_innovation_weight": weight}
    share = summary(runs(corner, SEEDS[:4]), "symbolic_rate")
    assert np.all(share < 0.3), share
