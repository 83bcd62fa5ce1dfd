"""Mutation check of the model tests: do they notice a wrong rule?

    python benchmarks/mutation.py            # every mutation (about half an hour on 2 cores)
    python benchmarks/mutation.py --only 3 7 # some of them
    python benchmarks/mutation.py --check    # only check that every mutation still applies

Each mutation is a one-line change to a rule in ``model/`` -- an exact ``(file, old text, new
text)`` whose old text must occur exactly once (the script fails loudly otherwise, so the list
cannot silently rot as the model changes). They are applied one at a time to a temporary copy of
the repository, and the model test files run there (``pytest -x``: the first failing test
catches the mutation). The copy compiles its own Numba cache (model/jit.py keys it on the
sources, so a mutated helper is never served from a stale cache).

Not run: tests/test_reference.py (any change of behaviour breaks its bit-identical numbers, so it
would catch every mutation without saying anything about the model tests) and
tests/test_compiled.py (compiled and plain-Python runs of the same mutated code agree).

Prints caught/survived per mutation and the total; exits 1 below 90% caught. Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.9
#: The model test files, fastest first (with -x a caught mutation stops at its first failure).
TEST_FILES = (
    "tests/test_pass_decision.py", "tests/test_pass_accountability.py",
    "tests/test_pass_learning.py", "tests/test_pass_training.py", "tests/test_pass_workload.py",
    "tests/test_pass_conformity.py", "tests/test_pass_leaders.py",
    "tests/test_pass_incentives.py", "tests/test_pass_promotion.py",
    "tests/test_pass_demography.py", "tests/test_pass_population.py",
    "tests/test_pass_outputs.py", "tests/test_pass_costs.py", "tests/test_docs.py",
    "tests/test_mechanisms.py", "tests/test_mesa_adapter.py", "tests/test_model.py",
    "tests/test_patterns.py", "tests/test_behaviour.py",
)
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "results", "__pycache__", "*.egg-info",
                                     "notebooks", ".pytest_cache")


@dataclass(frozen=True)
class Mutation:
    file: str
    old: str
    new: str
    why: str


M = Mutation
MUTATIONS: tuple[Mutation, ...] = (
    # --- the five of issue 14, in the new code
    M("model/accountability.py", "return min(1.0, coverage / size) * preparation",
      "return min(1.0, coverage / size)", "excusal ignores due diligence"),
    M("model/decision.py", "prepared = UNPREPARED + (1.0 - UNPREPARED) * preparation",
      "prepared = UNPREPARED + (1.0 - UNPREPARED) * np.sqrt(preparation)",
      "the preparation term of the success chance changed"),
    M("model/leaders.py", "own = min(recent_innovation / RECENT_FULL, 1.0)",
      "own = min(2.0 * recent_innovation / RECENT_FULL, 1.0)",
      "a leader's own innovation counts double in its stance"),
    M("model/model.py", "+ ROUTINE_INSPECTION * accountability_intensity - distracted, 0.0, 1.0)",
      "+ ROUTINE_INSPECTION * accountability_intensity + distracted, 0.0, 1.0)",
      "the sign of routine distraction flipped"),
    M("model/demography.py", "return exit_rate * (1.0 + EXIT_STRESS * stress)",
      "return exit_rate", "exit no longer depends on stress"),
    # --- decision
    M("model/decision.py", "short = max(q.career_value - payoff, 0.0)", "short = 0.0",
      "unwilling forgets the missing pay-off"),
    M("model/decision.py", "SHAPLEY_WEIGHT = (0.25, 1.0 / 12.0, 1.0 / 12.0, 0.25)",
      "SHAPLEY_WEIGHT = (0.25, 1.0 / 12.0, 1.0 / 6.0, 0.25)", "wrong Shapley coalition weight"),
    M("model/decision.py", "int(u >= pr_gen) + int(u >= pr_gen + pr_sym)",
      "int(u >= pr_gen) + int(u >= pr_sym)",
      "the symbolic band starts at 0"),
    M("model/decision.py", "return loss_aversion * (RISK_WEIGHT_BASE + risk_aversion)",
      "return loss_aversion * risk_aversion", "sanction weight without its base"),
    # --- accountability
    M("model/accountability.py",
      "return (1.0 + social_risk * size) * (1.0 + lone_exposure * (1.0 - peer_share))",
      "return (1.0 + social_risk * size) * (1.0 + lone_exposure * peer_share)",
      "the crowd, not the lone innovator, is exposed"),
    M("model/accountability.py", "sham_record[i] = sham_record[i] * SHAM_MEMORY + credited",
      "sham_record[i] = sham_record[i] + credited", "sham record never fades"),
    M("model/accountability.py",
      "record[i] = max(record[i] - SYMBOLIC_CLAIM * sham_record[i], 0.0)",
      "record[i] = max(record[i], 0.0)", "late exposure keeps the credit"),
    M("model/accountability.py",
      "routine_fault = q.routine_error_rate * q.accountability_intensity",
      "routine_fault = q.routine_error_rate", "routine faults found without inspection"),
    # --- social learning and reinforcement
    M("model/social_learning.py",
      "return belief + (1.0 - np.exp(cases * log_keep)) * (target - belief)",
      "return belief + (1.0 - np.exp(log_keep)) * (target - belief)",
      "beliefs ignore how many cases were seen"),
    M("model/social_learning.py", "w = salience if punished[j] else 1.0", "w = 1.0",
      "a punished failure is no more salient"),
    M("model/social_learning.py",
      "target = base_intensity(min(investigated / cases, 1.0), scrutiny / cases)",
      "target = min(investigated / cases, 1.0)", "risk estimate ignores scrutiny"),
    M("model/social_learning.py",
      "signal = (1.0 if success[i] else 0.0) - (1.0 if punished[i] else 0.0)",
      "signal = 1.0 if success[i] else 0.0", "own punishment no longer discourages"),
    # --- promotion
    M("model/promotion.py", "- severity * (demerit_until[i] > year))",
      "- severity * (demerit_until[i] < year))", "demerit test inverted in the appraisal"),
    M("model/promotion.py",
      "ambition[i] *= 1.0 - decay * (passed_over + CEILING_DECAY * too_old)",
      "ambition[i] *= 1.0 - decay * (passed_over + too_old)",
      "no faster fading past the age limit"),
    M("model/promotion.py", "and tenure[i] >= MIN_YEARS_IN_RANK and demerit_until[i] <= year)",
      "and tenure[i] >= MIN_YEARS_IN_RANK)", "sanctioned cadres stay eligible"),
    M("model/promotion.py", "odds[has] += ODDS_UPDATE * (realised[has] - odds[has])",
      "odds[has] = realised[has]", "odds jump to last year's"),
    # --- organisation
    M("model/organisation.py", "load[:n_town] += TOWNSHIP_LOAD", "load[n_town:] += TOWNSHIP_LOAD",
      "departments, not townships, carry the extra load"),
    # --- leaders
    M("model/leaders.py", "seen[i] = county_stance if rank[i] >= HEAD else unit_stance[unit[i]]",
      "seen[i] = unit_stance[unit[i]]", "heads see their own stance, not the county's"),
    # --- conformity
    M("model/conformity.py", "others = innovators[unit[i]] - attempted[i]",
      "others = innovators[unit[i]]", "a cadre counts itself among its peers"),
    M("model/conformity.py", "return strength * min(share - threshold, 0.0)",
      "return strength * (share - threshold)", "conformity pays above the threshold"),
    # --- training
    M("model/training.py", "p.training_coverage / QUARTERS_PER_YEAR, min(course_gain(p), 1.0)",
      "p.training_coverage, min(course_gain(p), 1.0)", "the yearly coverage trained each quarter"),
    M("model/training.py", "room = (1.0 - skill[i]) * (1.0 - STRESS_LEARNING * stress[i])",
      "room = 1.0 - skill[i]", "stress does not slow learning"),
    M("model/training.py", "ties[order[0], tie_slot] = order[-1]",
      "ties[order[0], tie_slot] = order[0]", "the first classmate befriends itself"),
    # --- incentives
    M("model/incentives.py",
      "q = 1.0 - (1.0 - clip(odds, 0.0, 1.0)) ** CAREER_HORIZON",
      "q = clip(odds, 0.0, 1.0)", "odds not taken over the career horizon"),
    M("model/incentives.py", "return material + honour * ambition", "return material + honour",
      "honours move the disappointed as much as the ambitious"),
    # --- workload
    M("model/workload.py", "return (workload * unit_load * post_load * (1.0 - digital_relief)",
      "return (workload * unit_load * post_load * (1.0 - 0.5 * digital_relief)",
      "digital relief removes half what it says"),
    M("model/workload.py", "s += SANCTION_STRESS", "s -= SANCTION_STRESS",
      "a sanction relieves stress"),
    # --- demography
    M("model/demography.py", "mean[b, v] /= n_unit[v]", "mean[b, v] /= n_unit[v] + 1.0",
      "recruits' beliefs are not their unit's mean"),
    M("model/demography.py", "ties[i, HEAD_TIE] = head", "ties[i, HEAD_TIE] = i",
      "a rotated cadre keeps no tie to its former head"),
    # --- population
    M("model/population.py", "z[d.post_load, k] - 0.5 * load_sd * load_sd)",
      "z[d.post_load, k])", "post load not of mean one"),
    M("model/population.py", "ambition_mean + AMBITION_SD * z[d.ambition, k]",
      "ambition_mean + AMBITION_SD * z[d.risk_aversion, k]",
      "ambition drawn from risk aversion's draw"),
    # --- outputs
    M("model/outputs.py", '"exposure_rate": s[STAT.exposed] / n,',
      '"exposure_rate": s[STAT.symbolic] / n,', "exposure rate counts every image project"),
    M("model/outputs.py",
      '"barrier_afraid": s[STAT.shapley_afraid] / gap if gap > 0 else 0.0,',
      '"barrier_afraid": s[STAT.shapley_afraid] / n if gap > 0 else 0.0,',
      "the afraid share of all cadres, not of the gap"),
    # --- costs
    M("model/costs.py", "* p.verification_accuracy ** 2,", "* p.verification_accuracy,",
      "verification costs linearly"),
    M("model/costs.py", "(LOST_DAY_SHARE + (1.0 - LOST_DAY_SHARE) * teaching)",
      "(LOST_DAY_SHARE + teaching)", "teaching cost not scaled to its share"),
    # --- model (step order and wiring)
    M("model/model.py", "size_per_cadre_year = value * QUARTERS_PER_YEAR / n_active",
      "size_per_cadre_year = value / n_active", "reward costs not annualised"),
    M("model/model.py", "social_learning.reinforce(pop, ev.success, ev.sanctioned_innovator, p)",
      "social_learning.reinforce(pop, ev.success, ev.sanctioned, p)",
      "routine and image-project sanctions discourage innovating"),
    M("model/model.py", "self._attempted = ev.attempted", "self._attempted = ev.success",
      "peers' innovation counts only successes"),
    # --- boundaries, off-by-one and wiring (subtler than the above)
    M("model/conformity.py", "share[i] = others / max(n_unit[unit[i]] - 1.0, 1.0)",
      "share[i] = others / max(n_unit[unit[i]], 1.0)", "peer share over the unit, self counted"),
    M("model/decision.py", "e_other = 1.0 + x[X_SYM]", "e_other = x[X_SYM]",
      "routine work drops out of the choice set"),
    M("model/demography.py", "age[i] >= retirement_age", "age[i] > retirement_age",
      "retirement a quarter late"),
    M("model/promotion.py", "for first_townships in (False, True):",
      "for first_townships in (True, False):", "townships filled before county departments"),
    M("model/promotion.py", "k = int(np.rint(share * idx.size))", "k = int(share * idx.size)",
      "the demoted share rounded down"),
    M("model/promotion.py", "and age[i] < age_limit", "and age[i] <= age_limit",
      "the age limit itself still eligible"),
    M("model/promotion.py", "+= PROMOTION_LIFT * (1.0 - ambition[i])",
      "+= PROMOTION_LIFT * ambition[i]",
      "promotion lifts ambition in proportion to it"),
    M("model/social_learning.py", "tied = tied or has[ties[i, t]]", "tied = has[ties[i, t]]",
      "only the last tie decides whether a cadre saw cases through ties"),
    M("model/social_learning.py", "if qualified[j]:", "if failed[j]:",
      "tolerance learned from every failure, not covered ones"),
    M("model/training.py", "peers = min((succ_unit[unit[i]] - success[i]) / PEERS_FULL, 1.0)",
      "peers = min(succ_unit[unit[i]] / PEERS_FULL, 1.0)", "one's own success teaches oneself"),
    M("model/incentives.py", "if not eligible:", "if eligible:",
      "career pay-off for the ineligible only"),
    M("model/accountability.py", "if active[i] and sham_record[i] > 0.0:",
      "if sham_record[i] > 0.0:", "a vacant row's old claims exposed"),
    M("model/leaders.py", "heads = np.flatnonzero(pop.active & (pop.rank == HEAD))",
      "heads = np.flatnonzero(pop.rank == HEAD)", "a head who left still leads"),
    M("model/demography.py", "if head >= 0 and head != i:", "if head >= 0:",
      "a rotated head ties to itself"),
)


def apply(root: Path, m: Mutation) -> str:
    """Apply ``m`` under ``root``; returns the original text of the file."""
    path = root / m.file
    text = path.read_text(encoding="utf-8")
    count = text.count(m.old)
    if count != 1:
        raise SystemExit(f"mutation '{m.why}': {m.file} contains its old text {count} times "
                         f"(must be once): {m.old!r}; update benchmarks/mutation.py")
    path.write_text(text.replace(m.old, m.new), encoding="utf-8")
    return text


def run_tests(root: Path, files=TEST_FILES, timeout: float = 1800.0) -> tuple[bool, str, float]:
    """(passed, the first failing test or a note, seconds) of the model tests under ``root``."""
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR",
                                                            "NUMBA_DISABLE_JIT")}
    start = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-p", "no:cacheprovider",
             "-m", "not browser", *files], cwd=root, env=env, capture_output=True, text=True,
            timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "timed out (counted as caught: the tests did not pass)", timeout
    seconds = time.perf_counter() - start
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out.stdout, flags=re.M)
    if out.returncode == 0:
        return True, "", seconds
    return False, failed[0] if failed else out.stdout.strip().splitlines()[-1], seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", type=int, nargs="+", help="numbers of the mutations to run")
    ap.add_argument("--check", action="store_true",
                    help="only check that every mutation applies to the current sources")
    args = ap.parse_args(argv)
    modules = {Path(m.file).stem for m in MUTATIONS}
    chosen = [(i, m) for i, m in enumerate(MUTATIONS, 1) if not args.only or i in args.only]
    for _, m in chosen:  # fail loudly before spending any time
        text = (ROOT / m.file).read_text(encoding="utf-8")
        if text.count(m.old) != 1:
            raise SystemExit(f"mutation '{m.why}': {m.file} contains its old text "
                             f"{text.count(m.old)} times (must be once): {m.old!r}")
        if m.old == m.new:
            raise SystemExit(f"mutation '{m.why}' changes nothing")
    if args.check:
        print(f"{len(MUTATIONS)} mutations apply, across {len(modules)} modules: "
              f"{', '.join(sorted(modules))}")
        return 0

    with tempfile.TemporaryDirectory(prefix="cadresim-mutation-") as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(ROOT, root, ignore=COPY_IGNORE)
        where = subprocess.run([sys.executable, "-c", "import model; print(model.__file__)"],
                               cwd=root, capture_output=True, text=True)
        if not where.stdout.strip().startswith(str(root)):
            raise SystemExit(f"the copy's tests would import another model: {where.stdout!r}")
        print(f"unmutated copy: running the model tests ({len(TEST_FILES)} files) ...",
              flush=True)
        passed, note, seconds = run_tests(root)
        if not passed:
            raise SystemExit(f"the model tests fail without any mutation ({note}); fix them first")
        print(f"  pass ({seconds:.0f} s)\n", flush=True)
        caught = 0
        for i, m in chosen:
            original = apply(root, m)
            try:
                passed, note, seconds = run_tests(root)
            finally:
                (root / m.file).write_text(original, encoding="utf-8")
            caught += not passed
            verdict = f"caught by {note}" if not passed else "SURVIVED"
            print(f"{i:2d}. {m.file:<27} {m.why:<55} {verdict} ({seconds:.0f} s)", flush=True)
    share = caught / len(chosen)
    print(f"\ncaught {caught} of {len(chosen)} mutations ({share:.0%}); target {TARGET:.0%}")
    return 0 if share >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
