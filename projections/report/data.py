"""What a report shows, read from the analysis database (never from the log directly).

Every query orders its rows and every number is rounded, so the same database gives the
same values, in the same order, every time. Rows are plain tuples and dicts of JSON
types; the charts and the page are built from them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from projections.report.measures import AGENT_MEASURES, CROSS_MEASURES, Measure, present
from projections.report.notes import notes_by_conversation
from projections.report.select import Group

DIGITS = 6
Record = dict[str, Any]


@dataclass
class ReportData:
    groups: list[Group]
    conversations: list[Record]
    """One per conversation and group: the conversations table's columns, and ``group``."""
    turns: list[Record]
    """group, conversation, turn, convergence (the live score)."""
    metrics: dict[str, dict[int, Record]]
    """conversation id → turn → the turn_metrics columns the report plots."""
    agent_measures: list[Measure]
    cross_measures: list[Measure]
    messages: dict[str, list[Record]]
    """conversation id → its messages in order (turn, agent, text, tokens, position)."""
    notes: dict[str, list[Record]]
    """conversation id → injected messages, errors, waits, pauses (position, title, text)."""
    system_prompts: dict[str, dict[str, str]]
    """conversation id → agent → its system prompt (agents without one are left out)."""
    findings: list[Record] | None
    """Rows of the pattern detectors' ``findings`` table, or None when there is none."""
    state: Record = field(default_factory=dict)
    """The projection's position and metrics version: what the report was made from."""


_ID = "lower(CAST({} AS VARCHAR))"


def load(connection: duckdb.DuckDBPyConnection, groups: list[Group]) -> ReportData:
    """Everything the report shows about ``groups``' conversations."""
    ids = sorted({c for group in groups for c in group.conversation_ids})
    connection.execute("CREATE OR REPLACE TEMP TABLE report_ids AS SELECT unnest(?) AS id", [ids])
    conversations = _conversations(connection, groups)
    group_of = _group_pairs(groups)
    turn_rows = connection.execute(
        f"SELECT {_ID.format('t.conversation_id')} AS id, turn, round(convergence, {DIGITS}) "
        f"FROM turns t JOIN report_ids r ON r.id = {_ID.format('t.conversation_id')} "
        "ORDER BY id, turn"
    ).fetchall()
    turns = [
        {"group": group, "conversation": cid[:8], "id": cid, "turn": turn, "convergence": value}
        for cid, turn, value in turn_rows
        for group in group_of[cid]
    ]
    columns = _columns(connection, "turn_metrics")
    agent = present(AGENT_MEASURES, columns, agent=True)
    cross = present(CROSS_MEASURES, columns, agent=False)
    metrics = _metrics(connection, agent, cross)
    # A column with no value (projected without metrics, or a measure whose model is not
    # installed) is left out like a missing one.
    rows = [row for turns in metrics.values() for row in turns.values()]
    agent = [m for m in agent if any(r[f"a_{m.column}"] is not None for r in rows)]
    cross = [m for m in cross if any(r[m.column] is not None for r in rows)]
    return ReportData(
        groups=groups,
        conversations=conversations,
        turns=turns,
        metrics=metrics,
        agent_measures=agent,
        cross_measures=cross,
        messages=_messages(connection),
        notes=notes_by_conversation(connection),
        system_prompts=_system_prompts(connection),
        findings=_findings(connection),
        state=_state(connection),
    )


def _group_pairs(groups: Sequence[Group]) -> dict[str, list[str]]:
    group_of: dict[str, list[str]] = {}
    for group in groups:
        for cid in group.conversation_ids:
            group_of.setdefault(cid, []).append(group.label)
    return group_of


def _records(cursor: duckdb.DuckDBPyConnection) -> list[Record]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {row[0] for row in rows}


def _conversations(connection: duckdb.DuckDBPyConnection, groups: list[Group]) -> list[Record]:
    rows = _records(
        connection.execute(
            f"SELECT {_ID.format('c.conversation_id')} AS id, c.name, "
            f"{_ID.format('c.experiment_id')} AS experiment_id, "
            f"{_ID.format('c.parent_conversation_id')} AS parent_id, c.branch_turn, "
            "strftime(c.started_at, '%Y-%m-%d %H:%M:%S') AS started, "
            "epoch(c.ended_at) - epoch(c.started_at) AS duration, "
            "c.status, coalesce(c.end_reason, c.status) AS end_reason, c.prompt, c.max_turns, "
            "c.agent_a_name, c.agent_a_model, c.agent_b_name, c.agent_b_model, "
            "c.agent_a_temperature, c.agent_b_temperature, c.convergence_threshold, "
            f"c.turns, c.messages, c.tokens_in, c.tokens_out, round(c.cost_usd, {DIGITS}) "
            f"AS cost_usd, round(c.final_convergence, {DIGITS}) AS final_convergence, c.errors "
            "FROM conversations c JOIN report_ids r "
            f"ON r.id = {_ID.format('c.conversation_id')} ORDER BY c.started_at, id"
        )
    )
    by_id = {row["id"]: row for row in rows}
    return [
        {**by_id[cid], "group": group.label, "short": cid[:8]}
        for group in groups
        for cid in group.conversation_ids
        if cid in by_id
    ]


def _metrics(
    connection: duckdb.DuckDBPyConnection, agent: list[Measure], cross: list[Measure]
) -> dict[str, dict[int, Record]]:
    columns = [f"{side}_{m.column}" for m in agent for side in ("a", "b")]
    columns += [m.column for m in cross]
    if not columns:
        return {}
    selected = ", ".join(f"round({c}, {DIGITS}) AS {c}" for c in columns)
    rows = _records(
        connection.execute(
            f"SELECT {_ID.format('m.conversation_id')} AS id, m.turn, {selected} "
            "FROM turn_metrics m JOIN report_ids r "
            f"ON r.id = {_ID.format('m.conversation_id')} ORDER BY id, turn"
        )
    )
    metrics: dict[str, dict[int, Record]] = {}
    for row in rows:
        metrics.setdefault(row.pop("id"), {})[row.pop("turn")] = row
    return metrics


def _messages(connection: duckdb.DuckDBPyConnection) -> dict[str, list[Record]]:
    rows = _records(
        connection.execute(
            f"SELECT {_ID.format('m.conversation_id')} AS id, m.turn, m.agent, m.model, m.text, "
            "m.tokens_in, m.tokens_out, m.position FROM messages m JOIN report_ids r "
            f"ON r.id = {_ID.format('m.conversation_id')} ORDER BY id, m.position"
        )
    )
    messages: dict[str, list[Record]] = {}
    for row in rows:
        messages.setdefault(row.pop("id"), []).append(row)
    return messages


def _system_prompts(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    rows = connection.execute(
        f"SELECT {_ID.format('aggregate_id')} AS id, data->'agent_a'->>'system_prompt', "
        "data->'agent_b'->>'system_prompt' FROM events e "
        f"JOIN report_ids r ON r.id = {_ID.format('e.aggregate_id')} "
        "WHERE type = 'ConversationStarted' ORDER BY id"
    ).fetchall()
    prompts: dict[str, dict[str, str]] = {}
    for cid, prompt_a, prompt_b in rows:
        found = {agent: p for agent, p in (("a", prompt_a), ("b", prompt_b)) if p}
        if found:
            prompts[cid] = found
    return prompts


def _findings(connection: duckdb.DuckDBPyConnection) -> list[Record] | None:
    """The pattern detectors' findings about these conversations, when the table exists.

    Its columns are not fixed yet: every column is kept, ``conversation_id`` as text, and
    the rows are ordered by conversation and then by every other column.
    """
    columns = _columns(connection, "findings")
    if "conversation_id" not in columns:
        return None
    cursor = connection.execute(
        f"SELECT * REPLACE ({_ID.format('conversation_id')} AS conversation_id) FROM findings "
        f"WHERE {_ID.format('conversation_id')} IN (SELECT id FROM report_ids) ORDER BY ALL"
    )
    return [{k: _plain(_parsed(k, v)) for k, v in row.items()} for row in _records(cursor)]


def _parsed(column: str, value: Any) -> Any:
    """Evidence as data (a list of {turn, agent, quote}), not JSON text, so the page can
    link each quote to its turn; anything else as it is."""
    if column == "evidence" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _state(connection: duckdb.DuckDBPyConnection) -> Record:
    rows = _records(connection.execute("SELECT position, metrics_version FROM projection_state"))
    return rows[0] if rows else {}
