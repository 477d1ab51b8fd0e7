"""One conversation as a person reads it in a terminal (``pidgin show``).

A header of settings and totals, then every message word-wrapped under its agent's name
in the agent's colour (the live view's), each turn's convergence and headline measures,
and injected system messages, errors, waits and pauses where they happened in the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from pidgin.cli.live_view import AGENT_STYLES
from pidgin.domain.pricing import format_dollars
from projections.metrics.headline import headline_text
from projections.timeline import Entry, Timeline
from projections.transcripts import agent_cost, total_cost, turn_headlines


def render_conversation(timeline: Timeline) -> Iterator[RenderableType]:
    """The header, then one renderable per line or block of the conversation."""
    yield _header(timeline)
    headlines = turn_headlines(timeline.view)
    for entry in timeline.entries:
        yield from _entry(timeline, entry, headlines)
    if timeline.view.end_reason is None:
        state = f"paused: {timeline.view.paused_reason}" if timeline.view.paused_reason else None
        yield Text(f"Not ended ({state or 'running or cut off'})", style="dim")


def _header(timeline: Timeline) -> RenderableType:
    view = timeline.view
    table = Table(show_header=True, box=None, padding=(0, 2, 0, 0))
    table.add_column("")
    for agent in ("a", "b"):
        table.add_column(
            Text(f"Agent {agent.upper()}: {view.agent_name(agent)}", style=AGENT_STYLES[agent]),
            overflow="fold",
        )
    specs = view.agents
    rows: list[tuple[str, str, str]] = [
        ("model", specs["a"]["model"], specs["b"]["model"]),
        ("temperature", _temperature(specs["a"]), _temperature(specs["b"])),
        ("tokens in/out", _tokens(view.tokens("a")), _tokens(view.tokens("b"))),
        ("cost", format_dollars(agent_cost(view, "a")), format_dollars(agent_cost(view, "b"))),
    ]
    for row in rows:
        table.add_row(*row)
    lines = Table.grid(padding=(0, 2, 0, 0))
    lines.add_column(style="bold")
    lines.add_column(overflow="fold")
    for label, value in _facts(timeline):
        lines.add_row(label, value)
    title = view.name or f"Conversation {view.conversation_id}"
    parts: list[RenderableType] = [table, Text(""), lines]
    for agent in ("a", "b"):
        prompt = specs[agent].get("system_prompt")
        if prompt:
            parts += [
                Text(""),
                Text(f"System prompt of {view.agent_name(agent)}:", style=AGENT_STYLES[agent]),
                Padding(Text(str(prompt)), (0, 0, 0, 2)),
            ]
    parts += [Text(""), Text("Prompt:", style="bold"), Padding(Text(view.prompt), (0, 0, 0, 2))]
    return Panel(_group(parts), title=Text(title, style="bold"), title_align="left")


def _facts(timeline: Timeline) -> list[tuple[str, str]]:
    view, settings = timeline.view, timeline.settings
    final = view.final_convergence
    facts = [
        ("id", str(view.conversation_id)),
        ("started", view.started_at.isoformat(timespec="seconds")),
        ("ended", _ended(timeline)),
        ("turns", f"{view.completed_turns} of {view.max_turns}"),
        ("first speaker", f"Agent {view.first_speaker.upper()}"),
        ("tokens", f"{_tokens(view.tokens())} (in / out)"),
        ("cost", f"{format_dollars(total_cost(view))} (US dollars)"),
        ("final convergence", "n/a" if final is None else f"{final:.3f}"),
    ]
    if view.convergence_threshold is not None:
        action = settings.get("convergence_action", "stop")
        profile = settings.get("convergence_profile", "balanced")
        facts.append(("threshold", f"{view.convergence_threshold:g} ({action}, {profile})"))
    if settings.get("seed") is not None:
        facts.append(("seed", str(settings["seed"])))
    if view.experiment_id:
        facts.append(("experiment", view.experiment_id))
    if view.parent_conversation_id:
        facts.append(("branched from", f"{view.parent_conversation_id} at turn {view.branch_turn}"))
    return facts


def _ended(timeline: Timeline) -> str:
    view = timeline.view
    if view.end_reason is not None and view.ended_at is not None:
        return f"{view.end_reason} at {view.ended_at.isoformat(timespec='seconds')}"
    if view.paused_reason:
        return f"not ended: paused ({view.paused_reason})"
    return "not ended (running or cut off)"


def _entry(
    timeline: Timeline, entry: Entry, headlines: dict[int, dict[str, float]]
) -> Iterator[RenderableType]:
    view, data = timeline.view, entry.data
    if entry.kind == "message":
        message = view.messages[data["index"]]
        style = AGENT_STYLES.get(message.agent, "bold")
        yield Text(f"{view.agent_name(message.agent)} (turn {message.turn}):", style=style)
        yield Padding(Text(message.text), (0, 0, 1, 2))
    elif entry.kind == "turn":
        yield Rule(f"turn {data['turn']} · convergence {data['convergence']:.3f}", style="dim")
        headline = headlines.get(data["turn"])
        if headline is not None:
            yield Text(headline_text(headline), style="dim", justify="center")
        yield Text("")
    elif entry.kind == "injection":
        injection = view.injections[data["index"]]
        who = " and ".join(view.agent_name(agent) for agent in injection.agents)
        origin = "from the human conductor" if injection.source == "human" else "scheduled"
        yield _notice(f"System message to {who} ({origin})", injection.text, "yellow")
    elif entry.kind == "error":
        error = view.errors[data["index"]]
        status = f", status {error.status}" if error.status is not None else ""
        title = f"Error from {error.provider} (agent {error.agent.upper()}{status}, "
        yield _notice(title + f"attempt {error.attempt})", error.message, "red")
    else:
        yield from _state(entry.kind, data)


def _state(kind: str, data: dict[str, Any]) -> Iterator[RenderableType]:
    if kind == "rate_limited":
        wait = f"waited {data['wait_seconds']:.1f} s for {data['provider']}"
        yield Text(f"Rate limited: {wait} ({data['reason']})", style="yellow")
    elif kind == "paused":
        yield Text(f"Paused after turn {data['turn']}: {data['reason']}", style="bold yellow")
    elif kind == "resumed":
        yield Text(f"Resumed: {data['reason']}", style="bold yellow")
    elif kind == "threshold":
        reached = f"{data['convergence']:.3f} ≥ {data['threshold']:g}"
        yield Text(
            f"Convergence threshold reached at turn {data['turn']}: {reached} ({data['action']})",
            style="bold yellow",
        )
    elif kind == "stop_condition":
        quotes = "; ".join(f"“{quote}”" for quote in data["quotes"])
        met = f"{data['kind']} {data['condition']} at turn {data['turn']} ({data['action']})"
        yield Text(
            f"Stop condition met: {met}" + (f": {quotes}" if quotes else ""), style="bold yellow"
        )
    elif kind == "ended":
        turns = f"{data['total_turns']} turn{'' if data['total_turns'] == 1 else 's'}"
        yield Rule(f"ended: {data['reason']} after {turns}", style="bold")


def _notice(title: str, body: str, style: str) -> RenderableType:
    return Panel(Text(body), title=Text(title, style=f"bold {style}"), border_style=style)


def _group(parts: list[RenderableType]) -> RenderableType:
    from rich.console import Group

    return Group(*parts)


def _tokens(pair: tuple[int, int]) -> str:
    return f"{pair[0]:,} / {pair[1]:,}"


def _temperature(spec: dict[str, Any]) -> str:
    value = spec.get("temperature")
    return "provider default" if value is None else f"{value:g}"
