"""How results are shown to a reader: outputs in words and units, the years a result is read over
(the window), rounding to the precision an interval justifies, and one colour convention.

Every figure, table, console line, notebook and the explorer take their words from here, so that
"genuine innovation" means the same thing, in the same unit, everywhere.

* **Words.** :func:`label` gives an output's short name ("genuine innovation"), :func:`meaning`
  what it measures ("share of cadres attempting a genuine innovation per quarter").
* **Units.** Shares are shown in percent and their differences in percentage points; 0-1 scales
  (skill, stress) as points on a 0-100 scale; costs in yuan per cadre per year
  (:func:`display`).
* **Window.** A run's result is the mean of its last years (:class:`Window`); the window is written
  beside every number ("mean of years 16-20").
* **Precision.** An estimate is rounded to the decimal its interval's half-width justifies
  (:func:`decimals`): no ``0.051900000000000016``.
* **Colour.** Changes are coloured by what they do for genuine innovation -- better (blue), worse
  (orange), neither (grey: a share of a whole, a cost or a count) -- with a pale bar when the
  95% interval includes no change (:func:`judge`, :data:`COLOURS`). Blue and orange stay
  distinct for colour-blind readers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from model.calendar import QUARTERS_PER_YEAR
from model.outputs import OUTPUTS

from .errors import UserError
from .runner import COUNT_OUTPUTS as YEARLY_OUTPUTS
from .runner import FINAL_OUTPUTS
from .runner import SUMMARY_YEARS as DEFAULT_WINDOW_YEARS

# ---------------------------------------------------------------------------------- words
_LABELS = {
    "innovation_rate": "genuine innovation",
    "success_rate": "success of genuine attempts",
    "symbolic_rate": "symbolic innovation",
    "sanction_rate": "cadres sanctioned",
    "excused_rate": "investigated failures excused",
    "exposure_rate": "image projects exposed",
    "barrier_afraid": "afraid",
    "barrier_unwilling": "unwilling",
    "barrier_unaccustomed": "unaccustomed",
    "barrier_unable": "unable",
    "barrier_gap": "missing chance of a genuine attempt",
    "binding_afraid": "binding barrier: afraid",
    "binding_unwilling": "binding barrier: unwilling",
    "binding_unaccustomed": "binding barrier: unaccustomed",
    "binding_unable": "binding barrier: unable",
    "mean_skill": "innovation skill",
    "mean_risk_aversion": "risk aversion",
    "mean_ambition": "career ambition",
    "mean_stress": "stress",
    "burnout_share": "burned-out cadres",
    "perceived_tolerance": "belief that honest failure is excused",
    "perceived_risk": "believed chance of investigation",
    "perceived_detection": "believed chance an image project is exposed",
    "promotions": "promotions",
    "demotions": "demotions and dismissals",
    "innovator_share_promoted": "innovators among the promoted",
    "innovator_share_candidates": "innovators among promotion candidates",
    "innovator_share": "cadres who innovated in the year",
    "value_delivered": "value of successful innovation",
    "cumulative_value": "value of successful innovation, cumulative",
    "bold_share": "bold attempts among genuine ones",
    "routine_performance": "routine performance",
    "honour_value": "credibility of honours",
    "leader_support": "leaders' support for innovation",
    "stimulating_leaders": "unit heads who stimulate innovation",
    "ceilinged_leaders": "leaders past the promotion age limit",
    "policy_cost": "policy cost",
    "n_active": "serving cadres",
}
#: Where the model's own description (model.outputs.OUTPUTS) needs the time unit a reader needs.
_MEANINGS = {
    "innovation_rate": "share of cadres attempting a genuine innovation per quarter",
    "symbolic_rate": "share of cadres staging a symbolic innovation (slogans, copied or image "
                     "projects) per quarter",
    "sanction_rate": "share of cadres sanctioned per quarter",
    "exposure_rate": "share of cadres whose image project was exposed per quarter",
    "promotions": "promotions per year",
    "demotions": "demotions and dismissals per year",
    "value_delivered": "value of successful genuine innovation per year (size units: an "
                       "incremental success counts 0.4, a bold one 1)",
    "cumulative_value": "value of successful genuine innovation since the start (size units: an "
                        "incremental success counts 0.4, a bold one 1)",
}

#: How a change of each output bears on genuine innovation: +1 a rise is better, -1 a rise is
#: worse, 0 neither (a share of a whole, a count, a cost, or a mixed blessing).
GOOD_DIRECTION = {
    "innovation_rate": 1, "success_rate": 1, "symbolic_rate": -1, "excused_rate": 1,
    "barrier_gap": -1, "mean_skill": 1, "mean_stress": -1, "burnout_share": -1,
    "perceived_tolerance": 1, "perceived_risk": -1, "innovator_share_promoted": 1,
    "innovator_share_candidates": 1, "innovator_share": 1, "value_delivered": 1,
    "cumulative_value": 1, "leader_support": 1, "stimulating_leaders": 1,
}

#: 0-1 quantities that are shares or chances (percent, differences in percentage points); other
#: 0-1 quantities are scales (points on a 0-100 scale).
_SCALES = ("mean_skill", "mean_risk_aversion", "mean_ambition", "mean_stress",
           "routine_performance", "honour_value")


def label(output: str) -> str:
    """Short name of an output in words ("genuine innovation")."""
    return _LABELS.get(output, output.replace("_", " "))


def title(output: str) -> str:
    """A panel title: the label, and for a barrier share what it is a share of."""
    if output.startswith("barrier_") and output != "barrier_gap":
        return f"held back: {label(output)}"
    return label(output)


def meaning(output: str) -> str:
    """What an output measures, with its time unit."""
    return _MEANINGS.get(output, OUTPUTS.get(output, label(output)))


def scenario_label(name: str) -> str:
    """A scenario's name for a reader: words instead of underscores."""
    return str(name).replace("_", " ")


@dataclass(frozen=True)
class Display:
    """How an output is shown: multiply by ``factor``; ``level`` is the unit of a value,
    ``change`` the unit of a difference; ``short`` a compact unit for axis ticks."""

    factor: float
    level: str
    change: str
    short: str


def display(output: str) -> Display:
    """The display unit of an output (see the module docstring)."""
    if output == "policy_cost":
        return Display(1.0, "yuan per cadre per year", "yuan per cadre per year", "yuan")
    if output in ("promotions", "demotions"):
        return Display(1.0, "per year", "per year", "")
    if output in ("value_delivered", "cumulative_value"):
        unit = "size units per year" if output == "value_delivered" else "size units"
        return Display(1.0, unit, unit, "")
    if output == "n_active":
        return Display(1.0, "cadres", "cadres", "")
    if output == "leader_support":
        return Display(100.0, "points on a -100 to +100 scale", "points", "")
    if output in _SCALES:
        return Display(100.0, "points on a 0-100 scale", "points", "")
    return Display(100.0, "%", "percentage points", "%")



# ---------------------------------------------------------------------------------- window
@dataclass(frozen=True)
class Window:
    """The quarters a run's result is read over: steps ``first`` to ``last`` (1 = the first
    quarter; step 0 is the state at the start and is never part of a result)."""

    first: int
    last: int

    @classmethod
    def parse(cls, spec, years: float) -> Window:
        """From ``--window``: None (the last five years, or the whole of a shorter run), a
        number N (the last N years), or "A-B" (years A to B, counted from 1)."""
        n_steps = int(round(years * QUARTERS_PER_YEAR))
        if spec is None or (isinstance(spec, str) and not spec.strip()):
            return cls(max(1, n_steps - DEFAULT_WINDOW_YEARS * QUARTERS_PER_YEAR + 1), n_steps)
        hint = (f"use a number of final years up to {years:g} (e.g. --window 5) or years A-B "
                f"within 1-{math.floor(years)} (e.g. --window 1-{math.floor(years)})")
        text = str(spec).strip()
        span = re.fullmatch(r"(\d+)\s*(?:-|–|\.\.)\s*(\d+)", text)
        if span:
            a, b = int(span.group(1)), int(span.group(2))
            if not 1 <= a <= b or b * QUARTERS_PER_YEAR > n_steps:
                raise UserError(f"--window {text}: the run has years 1-{math.floor(years)}; "
                                f"{hint}")
            return cls((a - 1) * QUARTERS_PER_YEAR + 1, b * QUARTERS_PER_YEAR)
        try:
            last_years = float(text)
        except ValueError:
            raise UserError(f"--window {text!r} is not a number of years or a span A-B; "
                            f"{hint}") from None
        k = int(round(last_years * QUARTERS_PER_YEAR)) if math.isfinite(last_years) else 0
        if k < 1 or k > n_steps:
            raise UserError(f"--window {text}: the run lasts {years:g} years; {hint}")
        return cls(n_steps - k + 1, n_steps)

    @classmethod
    def from_dict(cls, data: dict | None, years: float) -> Window:
        """A window stored by :meth:`to_dict` (the default when ``data`` is None: old runs)."""
        if not data:
            return cls.parse(None, years)
        return cls(int(data["first_step"]), int(data["last_step"]))

    def to_dict(self) -> dict:
        return {"first_step": self.first, "last_step": self.last, "label": self.label()}

    @property
    def steps(self) -> tuple[int, int]:
        return (self.first, self.last)

    def span(self) -> str:
        """"years 16-20", "year 3" or, for part years, "quarters 5-10"."""
        start, end = self.first - 1, self.last
        if start % QUARTERS_PER_YEAR or end % QUARTERS_PER_YEAR:
            return f"quarters {self.first}-{self.last}"
        a, b = start // QUARTERS_PER_YEAR + 1, end // QUARTERS_PER_YEAR
        return f"year {b}" if a == b else f"years {a}-{b}"

    def label(self, output: str | None = None) -> str:
        """How a result of ``output`` is read: "mean of years 16-20", "yearly mean over years
        16-20" (counts) or "at the end of year 20" (cumulative values)."""
        if output in FINAL_OUTPUTS:
            end = self.last / QUARTERS_PER_YEAR
            return (f"at the end of year {end:g}" if self.last % QUARTERS_PER_YEAR == 0
                    else f"at the end of quarter {self.last}")
        if output in YEARLY_OUTPUTS:
            return f"yearly mean over {self.span()}"
        return f"mean of {self.span()}"

    def years(self) -> tuple[float, float]:
        """Model time (years) at the start and end of the window."""
        return ((self.first - 1) / QUARTERS_PER_YEAR, self.last / QUARTERS_PER_YEAR)


# ---------------------------------------------------------------------------------- precision
def decimals(halfwidth: float, fallback: int = 1) -> int:
    """Decimals an estimate with a 95% half-interval ``halfwidth`` deserves: the half-width's
    first significant digit, or its first two when they start with 1 or 2 (so 0.8 -> 1 decimal,
    0.15 -> 2); never negative, at most 8. ``fallback`` when it is zero or not a number (a single
    run, or no variation at all)."""
    if not (isinstance(halfwidth, int | float) and math.isfinite(halfwidth)) or halfwidth <= 0:
        return fallback
    exponent = math.floor(math.log10(halfwidth))
    significant = 2 if round(halfwidth / 10.0 ** exponent, 9) < 3 else 1
    return int(min(8, max(0, significant - 1 - exponent)))


def number(x: float, places: int, sign: bool = False) -> str:
    """``x`` with ``places`` decimals and thousands separators ("1,234.5"); "n/a" for NaN."""
    if x is None or not math.isfinite(x):
        return "n/a" if x is None or math.isnan(x) else ("+inf" if x > 0 else "-inf")
    x = round(x, places) + 0.0  # no "-0.0"
    return f"{x:{'+' if sign else ''},.{places}f}"


def effect_text(output: str, diff: float, low: float, high: float) -> str:
    """A paired effect in display units with its interval: "+12.8 percentage points
    [12.0, 13.6]"."""
    d = display(output)
    f = d.factor
    places = decimals((high - low) * f / 2)
    return (f"{number(diff * f, places, sign=True)} {d.change} "
            f"[{number(low * f, places, sign=True)}, {number(high * f, places, sign=True)}]")


def level_text(output: str, value: float, low: float | None = None,
               high: float | None = None) -> str:
    """A level in display units, with its interval when given: "9.4% [8.6, 10.2]"."""
    d = display(output)
    f = d.factor
    unit = "%" if d.level == "%" else f" {d.level}"
    if low is None or high is None or not math.isfinite(high - low):
        return f"{number(value * f, 1 if d.level == '%' else 3)}{unit}"
    places = decimals((high - low) * f / 2)
    if f == 100.0 and output != "leader_support":  # a 0-1 quantity: no mean lies beyond it
        low, high = max(low, 0.0), min(high, 1.0)
    interval = f"[{number(low * f, places)}, {number(high * f, places)}]"
    if d.level == "%":
        return f"{number(value * f, places)}% {interval}"
    return f"{number(value * f, places)} {interval} {d.level}"


# ---------------------------------------------------------------------------------- colour
#: Better for genuine innovation, worse for it, neither; ``pale`` is used (as transparency) for
#: changes whose 95% interval includes no change.
COLOURS = {"better": "#0072B2", "worse": "#D55E00", "neither": "#8C8C8C"}
PALE = 0.35
LEGEND_WORDS = {
    "better": "better for genuine innovation",
    "worse": "worse for genuine innovation",
    "neither": "neither (a share of a whole, a count or a cost)",
}


def direction_handles() -> list:
    """The colour key of a figure that colours parameters by what turning them up does to
    genuine innovation (sensitivity indices), pale where seed noise hides it."""
    from matplotlib.patches import Patch

    return [Patch(color=COLOURS["better"], label="turning it up is better for genuine "
                  "innovation"),
            Patch(color=COLOURS["worse"], label="turning it up is worse for genuine innovation"),
            Patch(color=COLOURS["neither"], label="neither, mixed or unclear"),
            Patch(color=COLOURS["neither"], alpha=PALE,
                  label="pale: cannot be told from seed noise")]


def judge(output: str, change: float) -> str:
    """"better", "worse" or "neither": what a change of ``output`` does for genuine
    innovation."""
    sign = GOOD_DIRECTION.get(output, 0)
    if sign == 0 or not math.isfinite(change) or change == 0:
        return "neither"
    return "better" if sign * change > 0 else "worse"


def established(low: float, high: float) -> bool:
    """Whether a 95% interval excludes no change (its direction is established)."""
    return bool(math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0))


# ---------------------------------------------------------------------------------- notes
#: What the barrier shares are, in one paragraph, for every place that shows them.
BARRIER_NOTE = (
    "Barrier shares: for each cadre who did not attempt a genuine innovation, the model compares "
    "its chance of an attempt with the chance it would have with all four barriers removed (the "
    "missing chance), and splits that gap among the barriers by Shapley values (each barrier's "
    "average contribution over every order of removing them). afraid + unwilling + unaccustomed "
    "+ unable = 100% of the missing chance. Being shares, when a policy removes most of one "
    "barrier the others' shares rise even if they did not grow: read them together with the "
    "missing chance itself.")
#: How the Shapley shares differ from the older binding barrier.
BINDING_NOTE = (
    "The binding barrier (binding_* columns) is the older, winner-take-all view: each cadre is "
    "counted under the single barrier whose removal would help it most. It jumps from one "
    "barrier to the next when one falls (training appears to raise 'unable' because fear fell); "
    "the Shapley shares do not.")
#: How cost-effectiveness is computed and read.
COST_NOTE = (
    "Policy cost: the paired difference in the model's policy_cost (budget cost of the policy in "
    "force, yuan per cadre per year) against the baseline, with its 95% interval. Gain per cost: "
    "the effect divided by the extra cost, per 1,000 yuan per cadre per year; its 95% interval "
    "is Fieller's, from the same paired replicates (it allows for cost and effect moving "
    "together). Where the extra cost is about zero (within 1 yuan) or its interval includes "
    "zero, the ratio has no meaning and none is given; a policy that saves money and raises "
    "innovation is better on both counts; one that costs more and lowers it, worse on both.")
