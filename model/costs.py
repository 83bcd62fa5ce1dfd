"""What each policy costs, in yuan per cadre per year.

Every lever declares its cost rate and the basis of the figure in parameters.py (most are
assumptions, and say so); this module says how each rate is applied. Rules that need no budget
(promotion weights, age limits, sanction severity, demotion) cost nothing. Costs are budget
costs to the county; the cadres' own time (compliance burden, course days) is counted where it
is a day of work lost (a trainee-day is paid but not worked).

=========================  ==========================================================
lever                      yuan per cadre per year
=========================  ==========================================================
accountability_intensity   rate * intensity
fault_tolerance            rate * coverage
tolerance_credibility      rate * credibility
verification_accuracy      rate * accuracy**2 (near-perfect checks cost most)
rotation_rate              rate * share rotated
transfer_support           rate * support
workload                   rate * max(0, 0.75 - workload) (relief below today's load)
digital_relief             rate * share of load removed
training_coverage          coverage * days * rate * (LOST_DAY_SHARE + (1 - LOST_DAY_SHARE)
                           * (0.5 + quality) * 30 / class size)   (per trainee-day)
material_reward            rate * material_reward * size of successes (per year, per cadre)
honor_reward               rate * honor_reward * size of successes (per year, per cadre)
=========================  ==========================================================
"""

from __future__ import annotations

from .parameters import PARAMETERS, PARAMETERS_BY_NAME
from .training import REFERENCE_CLASS, method_factor

#: Share of a trainee-day's cost that is the day of work lost (400 of 700 yuan); the rest is
#: teaching, board and lodging, which rise with quality and fall with class size.
LOST_DAY_SHARE = 4.0 / 7.0
#: Today's routine load: relief below it costs (the declared default of ``workload``).
WORKLOAD_REFERENCE = PARAMETERS_BY_NAME["workload"].default

_RATE = {p.name: p.cost_rate for p in PARAMETERS if p.kind == "lever"}
#: Levers whose cost is paid per successful innovation (the rest per cadre and year).
PER_SUCCESS = ("material_reward", "honor_reward")


def trainee_day_cost(p) -> float:
    """Yuan per trainee-day of an innovation course."""
    teaching = method_factor(p.training_quality) * REFERENCE_CLASS / p.training_class_size
    return _RATE["training_coverage"] * (LOST_DAY_SHARE + (1.0 - LOST_DAY_SHARE) * teaching)


def level_costs(p) -> dict[str, float]:
    """Yuan per cadre per year of every lever whose cost follows its level."""
    return {
        "accountability_intensity": _RATE["accountability_intensity"]
        * p.accountability_intensity,
        "fault_tolerance": _RATE["fault_tolerance"] * p.fault_tolerance,
        "tolerance_credibility": _RATE["tolerance_credibility"] * p.tolerance_credibility,
        "verification_accuracy": _RATE["verification_accuracy"] * p.verification_accuracy ** 2,
        "rotation_rate": _RATE["rotation_rate"] * p.rotation_rate,
        "transfer_support": _RATE["transfer_support"] * p.transfer_support,
        "workload": _RATE["workload"] * max(0.0, WORKLOAD_REFERENCE - p.workload),
        "digital_relief": _RATE["digital_relief"] * p.digital_relief,
        "training_coverage": p.training_coverage * p.training_days * trainee_day_cost(p),
    }


def success_costs(p, size_per_cadre_year: float) -> dict[str, float]:
    """Yuan per cadre per year of rewards paid for successful innovations, given their total
    size per cadre and year."""
    return {name: _RATE[name] * getattr(p, name) * size_per_cadre_year for name in PER_SUCCESS}


def level_cost(p) -> float:
    """Yuan per cadre per year of the levers whose cost follows their level, summed."""
    return sum(level_costs(p).values())


def policy_cost(p, size_per_cadre_year: float, level: float | None = None) -> float:
    """Total budget cost of the policy in force, yuan per cadre per year (``level``:
    ``level_cost(p)`` when the caller keeps it, as it changes only with the policy)."""
    if level is None:
        level = level_cost(p)
    return level + sum(success_costs(p, size_per_cadre_year).values())
