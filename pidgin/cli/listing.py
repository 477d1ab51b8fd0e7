"""``pidgin list``: the conversations recorded in a store."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pidgin.cli.common import output_option, store_option, store_url

if TYPE_CHECKING:
    from projections.costs import AgentTotals


@click.command("list")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A rich table, or JSON for scripts.",
)
@store_option
@output_option
def list_command(output_format: str, store: str | None, output: Path) -> None:
    """List recorded conversations: id, start time, agents, turns, end reason, tokens and
    cost (US dollars, from the per-million prices recorded when each conversation started)."""
    import json

    from rich.console import Console
    from rich.table import Table

    from eventlog import open_store
    from pidgin.domain.pricing import format_dollars
    from projections.catalog import list_conversations
    from projections.costs import conversation_cost, token_totals

    url = store_url(store, output)
    with open_store(url, create=False) as log:
        views = list_conversations(log)
        totals = token_totals(log)
    if output_format == "json":
        rows = [
            {
                "id": str(view.conversation_id),
                "name": view.name,
                "started_at": view.started_at.isoformat(),
                "agents": {agent: spec["model"] for agent, spec in view.agents.items()},
                "turns": view.completed_turns,
                "max_turns": view.max_turns,
                "end_reason": view.end_reason,
            }
            for view in views
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    console = Console()
    if not views:
        console.print("No conversations recorded yet.")
        return
    plural = "" if len(views) == 1 else "s"
    table = Table(title=f"{len(views)} conversation{plural}")
    for column in ("id", "started", "agents", "turns", "ended", "tokens", "cost", "name"):
        table.add_column(column, overflow="fold")
    for view in views:
        agents = f"{view.agents['a']['model']} ↔ {view.agents['b']['model']}"
        table.add_row(
            str(view.conversation_id),
            view.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            agents,
            f"{view.completed_turns}/{view.max_turns}",
            view.end_reason or "running or cut off",
            _tokens(totals.get(view.conversation_id, {})),
            format_dollars(conversation_cost(view.agents, totals.get(view.conversation_id, {}))),
            view.name or "",
        )
    console.print(table)


def _tokens(totals: Mapping[str, AgentTotals]) -> str:
    tokens_in = sum(agent.tokens_in for agent in totals.values())
    tokens_out = sum(agent.tokens_out for agent in totals.values())
    return f"{tokens_in:,} / {tokens_out:,}"
