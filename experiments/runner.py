"""The one pure function between the model and every experiment: ``run_model``.

Everything in ``experiments/`` runs the model through this function (as the EMA Workbench keeps a
model behind one call), so sweeps, comparisons and engines see the same black box.
"""

from __future__ import annotations

import numpy as np

from model import CadreModel, mesa_adapter
from model.model import gc_paused
from model.outputs import OUTPUTS

#: Outputs that count events per step; summarised as a yearly mean rather than a level.
COUNT_OUTPUTS = ("promotions", "demotions", "value_delivered")
#: Outputs that accumulate; summarised by their final value.
FINAL_OUTPUTS = ("cumulative_value",)
SUMMARY_YEARS = 5
#: The root seed every command and notebook uses unless told otherwise.
DEFAULT_SEED = 2026


def summarise(series: dict[str, np.ndarray],
              window: tuple[int, int] | None = None) -> dict[str, float]:
    """One number per output for a run: the mean over its last five years (or the whole run if
    shorter), counts per year, and cumulative outputs at the end.

    ``window`` = (first, last) reads steps first..last instead (1 = the first quarter; see
    ``experiments.presentation.Window``); cumulative outputs are then read at step ``last``.
    """
    out = {}
    for name, values in series.items():
        values = np.asarray(values, dtype=np.float64)
        if window is not None:
            first, last = window
            tail, end = values[first:last + 1], values[last]
        else:
            tail = values[1:][-4 * SUMMARY_YEARS:] if values.size > 1 else values
            end = values[-1]
        if name in FINAL_OUTPUTS:
            out[name] = float(end)
        elif name in COUNT_OUTPUTS:
            out[name] = float(tail.mean() * 4.0)
        else:
            out[name] = float(tail.mean())
    return out


def run_model(params: dict, seed: int, n_steps: int, n_cadres: int = 1000,
              policy_schedule: list | None = None, outputs=None,
              with_agents: bool = False) -> dict:
    """Run one model and return its results as plain data.

    Args:
        params: parameter overrides by name (validated by the model).
        seed: root seed of the run.
        n_steps: quarters to simulate.
        n_cadres: size of the county.
        policy_schedule: scheduled parameter changes (see ``model.schedule``).
        outputs: names of outputs to return (default: all).
        with_agents: also create the Mesa agents (not needed for outputs, which are identical
            either way; sweep workers hold no agent-level data).

    Returns:
        ``{"series": {output: array of n_steps + 1 values}, "summary": {output: float}}``;
        element 0 of each series is the state at construction.
    """
    # The collector would only traverse the live agents again and again (about a tenth of a
    # 100,000-cadre run); the finished model is freed by reference counting (release).
    with gc_paused():
        m = CadreModel(seed=seed, n_cadres=n_cadres, policy_schedule=policy_schedule,
                       with_agents=with_agents, **params)
        try:
            for _ in range(n_steps):
                m.step()
            names = list(OUTPUTS) if outputs is None else list(outputs)
            series = {k: np.asarray(m.datacollector.model_vars[k], dtype=np.float64)
                      for k in names}
        finally:
            release(m)
    return {"series": series, "summary": summarise(series)}


def release(model) -> None:
    """Let a finished model be freed: Mesa 3.3.1 counts agent ids in a class-level dict keyed by
    model (``Agent._ids``), which otherwise keeps every model and its agents alive -- about 1 MB
    per 1,000-cadre run in a long sweep or notebook. The model's agents are dropped too, so that
    reference counting frees them at once rather than the cyclic garbage collector later (which
    cost ~1.5 ms per 1,000-cadre run in sweeps)."""
    mesa_adapter.forget_model(model)
    if isinstance(model, CadreModel):
        model.dispose()


def prepare(notify=None, after: float = 1.0) -> float:
    """Run a tiny model once in this process, so that the compiled passes are built (and cached
    for the worker processes) before any progress bar starts.

    The first run on a machine compiles the model (about 20 s); ``notify`` (e.g. ``print``) is
    called with "compiling the model (once) ..." if that takes longer than ``after`` seconds,
    and with the time it took at the end. Returns the seconds spent.
    """
    import threading
    import time

    done = threading.Event()
    said = []

    def announce():
        if not done.wait(after) and notify is not None:
            said.append(True)
            notify("compiling the model (once; about 20 s on a new machine) ...")

    watcher = threading.Thread(target=announce, daemon=True)
    t0 = time.perf_counter()
    watcher.start()
    try:
        run_model({}, seed=0, n_steps=1, n_cadres=50)
    finally:
        done.set()
        watcher.join()
    seconds = time.perf_counter() - t0
    if said and notify is not None:
        notify(f"compiled in {seconds:.0f} s; later runs start at once")
    return seconds
