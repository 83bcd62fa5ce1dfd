"""``cadresim params``: the model's parameter declaration, one parameter a line."""

from __future__ import annotations

import click

from .base import cli


@cli.command("params")
@click.option("--kind", type=click.Choice(["lever", "uncertainty", "structure"]), default=None,
              help="Only parameters of this kind.")
def params_cmd(kind: str | None) -> None:
    """List every parameter with its default, range, unit and kind."""
    from model.parameters import PARAMETERS

    rows = [p for p in PARAMETERS if kind is None or p.kind == kind]
    width = max(len(p.name) for p in rows)
    click.echo(f"{'name':<{width}}  {'default':>8}  {'range':<15}  {'kind':<11}  {'mech':<4}  unit")
    for p in rows:
        rng = f"[{p.low:g}, {p.high:g}]"
        click.echo(f"{p.name:<{width}}  {p.default:>8g}  {rng:<15}  {p.kind:<11}  "
                   f"{p.mechanism:<4}  {p.unit}")
        click.echo(f"{'':<{width}}  {p.meaning} Source: {p.source}.")
