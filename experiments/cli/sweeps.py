"""``cadresim status|resume|merge DIR`` and the engine options every sweep command shares.

A command that runs a sweep (for example ``cadresim sensitivity``) decorates itself with
:func:`add_engine_options` and passes the options straight to ``run_sweep``::

    @cli.command()
    @add_engine_options
    def sensitivity(..., **engine):
        run_sweep(design, out, **engine)
"""

from __future__ import annotations

import click

from ..errors import UserError
from ..sweeps import (
    CLUSTERS,
    ENGINES,
    merge_shards,
    parse_shard,
    resume_sweep,
    sweep_status,
)
from .base import cli


class ShardType(click.ParamType):
    """``--shard I/N`` -> ``(I, N)``, with 0 <= I < N."""

    name = "I/N"

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, tuple):
            return value
        try:
            return parse_shard(value)
        except UserError as exc:
            self.fail(str(exc), param, ctx)


def add_engine_options(command):
    """Add ``--engine --workers --scheduler --cluster --cluster-config --shard --chunk-size``;
    their values arrive as keyword arguments named like ``run_sweep``'s."""
    options = [
        click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
                     help="local: process pool; serial: this process; dask: Dask distributed."),
        click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
                     help="Worker processes (default: the CPUs available).",),
        click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="Join a running Dask scheduler (tcp://host:8786); engine dask."),
        click.option("--cluster", type=click.Choice(CLUSTERS), default=None,
                     help="Start Dask workers as Slurm/PBS jobs (dask-jobqueue); engine dask."),
        click.option("--cluster-config", type=click.Path(dir_okay=False), default=None,
                     help="YAML/TOML file with the jobs' resources (docs/CLUSTER.md)."),
        click.option("--shard", type=ShardType(), default=None,
                     help="Run only slice I of N, counting from 0 (I = 0 .. N-1, as Slurm's "
                          "--array=0-<N-1>); then `cadresim merge DIR`."),
        click.option("--chunk-size", type=click.IntRange(min=1), default=None,
                     help="Sample rows per work unit (default: about 4 s of runs)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _sensitivity(directory: str):
    """The sensitivity analysis DIRECTORY names (its folder, staging folder or runs/), if any."""
    from ..sensitivity.resume import find_sensitivity

    return find_sensitivity(directory)


@cli.command("status")
@click.argument("directory", type=click.Path(file_okay=False))
def status_cmd(directory: str) -> None:
    """Show how far the sweep in DIRECTORY is: chunks and runs done, failed, pending.

    DIRECTORY is a sweep directory or a sensitivity analysis folder (finished or not)."""
    found = _sensitivity(directory)
    if found is not None:
        state = "finished" if found.finished else "unfinished"
        click.echo(f"sensitivity analysis {found.target} ({state}); its sweep:")
        directory = str(found.sweep)
    st = sweep_status(directory)
    c, r = st["chunks"], st["runs"]
    click.echo(f"sweep {st['dir']}  ({st['n_rows']} rows x {st['replicates']} replicates, "
               f"{st['n_chunks']} chunks of {st['chunk_rows']} rows)")
    click.echo(f"chunks: {c['done']} done, {c['failed']} failed, {c['pending']} pending"
               + (f", {c['damaged']} damaged" if c["damaged"] else ""))
    click.echo(f"runs:   {r['ok']} ok, {r['failed']} failed, {r['pending']} pending "
               f"of {r['total']}")
    if st["mean_chunk_seconds"]:
        click.echo(f"mean chunk time: {st['mean_chunk_seconds']:.2f} s")
    for chunk, error in sorted(st["failed_chunks"].items()):
        click.echo(f"failed chunk {chunk}: {error}")
    for chunk, why in sorted(st["damaged_chunks"].items()):
        click.echo(f"damaged chunk {chunk}: {why}; `cadresim resume` runs it again")
    for name, why in st["damaged_ledgers"].items():
        click.echo(f"{name} is damaged ({why}); the chunk files are the truth, and the next "
                   "resume rebuilds it from them")
    for run in st["failed_runs"][:20]:
        click.echo(f"failed run row {run['row']} replicate {run['replicate']} seed {run['seed']}: "
                   f"{run['error']}; params {run['params']}")
    if len(st["failed_runs"]) > 20:
        click.echo(f"... and {len(st['failed_runs']) - 20} more failed runs")
    name = str(found.target) if found is not None else directory
    if st["complete"]:
        state = "merged" if st["merged"] else f"all chunks done; run `cadresim merge {name}`"
        click.echo(f"complete ({state})")
    else:
        click.echo(f"incomplete: run `cadresim resume {name}` to finish")


@cli.command("resume")
@click.argument("directory", type=click.Path(file_okay=False))
@add_engine_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def resume_cmd(directory: str, quiet: bool, **engine) -> None:
    """Finish the sweep saved in DIRECTORY: run only its missing or failed chunks.

    DIRECTORY may be the --out folder of an interrupted `cadresim sensitivity`: its sweep is
    finished, then analysed (tables, figures, summary.md) into that folder."""
    from ..runner import prepare

    found = _sensitivity(directory)
    if not engine.get("shard"):  # compile once here, not in every worker behind a 0% bar
        prepare(None if quiet else (lambda line: click.echo(line, err=True)))
    if found is not None:
        _finish(found, merge_only=False, quiet=quiet, **engine)
        return
    df = resume_sweep(directory, progress=not quiet, **engine)
    failed = int((df["status"] != "ok").sum())
    where = "this shard's" if engine.get("shard") else "all"
    click.echo(f"{where} {len(df)} runs present ({failed} failed) in {directory}")


@cli.command("merge")
@click.argument("directory", type=click.Path(file_okay=False))
def merge_cmd(directory: str) -> None:
    """Merge the chunks written by all shards into DIRECTORY/results.parquet.

    DIRECTORY may be the --out folder of a sharded `cadresim sensitivity`: its sweep is merged,
    then analysed (tables, figures, summary.md) into that folder."""
    found = _sensitivity(directory)
    if found is not None:
        _finish(found, merge_only=True, quiet=True)
        return
    df = merge_shards(directory)
    failed = int((df["status"] != "ok").sum())
    click.echo(f"merged {len(df)} runs ({failed} failed) into {directory}/results.parquet")


def _finish(found, merge_only: bool, quiet: bool, **engine) -> None:
    """Finish a sensitivity analysis and say where its results are."""
    from ..sensitivity.resume import finish_sensitivity
    from .base import command_line

    analysis = finish_sensitivity(found, merge_only=merge_only, progress=not quiet,
                                  argv=command_line(), **engine)
    if analysis is None:
        click.echo(f"shard {engine['shard'][0]}/{engine['shard'][1]} of {found.target} done")
        return
    click.echo(f"sensitivity analysis finished: {found.target}/ (summary.md, indices.csv, "
               "figures)")
