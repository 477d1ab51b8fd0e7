"""Writing one folded batch into the analysis tables, always from Arrow.

The projection calls these inside its transaction, in its writer thread; nothing here
begins or commits. The Arrow tables are built beforehand (``ArrowRows.of``) in the
thread that folds, so the writer's thread only runs SQL.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from eventlog.batches import EventBatch
from projections.analysis.fold import Batch, Row, canonical_id
from projections.analysis.schema import UPSERT_KEYS

# The codec writes an event's timestamp first; reading it from there is three times faster
# than parsing the JSON, which remains the fallback for any event stored otherwise.
RECORDED_AT = (
    'CASE WHEN starts_with(data, \'{{"timestamp":"\') '  # {{ survives str.format
    "THEN split_part(substr(data, 15, 40), '\"', 1) "
    "ELSE json_extract_string(data, '$.timestamp') END"
)

# The stored MessageCompleted fields the messages table takes as they are, read by DuckDB;
# absent fields get the defaults the domain event has.
MESSAGE_FIELDS = (
    json.dumps(
        {
            "turn": "INTEGER",
            "agent": "VARCHAR",
            "model": "VARCHAR",
            "text": "VARCHAR",
            "thinking": "VARCHAR",
            "tokens_in": "BIGINT",
            "tokens_out": "BIGINT",
            "cache_read_tokens": "BIGINT",
            "cache_write_tokens": "BIGINT",
            "thinking_tokens": "BIGINT",
            "reported_cost_usd": "DOUBLE",
            "time_to_first_token": "DOUBLE",
            "duration": "DOUBLE",
            "stop_reason": "VARCHAR",
            "timestamp": "VARCHAR",
        }
    )
    .replace("{", "{{")
    .replace("}", "}}")
)  # survives str.format


@dataclass(frozen=True)
class ArrowRows:
    """A folded batch's rows as Arrow tables (None: no rows)."""

    events: pa.Table
    turns: pa.Table | None
    errors: pa.Table | None
    conversations: pa.Table | None
    experiments: pa.Table | None

    @staticmethod
    def of(events: EventBatch, batch: Batch) -> ArrowRows:
        return ArrowRows(
            events=_events_table(events.table),
            turns=_columns_table(batch.turns),
            errors=_columns_table(batch.errors),
            conversations=_rows_table(batch.conversations),
            experiments=_rows_table(batch.experiments),
        )


def _events_table(stored: pa.Table) -> pa.Table:
    """The ``events`` columns but the timestamp, typed as DuckDB takes them without
    casting: ids as canonical text, states as Arrow JSON (checked to be UTF-8 here)."""
    topics = pc.dictionary_encode(stored["topic"]).combine_chunks()
    types = pa.array([t.rsplit(".", 1)[-1] for t in topics.dictionary.to_pylist()], pa.string())
    ids = pc.dictionary_encode(stored["aggregate_id"]).combine_chunks()
    canonical = pa.array(map(canonical_id, ids.dictionary.to_pylist()), pa.string())
    data = pc.cast(stored["state"], pa.string())
    return pa.table(
        {
            "position": stored["position"],
            "aggregate_id": canonical.take(ids.indices),
            "version": stored["version"],
            "topic": stored["topic"],
            "type": types.take(topics.indices),
            "data": pa.chunked_array(
                [pa.ExtensionArray.from_storage(pa.json_(), chunk) for chunk in data.chunks],
                pa.json_(),
            ),
        }
    )


def _columns_table(columns: dict[str, list[Any]]) -> pa.Table | None:
    return pa.table(columns) if next(iter(columns.values())) else None


def _rows_table(rows: dict[str, Row]) -> pa.Table | None:
    """Rows (dicts with the same keys) turned into columns."""
    if not rows:
        return None
    names = list(next(iter(rows.values())))
    values = zip(*map(operator.itemgetter(*names), rows.values()), strict=True)
    return pa.table({name: list(column) for name, column in zip(names, values, strict=True)})


def write_rows(connection: duckdb.DuckDBPyConnection, batch: Batch, rows: ArrowRows) -> None:
    """Every table's new and changed rows of one folded batch (turn metrics aside)."""
    _insert_events(connection, rows.events)
    _insert_messages(connection, batch.messages)
    _insert(connection, "turns", rows.turns)
    _insert(connection, "errors", rows.errors)
    _upsert(connection, "conversations", rows.conversations, batch.existing["conversation"])
    _upsert(connection, "experiments", rows.experiments, batch.existing["experiment"])


def load_arrow(connection: duckdb.DuckDBPyConnection, table: str, sql: str, data: pa.Table) -> None:
    """Run ``sql`` with ``{source}`` naming ``data`` (registered for this statement only)."""
    name = f"incoming_{table}"
    connection.register(name, data)
    try:
        connection.execute(sql.format(source=name))
    finally:
        connection.unregister(name)


def existing_rows(
    connection: duckdb.DuckDBPyConnection, table: str, ids: set[str]
) -> dict[str, Row]:
    """The current rows of ``ids`` (timestamps as text, as the fold writes them)."""
    if not ids:
        return {}
    key = UPSERT_KEYS[table]
    columns = [
        f"CAST({name} AS VARCHAR) AS {name}" if kind in ("TIMESTAMP WITH TIME ZONE", "JSON")
        else name
        for name, kind in connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_name = ? "
            "ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]  # fmt: skip
    keys = pa.table({"key": sorted(ids)})
    connection.register("wanted_keys", keys)
    try:
        cursor = connection.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {key} IN (SELECT key FROM wanted_keys)"
        )
        names = [d[0] for d in cursor.description or []]
        found = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    finally:
        connection.unregister("wanted_keys")
    return {row[key]: row for row in found}


def _insert(connection: duckdb.DuckDBPyConnection, table: str, data: pa.Table | None) -> None:
    if data is not None:
        load_arrow(connection, table, f"INSERT INTO {table} BY NAME SELECT * FROM {{source}}", data)


def _insert_messages(connection: duckdb.DuckDBPyConnection, messages: pa.Table) -> None:
    """The fold's ids, positions and costs; every other column from the stored state."""
    if not messages.num_rows:
        return
    load_arrow(
        connection,
        "messages",
        "INSERT INTO messages BY NAME SELECT conversation_id, position, cost_usd, "
        "coalesce(m.turn, 0) AS turn, coalesce(m.agent, '') AS agent, m.model AS model, "
        "coalesce(m.text, '') AS text, m.thinking AS thinking, "
        # Version 1 always had counts; from version 2 on a count may be unknown (NULL).
        "m.tokens_in AS tokens_in, m.tokens_out AS tokens_out, "
        "m.cache_read_tokens AS cache_read_tokens, m.cache_write_tokens AS cache_write_tokens, "
        "m.thinking_tokens AS thinking_tokens, m.reported_cost_usd AS reported_cost_usd, "
        "m.time_to_first_token AS time_to_first_token, m.duration AS duration, "
        "m.stop_reason AS stop_reason, m.timestamp AS completed_at FROM "
        f"(SELECT *, json_transform(decode(state), '{MESSAGE_FIELDS}') AS m "
        "FROM {source})",
        messages,
    )


def _insert_events(connection: duckdb.DuckDBPyConnection, events: pa.Table) -> None:
    """The stored events from Arrow; DuckDB reads each one's timestamp."""
    load_arrow(
        connection,
        "events",
        "INSERT INTO events BY NAME SELECT *, "
        f"CAST({RECORDED_AT} AS TIMESTAMPTZ) AS recorded_at FROM {{source}}",
        events,
    )


def _upsert(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    data: pa.Table | None,
    existing: set[str],
) -> None:
    """Write these rows, replacing the ``existing`` ones (delete + insert from Arrow)."""
    if data is None:
        return
    key = UPSERT_KEYS[table]
    if existing:
        load_arrow(
            connection,
            table,
            f"DELETE FROM {table} WHERE {key} IN (SELECT key FROM {{source}})",
            pa.table({"key": sorted(existing)}),
        )
    _insert(connection, table, data)
