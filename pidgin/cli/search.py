"""``pidgin search``: which conversations and turns say something, with the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pidgin.cli.catalog_options import catalog_for, listing_options
from pidgin.cli.common import (
    NO_CONVERSATIONS,
    UserError,
    store_is_missing,
    store_url,
)

if TYPE_CHECKING:
    from projections.catalog_filters import Filters
    from projections.catalog_search import Hit

PREFIX = "{id}  turn {turn:>3} {agent}  "


@click.command("search")
@click.argument("text")
@click.option("--regex", is_flag=True, help="TEXT is a Python regular expression.")
@click.option(
    "--max",
    "most",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Show at most this many matching lines.",
)
@listing_options
def search_command(
    text: str,
    regex: bool,
    filters: Filters,
    most: int,
    output_format: str,
    store: str | None,
    output: Path,
) -> None:
    """Find TEXT in every recorded message: the conversation, turn, agent and line.

    Plain TEXT matches regardless of case; with --regex it is a Python regular
    expression (add (?i) to ignore case). Reads the catalog that `pidgin list` keeps.
    """
    from projections.catalog_db import short_ids
    from projections.catalog_search import compile_pattern, search

    try:
        compile_pattern(text, regex=regex)
    except ValueError as error:
        raise UserError(str(error)) from None
    url = store_url(store, output)
    if store_is_missing(url):
        click.echo("[]" if output_format == "json" else NO_CONVERSATIONS)
        return
    with catalog_for(url, output) as catalog:
        hits = list(search(catalog, text, regex=regex, filters=filters, limit=most + 1))
        shown = short_ids(catalog, {hit.conversation_id for hit in hits})
    if output_format == "json":
        documents = [
            {
                "conversation_id": hit.conversation_id,
                "short_id": shown[hit.conversation_id],
                "turn": hit.turn,
                "agent": hit.agent,
                "position": hit.position,
                "line": hit.line,
                "match": [hit.start, hit.end],
            }
            for hit in hits[:most]
        ]
        click.echo(json.dumps(documents, ensure_ascii=False, indent=2))
        return
    _print_hits(hits, shown, most)


def _print_hits(hits: list[Hit], shown: dict[str, str], most: int) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    for hit in hits[:most]:
        prefix = PREFIX.format(id=shown[hit.conversation_id], turn=hit.turn, agent=hit.agent)
        room = max(20, console.width - len(prefix))
        line, start, end = snippet(hit.line, hit.start, hit.end, room)
        text = Text(prefix, style="dim")
        text.append(line[:start])
        text.append(line[start:end], style="bold reverse")
        text.append(line[end:])
        console.print(text, no_wrap=True, overflow="ellipsis", crop=True)
    if len(hits) > most:
        summary = f"the first {most} matching lines; --max N shows more"
    else:
        conversations = len({hit.conversation_id for hit in hits})
        plural = "" if len(hits) == 1 else "s"
        summary = f"{len(hits)} matching line{plural} in {conversations} conversation"
        summary += "" if conversations == 1 else "s"
    console.print(summary if hits else "No message matches.", style="dim")


def snippet(line: str, start: int, end: int, room: int) -> tuple[str, int, int]:
    """The part of ``line`` that fits in ``room`` characters around the match, with "…"."""
    if len(line) <= room:
        return line, start, end
    width = end - start
    before = max(0, min(start - (room - width) // 3, len(line) - room))
    cut = line[before : before + room]
    head = "…" if before > 0 else ""
    tail = "…" if before + room < len(line) else ""
    shown = head + cut[len(head) : len(cut) - len(tail)] + tail
    return shown, start - before, min(end - before, len(shown))
