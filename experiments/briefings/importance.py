"""The sensitivity briefing: a stored sensitivity analysis read, its parameters and mechanisms
ranked by importance with their direction, in tables and bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import UserError
from ..presentation import COLOURS, GOOD_DIRECTION, PALE, direction_handles
from ..sensitivity.figures import bar_colour
from ..store import load_manifest
from .labels import OUTPUT_LABELS

#: Colours of the estimated direction of an effect on genuine innovation (the project's
#: convention: blue better for genuine innovation, orange worse).
DIRECTION_COLOURS = {"raises": COLOURS["better"], "lowers": COLOURS["worse"]}
#: Flags of an index that cannot be told from seed noise: it is shown but not ranked.
NOISE_FLAGS = ("below_noise", "near_noise", "noise_dominated", "constant")


def load_sweep(sweep_dir) -> tuple:
    """(indices, diagnostics, manifest) of a stored sensitivity analysis folder.

    Raises UserError naming the folder and the command that makes one when it is missing.
    """
    import pandas as pd

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
    "constant": "result did not vary", "noise_dominated": "result mostly seed noise",
}


def plain_flags(flags) -> str:
    """``"ST_spans_zero;near_noise"`` -> ``"interval reaches zero; close to seed noise"``."""
    if not isinstance(flags, str) or not flags:
        return ""
    return "; ".join(FLAG_WORDS.get(f, f.replace("_", " ")) for f in flags.split(";") if f)


def importance_table(indices, output: str, level: str):
    """How much each parameter or mechanism (``level``) drives ``output``, largest first.

    Columns: rank (1, 2, ... for indices above the seed-noise floor by more than their interval;
    empty for the others, whose order is noise), name, label (for plots), meaning, mechanism,
    importance and its 95% half-interval (Sobol total index ST, or Morris mu* for Morris
    screening), direction, flags and the same in plain words (caution), and the signed
    standardised regression coefficient ``src`` with ``src_conf`` (parameters only). Ranked rows
    come first.
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
    noise = table["flags"].str.contains("|".join(NOISE_FLAGS))
    table = table.assign(_noise=noise).sort_values(["_noise", "importance"],
                                                   ascending=[True, False], kind="stable")
    ranked = (~table["_noise"]).cumsum().where(~table["_noise"])
    table = table.drop(columns="_noise")
    table.insert(0, "rank", ranked.astype("Int64"))
    return table.reset_index(drop=True)


def importance_bars(table, title: str, xlabel: str, floor: float | None = None, top: int = 15,
                    output: str = "innovation_rate", scale: float = 1.0):
    """A Figure of the ``top`` rows of an ``importance_table``: bars coloured by what turning
    the parameter up does for genuine innovation through ``output`` (blue better, orange worse,
    grey neither or unclear), pale where the index cannot be told from seed noise; 95% whiskers,
    and the seed-noise floor (when given) as a dotted line. Values (and the floor) are multiplied
    by ``scale`` (100 shows Sobol indices in percent)."""
    from matplotlib.figure import Figure

    t = table.head(top).iloc[::-1]
    fig = Figure(figsize=(8.5, 0.34 * len(t) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(t))
    colours = [bar_colour(output, d) for d in t["direction"].fillna("unknown")]
    noise = (t["rank"].isna() if "rank" in t else np.zeros(len(t), bool))
    value = t["importance"].to_numpy(float) * scale
    conf = t["importance_conf"].to_numpy(float) * scale
    for k in range(len(t)):
        ax.barh(y[k], value[k], color=colours[k], alpha=PALE if noise.iloc[k] else 0.85,
                height=0.65)
    ax.errorbar(value, y, xerr=conf, fmt="none", ecolor="k", capsize=3)
    if floor is not None and np.isfinite(floor):
        ax.axvline(floor * scale, color="0.3", ls=":", label="seed-noise floor")
    ax.set_yticks(y, list(t["label"] if "label" in t else t["name"]))
    ax.set(xlabel=xlabel, title=title)
    ax.set_xlim(left=min(0.0, float(np.nanmin(value - conf))))
    handles = direction_handles()
    if floor is not None and np.isfinite(floor):
        handles += ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def direction_matrix(indices, outputs, top: int = 12):
    """Signed standardised regression coefficients (parameters x outputs) for the ``top``
    parameters by importance on the first output: + raises the output, - lowers it. Use
    :func:`direction_goods` for the heat map's colours."""
    first = importance_table(indices, outputs[0], "parameter")
    names = list(first["name"].head(top))
    rows = indices[(indices["level"] == "parameter") & indices["output"].isin(outputs)]
    wide = rows.pivot_table(index="name", columns="output", values="src", aggfunc="first")
    wide = wide.reindex(index=names, columns=[o for o in outputs if o in wide.columns])
    wide.columns = [OUTPUT_LABELS.get(c, c.replace("_", " ")) for c in wide.columns]
    return wide


def direction_goods(outputs) -> list[str]:
    """Per output, which way is better for genuine innovation ("up", "down" or "neither"), for
    the colours of ``heatmap``."""
    return [{1: "up", -1: "down"}.get(GOOD_DIRECTION.get(o, 0), "neither") for o in outputs]
