"""``pidgin show ID``: one conversation in the terminal, or as Markdown or JSON for scripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pidgin.cli.common import UserError, output_option, store_option, store_url

if TYPE_CHECKING:
    from projections.timeline import Timeline


@click.command()
@click.argument("conversation_id", metavar="ID")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text: for reading (a pager when it is longer than the terminal); markdown and "
    "json: the transcript documents that `pidgin replay` writes.",
)
@click.option("--no-pager", is_flag=True, help="Print straight to the terminal.")
@store_option
@output_option
def show(
    conversation_id: str, output_format: str, no_pager: bool, store: str | None, output: Path
) -> None:
    """Show one conversation: settings, system prompts, every message under its agent's
    name, each turn's convergence and headline measures, injected messages, errors and
    pauses where they happened. ID may be a unique prefix.

    Example: pidgin show 3f2a
    """
    from eventlog import open_store
    from projections.catalog import list_conversations, match_conversations
    from projections.timeline import conversation_timeline
    from projections.transcripts import render_json, render_markdown

    with open_store(store_url(store, output), create=False) as log:
        (matched,) = match_conversations(list_conversations(log), [conversation_id])
        timeline = conversation_timeline(log.aggregate_events(matched))
    if timeline is None:  # A prefix matched, so the start event was there a moment ago.
        raise UserError(f"conversation {matched} has no start event")
    if output_format == "markdown":
        click.echo(render_markdown(timeline.view), nl=False)
    elif output_format == "json":
        click.echo(render_json(timeline.view), nl=False)
    else:
        _print(timeline, pager=not no_pager)


def _print(timeline: Timeline, *, pager: bool) -> None:
    """Rich output, through the pager when on a terminal and longer than its height."""
    from rich.console import Console

    from pidgin.cli.show_terminal import render_conversation

    console = Console()
    parts = list(render_conversation(timeline))
    if pager and console.is_terminal:
        lines = sum(len(console.render_lines(part, pad=False)) for part in parts)
        if lines > console.height:
            # pydoc runs $PAGER, else less: -R lets less show the colours as colours.
            os.environ.setdefault("LESS", "-R")
            with console.pager(styles=True):
                for part in parts:
                    console.print(part)
            return
    for part in parts:
        console.print(part)
