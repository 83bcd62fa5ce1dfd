"""What a sensitivity analysis runs: the SALib problem built from the model's parameter
declaration, the outputs, and the :class:`Plan` (method, samples, replicates, size, seed) that
decides every number of the analysis and turns into a sweep design."""

from __future__ import annotations

from dataclasses import dataclass

from model.model import MAX_CADRES, MIN_CADRES
from model.outputs import OUTPUTS
from model.parameters import PARAMETERS, PARAMETERS_BY_NAME, names, validate

from ..errors import UserError
from ..replicates.settings import MAX_YEARS
from ..sweeps.design import SweepDesign
from .design import Design, Problem, check_samples, make_design

#: Outputs analysed when the user names none: genuine and symbolic innovation, success, stress,
#: value delivered and the four barriers.
DEFAULT_OUTPUTS = ("innovation_rate", "symbolic_rate", "success_rate", "mean_stress",
                   "cumulative_value", "barrier_afraid", "barrier_unwilling",
                   "barrier_unaccustomed", "barrier_unable")
PARAM_SETS = ("levers", "uncertainties", "all")
RANGES = ("declared", "reform")
#: The one input that stands for the whole posterior ensemble in a Sobol design: a uniform number
#: picking a parameter set by the weighted inverse CDF (Posterior.index_of), so every calibrated
#: and prior-drawn uncertainty moves together as one group.
POSTERIOR_INPUT = "posterior_draw"
POSTERIOR_GROUP = "posterior"
#: The posterior group in words, wherever a reader sees it.
POSTERIOR_WORDS = "what we do not know about behaviour (the calibrated posterior)"


def build_problem(spec: str | list[str], ranges: str = "declared",
                  posterior=None) -> Problem:
    """The SALib problem for ``levers``, ``uncertainties``, ``all`` or comma-separated names.

    Bounds come from the parameter declaration: each parameter's full declared range, or with
    ``ranges="reform"`` each lever's reform range (what a county could plausibly reach within a
    few years). Groups are the mechanisms (M1-M17). With a ``posterior``, one more input,
    POSTERIOR_INPUT in [0, 1), draws a parameter set from the ensemble (group POSTERIOR_GROUP),
    and the uncertainties it holds may not be swept separately. Structure parameters (the size
    and shape of the county) are never swept.
    """
    if ranges not in RANGES:
        raise UserError(f"--ranges must be one of {', '.join(RANGES)}, got '{ranges}'")
    if isinstance(spec, str):
        spec = spec.strip()
        if spec == "levers":
            chosen = names("lever")
        elif spec == "uncertainties":
            chosen = names("uncertainty")
        elif spec == "all":
            chosen = names("lever") + names("uncertainty")
        else:
            chosen = [s.strip() for s in spec.split(",") if s.strip()]
    else:
        chosen = list(spec)
    for name in chosen:
        if name == POSTERIOR_INPUT:
            raise UserError(f"'{POSTERIOR_INPUT}' is added by --posterior; do not name it in "
                            "--params")
        if name not in PARAMETERS_BY_NAME:
            import difflib

            close = difflib.get_close_matches(name, PARAMETERS_BY_NAME, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(f"unknown parameter '{name}'{hint} in --params; use levers, "
                            "uncertainties, all, or names listed by `cadresim params`")
        if PARAMETERS_BY_NAME[name].kind == "structure":
            raise UserError(f"'{name}' is a structure parameter (the shape of the county), which "
                            "sensitivity sweeps keep fixed; choose levers or uncertainties")
    if len(set(chosen)) != len(chosen):
        raise UserError(f"--params names a parameter twice: {', '.join(chosen)}")
    if posterior is not None:
        both = [n for n in chosen if n in posterior.names]
        if both:
            raise UserError(f"'{both[0]}' is drawn from the posterior; leave it out of --params "
                            "(the posterior moves every uncertainty it holds as one group)")
    if len(chosen) + (posterior is not None) < 2:
        raise UserError(f"--params gives {len(chosen)} parameter(s); a sensitivity analysis "
                        "needs at least two")
    order = {p.name: i for i, p in enumerate(PARAMETERS)}  # declaration order, stable output
    ps = [PARAMETERS_BY_NAME[n] for n in sorted(chosen, key=order.__getitem__)]
    bounds = [p.reform_range if ranges == "reform" else (p.low, p.high) for p in ps]
    extra = [(POSTERIOR_INPUT, (0.0, 1.0), False, POSTERIOR_GROUP)] if posterior is not None \
        else []
    return Problem(tuple(p.name for p in ps) + tuple(e[0] for e in extra),
                   tuple(tuple(b) for b in bounds) + tuple(e[1] for e in extra),
                   tuple(p.integer for p in ps) + tuple(e[2] for e in extra),
                   tuple(p.mechanism for p in ps) + tuple(e[3] for e in extra))


def parse_outputs(spec: str | list[str] | None) -> list[str]:
    """Output names from a comma-separated list (default :data:`DEFAULT_OUTPUTS`)."""
    if spec is None or spec == "":
        return list(DEFAULT_OUTPUTS)
    chosen = [s.strip() for s in spec.split(",") if s.strip()] if isinstance(spec, str) \
        else list(spec)
    unknown = [o for o in chosen if o not in OUTPUTS]
    if unknown or not chosen:
        raise UserError(f"unknown output '{unknown[0] if unknown else ''}' in --outputs; valid "
                        f"outputs: {', '.join(OUTPUTS)}")
    return list(dict.fromkeys(chosen))


@dataclass
class Plan:
    """Everything that decides a sensitivity analysis' numbers."""

    method: str
    samples: int
    replicates: int
    problem: Problem
    outputs: list[str]
    years: int
    seed: int
    second_order: bool = False
    n_cadres: int = 1000
    ranges: str = "declared"   # recorded: how the problem's bounds were chosen
    posterior: object = None   # a Posterior drawn as one input (POSTERIOR_INPUT), or None

    def __post_init__(self):
        check_samples(self.method, self.samples)
        if self.second_order and self.method != "sobol":
            raise UserError("--second-order needs --method sobol")
        if self.replicates < 1:
            raise UserError(f"--replicates {self.replicates}: need at least 1 seeded run per "
                            "sample row (2 or more to measure seed noise)")
        if not 1 <= self.years <= MAX_YEARS:
            raise UserError(f"--years {self.years}: need at least 1 year and at most {MAX_YEARS}")
        if not MIN_CADRES <= self.n_cadres <= MAX_CADRES:
            raise UserError(f"--n-cadres {self.n_cadres}: need {MIN_CADRES:,} to "
                            f"{MAX_CADRES:,} cadres (a county's units need staff)")
        if self.seed < 0:
            raise UserError(f"--seed {self.seed}: need a whole number >= 0")
        self._check_size()

    def _check_size(self) -> None:
        """Refuse up front a design too large to hold in memory (SALib builds it whole)."""
        from ..pool import available_memory

        k = len(self.problem.names)
        per_sample = (3 * k + 2) if self.method == "sobol" else 2 * (k + 1)  # rows, upper bound
        rows = self.samples * per_sample
        need = rows * k * 8 * 4  # float64 values; SALib holds a few copies while it builds them
        available = available_memory()
        if available is not None and need > available // 2:
            raise UserError(f"--samples {self.samples}: the {self.method} design alone would hold "
                            f"about {rows:,} rows ({need / 1024 ** 3:,.1f} GB); this machine has "
                            f"{available / 1024 ** 3:.1f} GB available: use a smaller --samples")

    @property
    def n_steps(self) -> int:
        return 4 * self.years

    def design(self) -> Design:
        return make_design(self.problem, self.method, self.samples, self.seed, self.second_order)

    def sweep_design(self, design: Design):
        """The sweep that runs ``design`` (every other parameter at its default; with a posterior
        the POSTERIOR_INPUT column becomes the values of the parameter set it picks)."""
        import numpy as np

        names, X = list(self.problem.names), np.asarray(design.X, dtype=float)
        if self.posterior is not None:
            j = names.index(POSTERIOR_INPUT)
            picked = self.posterior.params.to_numpy(dtype=float)[self.posterior.index_of(X[:, j])]
            X = np.hstack([np.delete(X, j, axis=1), picked])
            names = names[:j] + names[j + 1:] + list(self.posterior.names)
        swept = set(names)
        base = {k: v for k, v in validate().items() if k not in swept}
        return SweepDesign(param_names=names, samples=X,
                           base_params=base, replicates=self.replicates, n_steps=self.n_steps,
                           n_cadres=self.n_cadres, root_seed=self.seed, outputs=self.outputs,
                           meta={"kind": "sensitivity", **self.to_dict()})

    def to_dict(self) -> dict:
        return {"method": self.method, "samples": self.samples, "replicates": self.replicates,
                "problem": self.problem.to_dict(), "outputs": list(self.outputs),
                "years": self.years, "n_steps": self.n_steps, "seed": self.seed,
                "second_order": self.second_order, "n_cadres": self.n_cadres,
                "ranges": self.ranges, "posterior": (self.posterior.describe()
                                                     if self.posterior is not None else None)}
