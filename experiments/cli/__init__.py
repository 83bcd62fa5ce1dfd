"""``cadresim``: one console command for every user-facing job, one module per command group.

Each module is thin: it parses options, calls one function of the pipeline package of the same
name, and prints what came back. Where each command lives::

    cadresim params                                   params.py       (model.parameters)
    cadresim scenarios | run | compare | reproduce    replicates.py   (experiments.replicates)
    cadresim status | resume | merge                  sweeps.py       (experiments.sweeps)
    cadresim sensitivity                              sensitivity.py  (experiments.sensitivity)
    cadresim calibrate                                calibration.py  (experiments.calibration)
    cadresim discover | robust                        discovery.py    (experiments.discovery)
    cadresim report | strip-notebooks | headline      briefings.py    (experiments.briefings)

``base.py`` holds the ``cadresim`` group, the entry point :func:`main` (the console script
``cadresim = "experiments.cli:main"``) and the one-line error handling.

Adding a command group (say, ``cadresim calibrate`` for a new ``experiments/calibration/``
package): write ``experiments/cli/calibration.py`` that does ``from .base import cli`` and
decorates its commands with ``@cli.command(...)``; add the package's engine options with
``from .sweeps import add_engine_options`` if it runs sweeps; add its line to the table above.
Nothing else is edited: :func:`main` imports every module of this folder, and
``tests/test_layout.py`` checks that each one adds a command and that the table above is true.
"""

from __future__ import annotations

from .base import cli, command_line, main, register

__all__ = ["cli", "command_line", "main", "register"]
