"""``pidgin report``: placeholder while it is written."""

import click


@click.command()
def report() -> None:
    """Write an HTML report."""
