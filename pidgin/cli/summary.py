"""The end-of-chat summary, built from the log like every other output."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from rich.console import Console
from rich.table import Table

from eventlog import EventLog
from pidgin.domain.pricing import format_dollars
from projections.conversation_view import read_conversations
from projections.transcripts import total_cost


def print_summary(
    console: Console, log: EventLog, conversation_id: UUID, transcripts: Path, store: str
) -> None:
    (view,) = read_conversations(log, [conversation_id])
    tokens_in, tokens_out = view.tokens()
    final = view.final_convergence
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("Conversation", str(conversation_id))
    table.add_row("Turns", f"{view.completed_turns} of {view.max_turns}")
    paused = f"not ended: paused ({view.paused_reason})" if view.paused_reason else None
    table.add_row("Ended", view.end_reason or paused or "not ended")
    table.add_row("Final convergence", "n/a" if final is None else f"{final:.3f}")
    table.add_row("Tokens", f"{tokens_in:,} in, {tokens_out:,} out")
    table.add_row("Cost", format_dollars(total_cost(view)))
    table.add_row("Transcripts", f"{transcripts / str(conversation_id)}.md (and .json)")
    table.add_row("Store", store)
    console.print()
    console.print(table)
    if view.paused_reason and not view.end_reason:
        console.print(f"Continue with: pidgin chat --resume {conversation_id}")
