"""How experiment statuses look: rich tables for people, plain dicts for ``--format json``."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table

from pidgin.domain.pricing import format_dollars
from pidgin.experiments.status import ConversationStatus, ExperimentStatus

STATE_STYLES = {
    "running": "green",
    "interrupted": "yellow",
    "completed": "bold",
    "stopped": "cyan",
    "failed": "red",
    "paused": "cyan",
    "pending": "dim",
    "ended": "",
}


def _styled(state: str) -> str:
    style = STATE_STYLES.get(state, "")
    return f"[{style}]{state}[/]" if style else state


def experiments_table(statuses: list[ExperimentStatus]) -> Table:
    plural = "" if len(statuses) == 1 else "s"
    table = Table(title=f"{len(statuses)} experiment{plural}")
    for column in ("name", "id", "status", "progress", "started", "models"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        table.add_row(
            status.name,
            str(status.experiment_id),
            _styled(status.state),
            f"{status.finished}/{status.total}",
            status.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{status.models[0]} ↔ {status.models[1]}",
        )
    return table


def status_view(status: ExperimentStatus) -> RenderableType:
    """The summary and one row per conversation."""
    summary = Table(show_header=False, box=None, padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column(overflow="fold")
    counts = status.counts
    tokens_in, tokens_out = status.tokens
    runners = ", ".join(str(pid) for pid in status.runners) or "none alive"
    summary.add_row("Experiment", f"{status.name} ({status.experiment_id})")
    summary.add_row("Status", _styled(status.state))
    if status.queue is not None:
        summary.add_row("Queue", ", ".join(f"{n} {state}" for state, n in status.queue.items()))
    else:
        summary.add_row("Runner PIDs", runners)
    summary.add_row("Models", f"{status.models[0]} ↔ {status.models[1]}")
    summary.add_row(
        "Progress",
        f"{status.finished}/{status.total} finished: {counts['completed']} completed, "
        f"{counts['failed']} failed, {counts['interrupted']} interrupted",
    )
    summary.add_row("Tokens", f"{tokens_in:,} in, {tokens_out:,} out")
    summary.add_row("Cost", format_dollars(status.cost))
    if status.budget is not None:
        summary.add_row("Budget", status.budget)
    summary.add_row("Errors", str(status.errors))
    table = Table()
    for column in ("#", "conversation", "state", "turns", "ended", "tokens", "cost", "errors"):
        table.add_column(column, overflow="fold")
    for c in status.conversations:
        table.add_row(
            str(c.index + 1),
            str(c.conversation_id)[:8],  # A unique prefix: every command accepts one.
            _styled(c.state) + (f" ({c.worker})" if c.worker else ""),
            f"{c.turns}/{c.max_turns}" if c.max_turns else "-",
            c.end_reason or "",
            f"{c.tokens_in + c.tokens_out:,}",
            format_dollars(c.cost) if c.state != "pending" else "",
            str(c.errors),
        )
    return Group(summary, table)


def current_conversation(status: ExperimentStatus) -> ConversationStatus | None:
    """The earliest conversation that is under way, if any."""
    for conversation in status.conversations:
        if conversation.state in ("running", "interrupted", "paused"):
            return conversation
    return None


def monitor_table(statuses: list[ExperimentStatus]) -> Table:
    table = Table(title="Running experiments")
    for column in ("experiment", "progress", "", "current", "errors", "tokens", "cost"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        current = current_conversation(status)
        if current is None:
            now = "-"
        else:
            score = "n/a" if current.convergence is None else f"{current.convergence:.3f}"
            now = f"#{current.index + 1} turn {current.turns}/{current.max_turns} · conv {score}"
        tokens_in, tokens_out = status.tokens
        table.add_row(
            f"{status.name}\n[dim]{str(status.experiment_id)[:8]} {status.state}[/]",
            ProgressBar(total=status.total, completed=status.finished, width=24),
            f"{status.finished}/{status.total}",
            now,
            str(status.errors),
            f"{tokens_in + tokens_out:,}",
            format_dollars(status.cost),
        )
    return table


def status_document(status: ExperimentStatus) -> dict[str, Any]:
    return {
        "id": str(status.experiment_id),
        "name": status.name,
        "status": status.state,
        "runners": status.runners,
        "queue": status.queue,
        "created_at": status.created_at.isoformat(),
        "models": {"a": status.models[0], "b": status.models[1]},
        "total": status.total,
        "finished": status.finished,
        "counts": status.counts,
        "tokens": {"in": status.tokens[0], "out": status.tokens[1]},
        "cost_usd": status.cost,
        "conversations": [
            {
                "id": str(c.conversation_id),
                "index": c.index,
                "state": c.state,
                "end_reason": c.end_reason,
                "turns": c.turns,
                "max_turns": c.max_turns,
                "tokens_in": c.tokens_in,
                "tokens_out": c.tokens_out,
                "cost_usd": c.cost,
                "errors": c.errors,
                "worker": c.worker,
            }
            for c in status.conversations
        ],
    }
