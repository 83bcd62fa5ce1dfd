"""``python -m experiments.cli ...``: the ``cadresim`` command run by this interpreter, from this
source tree (what the tests run, whatever ``cadresim`` is first on PATH)."""

from .base import main

if __name__ == "__main__":
    main()
