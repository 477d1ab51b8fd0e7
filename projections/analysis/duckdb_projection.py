"""The DuckDB projection: bring an analysis database up to date with the log.

Reads only the events after the position saved in the database, in batches, and writes
each batch's rows and the new position in one transaction, so running it twice adds
nothing and a run killed half-way leaves the database as the last committed batch left
it. Every table is loaded from Arrow tables (never row by row). ``rebuild`` drops
everything and starts again from position 0, recomputing every metric with the current
code.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import operator
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from eventlog import EventLog
from eventlog.batches import EventBatch, RawEvent, event_batches
from projections.analysis.fold import Batch, Row, canonical_id, fold_batch
from projections.analysis.schema import SCHEMA_VERSION, STATE_TABLE, TABLES, UPSERT_KEYS, VIEWS
from projections.metrics.turn import COLUMNS, METRICS_VERSION, conversation_turn_rows

DEFAULT_BATCH_SIZE = 100_000
POOL_MIN_TURNS = 2_000

# The codec writes an event's timestamp first; reading it from there is three times faster
# than parsing the JSON, which remains the fallback for any event stored otherwise.
RECORDED_AT = (
    'CASE WHEN starts_with(data, \'{{"timestamp":"\') '  # {{ survives str.format
    "THEN split_part(substr(data, 15, 40), '\"', 1) "
    "ELSE json_extract_string(data, '$.timestamp') END"
)
Progress = Callable[[int, int], None]


class ProjectionError(Exception):
    """The database cannot be brought up to date as asked (one line, for the user)."""


@dataclass(frozen=True)
class ProjectionResult:
    events: int
    position: int
    turn_metrics: int


def project_to_duckdb(
    log: EventLog,
    path: Path | str,
    *,
    rebuild: bool = False,
    metrics: bool = True,
    workers: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ProjectionResult:
    """Project every event after the saved position into the database at ``path``.

    ``workers``: processes computing metrics; 0 = every core, for batches big enough.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    store = log.url.redacted
    try:
        connection = duckdb.connect(str(path))
    except duckdb.Error as error:
        raise ProjectionError(f"cannot open {path}: {_first_line(error)}") from None
    try:
        connection.execute("SET TimeZone = 'UTC'")
        # One thread: the other core folds the next batch meanwhile (see _pipelined); a
        # second DuckDB thread costs a tenth more CPU for no measurable gain in time.
        connection.execute("SET threads = 1")
        with _gc_paused(), _metric_pool(workers if metrics else 1) as pool:
            position = _prepare(connection, store, rebuild, metrics)
            _check_same_log(connection, log, position)
            total = max(0, log.max_position() - position)
            done = turn_rows = 0
            for events, rows in _pipelined(connection, event_batches(log, position, batch_size),
                                           metrics, pool):  # fmt: skip
                turn_rows += rows
                done += len(events)
                position = events.last()[0]
                if progress is not None:
                    progress(done, max(total, done))
        return ProjectionResult(events=done, position=position, turn_metrics=turn_rows)
    finally:
        connection.close()


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Millions of short-lived tuples make the cyclic GC rescan everything; none is cyclic."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class MetricPool:
    """Worker processes for the metrics, started on the first batch that is worth it.

    ``workers`` 0 means automatic: every core, but only for batches with at least
    POOL_MIN_TURNS turns to compute (starting the processes costs about a second).
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers or (os.cpu_count() or 1)
        self._minimum = POOL_MIN_TURNS if workers == 0 else 1
        self._pool: ProcessPoolExecutor | None = None

    def for_turns(self, turns: int) -> Executor | None:
        if self._workers <= 1 or turns < self._minimum:
            return self._pool
        if self._pool is None:
            # Spawned, not forked: a fork would copy DuckDB's and SQLite's threads and locks.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self._workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


@contextmanager
def _metric_pool(workers: int) -> Iterator[MetricPool]:
    pool = MetricPool(workers)
    try:
        yield pool
    finally:
        pool.close()


def _prepare(
    connection: duckdb.DuckDBPyConnection, store: str, rebuild: bool, metrics: bool
) -> int:
    """Create (or drop and recreate) the schema; return the saved position."""
    connection.execute("BEGIN")
    if rebuild:
        for table in (*TABLES, "projection_state"):
            connection.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    connection.execute(STATE_TABLE)
    state = connection.execute(
        "SELECT position, schema_version, metrics_version, store FROM projection_state"
    ).fetchone()
    if state is None:
        for ddl in TABLES.values():
            connection.execute(ddl)
        for view in VIEWS.values():
            connection.execute(view)
        connection.execute(
            "INSERT INTO projection_state VALUES (0, ?, ?, ?, NULL, now())",
            [SCHEMA_VERSION, METRICS_VERSION if metrics else None, store],
        )
        connection.execute("COMMIT")
        return 0
    connection.execute("COMMIT")
    position, schema_version, metrics_version, saved_store = state
    if schema_version != SCHEMA_VERSION:
        raise ProjectionError(
            f"the database has schema version {schema_version}, this Pidgin writes "
            f"{SCHEMA_VERSION}: run again with --rebuild"
        )
    if saved_store != store:
        raise ProjectionError(
            f"the database was projected from {saved_store}, not {store}: "
            "use another database or --rebuild"
        )
    if not metrics and metrics_version is not None:
        # From here on turn_metrics misses turns: a later run with metrics must rebuild.
        connection.execute("UPDATE projection_state SET metrics_version = NULL")
    if metrics and metrics_version != METRICS_VERSION:
        raise ProjectionError(
            f"the turn metrics were computed by metrics version {metrics_version}, the "
            f"current code is version {METRICS_VERSION}: run again with --rebuild"
            if metrics_version is not None
            else "the database was projected without metrics: add --no-metrics or --rebuild"
        )
    return int(position)


def _event_key(event: RawEvent) -> str:
    return f"{canonical_id(event[1])}/{event[2]}"


def _check_same_log(connection: duckdb.DuckDBPyConnection, log: EventLog, position: int) -> None:
    """Refuse a log that is not the one projected so far (e.g. deleted and recorded anew)."""
    if position == 0:
        return
    (saved,) = connection.execute("SELECT last_event FROM projection_state").fetchone() or (None,)
    found = next(event_batches(log, position - 1, 1), None)
    event = found.last() if found is not None else None
    if event is None or event[0] != position or _event_key(event) != saved:
        raise ProjectionError(
            f"the log does not hold the event this database ends with (position {position}): "
            "it was replaced or truncated; run again with --rebuild"
        )


def _pipelined(
    connection: duckdb.DuckDBPyConnection,
    batches: Iterator[EventBatch],
    metrics: bool,
    pool: MetricPool,
) -> Iterator[tuple[EventBatch, int]]:
    """Each batch once written and committed, with its metric rows.

    While one batch is written (in a thread: DuckDB lets go of the GIL), the next one is
    read and folded, so the two cores both work. Still one transaction per batch, in
    order: the position is saved with its rows. The fold finds the rows the batch being
    written changes in that batch (``previous``) and the older ones in the database,
    read through a cursor of its own (which sees only committed rows).
    """
    reader = connection.cursor()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="pidgin-duckdb-writer") as writer:
            pending: tuple[EventBatch, Future[int]] | None = None
            previous: Batch | None = None
            for events in batches:
                batch = fold_batch(events, _loader(reader, previous))
                rows = ArrowRows.of(batch)
                if pending is not None:
                    yield pending[0], pending[1].result()
                pending = (
                    events,
                    writer.submit(_write_batch, connection, events, batch, rows, metrics, pool),
                )
                previous = batch
            if pending is not None:
                yield pending[0], pending[1].result()
    finally:
        reader.close()


def _loader(
    reader: duckdb.DuckDBPyConnection, previous: Batch | None
) -> Callable[[str, set[str]], dict[str, Row]]:
    """The current rows: the previous batch's (maybe not committed yet), else the database's."""

    def load(kind: str, ids: set[str]) -> dict[str, Row]:
        recent: dict[str, Row] = {}
        if previous is not None:
            recent = previous.conversations if kind == "conversation" else previous.experiments
        found = {i: recent[i] for i in ids if i in recent}
        found.update(_existing(reader, f"{kind}s", ids - found.keys()))
        return found

    return load


def _write_batch(
    connection: duckdb.DuckDBPyConnection,
    events: EventBatch,
    batch: Batch,
    rows: ArrowRows,
    metrics: bool,
    pool: MetricPool,
) -> int:
    """Write one folded batch and its position in one transaction; return metric rows."""
    last = events.last()
    connection.execute("BEGIN")
    try:
        _insert_events(connection, events)
        _insert_messages(connection, batch.messages)
        _insert(connection, "turns", rows.turns)
        _insert(connection, "errors", rows.errors)
        _upsert(connection, "conversations", rows.conversations, batch.existing["conversation"])
        _upsert(connection, "experiments", rows.experiments, batch.existing["experiment"])
        metric_rows = _insert_turn_metrics(connection, batch, pool) if metrics else 0
        connection.execute(
            "UPDATE projection_state SET position = ?, last_event = ?, updated_at = now()",
            [last[0], _event_key(last)],
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return metric_rows


def _existing(connection: duckdb.DuckDBPyConnection, table: str, ids: set[str]) -> dict[str, Row]:
    """The current rows of ``ids`` (timestamps and ids as text, as the fold writes them)."""
    if not ids:
        return {}
    key = UPSERT_KEYS[table]
    columns = [
        f"CAST({name} AS VARCHAR) AS {name}" if kind in ("UUID", "TIMESTAMP WITH TIME ZONE", "JSON")
        else name
        for name, kind in connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]  # fmt: skip
    keys = pa.table({"key": sorted(ids)})
    connection.register("wanted_keys", keys)
    try:
        cursor = connection.execute(
            f"SELECT {', '.join(columns)} FROM {table} "
            f"WHERE {key} IN (SELECT CAST(key AS UUID) FROM wanted_keys)"
        )
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    finally:
        connection.unregister("wanted_keys")
    return {row[key]: row for row in rows}


def _load(connection: duckdb.DuckDBPyConnection, table: str, sql: str, data: pa.Table) -> None:
    name = f"incoming_{table}"
    connection.register(name, data)
    try:
        connection.execute(sql.format(source=name))
    finally:
        connection.unregister(name)


@dataclass(frozen=True)
class ArrowRows:
    """A folded batch's rows as Arrow tables (None: no rows), built by the thread that
    folds, so the writer's thread only runs SQL."""

    turns: pa.Table | None
    errors: pa.Table | None
    conversations: pa.Table | None
    experiments: pa.Table | None

    @staticmethod
    def of(batch: Batch) -> ArrowRows:
        return ArrowRows(
            turns=_columns_table(batch.turns),
            errors=_columns_table(batch.errors),
            conversations=_rows_table(batch.conversations),
            experiments=_rows_table(batch.experiments),
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


def _insert(connection: duckdb.DuckDBPyConnection, table: str, data: pa.Table | None) -> None:
    if data is not None:
        _load(connection, table, f"INSERT INTO {table} BY NAME SELECT * FROM {{source}}", data)


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
            "time_to_first_token": "DOUBLE",
            "duration": "DOUBLE",
            "stop_reason": "VARCHAR",
            "timestamp": "VARCHAR",
        }
    )
    .replace("{", "{{")
    .replace("}", "}}")
)  # survives str.format


def _insert_messages(connection: duckdb.DuckDBPyConnection, messages: pa.Table) -> None:
    """The fold's ids, positions and costs; every other column from the stored state."""
    if not messages.num_rows:
        return
    _load(
        connection,
        "messages",
        "INSERT INTO messages BY NAME SELECT conversation_id, position, cost_usd, "
        "coalesce(m.turn, 0) AS turn, coalesce(m.agent, '') AS agent, m.model AS model, "
        "coalesce(m.text, '') AS text, m.thinking AS thinking, "
        "coalesce(m.tokens_in, 0) AS tokens_in, coalesce(m.tokens_out, 0) AS tokens_out, "
        "m.time_to_first_token AS time_to_first_token, m.duration AS duration, "
        "m.stop_reason AS stop_reason, m.timestamp AS completed_at FROM "
        f"(SELECT *, json_transform(decode(state), '{MESSAGE_FIELDS}') AS m "
        "FROM {source})",
        messages,
    )


def _insert_events(connection: duckdb.DuckDBPyConnection, events: EventBatch) -> None:
    """The stored events, straight from Arrow; DuckDB derives the type, id and timestamp."""
    _load(
        connection,
        "events",
        "INSERT INTO events BY NAME SELECT position, CAST(aggregate_id AS UUID) AS aggregate_id, "
        "version, topic, string_split(topic, '.')[-1] AS type, data, "
        f"CAST({RECORDED_AT} AS TIMESTAMPTZ) AS recorded_at "
        "FROM (SELECT * EXCLUDE (state), decode(state) AS data FROM {source})",
        events.table,
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
        _load(
            connection,
            table,
            f"DELETE FROM {table} WHERE {key} IN (SELECT CAST(key AS UUID) FROM {{source}})",
            pa.table({"key": sorted(existing)}),
        )
    _insert(connection, table, data)


def _conversation_rows(
    job: tuple[list[tuple[int, str, str]], dict[str, float] | None, list[int]],
) -> list[tuple[int, dict[str, float | None]]]:
    """Metric rows of the wanted turns of one conversation (runs in a worker process too)."""
    messages, weights, wanted = job
    keep = set(wanted)
    return [(turn, row) for turn, row in conversation_turn_rows(messages, weights) if turn in keep]


def _insert_turn_metrics(
    connection: duckdb.DuckDBPyConnection, batch: Batch, pools: MetricPool
) -> int:
    """Compute the rows of the turns completed in this batch from the messages table."""
    if not batch.completed_turns:
        return 0
    wanted = pa.table({"conversation_id": sorted(batch.completed_turns)})
    connection.register("metric_conversations", wanted)
    try:
        messages = connection.execute(
            "SELECT CAST(conversation_id AS VARCHAR), turn, agent, text FROM messages "
            "WHERE conversation_id IN "
            "(SELECT CAST(conversation_id AS UUID) FROM metric_conversations) "
            "ORDER BY conversation_id, position"
        ).fetchall()
    finally:
        connection.unregister("metric_conversations")
    by_conversation: dict[str, list[tuple[int, str, str]]] = {}
    for conversation_id, turn, agent, text in messages:
        by_conversation.setdefault(conversation_id, []).append((turn, agent, text))
    ids = sorted(by_conversation)
    jobs = [
        (
            by_conversation[cid],
            _weights(batch.conversations.get(cid)),
            sorted(batch.completed_turns[cid]),
        )
        for cid in ids
    ]
    pool = pools.for_turns(sum(len(turns) for turns in batch.completed_turns.values()))
    results = (
        list(pool.map(_conversation_rows, jobs, chunksize=8))
        if pool
        else map(_conversation_rows, jobs)
    )
    columns: dict[str, list[Any]] = {"conversation_id": [], "turn": [], "metrics_version": []}
    columns.update({name: [] for name in COLUMNS})
    for cid, rows in zip(ids, results, strict=True):
        for turn, row in rows:
            columns["conversation_id"].append(cid)
            columns["turn"].append(turn)
            columns["metrics_version"].append(METRICS_VERSION)
            for name in COLUMNS:
                columns[name].append(row[name])
    count = len(columns["turn"])
    if count:
        schema = pa.schema(
            [
                ("conversation_id", pa.string()),
                ("turn", pa.int32()),
                ("metrics_version", pa.string()),
            ]
            + [(name, pa.float64()) for name in COLUMNS]
        )
        _load(
            connection,
            "turn_metrics",
            "INSERT INTO turn_metrics BY NAME SELECT * FROM {source}",
            pa.table(columns, schema=schema),
        )
    return count


def _weights(row: Row | None) -> dict[str, float] | None:
    if row is None or not row.get("convergence_weights"):
        return None
    weights = json.loads(row["convergence_weights"])
    return {str(k): float(v) for k, v in weights.items()}
