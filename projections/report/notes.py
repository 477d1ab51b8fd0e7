"""What happened between a conversation's messages, for the report's transcripts.

Injected system messages, pauses and resumes, convergence thresholds and stop conditions
reached (from the ``events`` table), provider errors and rate-limit waits (from
``errors``): each as a title and a text, at its position in the log.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

EVENT_TYPES = (
    "SystemPromptInjected",
    "ConversationPaused",
    "ConversationResumed",
    "ConvergenceThresholdReached",
    "StopConditionMet",
)
_ID = "lower(CAST({} AS VARCHAR))"
_NOTES = f"""
    SELECT n.* FROM (
        SELECT {_ID.format("aggregate_id")} AS id, position, type, CAST(data AS VARCHAR) AS data
        FROM events WHERE type IN (SELECT unnest(?))
        UNION ALL
        SELECT {_ID.format("conversation_id")}, position, type, CAST(to_json({{
            'provider': provider, 'agent': agent, 'status': status, 'message': message,
            'attempt': attempt, 'wait_seconds': wait_seconds}}) AS VARCHAR)
        FROM errors
    ) n JOIN report_ids USING (id) ORDER BY id, position
"""


def notes_by_conversation(connection: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """Conversation id → its notes (position, title, text) in log order, for the
    conversations in the temporary table ``report_ids``."""
    notes: dict[str, list[dict[str, Any]]] = {}
    for cid, position, kind, data in connection.execute(_NOTES, [list(EVENT_TYPES)]).fetchall():
        title, text = describe(kind, json.loads(data))
        notes.setdefault(cid, []).append({"position": position, "title": title, "text": text})
    return notes


def describe(kind: str, data: dict[str, Any]) -> tuple[str, str]:
    """The title and text of one note."""
    if kind == "SystemPromptInjected":
        agents = " and ".join(f"Agent {agent.upper()}" for agent in data["agents"])
        origin = "from the human conductor" if data["source"] == "human" else "scheduled"
        return f"System message to {agents} ({origin})", data["text"]
    if kind == "ConversationPaused":
        return f"Paused after turn {data['turn']}", data["reason"]
    if kind == "ConversationResumed":
        return "Resumed", data["reason"]
    if kind == "ConvergenceThresholdReached":
        reached = f"{data['convergence']:.3f} reached the threshold {data['threshold']:g}"
        return f"Convergence {reached} at turn {data['turn']} ({data['action']})", ""
    if kind == "StopConditionMet":
        quotes = [f"“{e['quote']}”" for e in data["evidence"] if e.get("quote")]
        met = f"{data['kind']} {data['condition']} at turn {data['turn']} ({data['action']})"
        return f"Stop condition met: {met}", "\n".join(quotes)
    agent = f"agent {str(data['agent']).upper()}"
    if kind == "RateLimited":
        wait = f"waited {data['wait_seconds'] or 0:.1f} s for {data['provider']}"
        return f"Rate limited: {agent} {wait}", data["message"] or ""
    status = f", status {data['status']}" if data["status"] is not None else ""
    title = f"Error from {data['provider']} ({agent}{status}, attempt {data['attempt']})"
    return title, data["message"] or ""
