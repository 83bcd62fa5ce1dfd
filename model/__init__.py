"""cadresim's model: grassroots cadres deciding whether to innovate, under policy levers.

Where each mechanism of the specification lives:

=====  ==========================================================  =====================
M1     choice among routine, genuine and symbolic innovation       decision.py
M2     risk and sanction                                           accountability.py
M3     fault tolerance and error correction                        accountability.py
M4     social learning of risk                                     social_learning.py
M5     evaluation and promotion                                    promotion.py
M6     limited posts, rank pyramid                                 organisation.py
M7     demotion and exit of mediocre cadres                        promotion.py
M8     age and eligibility thresholds                              promotion.py
M9     leaders' stance                                             leaders.py
M10    conformity and habit                                        conformity.py
M11    skill and training                                          training.py
M12    material and honour incentives                              incentives.py
M13    workload, strict management, stress                         workload.py
M14    verification of results                                     accountability.py
M15    size of an innovation                                       decision.py
M16    demography, careers, rotation                               demography.py
M17    reinforcement by own outcomes                               social_learning.py
=====  ==========================================================  =====================

Parameters are declared once in parameters.py; the step order is written in model.py.
"""

from .agents import CadreAgent
from .model import CadreModel
from .outputs import OUTPUTS
from .parameters import MECHANISMS, PARAMETERS, PARAMETERS_BY_NAME, Parameter, ParameterError
from .population import BARRIER_NAMES

__all__ = [
    "CadreModel", "CadreAgent", "PARAMETERS", "PARAMETERS_BY_NAME", "Parameter",
    "ParameterError", "OUTPUTS", "MECHANISMS", "BARRIER_NAMES",
]
