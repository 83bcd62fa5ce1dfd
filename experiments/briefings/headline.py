"""The headline experiment: every library policy against today's baseline (paired, replicated)
and the Sobol ranking of the levers, with a findings page stating the result in three sentences.

    cadresim headline --out results/headline [--replace]

The folder is built beside its destination and moved into place only when complete; an existing
folder is replaced only when asked (``--replace``), never silently. An interrupted run resumes:
each part keeps its finished runs in the staging folder, and is reused only if it was made with
the same settings (a fingerprint per part), never mixed with parts of other settings.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from ..errors import UserError
from ..runner import DEFAULT_SEED

KEY_FIGURE = "key_figure.png"
#: Policies costing less than this (yuan per cadre per year) are not priced per 1,000 yuan.
CHEAP_YUAN = 100.0
#: Below this a policy's cost counts as none (the comparison's own threshold).
NEGLIGIBLE_YUAN = 1.0
#: In the staging folder: the fingerprint of the settings each part is made with.
PARTS_FILE = "parts.json"


@dataclass(frozen=True)
class HeadlineSettings:
    """Sizes of the headline experiment (defaults: what results/headline was made with)."""

    replicates: int = 40  # 20 posterior draws x 2 seeds each
    years: int = 20
    n_cadres: int = 1000
    samples: int = 512  # Sobol base samples over the levers' reform ranges and the posterior
    sensitivity_replicates: int = 2
    seed: int = DEFAULT_SEED
    posterior: str = "default"  # the committed headline posterior; "none": defaults
    seeds_per_draw: int = 2


def run_headline(out: str | Path, settings: HeadlineSettings = HeadlineSettings(),
                 workers: int | None = None, replace: bool = False, progress: bool = True,
                 argv: list[str] | None = None) -> Path:
    """Run the headline experiment into ``out``; returns the folder.

    Each part (the policy comparison, the lever effects, the sensitivity analysis) is built in a
    staging folder beside ``out`` and kept there if the run is interrupted; a rerun reuses a
    finished part only if it was made with the same settings (its fingerprint is recorded in
    ``parts.json``) and recomputes it otherwise, so a folder never mixes parts made with
    different settings.
    """
    from ..calibration.posterior import resolve_posterior
    from ..replicates import check_settings, prepare_scenarios
    from ..scenario import list_scenarios
    from ..sensitivity import Plan, build_problem, parse_outputs
    from ..store import check_output_dir, lock_folder

    # Every setting is checked before anything is run or written.
    check_settings(settings.replicates, settings.years, settings.seed, settings.n_cadres,
                   workers, min_replicates=2)
    policies = prepare_scenarios([s.name for s in list_scenarios()], settings.years)
    posterior = resolve_posterior(settings.posterior)
    plan = Plan(method="sobol", samples=settings.samples,
                replicates=settings.sensitivity_replicates,
                problem=build_problem("levers", ranges="reform", posterior=posterior),
                outputs=parse_outputs(None), years=settings.years, seed=settings.seed,
                n_cadres=settings.n_cadres, ranges="reform", posterior=posterior)
    given = out
    out = check_output_dir(out, allow_existing=True)
    if out.is_dir() and any(out.iterdir()) and not replace:
        raise UserError(f"{given} already holds results; pass --replace to rebuild it, or choose "
                        "another --out")
    staging = out.parent / f".{out.name}.headline-partial"
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write results under {out.parent}: {exc.strerror}; choose "
                        "another --out") from None
    busy = (f"another `cadresim headline` is writing {given} right now (in {staging}); wait for "
            "it to finish, or choose another --out")
    with lock_folder(staging, busy):
        _run_parts(staging, settings, policies, plan, posterior, workers, progress, argv)
        from ..store import publish_folder

        _carry_over(out, staging)
        publish_folder(staging, out, replace=True)
    return out


#: Folders of an existing headline that a rerun keeps: the calibration it drew from
#: (``make calibrate`` writes it there; ``make run`` must not delete what it reads).
KEPT = ("posterior",)


def _carry_over(out: Path, staging: Path) -> None:
    """Copy the folders of ``KEPT`` from the headline being replaced into the new one."""
    from ..calibration.posterior import POSTERIOR_FILE

    for name in KEPT:
        old, new = out / name, staging / name
        if (old / POSTERIOR_FILE).is_file() and not new.exists():
            shutil.copytree(old, new)


def part_fingerprints(settings: HeadlineSettings, policies, plan,
                      posterior=None) -> dict[str, str]:
    """A hash of everything each part's numbers depend on (what it is checked against)."""
    shared = {"replicates": settings.replicates, "years": settings.years,
              "seed": settings.seed, "n_cadres": settings.n_cadres,
              "seeds_per_draw": settings.seeds_per_draw,
              "posterior": posterior.describe() if posterior is not None else None}
    comparison = {**shared,
                  "policies": [{**s.to_dict(), "path": None, "full_params": s.full_params()}
                               for s in policies]}
    return {"policy_comparison": _hash(comparison), "lever_effects": _hash(shared),
            "sensitivity": _hash(plan.to_dict())}


def _hash(obj) -> str:
    from ..store import to_json

    return hashlib.sha256(to_json(obj, indent=None, sort_keys=True).encode()).hexdigest()


def _run_parts(staging: Path, settings, policies, plan, posterior, workers, progress,
               argv) -> None:
    from ..replicates import compare_scenarios
    from ..sensitivity import run_lever_effects, run_sensitivity
    from ..store import provenance, write_json_atomic

    started, t0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), time.perf_counter()
    wanted = part_fingerprints(settings, policies, plan, posterior)
    record = staging / PARTS_FILE
    try:
        made = json.loads(record.read_text()) if record.exists() else {}
    except (OSError, ValueError):
        made = {}  # unreadable: trust no part
    for name, fingerprint in wanted.items():
        old = [p for p in (staging / name, staging / f".{name}.partial") if p.exists()]
        if old and (not isinstance(made, dict) or made.get(name) != fingerprint):
            print(f"note: {name} in {staging} was made with other settings; computing it again",
                  file=sys.stderr)
            for p in old:
                shutil.rmtree(p)
    # Recorded before any part is computed, so an interrupted part is checked on the next run.
    write_json_atomic(record, wanted)

    comparison = staging / "policy_comparison"
    if not (comparison / "manifest.json").exists():
        others = [s for s in policies if s.name != "baseline"]
        compare_scenarios("baseline", others, settings.replicates, settings.years, settings.seed,
                          n_cadres=settings.n_cadres, workers=workers, out=comparison,
                          progress=progress, argv=argv, posterior=posterior,
                          seeds_per_draw=settings.seeds_per_draw)
    levers = staging / "lever_effects"
    if not (levers / "manifest.json").exists():
        run_lever_effects(levers, settings.replicates, settings.years, settings.seed,
                          posterior=posterior, seeds_per_draw=settings.seeds_per_draw,
                          n_cadres=settings.n_cadres, workers=workers, progress=progress,
                          argv=argv)
    sensitivity = staging / "sensitivity"
    if not (sensitivity / "manifest.json").exists():
        run_sensitivity(plan, sensitivity, workers=workers, progress=progress, argv=argv)

    findings = write_findings(staging)
    record.unlink()
    write_json_atomic(staging / "manifest.json", {
        "kind": "headline", "settings": asdict(settings), "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_seconds": round(time.perf_counter() - t0, 1), "findings": findings,
        "parts": ["policy_comparison", "lever_effects", "sensitivity"],
        "part_fingerprints": wanted,
        "posterior": posterior.describe() if posterior is not None else None,
        "provenance": provenance(argv),
    })


def _pp(x: float, half: float | None = None) -> str:
    """A difference of shares in percentage points, with the decimals that the half-width
    ``half`` of its interval (a share) justifies (one decimal without it)."""
    from ..presentation import decimals, number

    return number(x * 100, 1 if half is None else decimals(abs(half) * 100), sign=True)


def _mechanism_name(mech_id: str) -> str:
    """'M3' -> 'fault tolerance and error correction'."""
    from model.parameters import MECHANISMS

    return MECHANISMS.get(mech_id, mech_id).split(" (")[0]


def _half(row) -> float:
    """Half the width of a row's 95% interval of the mean."""
    return (row.ci_high - row.ci_low) / 2


def _spread_words(row) -> str:
    """The intervals of one effect row: the mean's CI and, over a posterior, where one county's
    effect may fall given what we do not know about behaviour, and how often its sign holds."""
    half = _half(row)
    text = f"95% CI of the mean {_pp(row.ci_low, half)} to {_pp(row.ci_high, half)}"
    if "full_low" in row.index and row.get("draws", 1) > 1:
        full = (row.full_high - row.full_low) / 2
        text += (f"; one county's effect, with behaviour uncertain, {_pp(row.full_low, full)} "
                 f"to {_pp(row.full_high, full)}")
        share = row.get("same_sign_share")
        if pd.notna(share):
            text += f"; same sign in {share:.0%} of {int(row.draws)} calibrated behaviours"
    return text


def findings_sentences(effects: pd.DataFrame, indices: pd.DataFrame) -> list[str]:
    """The result in three plain sentences, computed from the stored tables."""
    from ..presentation import scenario_label
    from ..sensitivity.plan import POSTERIOR_GROUP

    gen = effects[effects.output == "innovation_rate"].sort_values("mean_diff", ascending=False)
    best, worst = gen.iloc[0], gen.iloc[-1]
    # The table rounds each row to its own interval: read today's level where it is finest.
    today = gen.loc[(gen.ci_high - gen.ci_low).idxmin(), "baseline_mean"]
    s1 = (f"Today's strict management leaves genuine innovation at {today:.1%} of cadres a "
          f"quarter; the strongest package, {scenario_label(best.scenario)}, changes it by "
          f"{_pp(best.mean_diff, _half(best))} percentage points ({_spread_words(best)}), "
          f"while {scenario_label(worst.scenario)} changes it by "
          f"{_pp(worst.mean_diff, _half(worst))} ({_spread_words(worst)}).")
    sym = effects[effects.output == "symbolic_rate"].set_index("scenario")["mean_diff"]
    raises_sym = sym[sym > 0.005].sort_values(ascending=False)
    if len(raises_sym):
        s2 = (f"Side effects matter: {', '.join(map(scenario_label, raises_sym.index[:3]))} also "
              f"raise symbolic innovation (by up to {_pp(raises_sym.iloc[0])} points), because "
              "they reward a recorded innovation more than evaluators can verify it.")
    else:
        s2 = "No package raises symbolic innovation by more than half a percentage point."
    on_innovation = indices[indices.output == "innovation_rate"]
    mech = on_innovation[on_innovation.level == "mechanism"].sort_values("ST", ascending=False)
    params = on_innovation[on_innovation.level == "parameter"].sort_values("ST", ascending=False)
    top = []
    for r in mech.head(3).itertuples():
        if r.name == POSTERIOR_GROUP:
            top.append(f"what we do not know about behaviour (the calibrated posterior: {r.ST:.0%} "
                       "of the variance)")
            continue
        if r.direction in ("raises", "lowers"):
            how = f", {r.direction} it"
        else:  # mixed or unclear: say what each of its levers does
            members = [f"{m.name} {m.direction} it" for m in params.itertuples()
                       if m.mechanism == r.name and m.direction in ("raises", "lowers")]
            how = "; " + ", ".join(members) if members else f", {r.direction}"
        top.append(f"{_mechanism_name(r.name)} ({r.name}: {r.ST:.0%} of the variance{how})")
    ranges = ("reform ranges" if "posterior" in set(mech.name) or "posterior_draw" in
              set(params.name) else "full ranges")
    s3 = (f"Across the levers' {ranges}, the inputs that explain most of the variation in "
          f"genuine innovation are {'; '.join(top)}; a share of variance depends on the ranges "
          "and is not the size of an effect.")
    return [s1, s2, s3]


def lever_finding(levers: pd.DataFrame) -> str | None:
    """The largest effects of single-lever reforms, with their intervals (None without them)."""
    if levers is None or levers.empty:
        return None
    col = "innovation_rate__"
    parts = []
    for r in levers.head(3).itertuples():
        row = {k.removeprefix(col): v for k, v in r._asdict().items() if k.startswith(col)}
        full = (row["full_high"] - row["full_low"]) / 2
        parts.append(f"{r.lever} {r.today:g} -> {r.reform:g}: "
                     f"{_pp(row['mean_diff'], (row['ci_high'] - row['ci_low']) / 2)} points "
                     f"(one county {_pp(row['full_low'], full)} to {_pp(row['full_high'], full)})")
    return ("Moved alone from today's value to a plausible reform, the levers that raise genuine "
            f"innovation most are {'; '.join(parts)} (`lever_effects/lever_effects.md`).")


def uncertainty_finding(manifest_posterior: dict | None) -> str:
    """What the intervals leave out: the uncertainties the evidence could not pin down."""
    from model.parameters import names

    if not manifest_posterior:
        return ("These runs hold every behavioural uncertainty at its assumed default: the "
                "intervals show seed noise only.")
    calibrated = manifest_posterior.get("calibrated") or manifest_posterior.get("names") or []
    others = [n for n in names("uncertainty") if n not in set(manifest_posterior.get("names", []))]
    return (f"What the evidence could not pin down: {len(calibrated)} behavioural uncertainties "
            "are calibrated to the published evidence and drawn from their posterior in every "
            f"answer; the other {len(others)} (among them {', '.join(others[:4])}) stay at their "
            "assumed defaults because no target moves them by a tolerance, so every range above "
            "is a lower bound on what we do not know.")


def cost_finding(effects: pd.DataFrame) -> str | None:
    """What the policies cost and what they buy, in one sentence from the effects table's cost
    columns (None for a table made before costs were reported)."""
    from ..presentation import established, number, scenario_label

    if "cost_diff" not in effects.columns:
        return None
    gen = effects[effects.output == "innovation_rate"].set_index("scenario")
    raises = gen[[established(lo, hi) and d > 0 for d, lo, hi in
                  zip(gen.mean_diff, gen.ci_low, gen.ci_high, strict=True)]]
    if raises.empty:
        return "No policy raises genuine innovation clearly enough to price what it buys."
    best = raises.sort_values("mean_diff", ascending=False).iloc[0]
    # A ratio per 1,000 yuan of a policy costing a few yuan extrapolates far beyond what it
    # does; such policies are named with what they buy for what they cost instead.
    costly = raises.cost_diff >= CHEAP_YUAN
    priced = raises[costly & raises.per_1000_yuan.notna()].sort_values("per_1000_yuan",
                                                                        ascending=False)
    cheap = raises[~costly & (raises.cost_diff >= NEGLIGIBLE_YUAN)]
    free = [scenario_label(n) for n, r in raises.iterrows()
            if isinstance(r.cost_reading, str) and (r.cost_reading.startswith("no cost")
                                                    or r.cost_reading.startswith("saves"))]
    out = (f"What it costs: {scenario_label(best.name)}, the strongest, adds "
           f"{number(best.cost_diff, 0)} yuan per cadre per year (95% CI "
           f"{number(best.cost_ci_low, 0)} to {number(best.cost_ci_high, 0)})")
    if len(priced):
        top = priced.iloc[0]
        half = (top.per_1000_yuan_high - top.per_1000_yuan_low) / 2
        out += (f"; per 1,000 yuan per cadre per year, {scenario_label(top.name)} buys the most "
                f"genuine innovation: {_pp(top.per_1000_yuan, half)} percentage points (95% CI "
                f"{_pp(top.per_1000_yuan_low, half)} to {_pp(top.per_1000_yuan_high, half)}, "
                "Fieller)")
    for name, r in cheap.iterrows():
        out += (f"; {scenario_label(name)} adds {_pp(r.mean_diff, _half(r))} points for "
                f"{number(r.cost_diff, 0)} yuan")
    if free:
        out += f"; {', '.join(free)} raise{'s' if len(free) == 1 else ''} it at no extra cost"
    return out + "."


def write_findings(folder: Path) -> list[str]:
    """Write ``findings.md`` and the key figure into ``folder``; returns the sentences."""
    from ..store import atomic_write_text

    effects = pd.read_csv(folder / "policy_comparison" / "effects.csv")
    indices = pd.read_csv(folder / "sensitivity" / "indices.csv")
    sentences = findings_sentences(effects, indices)
    costs = cost_finding(effects)
    table = folder / "lever_effects" / "lever_effects.csv"
    levers = lever_finding(pd.read_csv(table)) if table.exists() else None
    used = json.loads((folder / "policy_comparison" / "manifest.json").read_text()).get(
        "settings", {}).get("posterior")
    extra = [t for t in (costs, levers, uncertainty_finding(used)) if t]
    key = _key_figure(folder)
    text = ["# Headline findings", "", *[f"{i}. {s}" for i, s in enumerate(sentences, 1)],
            *[line for t in extra for line in ("", t)], "",
            f"![Paired effects of each policy on genuine innovation]({key})", "",
            "Tables: `policy_comparison/effects.csv`, `sensitivity/indices.csv`; details in "
            "`sensitivity/summary.md`; provenance in each `manifest.json`.", ""]
    atomic_write_text(folder / "findings.md", "\n".join(text))
    return sentences


def _key_figure(folder: Path) -> str:
    """Copy the comparison's effect-bar figure to the top of the folder as the key figure."""
    from ..store import atomic_write_bytes

    figures = sorted((folder / "policy_comparison").glob("*effect*.png"))
    if not figures:
        raise UserError(f"no effect figure in {folder / 'policy_comparison'}")
    atomic_write_bytes(folder / KEY_FIGURE, figures[0].read_bytes())
    return KEY_FIGURE
