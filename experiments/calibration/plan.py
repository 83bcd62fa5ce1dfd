"""What a calibration runs: :class:`CalibrationPlan`, every number that decides its result, checked
before anything runs, and the sweeps it turns into."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from model.parameters import PARAMETERS_BY_NAME, names, validate

from ..errors import UserError
from ..sweeps.design import SweepDesign
from .targets import Targets

#: The per-run function of every calibration sweep (run_model plus the micro statistics).
RUN = "experiments.calibration.simulate:simulate"
#: A parameter whose swing over its full range moves no target by at least this many
#: tolerances (Morris mu* net of seed noise / tolerance) is not calibrated (see screen.py).
SCREEN_THRESHOLD = 1.0


@dataclass(frozen=True)
class CalibrationPlan:
    """Everything that decides a calibration's numbers."""

    targets: Targets
    population: int = 400           # parameter sets per generation (and in the posterior)
    max_generations: int = 12
    min_acceptance: float = 0.02    # below this a generation stops at the N best candidates
    screening_trajectories: int = 12
    screen_threshold: float = SCREEN_THRESHOLD
    calibrate: tuple[str, ...] = ()  # chosen uncertainties; () = chosen by the screening
    nuisance: str = "defaults"      # other uncertainties: at their "defaults" or "prior" draws
    ppc_seeds: int = 2              # fresh seeds per posterior set in the predictive check
    seed: int = 2026
    years: int | None = None        # default: the targets' setting
    cadres: int | None = None
    fixed: dict = field(default_factory=dict)  # parameters held at given values (tests)

    def __post_init__(self):
        for label, value, low in (("--population", self.population, 20),
                                  ("--max-generations", self.max_generations, 1),
                                  ("--screening-trajectories", self.screening_trajectories, 4),
                                  ("--ppc-seeds", self.ppc_seeds, 1), ("--seed", self.seed, 0)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise UserError(f"{label} must be a whole number >= {low}, got {value!r}")
        if not 0 < self.min_acceptance < 1:
            raise UserError(f"--min-acceptance must be in (0, 1), got {self.min_acceptance!r}")
        if self.nuisance not in ("prior", "defaults"):
            raise UserError(f"nuisance must be 'prior' or 'defaults', got {self.nuisance!r}")
        for name in self.calibrate:
            p = PARAMETERS_BY_NAME.get(name)
            if p is None or p.kind != "uncertainty":
                kind = "unknown parameter" if p is None else f"a {p.kind}"
                raise UserError(f"--calibrate '{name}' is {kind}; only uncertainties are "
                                "calibrated (levers describe the policy regime); see "
                                "`cadresim params --kind uncertainty`")
            if p.integer:
                raise UserError(f"--calibrate '{name}' is a whole-number parameter; it stays a "
                                "prior draw (the ABC kernel moves parameters continuously)")
        if len(set(self.calibrate)) != len(self.calibrate):
            raise UserError(f"--calibrate names a parameter twice: {', '.join(self.calibrate)}")
        validate(self.fixed)
        bad = [n for n in self.fixed if n in self.calibrate]
        if bad:
            raise UserError(f"'{bad[0]}' is both calibrated and held fixed; choose one")

    @property
    def n_years(self) -> int:
        return self.years if self.years is not None else self.targets.years

    @property
    def n_cadres(self) -> int:
        return self.cadres if self.cadres is not None else self.targets.cadres

    @property
    def n_steps(self) -> int:
        return 4 * self.n_years

    def uncertainties(self) -> list[str]:
        """Every uncertainty not held fixed (the candidates for calibration)."""
        return [n for n in names("uncertainty") if n not in self.fixed]

    def with_calibrated(self, chosen: list[str]) -> CalibrationPlan:
        return replace(self, calibrate=tuple(chosen))

    def nuisance_names(self) -> list[str]:
        """Uncertainties drawn from their prior for every candidate (none with 'defaults')."""
        if self.nuisance == "defaults":
            return []
        return [n for n in self.uncertainties() if n not in self.calibrate]

    def base_params(self, varied: list[str]) -> dict:
        """Every parameter not in ``varied``: levers at their defaults (the regime the evidence
        describes), the fixed ones at their values, other uncertainties at their defaults."""
        full = validate(self.fixed)
        return {k: v for k, v in full.items() if k not in varied}

    def sweep(self, param_names: list[str], samples: np.ndarray, root_seed: int,
              replicates: int = 1, meta: dict | None = None) -> SweepDesign:
        """A sweep of calibration runs over ``samples`` (columns ``param_names``)."""
        return SweepDesign(param_names=list(param_names), samples=samples,
                           base_params=self.base_params(list(param_names)),
                           replicates=replicates, n_steps=self.n_steps, n_cadres=self.n_cadres,
                           root_seed=int(root_seed), outputs=self.targets.statistics, run=RUN,
                           meta={"kind": "calibration", **(meta or {})})

    def to_dict(self) -> dict:
        return {"targets": self.targets.to_dict(), "population": self.population,
                "max_generations": self.max_generations, "min_acceptance": self.min_acceptance,
                "screening_trajectories": self.screening_trajectories,
                "screen_threshold": self.screen_threshold, "calibrate": list(self.calibrate),
                "nuisance": self.nuisance, "ppc_seeds": self.ppc_seeds, "seed": self.seed,
                "years": self.n_years, "cadres": self.n_cadres,
                "fixed": {k: v for k, v in sorted(self.fixed.items())}, "run": RUN}


def quick_plan(plan: CalibrationPlan) -> CalibrationPlan:
    """The ``--quick`` setting for tests: small populations of small, short runs."""
    return replace(plan, population=min(plan.population, 40), max_generations=min(
        plan.max_generations, 4), screening_trajectories=4, ppc_seeds=1,
        years=plan.years or 8, cadres=plan.cadres or 200)
