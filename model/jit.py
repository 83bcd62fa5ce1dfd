"""How the model's per-cadre loops are compiled.

The mechanisms are written as loops over cadres and compiled once by Numba (the machine code is
cached next to the sources, so later processes -- sweep workers included -- load it instead of
compiling again). A 1,000-cadre quarter is a few dozen microseconds of arithmetic; as NumPy
expressions it was ~150 array passes of call overhead. Set ``NUMBA_DISABLE_JIT=1`` to run the same
loops as plain Python when debugging (slow, but every line can be stepped through).

IEEE arithmetic is kept (no ``fastmath``), so results do not depend on the CPU's vector width.
"""

from __future__ import annotations

import numba

#: Decorator for the model's compiled loops.
kernel = numba.njit(cache=True, error_model="numpy", nogil=True)
