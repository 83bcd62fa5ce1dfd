"""The question a scenario discovery answers: which sampled points count as "cases of interest".

``--where "innovation_gain > 0.05"`` names a result, a direction and a threshold. A result is a
model output (its level, ``innovation_rate``) or, when a scenario is compared against a baseline
at every sampled point, the paired effect of that scenario (``innovation_rate_gain``, or the
short form ``innovation_gain`` for outputs named ``*_rate``). The question also says itself in
plain words ("credible fault tolerance raises genuine innovation by more than 5 points").
"""

from __future__ import annotations

import difflib
import operator
import re
from dataclasses import dataclass

import numpy as np

from model.outputs import OUTPUTS

from ..errors import UserError

OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_WHERE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<|≥|≤)\s*(\S+)\s*$")
#: Plain words for the results a reader meets most.
LABELS = {
    "innovation_rate": "genuine innovation", "symbolic_rate": "symbolic innovation",
    "success_rate": "the success of attempts", "sanction_rate": "sanctions",
    "policy_cost": "the policy's cost (yuan per cadre per year)", "mean_stress": "stress",
    "barrier_afraid": "the 'afraid' barrier", "barrier_unwilling": "the 'unwilling' barrier",
    "barrier_unaccustomed": "the 'unaccustomed' barrier", "barrier_unable": "the 'unable' barrier",
    "cumulative_value": "the value of successful innovation",
}
GAIN = "_gain"


def gain_column(output: str) -> str:
    """The column holding the paired effect of a scenario on ``output``."""
    return output + GAIN


def is_share(output: str) -> bool:
    """Whether an output is a share or probability (its changes read as percentage points)."""
    text = OUTPUTS.get(output, "")
    return text.startswith(("share", "mean chance")) or output.startswith("barrier_")


def label(output: str) -> str:
    """Plain words for an output."""
    return LABELS.get(output, output.replace("_", " "))


def resolve(name: str, effect: bool) -> tuple[str, str, bool]:
    """``(column, output, is_gain)`` for a name in ``--where``; UserError listing valid names."""
    aliases = {o[:-len("_rate")] + GAIN: o for o in OUTPUTS if o.endswith("_rate")}
    if name in OUTPUTS:
        return name, name, False
    output = aliases.get(name) or (name[:-len(GAIN)] if name.endswith(GAIN) else None)
    if output in OUTPUTS:
        if not effect:
            raise UserError(f"'{name}' is the paired effect of a scenario; add --effect SCENARIO "
                            f"(compared with --against, default baseline), or ask about the "
                            f"level '{output}'")
        return gain_column(output), output, True
    from model.parameters import PARAMETERS_BY_NAME

    if name in PARAMETERS_BY_NAME:
        kind = PARAMETERS_BY_NAME[name].kind
        raise UserError(f"'{name}' is a setting ({kind}), not a result: --where asks about a "
                        "result such as innovation_rate (or, with --effect, innovation_gain), "
                        "and discovery finds the settings under which it holds")
    valid = list(OUTPUTS) + ([*aliases, *(gain_column(o) for o in OUTPUTS)] if effect else [])
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    shown = ", ".join(list(OUTPUTS)[:8])
    gains = " or a paired effect such as innovation_gain, symbolic_gain" if effect else ""
    raise UserError(f"unknown result '{name}' in --where{hint}; use an output ({shown}, ...; "
                    f"`cadresim discover --help` lists them){gains}")


@dataclass(frozen=True)
class Question:
    """``column op threshold``: which points are cases of interest."""

    text: str
    column: str      # column of the point table
    output: str      # the model output it is about
    gain: bool       # a paired effect (scenario - baseline) rather than a level
    op: str
    threshold: float
    scenario: str | None = None  # the compared scenario (a level is read under it)

    def of_interest(self, values) -> np.ndarray:
        """1 where a point is a case of interest, else 0."""
        return OPERATORS[self.op](np.asarray(values, dtype=float), self.threshold).astype(int)

    def amount(self, value: float | None = None) -> str:
        """The threshold (or ``value``) in the output's units: points for shares."""
        v = self.threshold if value is None else value
        if is_share(self.output):
            if not self.gain:
                return f"{v * 100:.3g}%"
            points = f"{abs(v) * 100:.3g}"
            return f"{points} point{'' if points == '1' else 's'}"
        v = abs(v) if self.gain else v
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"

    def words(self) -> str:
        """The question as a sentence fragment, e.g. 'X raises genuine innovation by more
        than 5 points'."""
        what, t, strict = label(self.output), self.threshold, self.op in (">", "<")
        who = (self.scenario or "the policy").replace("_", " ")
        if not self.gain:
            word = {">": "is above", ">=": "is at least", "<": "is below", "<=": "is at most"}
            under = f" under {who}" if self.scenario else ""
            return f"{what}{under} {word[self.op]} {self.amount()}"
        up = self.op in (">", ">=")
        if t == 0:
            return f"{who} {'raises' if up else 'lowers'} {what}"
        if up and t > 0:
            return f"{who} raises {what} by {'more than' if strict else 'at least'} {self.amount()}"
        if not up and t < 0:
            return f"{who} lowers {what} by {'more than' if strict else 'at least'} {self.amount()}"
        if up:  # t < 0: a fall of less than |t| (or any rise)
            return (f"{who} lowers {what} by {'less than' if strict else 'at most'} "
                    f"{self.amount()} (or raises it)")
        return (f"{who} raises {what} by {'less than' if strict else 'at most'} "
                f"{self.amount()} (or lowers it)")

    def to_dict(self) -> dict:
        return {"where": self.text, "column": self.column, "output": self.output,
                "gain": self.gain, "op": self.op, "threshold": self.threshold,
                "scenario": self.scenario, "words": self.words()}


def parse_where(text: str, scenario: str | None = None) -> Question:
    """``"innovation_gain > 0.05"`` -> :class:`Question` (``scenario``: the compared scenario,
    if any); UserError naming the fix otherwise."""
    m = _WHERE.match(text or "")
    if not m:
        raise UserError(f"--where '{text}' must look like 'RESULT > NUMBER' (or >=, <, <=), for "
                        "example --where 'innovation_gain > 0.05'")
    name, op, raw = m.groups()
    op = {"≥": ">=", "≤": "<="}.get(op, op)
    try:
        threshold = float(raw)
    except ValueError:
        raise UserError(f"--where '{text}': '{raw}' is not a number") from None
    if not np.isfinite(threshold):
        raise UserError(f"--where '{text}': the threshold must be a finite number")
    column, output, gain = resolve(name, effect=scenario is not None)
    return Question(text.strip(), column, output, gain, op, threshold, scenario)
