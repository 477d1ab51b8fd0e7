"""``pidgin monitor``: a live dashboard of every running experiment, read from the log."""

from __future__ import annotations

from pathlib import Path

import click

from pidgin.cli.common import (
    NO_EXPERIMENTS,
    output_option,
    store_is_missing,
    store_option,
    store_url,
)
from pidgin.cli.types import FiniteFloat


@click.command()
@click.option(
    "--interval",
    type=FiniteFloat(0.2, 60.0),
    default=1.0,
    show_default=True,
    help="Seconds between refreshes.",
)
@click.option("--once", is_flag=True, help="Print the dashboard once and exit (for scripts).")
@click.option("--all", "show_all", is_flag=True, help="Include experiments that are not running.")
@store_option
@output_option
def monitor(interval: float, once: bool, show_all: bool, store: str | None, output: Path) -> None:
    """Progress, current turn and convergence, errors, tokens and cost of every running
    experiment, refreshed live. Ctrl+C quits (the experiments go on)."""
    import time

    from rich.console import Console
    from rich.live import Live
    from rich.table import Table

    from eventlog import EventLog, open_store
    from pidgin.cli.experiment_tables import monitor_table
    from pidgin.experiments.status import experiment_ids, read_status

    def dashboard(log: EventLog) -> Table:
        statuses = [read_status(log, eid, output) for eid in experiment_ids(log)]
        shown = [s for s in statuses if show_all or s.state == "running"]
        table = monitor_table(shown)
        interrupted = sum(1 for s in statuses if s.state == "interrupted")
        if interrupted:
            table.caption = f"{interrupted} interrupted (pidgin experiment resume ID)"
        return table

    console = Console()
    url = store_url(store, output)
    if store_is_missing(url):
        click.echo(NO_EXPERIMENTS)
        return
    with open_store(url, create=False) as log:
        if once:
            console.print(dashboard(log))
            return
        try:
            with Live(dashboard(log), console=console, refresh_per_second=4) as live:
                while True:
                    time.sleep(interval)
                    live.update(dashboard(log))
        except KeyboardInterrupt:
            pass
