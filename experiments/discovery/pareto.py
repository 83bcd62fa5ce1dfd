"""What a robust search reports: every package's measures with their uncertainty, which packages
are robustly better than a library scenario, the scenario files, and the figure (gain against
cost, coloured by the symbolic side effect, the library on the same axes).

"Robustly better than L" (judged on the *validation* worlds, which the search never saw): in at
least 90% of worlds the package's genuine-innovation gain is at least L's minus half a point,
its mean advantage over L has a 95% paired interval above zero, and in its worst tenth of worlds
it adds no more symbolic innovation than L does (within half a point).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom

from ..stats import paired_ci, t_halfwidth
from .robust import REFORM, TAIL, TODAY

#: Differences below this (half a percentage point) a ministry would not notice.
TOLERANCE = 0.005
#: Share of worlds in which a robustly better package must not fall behind.
WORLDS_SHARE = 0.9


def quantile_ci(values, q: float) -> tuple[float, float, float]:
    """The ``q`` quantile with a distribution-free 95% interval (order statistics)."""
    v = np.sort(np.asarray(values, dtype=float))
    n = v.size
    lo = int(np.clip(binom.ppf(0.025, n, q) - 1, 0, n - 1))
    hi = int(np.clip(binom.ppf(0.975, n, q), 0, n - 1))
    return float(np.quantile(v, q)), float(v[lo]), float(v[hi])


def describe(m: dict, prefix: str = "") -> dict:
    """Mean (95% t-interval) and tail quantiles (95% order-statistic interval) of one package's
    paired measures over the cells of an ensemble."""
    out = {}
    for key in ("gain", "symbolic", "cost"):
        a = np.asarray(m[key], dtype=float)
        half = t_halfwidth(a)
        out.update({f"{key}_mean": a.mean(), f"{key}_mean_low": a.mean() - half,
                    f"{key}_mean_high": a.mean() + half})
    for key, q in (("gain", 1 - TAIL), ("regret", TAIL), ("symbolic", TAIL), ("cost", TAIL)):
        est, lo, hi = quantile_ci(m[key], q)
        tag = f"p{round(q * 100)}"
        out.update({f"{key}_{tag}": est, f"{key}_{tag}_low": lo, f"{key}_{tag}_high": hi})
    return {prefix + k: float(v) for k, v in out.items()}


def advantage(p: dict, ref: dict) -> dict:
    """How package ``p`` compares with ``ref`` world by world (paired cells of one ensemble)."""
    ci = paired_ci(p["gain"], ref["gain"])
    return {"share_not_behind": float(np.mean(np.asarray(p["gain"])
                                              >= np.asarray(ref["gain"]) - TOLERANCE)),
            "mean_advantage": ci["mean_diff"], "advantage_low": ci["ci_low"],
            "advantage_high": ci["ci_high"],
            "tail_symbolic_difference": float(np.quantile(p["symbolic"], TAIL)
                                              - np.quantile(ref["symbolic"], TAIL))}


def robustly_better(p: dict, ref: dict) -> tuple[bool, dict]:
    """Whether package ``p`` is robustly better than ``ref`` (paired cells of one ensemble)."""
    a = advantage(p, ref)
    ok = (a["share_not_behind"] >= WORLDS_SHARE and a["advantage_low"] > 0
          and a["tail_symbolic_difference"] <= TOLERANCE)
    return ok, a


def best_reference(measures: dict[str, dict], names) -> str:
    """The reference with the least tail regret (most mean gain on a tie)."""
    return min(names, key=lambda k: (float(np.quantile(measures[k]["regret"], TAIL)),
                                     -float(np.mean(measures[k]["gain"]))))


def library_table(train: dict, valid: dict, descriptions: dict) -> pd.DataFrame:
    """One row per known package: its measures on the search's worlds and on fresh worlds."""
    rows = []
    for name in train:
        kind = ("today" if name == TODAY else "serious reform" if name == REFORM
                else "library scenario")
        rows.append({"package": name, "kind": kind, "description": descriptions.get(name, ""),
                     **describe(train[name]), **describe(valid[name], "validated_")})
    return pd.DataFrame(rows)


def front_table(names: list[str], levers: list[str], X: np.ndarray, train: list[dict],
                valid: list[dict], refs: dict[str, dict]) -> pd.DataFrame:
    """One row per Pareto package: lever values, measures (search worlds, fresh worlds) and,
    against each reference in ``refs`` (its validated measures), whether it is robustly better
    and by how much."""
    rows = []
    for i, name in enumerate(names):
        row = {"package": name, **dict(zip(levers, X[i], strict=True)), **describe(train[i]),
               **describe(valid[i], "validated_")}
        for ref, m in refs.items():
            ok, a = robustly_better(valid[i], m)
            row[f"robustly_better_than_{ref}"] = ok
            row.update({f"vs_{ref}_{k}": v for k, v in a.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def scenario_toml(name: str, description: str, values: dict, note: str) -> str:
    """A scenario file ``cadresim compare`` accepts, holding one package exactly."""
    lines = [f"# {line}" for line in note.splitlines()]
    lines += [f'description = "{description}"', "", "[params]"]
    for k, v in values.items():
        value = int(v) if float(v).is_integer() and abs(v) >= 1 else float(v)
        lines.append(f"{k} = {value!r}")
    return "\n".join(lines) + "\n"


def pareto_figure(front: pd.DataFrame, library: pd.DataFrame, budget: float,
                  highlight: str | None, prefix: str = ""):
    """Mean genuine-innovation gain against tail extra cost, coloured by tail symbolic added;
    whiskers from the worst tenth of worlds (10th percentile of the gain) to the 90th; the
    known packages as labelled diamonds."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    fig, ax = plt.subplots(figsize=(11.5, 6.4), layout="constrained")
    pts = 100 * pd.concat([front[prefix + "symbolic_p90"], library[prefix + "symbolic_p90"]])
    span = max(float(np.abs(pts).max()), 0.5)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
    cmap = plt.get_cmap("RdBu_r")

    def draw(df, marker, size, edge):
        x, y = df[prefix + "cost_p90"], 100 * df[prefix + "gain_mean"]
        low, high = 100 * df[prefix + "gain_p10"], 100 * df[prefix + "gain_mean"]
        ax.vlines(x, low, high, color="#bbbbbb", lw=1, zorder=1)
        return ax.scatter(x, y, c=100 * df[prefix + "symbolic_p90"], cmap=cmap, norm=norm,
                          marker=marker, s=size, edgecolors=edge, linewidths=1.2, zorder=3)

    sc = draw(front, "o", 46, "none")
    draw(library, "D", 110, "black")
    # Known packages are numbered on the plot and named in a key (names would overlap where
    # several cost nothing and gain nothing).
    key = []
    for i, r in enumerate(library.itertuples(), start=1):
        ax.annotate(str(i), (getattr(r, prefix + "cost_p90"),
                             100 * getattr(r, prefix + "gain_mean")),
                    ha="center", va="center", fontsize=6.5, fontweight="bold", zorder=5)
        key.append(f"{i:>2}  {r.package.replace('_', ' ')}")
    ax.text(1.02, 0.0, "known packages\n" + "\n".join(key), transform=ax.transAxes,
            fontsize=7.5, va="bottom", ha="left", family="monospace")
    if highlight is not None and highlight in set(front["package"]):
        r = front[front["package"] == highlight].iloc[0]
        ax.scatter([r[prefix + "cost_p90"]], [100 * r[prefix + "gain_mean"]], marker="*",
                   s=360, facecolors="none", edgecolors="black", lw=1.5, zorder=4,
                   label=f"{highlight.replace('_', ' ')}: cheapest robustly better package")
    ax.axvline(budget, color="black", ls="--", lw=1)
    ax.text(budget, 0.99, " budget", transform=ax.get_xaxis_transform(), va="top", fontsize=8)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xlabel("extra cost over today's policy, yuan per cadre per year "
                  f"({round(TAIL * 100)}th percentile over plausible worlds)")
    ax.set_ylabel("genuine innovation gained, percentage points\n(dot: mean over worlds; line "
                  "down to the worst tenth of worlds)")
    ax.set_title("Packages on the robust trade-off (dots) and known packages (diamonds)",
                 fontsize=11)
    fig.colorbar(sc, ax=ax, label="symbolic innovation added, points (worst tenth of worlds)",
                 location="left", pad=0.12, shrink=0.8)
    if highlight is not None:
        ax.legend(fontsize=8, loc="lower right")
    return fig
