"""The model tour: a few cadres' last decisions explained (what each lacks, split among the four
barriers), and the rank pyramid."""

from __future__ import annotations

from .labels import RANK_LABELS

#: Terms of ``CadreAgent.explain()`` shown in the tour, with readable column names.
EXPLAIN_COLUMNS = {
    "cadre": "cadre", "rank": "rank", "unit": "unit", "age": "age", "action": "action",
    "barrier": "binding barrier", "barrier_gap": "missing chance",
    "expected_gain": "expected gain",
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
        table of how much removing each barrier alone would raise each cadre's chance of
        innovating (the largest is its binding barrier). :func:`missing_chance_parts` splits the
        same cadres' missing chance among the barriers instead.
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


def missing_chance_parts(model, cadres):
    """For ``cadres`` (ids), the chance of a genuine attempt each lacks, split among the four
    barriers (Shapley values, in probability: they add up to the cadre's missing chance; see
    ``experiments.presentation.BARRIER_NOTE``). One row per cadre, one column per barrier."""
    import pandas as pd

    from model import BARRIER_NAMES

    by_id = {a.unique_id: a for a in model.agents}
    rows = {c: by_id[c].explain()["barrier_parts"] for c in cadres}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(BARRIER_NAMES)).rename_axis(
        "cadre")
