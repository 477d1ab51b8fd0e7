"""``pidgin list``: the conversations recorded in a store, read from its catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pidgin.cli.catalog_options import catalog_for, listing_options
from pidgin.cli.common import (
    NO_CONVERSATIONS,
    store_is_missing,
    store_url,
)

if TYPE_CHECKING:
    from projections.catalog_db import CatalogEntry
    from projections.catalog_filters import Filters


@click.command("list")
@listing_options
def list_command(filters: Filters, output_format: str, store: str | None, output: Path) -> None:
    """List recorded conversations: short id, start (UTC), models, turns, status (the end
    reason, paused, or unfinished: running or cut off), tokens and cost (US dollars, from
    the per-million prices recorded when each conversation started).

    Reads a small catalog kept beside the store and brought up to date from the log on
    each call, so listing a large store reads only what was appended since.
    """
    from projections.catalog_db import short_ids
    from projections.catalog_filters import select

    url = store_url(store, output)
    if store_is_missing(url):
        _nothing(output_format)
        return
    with catalog_for(url, output) as catalog:
        views = select(catalog, filters)
        shown = short_ids(catalog, (entry.id for entry in views))
    if output_format == "json":
        click.echo(json.dumps([_document(e, shown[e.id]) for e in views], indent=2))
    elif views:
        _print_table(views, shown)
    elif filters == type(filters)():
        click.echo(NO_CONVERSATIONS)
    else:
        click.echo("No conversation matches these filters.")


def _nothing(output_format: str) -> None:
    click.echo("[]" if output_format == "json" else NO_CONVERSATIONS)


def _document(entry: CatalogEntry, short_id: str) -> dict[str, Any]:
    """One conversation for scripts: everything the table shows, unabbreviated."""
    return {
        "id": entry.id,
        "short_id": short_id,
        "name": entry.name,
        "experiment_id": entry.experiment_id,
        "started_at": entry.started_at,
        "ended_at": entry.ended_at,
        "agents": {"a": entry.model_a, "b": entry.model_b},
        "turns": entry.turns,
        "max_turns": entry.max_turns,
        "status": entry.status,
        "end_reason": entry.end_reason,
        "paused_reason": entry.paused_reason,
        "final_convergence": entry.convergence,
        "errors": entry.errors,
        "tokens": {
            "a": {"in": entry.tokens_in_a, "out": entry.tokens_out_a},
            "b": {"in": entry.tokens_in_b, "out": entry.tokens_out_b},
            "in": entry.tokens_in_a + entry.tokens_in_b,
            "out": entry.tokens_out_a + entry.tokens_out_b,
        },
        "cost_usd": entry.cost,
    }


def dollars(amount: float | None) -> str:
    """As pidgin.domain.pricing.format_dollars, without loading the domain at start-up."""
    return "n/a" if amount is None else f"${amount:,.6f}"


def status_text(entry: CatalogEntry) -> str:
    """The end reason, ``paused`` or ``unfinished``."""
    return entry.end_reason or ("paused" if entry.paused_reason else "unfinished")


def compact(number: int) -> str:
    """1,234 / 56.7k / 8.9M: a token count in at most six characters."""
    if number < 100_000:
        return f"{number:,}"
    if number < 10_000_000:
        return f"{number / 1000:,.0f}k" if number < 1_000_000 else f"{number / 1e6:.1f}M"
    return f"{number / 1e6:,.0f}M"


def _print_table(views: list[CatalogEntry], shown: dict[str, str]) -> None:
    from pidgin.cli.text_table import Column, render, terminal_width

    named = any(entry.name for entry in views)
    columns = [
        Column("id"),
        Column("started"),
        Column("models", shrink_to=9),
        Column("turns", right=True),
        Column("status", shrink_to=7),
        Column("tokens", right=True),
        Column("cost", right=True),
    ]
    if named:
        columns.append(Column("name", shrink_to=4))
    plural = "" if len(views) == 1 else "s"
    # Under 100 columns the year goes, to leave room for models, status and name.
    start = slice(0, 16) if terminal_width() >= 100 else slice(5, 16)
    click.echo(
        render(
            columns,
            [_row(entry, shown[entry.id], named, start) for entry in views],
            title=f"{len(views):,} conversation{plural}",
            caption="started: UTC · tokens: in + out",
        )
    )


def _row(entry: CatalogEntry, short_id: str, named: bool, start: slice) -> list[str]:
    same = entry.model_a == entry.model_b
    tokens = entry.tokens_in_a + entry.tokens_in_b + entry.tokens_out_a + entry.tokens_out_b
    row = [
        short_id,
        entry.started_at[start].replace("T", " "),
        f"{entry.model_a} ×2" if same else f"{entry.model_a} ↔ {entry.model_b}",
        f"{entry.turns}/{entry.max_turns}",
        status_text(entry),
        compact(tokens),
        dollars(entry.cost),
    ]
    return [*row, entry.name or ""] if named else row
