"""What the briefing notebooks show, as tested functions: who gains from a policy (by rank, age
band and unit type), cadres' decisions explained, the rank pyramid, effect bars and heat maps of a
stored comparison, and importance tables of a stored sensitivity analysis.

The notebooks stay thin: each figure is one call here. Running and rendering them is
``reports.py``'s job.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .errors import UserError

# ---------------------------------------------------------------------------------- who gains
#: Age bands used to split effects (upper bounds are exclusive).
AGE_BANDS = ((0, 35, "under 35"), (35, 45, "35-44"), (45, 55, "45-54"), (55, 200, "55 and over"))
RANK_LABELS = ("staff", "deputy", "head", "county leader")


def genuine_by_group(model) -> dict[tuple[str, str], tuple[int, int]]:
    """Counts (genuine innovators, cadres) this step per (grouping, group) of serving cadres.

    Groupings: ``rank``, ``age band`` and ``unit type`` (township, department, county leadership).
    A cadre innovated genuinely if its last action was an incremental or bold innovation.
    """
    from model.population import BOLD, INCREMENTAL

    table = model.agent_table()
    genuine = table["last_action"].isin((INCREMENTAL, BOLD)).to_numpy()
    org = model.organisation
    unit = table["unit"].to_numpy()
    unit_type = np.where(unit == org.county_unit, "county leadership",
                         np.where(org.is_township[unit], "township", "department"))
    age = table["age"].to_numpy()
    age_band = np.empty(len(age), dtype=object)
    for low, high, label in AGE_BANDS:
        age_band[(age >= low) & (age < high)] = label
    groups = {"rank": np.asarray(RANK_LABELS, dtype=object)[table["rank"].to_numpy()],
              "age band": age_band, "unit type": unit_type}
    counts = {}
    for grouping, labels in groups.items():
        for label in np.unique(labels.astype(str)):
            mask = labels == label
            counts[(grouping, label)] = (int(genuine[mask].sum()), int(mask.sum()))
    return counts


def group_rates(params: Mapping, seed: int, years: float, n_cadres: int = 1000,
                policy_schedule: list | None = None, tail_years: float = 5) -> dict:
    """Genuine-innovation rate per (grouping, group) over the last ``tail_years`` of one run.

    Pooled over the tail's quarters (innovators / cadre-quarters), like the model's
    ``innovation_rate`` is pooled over cadres.
    """
    from model import CadreModel

    from .runner import release

    n_steps = int(round(years * 4))
    tail = max(1, min(n_steps, int(round(tail_years * 4))))
    model = CadreModel(seed=seed, n_cadres=n_cadres, policy_schedule=policy_schedule, **params)
    sums: dict[tuple[str, str], list[int]] = {}
    try:
        for step in range(n_steps):
            model.step()
            if step >= n_steps - tail:
                for key, (k, n) in genuine_by_group(model).items():
                    acc = sums.setdefault(key, [0, 0])
                    acc[0] += k
                    acc[1] += n
    finally:
        release(model)
    return {key: k / n for key, (k, n) in sums.items() if n > 0}


def _group_rates_task(args: tuple) -> dict:
    return group_rates(*args)


def who_gains(baseline, scenarios, replicates: int, years: float, seed: int,
              n_cadres: int = 1000, tail_years: float = 5, workers: int | None = 1):
    """Paired effect of each scenario on genuine innovation, split by rank, age band, unit type.

    Replicate r of every scenario runs on the seed ``compare_scenarios`` gives it, so the runs
    here are the same counties as in the comparison.

    Args:
        baseline: the reference scenario (a ``Scenario``, a library name or a path).
        scenarios: the scenarios to compare with it (same forms).
        replicates: paired runs per scenario.
        years, n_cadres: size of each run; ``tail_years``: the final window rates are read over.
        seed: root seed.
        workers: local processes (None: one per CPU); the numbers do not depend on it.

    Returns:
        A DataFrame with columns scenario, grouping, group, baseline, value, mean_diff, ci_low,
        ci_high, n: per group, the percentage of cadres innovating genuinely per quarter under the
        baseline and the scenario, and the paired difference (percentage points) with its 95%
        t-interval.
    """
    import pandas as pd

    from .replicates import check_settings, prepare_scenarios, replicate_seed
    from .stats import paired_ci

    check_settings(replicates, years, seed, n_cadres, workers)
    loaded = prepare_scenarios([baseline, *scenarios], years)
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    tasks = [(scen.params, s, years, n_cadres, scen.policy_schedule, tail_years)
             for scen in loaded for s in seeds]
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    if workers <= 1:
        results = [_group_rates_task(t) for t in tasks]
    else:  # results come back in task order, so they do not depend on the number of workers
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as ex:
            results = list(ex.map(_group_rates_task, tasks, chunksize=max(1, replicates // 2)))
    per_scenario = [results[i * replicates:(i + 1) * replicates] for i in range(len(loaded))]
    base = per_scenario[0]
    rows = []
    for scen, runs in zip(loaded[1:], per_scenario[1:], strict=True):
        for key in sorted(set().union(*base, *runs), key=_group_order().index):
            pairs = [(b[key], r[key]) for b, r in zip(base, runs, strict=True)
                     if key in b and key in r]
            if not pairs:
                continue
            b, v = np.asarray(pairs).T * 100.0
            ci = paired_ci(v, b)
            rows.append({"scenario": scen.name, "grouping": key[0], "group": key[1],
                         "baseline": float(b.mean()), "value": float(v.mean()),
                         "mean_diff": ci["mean_diff"], "ci_low": ci["ci_low"],
                         "ci_high": ci["ci_high"], "n": ci["n"]})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- model tour
#: Terms of ``CadreAgent.explain()`` shown in the tour, with readable column names.
EXPLAIN_COLUMNS = {
    "cadre": "cadre", "rank": "rank", "unit": "unit", "age": "age", "action": "action",
    "barrier": "binding barrier", "expected_gain": "expected gain",
    "expected_sanction": "expected sanction", "success_chance": "success chance",
    "conformity_pressure": "conformity pressure", "career_payoff": "career pay-off",
    "leader_stance": "leader stance", "time_available": "time available",
    "p_innovate": "chance of innovating",
}


def explain_examples(model, per_barrier: int = 1) -> tuple:
    """A few cadres' last decisions, explained: one genuine innovator and ``per_barrier`` cadres
    held back by each barrier (chosen in id order, so the same seed picks the same cadres).

    Returns:
        (terms, gains): a table with the columns of ``EXPLAIN_COLUMNS`` (one row per cadre) and a
        table of how much removing each barrier would raise each cadre's chance of innovating.
    """
    import pandas as pd

    from model import BARRIER_NAMES

    agents = sorted(model.agents, key=lambda a: a.unique_id)
    chosen = [a for a in agents if a.barrier_name is None][:1]
    for name in BARRIER_NAMES:
        chosen += [a for a in agents if a.barrier_name == name][:per_barrier]
    explained = [a.explain() for a in chosen]
    terms = pd.DataFrame([{label: e[key] for key, label in EXPLAIN_COLUMNS.items()}
                          for e in explained])
    terms["binding barrier"] = terms["binding barrier"].fillna("none (innovated)")
    gains = pd.DataFrame([e["barrier_gains"] for e in explained],
                         index=pd.Index([e["cadre"] for e in explained], name="cadre"))
    return terms, gains


def pyramid_table(model):
    """Posts, serving cadres, vacancies and ages per rank (rank 0 staff ... 3 county leader)."""
    import pandas as pd

    table = model.agent_table()
    posts = model.organisation.capacity.sum(axis=0)
    rows = []
    for rank, label in enumerate(RANK_LABELS):
        ages = table.loc[table["rank"] == rank, "age"]
        rows.append({"rank": label, "posts": int(posts[rank]), "serving": int(ages.size),
                     "vacant": int(posts[rank] - ages.size),
                     "median age": float(ages.median()) if ages.size else float("nan"),
                     "youngest": float(ages.min()) if ages.size else float("nan"),
                     "oldest": float(ages.max()) if ages.size else float("nan")})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- policy briefing
#: Plain words for the outputs a briefing shows.
OUTPUT_LABELS = {
    "innovation_rate": "genuine innovation", "symbolic_rate": "symbolic innovation",
    "mean_stress": "mean stress", "success_rate": "success of attempts",
    "barrier_afraid": "afraid", "barrier_unwilling": "unwilling",
    "barrier_unaccustomed": "unaccustomed", "barrier_unable": "unable",
}

#: Axis units of effects scaled by 100 (rates become percentage points).
AXIS_UNITS = {"mean_stress": "points on a 0-100 scale"}


def find_comparison(results_dir) -> Path | None:
    """A stored scenario comparison in ``results_dir``: the folder itself or, sorted by name,
    the first subfolder whose ``manifest.json`` says ``"kind": "compare"`` and that holds
    ``effects.csv``. None when there is none (the notebook then computes one)."""
    if results_dir is None:
        return None
    root = Path(results_dir)
    for folder in [root, *sorted(p for p in root.glob("*") if p.is_dir())]:
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        if manifest.get("kind") == "compare" and (folder / "effects.csv").is_file():
            return folder
    return None


def load_comparison(folder) -> tuple:
    """(effects table, settings, scenario descriptions) of a stored comparison folder."""
    import pandas as pd

    from .store import load_manifest

    manifest = load_manifest(folder)
    effects = pd.read_csv(Path(folder) / "effects.csv")
    descriptions = {s["name"]: s.get("description", "") for s in manifest.get("scenarios", [])}
    return effects, manifest["settings"], descriptions


def effect_bars(effects, outputs, scale: float = 100.0, order=None, good: str = "up"):
    """A Figure with one panel per output: each scenario's paired effect and 95% interval.

    Scenarios are drawn top to bottom in ``order`` (default: largest effect on the first output
    first); blue bars are changes for the better (increases when ``good="up"``, decreases when
    ``good="down"``), red ones for the worse; an interval that crosses zero means the direction
    is not established.
    """
    from matplotlib.figure import Figure

    if order is None:
        first = effects[effects["output"] == outputs[0]].sort_values("mean_diff", ascending=False)
        order = list(first["scenario"])
    order = list(order)[::-1]  # barh draws the first row at the bottom
    fig = Figure(figsize=(4.2 * len(outputs) + 1.5, 0.42 * len(order) + 1.4), layout="constrained")
    axes = fig.subplots(1, len(outputs), sharey=True, squeeze=False)[0]
    y = np.arange(len(order))
    for ax, out in zip(axes, outputs, strict=True):
        e = effects[effects["output"] == out].set_index("scenario").reindex(order)
        diff = e["mean_diff"].to_numpy(float) * scale
        low, high = e["ci_low"].to_numpy(float) * scale, e["ci_high"].to_numpy(float) * scale
        better = diff >= 0 if good == "up" else diff <= 0
        ax.barh(y, diff, color=np.where(better, "C0", "C3"), alpha=0.65, height=0.6)
        ax.errorbar(diff, y, xerr=[diff - low, high - diff], fmt="none", ecolor="k", capsize=3)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(OUTPUT_LABELS.get(out, out.replace("_", " ")))
        ax.set_xlabel(f"change vs baseline ({AXIS_UNITS.get(out, 'percentage points')})")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, order)
    return fig


def heatmap(table, title: str, unit: str = "percentage points", good: str = "up",
            fmt: str = "{:+.1f}"):
    """A Figure showing a scenarios x columns table of changes, diverging colours, annotated.

    Blue marks good changes: increases when ``good="up"``, decreases when ``good="down"``.
    """
    from matplotlib.figure import Figure

    values = table.to_numpy(float)
    bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig = Figure(figsize=(1.0 * table.shape[1] + 3.5, 0.42 * table.shape[0] + 1.8),
                 layout="constrained")
    ax = fig.subplots()
    bound = bound or 1.0
    image = ax.imshow(values, cmap="RdBu" if good == "up" else "RdBu_r", vmin=-bound,
                      vmax=bound, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=30,
                  ha="right")
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * bound else "black")
    fig.colorbar(image, ax=ax, label=unit, shrink=0.8)
    ax.set_title(title)
    return fig


def _group_order() -> list[tuple[str, str]]:
    return [("rank", r) for r in RANK_LABELS] + [("age band", b[2]) for b in AGE_BANDS] + [
        ("unit type", u) for u in ("township", "department", "county leadership")]


def gains_matrix(gains, value: str = "mean_diff"):
    """``who_gains`` output as scenarios x groups (rank, then age band, then unit type).

    ``value`` is a column of ``gains``, or ``"interval"`` for text cells "+1.2 [0.3, 2.1]".
    """
    if value == "interval":
        gains = gains.assign(interval=[f"{m:+.1f} [{lo:+.1f}, {hi:+.1f}]" for m, lo, hi in
                                       gains[["mean_diff", "ci_low", "ci_high"]].to_numpy()])
    wide = gains.pivot_table(index="scenario", columns=["grouping", "group"], values=value,
                             sort=False, aggfunc="first")
    wide = wide.reindex(columns=[c for c in _group_order() if c in wide.columns])
    wide.columns = [group for _, group in wide.columns]
    return wide


# ---------------------------------------------------------------------------------- sensitivity
#: Colours of the estimated direction of an effect.
DIRECTION_COLOURS = {"raises": "C0", "lowers": "C3"}


def load_sweep(sweep_dir) -> tuple:
    """(indices, diagnostics, manifest) of a stored sensitivity analysis folder.

    Raises UserError naming the folder and the command that makes one when it is missing.
    """
    import pandas as pd

    from .store import load_manifest

    folder = Path(sweep_dir)
    if not (folder / "indices.csv").is_file():
        raise UserError(f"no sensitivity results in '{folder}' (indices.csv is missing); run "
                        f"`cadresim sensitivity --out {folder}` or `make run` first")
    manifest = load_manifest(folder)
    diagnostics = (pd.read_csv(folder / "diagnostics.csv")
                   if (folder / "diagnostics.csv").is_file() else None)
    return pd.read_csv(folder / "indices.csv"), diagnostics, manifest


#: Plain words for the flags of ``indices.csv`` (see ``experiments.sensitivity.report``).
FLAG_WORDS = {
    "below_noise": "lost in seed noise", "near_noise": "close to seed noise",
    "S1_spans_zero": "alone: interval reaches zero", "ST_spans_zero": "interval reaches zero",
    "mu_star_spans_zero": "interval reaches zero", "negative": "estimate below zero (read 0)",
    "constant": "result did not vary",
}


def plain_flags(flags) -> str:
    """``"ST_spans_zero;near_noise"`` -> ``"interval reaches zero; close to seed noise"``."""
    if not isinstance(flags, str) or not flags:
        return ""
    return "; ".join(FLAG_WORDS.get(f, f.replace("_", " ")) for f in flags.split(";") if f)


def importance_table(indices, output: str, level: str):
    """How much each parameter or mechanism (``level``) drives ``output``, largest first.

    Columns: name, label (for plots), meaning, mechanism, importance and its 95% half-interval
    (Sobol total index ST, or Morris mu* for Morris screening), direction, flags and the same in
    plain words (caution), and the signed standardised regression coefficient ``src`` with
    ``src_conf`` (parameters only).
    """
    rows = indices[(indices["output"] == output) & (indices["level"] == level)]
    if rows.empty:
        raise UserError(f"the sensitivity results have no {level} indices for '{output}'; "
                        f"outputs: {', '.join(dict.fromkeys(indices['output']))}")
    from model import MECHANISMS, PARAMETERS_BY_NAME

    key, conf = ("ST", "ST_conf") if "ST" in rows.columns else ("mu_star", "mu_star_conf")
    if level == "mechanism":  # "fault tolerance and error correction", without the file name
        meaning = [MECHANISMS.get(n, "").split(" (")[0] for n in rows["name"]]
        label = [f"{n} {m}".strip() for n, m in zip(rows["name"], meaning, strict=True)]
    else:
        meaning = [PARAMETERS_BY_NAME[n].meaning if n in PARAMETERS_BY_NAME else ""
                   for n in rows["name"]]
        label = list(rows["name"])
    flags = rows["flags"].fillna("") if "flags" in rows else [""] * len(rows)
    table = rows.assign(importance=rows[key], importance_conf=rows[conf], label=label,
                        meaning=meaning, flags=flags, caution=[plain_flags(f) for f in flags])
    keep = ["name", "label", "meaning", "mechanism", "importance", "importance_conf", "direction",
            "flags", "caution", "src", "src_conf"]
    table = table[[c for c in keep if c in table.columns]]
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def importance_bars(table, title: str, xlabel: str, floor: float | None = None, top: int = 15):
    """A Figure of the ``top`` rows of an ``importance_table``: bars coloured by direction, 95%
    whiskers, and the seed-noise floor (when given) as a dotted line."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    t = table.head(top).iloc[::-1]
    fig = Figure(figsize=(8.5, 0.34 * len(t) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(t))
    colours = [DIRECTION_COLOURS.get(d, "0.6") for d in t["direction"].fillna("unknown")]
    value = t["importance"].to_numpy(float)
    ax.barh(y, value, color=colours, alpha=0.75, height=0.65)
    ax.errorbar(value, y, xerr=t["importance_conf"].to_numpy(float), fmt="none", ecolor="k",
                capsize=3)
    if floor is not None and np.isfinite(floor):
        ax.axvline(floor, color="0.3", ls=":", label="seed-noise floor")
    ax.set_yticks(y, list(t["label"] if "label" in t else t["name"]))
    ax.set(xlabel=xlabel, title=title)
    ax.set_xlim(left=min(0.0, float(np.nanmin(value - t["importance_conf"].to_numpy(float)))))
    handles = [Patch(color="C0", alpha=0.75, label="raises it"),
               Patch(color="C3", alpha=0.75, label="lowers it"),
               Patch(color="0.6", alpha=0.75, label="mixed or unclear")]
    if floor is not None and np.isfinite(floor):
        handles += ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def direction_matrix(indices, outputs, top: int = 12):
    """Signed standardised regression coefficients (parameters x outputs) for the ``top``
    parameters by importance on the first output: + raises the output, - lowers it."""
    first = importance_table(indices, outputs[0], "parameter")
    names = list(first["name"].head(top))
    rows = indices[(indices["level"] == "parameter") & indices["output"].isin(outputs)]
    wide = rows.pivot_table(index="name", columns="output", values="src", aggfunc="first")
    wide = wide.reindex(index=names, columns=[o for o in outputs if o in wide.columns])
    wide.columns = [OUTPUT_LABELS.get(c, c.replace("_", " ")) for c in wide.columns]
    return wide
