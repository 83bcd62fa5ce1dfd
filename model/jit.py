"""How the model's per-cadre loops are compiled.

The mechanisms are written as loops over cadres and compiled once by Numba (the machine code is
cached on disk, so later processes -- sweep workers included -- load it instead of compiling
again). A 1,000-cadre quarter is a few dozen microseconds of arithmetic; as NumPy expressions it
was ~150 array passes of call overhead. Set ``NUMBA_DISABLE_JIT=1`` to run the same loops as plain
Python when debugging (slow, but every line can be stepped through).

IEEE arithmetic is kept (no ``fastmath``), so results do not depend on the CPU's vector width.

Why the cache lives in a folder named after the model's sources: Numba keys a cached function by
its own file only, but our passes call small compiled helpers in other modules (one copy of each
formula) and inline them. Edit a helper and a caller's cache from before the edit would still be
loaded, running the old formula. Keying the cache folder on a hash of every model module makes any
edit recompile everything (about 20 s, once). ``NUMBA_CACHE_DIR`` still chooses where the folders
go (for read-only installs on clusters, see docs/CLUSTER.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numba

_HERE = Path(__file__).resolve().parent
#: The explorer (app.py) has no compiled code; editing it need not recompile the model.
_UNCOMPILED = {"app.py"}


def _source_key() -> str:
    digest = hashlib.sha1()
    for path in sorted(_HERE.glob("*.py")):
        if path.name not in _UNCOMPILED:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_dir() -> str:
    """This version's cache folder; in the default place (beside the sources), the folders of
    earlier versions are removed, as nothing will load them again."""
    key = f"numba-{_source_key()}"
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.path.join(os.environ["NUMBA_CACHE_DIR"], key)
    base = _HERE / "__pycache__"
    for old in base.glob("numba-*"):
        if old.name != key:
            shutil.rmtree(old, ignore_errors=True)
    return str(base / key)


numba.config.CACHE_DIR = _cache_dir()

#: Decorator for the model's compiled loops.
kernel = numba.njit(cache=True, error_model="numpy", nogil=True)
