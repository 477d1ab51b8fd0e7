"""Markdown and JSON transcripts, rendered from a ConversationView (so from events only).

Rendering is a pure function of the events: no clock, no environment, no dict-order
surprises, so ``pidgin replay`` reproduces the files byte for byte.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from eventlog import EventLog
from pidgin.domain.pricing import format_dollars
from projections import costs
from projections.conversation_view import (
    ConversationView,
    InjectionView,
    MessageView,
    read_conversations,
)
from projections.metrics.headline import headline_metrics, headline_text

TRANSCRIPT_SCHEMA = "pidgin.transcript/1"


def transcript_files(view: ConversationView) -> dict[str, str]:
    """The transcript files of one conversation: file name → content."""
    stem = str(view.conversation_id)
    return {f"{stem}.md": render_markdown(view), f"{stem}.json": render_json(view)}


def _agent_label(view: ConversationView, agent: str) -> str:
    return view.agent_name(agent)


def _context_lines(view: ConversationView) -> list[str]:
    """Experiment, branch point, chosen names and a pause, when the log has them."""
    lines = []
    if view.experiment_id:
        lines.append(f"- **Experiment:** `{view.experiment_id}`")
    if view.parent_conversation_id:
        lines.append(
            f"- **Branched from:** `{view.parent_conversation_id}` after turn {view.branch_turn} "
            f"(turns 1–{view.branch_turn} are the parent's)"
        )
    for agent in sorted(view.chosen_names):
        model_name = view.agents[agent]["display_name"]
        lines.append(
            f"- **Agent {agent.upper()} chose the name:** {view.chosen_names[agent]} "
            f"(model name {model_name})"
        )
    if view.paused_reason:
        lines.append(f"- **Paused:** {view.paused_reason}")
    return lines


def _quoted(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.splitlines()]


def _system_prompt_lines(view: ConversationView) -> list[str]:
    """Each agent's system prompt as it was sent (each agent saw only its own)."""
    lines: list[str] = []
    for agent in ("a", "b"):
        prompt = view.agents[agent].get("system_prompt")
        if prompt:
            label = f"Agent {agent.upper()} ({view.agents[agent]['display_name']})"
            lines += ["", f"**System prompt of {label}:**", "", *_quoted(prompt)]
    return lines


def _convergence_change_lines(view: ConversationView) -> list[str]:
    lines = []
    for change in view.convergence_changes:
        threshold = "off" if change.threshold is None else f"{change.threshold:g}"
        lines.append(
            f"- **Convergence changed after turn {change.turn}:** threshold {threshold}, "
            f"action {change.action}"
        )
    return lines


def _injection_lines(view: ConversationView, injection: InjectionView) -> list[str]:
    who = " and ".join(f"Agent {agent.upper()}" for agent in injection.agents)
    origin = "from the human conductor" if injection.source == "human" else "scheduled"
    return ["", f"> **System message to {who}** ({origin}):", ">", *_quoted(injection.text)]


def _temperature(value: Any) -> str:
    return "provider default" if value is None else f"{value:g}"


def agent_cost(view: ConversationView, agent: str) -> float | None:
    """US dollars one agent's tokens cost at the per-million prices recorded at the start."""
    return costs.agent_cost(view.agents[agent], view.totals(agent))


def total_cost(view: ConversationView) -> float | None:
    """Both agents' cost in US dollars, or None when either agent's prices are unknown."""
    return costs.conversation_cost(view.agents, {a: view.totals(a) for a in view.agents})


def _max_tokens_row(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The agents' reply limits, when either has one (recorded only when set)."""
    if a.get("max_tokens") is None and b.get("max_tokens") is None:
        return []
    limits = [
        f"{agent['max_tokens']:,}" if agent.get("max_tokens") else "default" for agent in (a, b)
    ]
    return [f"| Max tokens | {limits[0]} | {limits[1]} |"]


def _unknown(view: ConversationView, agent: str) -> str:
    """A note when some of the agent's replies came with no token counts (never 0)."""
    count = view.totals(agent).unknown
    return f" (+{count} replies not counted)" if count else ""


def _cache_rows(view: ConversationView) -> list[str]:
    """A row of prompt-cache tokens, only when a provider reported any (so transcripts of
    conversations without caching keep their bytes)."""
    a, b = view.totals("a"), view.totals("b")
    if not any((a.cache_read, a.cache_write, b.cache_read, b.cache_write)):
        return []
    return [
        f"| Cache read / write | {a.cache_read:,} / {a.cache_write:,} "
        f"| {b.cache_read:,} / {b.cache_write:,} |"
    ]


def _usage_details(message: MessageView) -> dict[str, Any]:
    """What a provider reported beyond tokens in and out, only when it did."""
    details = {
        "cache_read_tokens": message.cache_read,
        "cache_write_tokens": message.cache_write,
        "thinking_tokens": message.thinking_tokens,
        "reported_cost_usd": message.reported_cost,
    }
    return {key: value for key, value in details.items() if value is not None}


def render_markdown(view: ConversationView) -> str:
    """A readable transcript with a header of settings and totals."""
    a, b = view.agents["a"], view.agents["b"]
    in_a, out_a = view.tokens("a")
    in_b, out_b = view.tokens("b")
    total_in, total_out = view.tokens()
    final = view.final_convergence
    lines = [
        f"# {view.name or 'Conversation ' + str(view.conversation_id)}",
        "",
        "| | Agent A | Agent B |",
        "|---|---|---|",
        f"| Name | {view.agent_name('a')} | {view.agent_name('b')} |",
        f"| Model | {a['model']} | {b['model']} |",
        f"| Temperature | {_temperature(a['temperature'])} | {_temperature(b['temperature'])} |",
        *_max_tokens_row(a, b),
        f"| Tokens in / out | {in_a:,} / {out_a:,}{_unknown(view, 'a')} "
        f"| {in_b:,} / {out_b:,}{_unknown(view, 'b')} |",
        *_cache_rows(view),
        f"| Cost | {format_dollars(agent_cost(view, 'a'))} "
        f"| {format_dollars(agent_cost(view, 'b'))} |",
        "",
        f"- **Conversation id:** `{view.conversation_id}`",
        *_context_lines(view),
        *_convergence_change_lines(view),
        f"- **Started:** {view.started_at.isoformat()}",
        f"- **Ended:** {view.ended_at.isoformat() if view.ended_at else 'not ended'}",
        f"- **End reason:** {view.end_reason or 'not ended'}",
        f"- **Turns:** {view.completed_turns} of {view.max_turns}",
        f"- **First speaker:** Agent {view.first_speaker.upper()}",
        f"- **Tokens:** {total_in:,} in, {total_out:,} out",
        f"- **Cost:** {format_dollars(total_cost(view))} "
        "(US dollars, from prices per million tokens recorded at the start)",
        f"- **Final convergence:** {'n/a' if final is None else f'{final:.3f}'}",
        "",
        "**Prompt:**",
        "",
        *_quoted(view.prompt),
        *_system_prompt_lines(view),
    ]
    headlines = turn_headlines(view)
    turn_shown = 0
    for index, message in enumerate(view.messages):
        if message.turn != turn_shown:
            turn_shown = message.turn
            score = view.convergence_by_turn.get(turn_shown)
            suffix = f" · convergence {score:.3f}" if score is not None else ""
            lines += ["", "---", "", f"## Turn {turn_shown}{suffix}"]
            headline = headlines.get(turn_shown)
            if headline is not None:
                lines += ["", f"*{headline_text(headline)}*"]
        for injection in view.injections:
            if injection.after_message == index:
                lines += _injection_lines(view, injection)
        lines += ["", f"**{_agent_label(view, message.agent)}:**", "", message.text]
    for injection in view.injections:
        if injection.after_message >= len(view.messages):
            lines += _injection_lines(view, injection)
    for error in view.errors:
        status = f" (status {error.status})" if error.status is not None else ""
        lines += ["", f"> **Error** from {error.provider}{status}: {error.message}"]
    return "\n".join(lines) + "\n"


def transcript_document(view: ConversationView) -> dict[str, Any]:
    """The machine-readable transcript (the same content as the Markdown)."""
    total_in, total_out = view.tokens()
    headlines = turn_headlines(view)
    agents = {}
    for agent in ("a", "b"):
        tokens_in, tokens_out = view.tokens(agent)
        agents[agent] = {
            **view.agents[agent],
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "cost_usd": agent_cost(view, agent),
        }
    return {
        "schema": TRANSCRIPT_SCHEMA,
        "conversation_id": str(view.conversation_id),
        "name": view.name,
        "started_at": view.started_at.isoformat(),
        "ended_at": view.ended_at.isoformat() if view.ended_at else None,
        "end_reason": view.end_reason,
        "prompt": view.prompt,
        "max_turns": view.max_turns,
        "turns_completed": view.completed_turns,
        "first_speaker": view.first_speaker,
        "experiment_id": view.experiment_id,
        "parent_conversation_id": view.parent_conversation_id,
        "branch_turn": view.branch_turn,
        "chosen_names": {
            agent: {"name": view.chosen_names[agent], "raw_reply": view.name_replies.get(agent)}
            for agent in sorted(view.chosen_names)
        },
        "injections": [
            {
                "turn": i.turn,
                "agents": i.agents,
                "text": i.text,
                "source": i.source,
                "after_message": i.after_message,
                "at": i.at.isoformat(),
            }
            for i in view.injections
        ],
        "paused_reason": view.paused_reason,
        "convergence_threshold": view.convergence_threshold,
        **_convergence_changes_document(view),
        "final_convergence": view.final_convergence,
        "agents": agents,
        "tokens": {"in": total_in, "out": total_out},
        "cost_usd": total_cost(view),
        "turns": [
            {"turn": turn, "convergence": score, "metrics": headlines.get(turn)}
            for turn, score in sorted(view.convergence_by_turn.items())
        ],
        "messages": [
            {
                "turn": m.turn,
                "agent": m.agent,
                "name": _agent_label(view, m.agent),
                "model": m.model,
                "text": m.text,
                "tokens_in": m.tokens_in,
                "tokens_out": m.tokens_out,
                "time_to_first_token": m.time_to_first_token,
                "duration": m.duration,
                "stop_reason": m.stop_reason,
                "completed_at": m.completed_at.isoformat(),
                **_usage_details(m),
            }
            for m in view.messages
        ],
        "errors": [
            {
                "agent": e.agent,
                "provider": e.provider,
                "status": e.status,
                "message": e.message,
                "attempt": e.attempt,
                "at": e.at.isoformat(),
            }
            for e in view.errors
        ],
    }


def _convergence_changes_document(view: ConversationView) -> dict[str, Any]:
    """Changes made on resuming; the key is left out when there were none, so transcripts
    of conversations that never changed (every older log) keep their bytes."""
    if not view.convergence_changes:
        return {}
    changes = [
        {"turn": c.turn, "threshold": c.threshold, "action": c.action, "at": c.at.isoformat()}
        for c in view.convergence_changes
    ]
    return {"convergence_changes": changes}


def turn_headlines(view: ConversationView) -> dict[int, dict[str, float]]:
    """Headline metrics of every turn in which both agents spoke (from the text only)."""
    texts: dict[int, dict[str, str]] = {}
    for message in view.messages:
        texts.setdefault(message.turn, {})[message.agent] = message.text
    return {
        turn: headline_metrics(pair["a"], pair["b"])
        for turn, pair in texts.items()
        if "a" in pair and "b" in pair
    }


def render_json(view: ConversationView) -> str:
    return json.dumps(transcript_document(view), indent=2, ensure_ascii=False) + "\n"


def rebuild_transcripts(log: EventLog, only: Iterable[UUID] | None = None) -> dict[str, str]:
    """Every transcript file of the store (or of ``only``), rebuilt from the log."""
    files: dict[str, str] = {}
    for view in read_conversations(log, only):
        files.update(transcript_files(view))
    return files


def write_files(files: Mapping[str, str], directory: Path) -> list[Path]:
    """Write each file atomically (temp file + rename), so a reader never sees half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(files.items()):
        target = directory / name
        handle, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(content)
        os.replace(temp_name, target)
        written.append(target)
    return written


def differing_files(files: Mapping[str, str], directory: Path) -> list[Path]:
    """The files whose content on disk differs from ``files`` (or that are missing)."""
    different = []
    for name, content in sorted(files.items()):
        path = directory / name
        if not path.is_file() or path.read_bytes() != content.encode("utf-8"):
            different.append(path)
    return different
