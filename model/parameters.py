"""The one declaration of every model parameter.

Each parameter is written down exactly once, here: its default, its allowed range, unit, meaning,
source, kind and the mechanism (M1-M17 of the model specification) it belongs to. Levers also
declare what a reform could reach (a reform value and a reform range, with the reason) and what
they cost (yuan per cadre per year, with the basis of the figure; see costs.py for how each rate
is applied). The model's keyword arguments, scenario validation, the SolaraViz sliders, the SALib
problem and the policy costs all read this table; no other file writes a default or a range.

Kinds (after the XLRM split of exploratory modelling):

* ``lever``       -- what a policy maker sets (the public lever names of the specification);
* ``uncertainty`` -- what research does not know (behaviour, structure of careers);
* ``structure``   -- the size and shape of the simulated county; fixed in sensitivity sweeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

__all__ = [
    "Parameter",
    "PARAMETERS",
    "PARAMETERS_BY_NAME",
    "MECHANISMS",
    "ParameterError",
    "defaults",
    "validate",
    "validate_value",
    "names",
    "record",
    "RECORD_DTYPE",
]


class ParameterError(ValueError):
    """A parameter name or value a user gave is not acceptable; the message says how to fix it."""


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its meaning, the source of its value, the values it may take.

    Levers also carry ``reform`` (the value a serious reform would set within a few years),
    ``reform_low``/``reform_high`` (the range a county could plausibly reach; sensitivity
    analyses of policy sample it instead of the full range), ``reform_reason``, and
    ``cost_rate``/``cost_basis`` (yuan per cadre per year; costs.py applies each rate).
    """

    name: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    kind: str  # "lever" | "uncertainty" | "structure"
    mechanism: str  # "M1" ... "M17"
    integer: bool = False
    reform: float | None = None
    reform_low: float | None = None
    reform_high: float | None = None
    reform_reason: str = ""
    cost_rate: float = 0.0
    cost_basis: str = ""

    def check(self, value: Any) -> float | int:
        """Return ``value`` as this parameter's type, or raise ParameterError naming the range."""
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ParameterError(
                f"parameter '{self.name}' must be a number in [{self.low:g}, {self.high:g}] "
                f"({self.unit}), got {value!r} of type {type(value).__name__}"
            )
        if not math.isfinite(value) or not (self.low <= value <= self.high):
            raise ParameterError(
                f"parameter '{self.name}' = {value!r} is out of range; allowed "
                f"[{self.low:g}, {self.high:g}] ({self.unit})"
            )
        if self.integer:
            if float(value) != int(value):
                raise ParameterError(
                    f"parameter '{self.name}' must be a whole number in "
                    f"[{self.low:g}, {self.high:g}], got {value!r}"
                )
            return int(value)
        return float(value)

    @property
    def reform_range(self) -> tuple[float, float]:
        """The range a reform could reach (levers); the full range for other kinds."""
        if self.reform_low is None:
            return (self.low, self.high)
        return (self.reform_low, self.reform_high)


#: Mechanism ids of the specification and the module that implements each.
MECHANISMS: dict[str, str] = {
    "M1": "choice among routine, genuine and symbolic innovation (decision.py)",
    "M2": "risk and sanction (accountability.py)",
    "M3": "fault tolerance and error correction (accountability.py)",
    "M4": "social learning of risk (social_learning.py)",
    "M5": "evaluation and promotion (promotion.py)",
    "M6": "limited posts, rank pyramid (organisation.py, promotion.py)",
    "M7": "demotion and exit of mediocre cadres (promotion.py)",
    "M8": "age and eligibility thresholds, loss of career motivation (promotion.py)",
    "M9": "leaders' stance (leaders.py)",
    "M10": "conformity and habit thresholds (conformity.py)",
    "M11": "skill and training (training.py)",
    "M12": "material and honour incentives (incentives.py)",
    "M13": "workload, strict management and stress (workload.py)",
    "M14": "verification of results (accountability.py)",
    "M15": "size of an innovation (decision.py)",
    "M16": "demography, careers, rotation (demography.py)",
    "M17": "reinforcement by own outcomes (social_learning.py)",
}

_A = "assumption"
_P = Parameter
_FREE = "no budget cost: a rule, not a programme"

PARAMETERS: tuple[Parameter, ...] = (
    # ---------------------------------------------------------------- levers: accountability
    _P("accountability_intensity", 0.6, 0.0, 1.0, "probability scale",
       "Base chance that a failed or irregular action is investigated (strict management).",
       "essays 000, 001, 003; level an assumption", "lever", "M2",
       reform=0.45, reform_low=0.4, reform_high=0.8,
       reform_reason="a county can ease or tighten inspection by about a third within a few "
                     "years; no county stops inspecting",
       cost_rate=1200.0,
       cost_basis="inspection staff, about 3 staff-days (400 yuan each) per cadre a year at "
                  "full intensity; assumption"),
    _P("sanction_severity", 0.6, 0.0, 1.0, "utility units",
       "Weight of a sanction: demerit, lost standing, delayed promotion.",
       "essays 000, 003; level an assumption", "lever", "M2",
       reform=0.45, reform_low=0.4, reform_high=0.8,
       reform_reason="discipline can lean on its mildest forms (criticism is 70% of cases "
                     "already) but not abolish sanctions",
       cost_basis=_FREE),
    _P("demerit_years", 2.0, 0.0, 5.0, "years",
       "How long a sanction bars its holder from promotion.",
       "essay 002 (delayed promotion); level an assumption", "lever", "M2",
       reform=1.0, reform_low=1.0, reform_high=3.0,
       reform_reason="rules set bars of one to a few years; none is lifted at once",
       cost_basis=_FREE),
    _P("fault_tolerance", 0.2, 0.0, 1.0, "innovation size",
       "Coverage: the largest size of an honest, prepared failure that the rules excuse in full "
       "(larger ones qualify in proportion).",
       "essays 001, 003", "lever", "M3",
       reform=0.6, reform_low=0.1, reform_high=0.8,
       reform_reason="over two thirds of provinces issued exemption rules by 2018; their scope "
                     "ranges from narrow to broad",
       cost_rate=150.0,
       cost_basis="drafting, publicising and the review capacity for covered cases; assumption"),
    _P("tolerance_credibility", 0.3, 0.0, 1.0, "probability",
       "How reliably a covered failure is actually excused in practice.",
       "essays 001, 003 ('on paper' vs applied)", "lever", "M3",
       reform=0.7, reform_low=0.2, reform_high=0.8,
       reform_reason="independent review panels and published cases can make rules credible "
                     "within a few years; full reliability is not reachable",
       cost_rate=400.0,
       cost_basis="independent review panels and case publication, about 1 staff-day per cadre "
                  "a year at full credibility; assumption"),
    _P("verification_accuracy", 0.3, 0.0, 1.0, "probability",
       "Chance that evaluators detect a symbolic (slogan, copied, falsified) innovation when it "
       "is claimed.",
       "essay 001", "lever", "M14",
       reform=0.5, reform_low=0.2, reform_high=0.7,
       reform_reason="third-party evaluation and field checks raise detection; perfect "
                     "verification is out of reach",
       cost_rate=1600.0,
       cost_basis="audits and field checks, rising with the square of accuracy (about 4 "
                  "staff-days per cadre a year near full accuracy); assumption"),
    # ---------------------------------------------------------------- levers: careers
    _P("promotion_innovation_weight", 0.1, 0.0, 1.0, "weight",
       "Weight of the innovation record in the yearly appraisal score.",
       "essays 000, 001, 002", "lever", "M5",
       reform=0.3, reform_low=0.05, reform_high=0.4,
       reform_reason="Shenzhen-style rules make innovation one criterion among several, not "
                     "the main one",
       cost_basis=_FREE),
    _P("promotion_seniority_weight", 0.5, 0.0, 1.0, "weight",
       "Of the rest of the score, the share given to seniority rather than routine performance.",
       "essay 002 (seniority); level an assumption", "lever", "M5",
       reform=0.35, reform_low=0.3, reform_high=0.6,
       reform_reason="seniority can weigh less but stays a criterion",
       cost_basis=_FREE),
    _P("demotion_rate", 0.0, 0.0, 0.2, "share per year",
       "Share of the lowest-appraised cadres demoted (at the lowest rank: dismissed) each year.",
       "essays 001, 002 ('the mediocre out, the inferior down')", "lever", "M7",
       reform=0.03, reform_low=0.0, reform_high=0.05,
       reform_reason="'can go up and down' reforms demote a few percent a year at most",
       cost_basis=_FREE),
    _P("promotion_age_limit", 45.0, 35.0, 60.0, "years of age",
       "Cadres at or above this age are no longer eligible for promotion.",
       "essay 002", "lever", "M8",
       reform=50.0, reform_low=40.0, reform_high=50.0,
       reform_reason="the age ladder (35/40/45/50) can be relaxed or tightened by one step",
       cost_basis=_FREE),
    _P("rotation_rate", 0.05, 0.0, 0.3, "share per year",
       "Share of cadres rotated to another unit of the same rank each year.",
       "essay 002 (exchange of cadres)", "lever", "M16",
       reform=0.1, reform_low=0.02, reform_high=0.15,
       reform_reason="exchange programmes move a few to a sixth of cadres a year",
       cost_rate=10000.0,
       cost_basis="per rotated cadre: moving allowance and about a month of lower output; "
                  "assumption"),
    # ---------------------------------------------------------------- levers: incentives
    _P("material_reward", 0.2, 0.0, 2.0, "utility units",
       "Bonus for a successful innovation of full size.",
       "essays 002, 003", "lever", "M12",
       reform=0.5, reform_low=0.0, reform_high=0.6,
       reform_reason="a county can drop bonuses or pay up to about a month's pay; more is beyond "
                     "grassroots budgets",
       cost_rate=10000.0,
       cost_basis="yuan paid per utility unit of bonus (one unit is about a month's pay of a "
                  "grassroots cadre), per successful innovation of full size; assumption"),
    _P("honor_reward", 0.3, 0.0, 2.0, "utility units",
       "Value of a commendation for a successful innovation, when honours are fully credible.",
       "essay 002", "lever", "M12",
       reform=0.6, reform_low=0.2, reform_high=0.8,
       reform_reason="commendations can be made more frequent and more visible",
       cost_rate=1000.0,
       cost_basis="certificates, ceremonies and publicity per utility unit of honour per "
                  "successful innovation of full size; assumption"),
    # ---------------------------------------------------------------- levers: training
    _P("training_coverage", 0.2, 0.0, 1.0, "share per year",
       "Share of cadres sent on an innovation course each year.",
       "essays 002, 004", "lever", "M11",
       reform=0.6, reform_low=0.2, reform_high=0.8,
       reform_reason="the training regulation (12 days a year for every cadre) allows most "
                     "cadres one innovation course a year",
       cost_rate=700.0,
       cost_basis="per trainee-day: a lost working day (400 yuan) and teaching, board and "
                  "lodging (300 yuan at quality 0.5 in classes of 30; essay 004's course format)"),
    _P("training_quality", 0.5, 0.0, 1.0, "index",
       "Quality of the course method (case teaching, practitioners with scholars).",
       "essay 004", "lever", "M11",
       reform=0.8, reform_low=0.4, reform_high=0.8,
       reform_reason="essay 004's methods (practitioners beside scholars, simulation, role play) "
                     "are within reach of cadre schools",
       cost_basis="raises the teaching part of training_coverage's cost in proportion to "
                  "0.5 + quality"),
    _P("training_days", 7.0, 1.0, 30.0, "days",
       "Length of one course.", "essay 004 (7-10 days)", "lever", "M11", integer=True,
       reform=10.0, reform_low=5.0, reform_high=12.0,
       reform_reason="essay 004: courses of 7-10 days; the regulation's 12 days a year",
       cost_basis="enters training_coverage's cost per trainee-day"),
    _P("training_class_size", 30.0, 10.0, 120.0, "trainees",
       "Trainees per class; larger classes teach less per head.",
       "essay 004 (classes of about 30)", "lever", "M11", integer=True,
       reform=25.0, reform_low=20.0, reform_high=50.0,
       reform_reason="essay 004 recommends small classes of about 30",
       cost_basis="the teaching part of training_coverage's cost scales with 30 / class size"),
    _P("transfer_support", 0.2, 0.0, 1.0, "share",
       "Workplace follow-up that keeps trained skills in use (mentoring, projects).",
       "essay 004; meta-analyses of training transfer", "lever", "M11",
       reform=0.5, reform_low=0.1, reform_high=0.6,
       reform_reason="mentoring and follow-up projects for part of the trainees",
       cost_rate=2000.0,
       cost_basis="mentors' time, about 5 staff-days per cadre a year at full support; "
                  "assumption"),
    # ---------------------------------------------------------------- levers: workload
    _P("workload", 0.75, 0.3, 1.2, "share of working time",
       "Time routine tasks take before digital relief.",
       "essay 003", "lever", "M13",
       reform=0.65, reform_low=0.6, reform_high=0.85,
       reform_reason="burden-reduction campaigns cut forms and meetings by a tenth to a fifth; "
                     "routine service work stays",
       cost_rate=50000.0,
       cost_basis="per unit of load removed below today's 0.75: half by cutting redundant "
                  "forms and inspections (free), half by extra staff at 100,000 yuan a year; "
                  "assumption"),
    _P("digital_relief", 0.0, 0.0, 0.5, "share",
       "Share of routine load removed by digital tools ('Internet +').",
       "essay 003", "lever", "M13",
       reform=0.15, reform_low=0.0, reform_high=0.25,
       reform_reason="integrated platforms remove a fraction of reporting; most routine work "
                     "stays manual",
       cost_rate=40000.0,
       cost_basis="systems, devices and support amortised over five years: about 4,000 yuan "
                  "per cadre a year for each tenth of load removed; assumption"),
    # ---------------------------------------------------------------- uncertainties: decision
    _P("choice_sensitivity", 1.8, 0.5, 8.0, "1/utility",
       "Logit sensitivity of choice to utility differences (bounded rationality).",
       "McFadden; McKelvey & Palfrey; value an assumption", "uncertainty", "M1"),
    _P("risk_aversion_mean", 0.5, 0.2, 0.8, "index",
       "Mean of the cadres' risk aversion (normal, clipped to 0.01-0.99).", _A,
       "uncertainty", "M2"),
    _P("risk_aversion_sd", 0.15, 0.05, 0.25, "index",
       "Spread of risk aversion across cadres.", _A, "uncertainty", "M2"),
    _P("loss_aversion", 2.25, 1.0, 3.5, "ratio",
       "Weight of a loss relative to an equal gain.",
       "Tversky & Kahneman (1992)", "uncertainty", "M2"),
    _P("lone_exposure", 0.3, 0.0, 2.0, "factor",
       "Extra scrutiny of an innovator none of whose colleagues innovates (safety in numbers).",
       "essay 001 (conformity); safety-in-numbers literature", "uncertainty", "M2"),
    _P("social_risk", 0.5, 0.0, 1.5, "factor",
       "Extra scrutiny a bold innovation attracts by adjusting interests.",
       "essay 000", "uncertainty", "M15"),
    _P("base_difficulty", 0.3, 0.1, 0.7, "skill units",
       "Skill needed for an even chance of success of an incremental innovation.", _A,
       "uncertainty", "M15"),
    _P("boldness_difficulty", 0.3, 0.0, 0.6, "skill units",
       "Extra skill needed for a bold innovation.", "essay 000", "uncertainty", "M15"),
    _P("success_slope", 6.0, 2.0, 12.0, "1/skill",
       "How sharply the chance of success rises with skill.", _A, "uncertainty", "M15"),
    _P("diligence_time", 0.2, 0.05, 0.5, "share of working time",
       "Free time that prepares an attempt to 63% of full diligence (each further such share "
       "closes 63% of what is left).",
       "essays 001, 003; value an assumption", "uncertainty", "M3"),
    _P("intrinsic_motivation", 0.2, 0.0, 1.0, "utility units",
       "Mean public-service motivation: a successful innovation's pay-off to the cadre itself.",
       _A, "uncertainty", "M1"),
    _P("effort_cost", 0.5, 0.0, 1.0, "utility units",
       "Effort cost of a full-size innovation.", "essay 000", "uncertainty", "M1"),
    _P("integrity", 0.6, 0.0, 1.5, "utility units",
       "Moral cost of a symbolic or falsified innovation.", _A, "uncertainty", "M14"),
    _P("symbolic_cost", 0.1, 0.0, 0.5, "utility units",
       "Money and effort of staging a symbolic innovation.", _A, "uncertainty", "M14"),
    _P("late_exposure", 0.1, 0.0, 0.3, "share per quarter",
       "Chance per quarter, relative to verification_accuracy, that an undetected symbolic "
       "project still on record is exposed later (audits, complaints).",
       "essay 001 (falsified innovation); value an assumption", "uncertainty", "M14"),
    _P("routine_error_rate", 0.02, 0.0, 0.1, "probability per quarter",
       "Chance that routine work has an irregularity an inspection would sanction.", _A,
       "uncertainty", "M2"),
    # ---------------------------------------------------------------- uncertainties: learning
    _P("prior_tolerance_belief", 0.2, 0.0, 1.0, "probability",
       "Cadres' initial belief that a failure the rules cover is actually excused.", _A,
       "uncertainty", "M4"),
    _P("prior_risk_belief", 0.7, 0.2, 1.0, "probability",
       "Cadres' initial belief that a failed incremental innovation is investigated.",
       "essays 000, 003 (the strict regime's reputation); value an assumption",
       "uncertainty", "M4"),
    _P("prior_detection_belief", 0.3, 0.0, 0.8, "probability",
       "Cadres' initial belief that a symbolic innovation is exposed, now or later.", _A,
       "uncertainty", "M4"),
    _P("social_learning_rate", 0.1, 0.0, 0.5, "weight per case",
       "How far one observed case moves a cadre's beliefs.", _A,
       "uncertainty", "M4"),
    _P("sanction_salience", 2.0, 1.0, 5.0, "ratio",
       "Weight of an observed punishment relative to other observed cases.",
       "essay 000 (a salient case chills everyone)", "uncertainty", "M4"),
    _P("county_visibility", 0.02, 0.0, 0.2, "weight",
       "Weight of cases seen county-wide (news, meetings) relative to one's own unit.", _A,
       "uncertainty", "M4"),
    _P("reinforcement_strength", 0.5, 0.0, 2.0, "utility units",
       "Pull of one's own past success (or punishment) on the next choice.", "essay 000",
       "uncertainty", "M17"),
    _P("reinforcement_memory", 0.9, 0.5, 0.99, "retention per quarter",
       "Share of one's own experience remembered after a quarter.", _A, "uncertainty", "M17"),
    _P("conformity_threshold_mean", 0.3, 0.05, 0.6, "share of peers",
       "Mean share of peers who must innovate before a cadre is at ease doing so.",
       "Granovetter (1978)", "uncertainty", "M10"),
    _P("conformity_strength", 1.0, 0.0, 3.0, "utility units",
       "Utility of acting with (or against) one's peers.", "essays 000, 001",
       "uncertainty", "M10"),
    _P("leader_influence", 0.2, 0.0, 1.0, "utility units",
       "How much a leader's stance raises or suppresses subordinates' innovation.",
       "essays 000, 001", "uncertainty", "M9"),
    # ---------------------------------------------------------------- uncertainties: skills
    _P("skill_mean", 0.5, 0.3, 0.7, "skill units",
       "Mean initial innovation skill.", _A, "uncertainty", "M11"),
    _P("skill_sd", 0.15, 0.05, 0.25, "skill units",
       "Spread of initial skill.", _A, "uncertainty", "M11"),
    _P("training_effect", 0.18, 0.02, 0.3, "skill units",
       "Skill gained from a 7-day course of full quality in a class of 30.",
       "meta-analyses of training, d about 0.6", "uncertainty", "M11"),
    _P("transfer_decay", 0.15, 0.0, 0.5, "share per quarter",
       "Fade of unconsolidated training gains without workplace support.",
       "training transfer literature", "uncertainty", "M11"),
    _P("learning_by_doing", 0.02, 0.0, 0.1, "share of gap",
       "Skill gained by an attempt, as a share of the distance to full skill.", "March (1991)",
       "uncertainty", "M11"),
    _P("peer_learning", 0.005, 0.0, 0.1, "share of gap",
       "Skill gained from successful colleagues in one's unit.", "March (1991)",
       "uncertainty", "M11"),
    _P("skill_decay", 0.01, 0.0, 0.03, "share per quarter",
       "Skill lost in a quarter without innovative practice.", _A, "uncertainty", "M11"),
    # ---------------------------------------------------------------- uncertainties: careers
    _P("career_value", 1.5, 0.5, 3.0, "utility units",
       "Value of a promotion to a fully ambitious cadre, as appraisal credit of one full-size "
       "innovation would raise its chance in an even contest.",
       "Holmstrom (1999); Li & Zhou (2005)", "uncertainty", "M5"),
    _P("evaluation_noise", 0.5, 0.0, 1.5, "score sd",
       "Noise of the yearly appraisal (relationships, distorted democratic evaluation).",
       "essay 002", "uncertainty", "M5"),
    _P("ambition_mean", 0.6, 0.2, 0.9, "index",
       "Mean initial career ambition.", _A, "uncertainty", "M8"),
    _P("ambition_decay", 0.03, 0.0, 0.3, "share per year",
       "Ambition lost per year passed over for promotion, doubled past the age limit.",
       "essay 002 ('a cup of tea, a cigarette')", "uncertainty", "M8"),
    _P("exit_rate", 0.01, 0.0, 0.05, "share per year",
       "Voluntary exit of cadres, raised by stress.", _A, "uncertainty", "M16"),
    _P("retirement_age", 60.0, 55.0, 65.0, "years of age",
       "Age at retirement.", "civil service rules", "uncertainty", "M16", integer=True),
    # ---------------------------------------------------------------- uncertainties: incentives
    _P("honour_decay", 0.1, 0.0, 0.5, "share per quarter",
       "Speed at which honours lose their value when not backed by material reward.",
       "essay 002", "uncertainty", "M12"),
    _P("honour_backing", 0.5, 0.1, 2.0, "utility units",
       "Material reward that keeps honours fully credible.", "essay 002", "uncertainty", "M12"),
    # ---------------------------------------------------------------- uncertainties: workload
    _P("compliance_burden", 0.15, 0.0, 0.4, "share of working time",
       "Time taken by reporting and inspection at full accountability intensity.",
       "essay 003", "uncertainty", "M13"),
    _P("post_load_sd", 0.15, 0.05, 0.3, "share",
       "Spread of routine load between posts (some desks are far busier than others).",
       "essay 003 (townships overloaded); value an assumption", "uncertainty", "M13"),
    _P("busy_cost", 0.4, 0.0, 2.0, "utility units",
       "Cost of squeezing a full-size innovation into a full schedule.", "essays 001, 003",
       "uncertainty", "M13"),
    _P("stress_threshold", 0.8, 0.4, 1.0, "share of working time",
       "Load at which the stress it leads to is half of the maximum.", _A,
       "uncertainty", "M13"),
    _P("stress_rate", 0.2, 0.05, 0.5, "share per quarter",
       "Speed at which stress moves towards the level the load implies.", _A,
       "uncertainty", "M13"),
    _P("stress_penalty", 0.3, 0.0, 2.0, "utility units",
       "Loss of innovation utility (and learning) at full stress.", "essay 003",
       "uncertainty", "M13"),
    # ---------------------------------------------------------------- structure
    _P("unit_size", 30.0, 10.0, 200.0, "cadres",
       "Mean number of cadres in a township or county department.", _A, "structure", "M6",
       integer=True),
    _P("township_share", 0.4, 0.0, 1.0, "share",
       "Share of units that are townships (the rest are county departments).", _A,
       "structure", "M6"),
    _P("deputies_per_unit", 3.0, 1.0, 10.0, "posts",
       "Deputy posts (rank 1) in each unit.", _A, "structure", "M6", integer=True),
    _P("county_leader_ratio", 0.25, 0.05, 1.0, "posts per unit",
       "County leadership posts (rank 3) per unit.", _A, "structure", "M6"),
)

PARAMETERS_BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}

#: The record the compiled passes read their parameters from (one float field per parameter).
RECORD_DTYPE = np.dtype([(p.name, np.float64) for p in PARAMETERS])


def names(kind: str | None = None) -> list[str]:
    """Names of the declared parameters, optionally of one kind only."""
    return [p.name for p in PARAMETERS if kind is None or p.kind == kind]


def defaults() -> dict[str, float | int]:
    """A fresh dict of every parameter at its default."""
    return {p.name: (int(p.default) if p.integer else p.default) for p in PARAMETERS}


def record(p) -> np.ndarray:
    """The live values of namespace ``p`` as a one-element record array (``RECORD_DTYPE``).

    Compiled passes take this record and read fields by name (``q = pr[0]; q.workload``), so
    no pass depends on the position of a parameter in a long argument list. When the passes run
    as plain Python (``NUMBA_DISABLE_JIT=1``) the record is a ``numpy.recarray``, whose elements
    allow that attribute access; compiled, a plain structured array is passed (a recarray's
    Python-level attribute lookups would slow every call).
    """
    out = np.zeros(1, dtype=RECORD_DTYPE)
    for name in RECORD_DTYPE.names:
        out[name] = getattr(p, name)
    return out.view(np.recarray) if numba.config.DISABLE_JIT else out


def _unknown(name: str) -> ParameterError:
    import difflib

    close = difflib.get_close_matches(name, PARAMETERS_BY_NAME, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ParameterError(
        f"unknown parameter '{name}'{hint}; valid names: {', '.join(PARAMETERS_BY_NAME)}"
    )


def validate_value(name: str, value: Any) -> float | int:
    """Check one named value against the declaration and return it typed."""
    if name not in PARAMETERS_BY_NAME:
        raise _unknown(name)
    return PARAMETERS_BY_NAME[name].check(value)


def validate(overrides: dict[str, Any] | None = None) -> dict[str, float | int]:
    """Defaults updated by ``overrides``, every value checked; raises ParameterError."""
    params = defaults()
    for name, value in (overrides or {}).items():
        params[name] = validate_value(name, value)
    return params
