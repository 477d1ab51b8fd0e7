"""The DuckDB projection: bring an analysis database up to date with the log.

Reads only the events after the position saved in the database, in batches, and writes
each batch's rows and the new position in one transaction, so running it twice adds
nothing and a run killed half-way leaves the database as the last committed batch left
it. Every table is loaded from Arrow tables (never row by row). ``rebuild`` drops
everything and starts again from position 0, recomputing every metric with the current
code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from eventlog import EventLog
from eventlog.batches import EventBatch, RawEvent, event_batches, last_position
from projections.analysis.embedding_cache import CACHE_TABLE
from projections.analysis.findings import replace_findings
from projections.analysis.fold import Batch, Row, canonical_id, fold_batch
from projections.analysis.schema import SCHEMA_VERSION, STATE_TABLE, TABLES, VIEWS
from projections.analysis.turn_metrics import MetricPool, insert_turn_metrics, metric_pool
from projections.analysis.writes import ArrowRows, existing_rows, write_rows
from projections.gc_pause import cycle_collector_paused
from projections.metrics.embeddings import INSTALL_HINT, embedder_available
from projections.metrics.turn import METRICS_VERSION

DEFAULT_BATCH_SIZE = 100_000
ROW_GROUP_SIZE = 65_536
"""Rows per DuckDB row group (its default is 122,880). A transaction's appends that fill
whole row groups are written straight into the file, compressed once; a part-filled one
goes to the write-ahead log first and is compressed by a later checkpoint. With a batch
of 100,000 events, smaller row groups halve the cost of committing."""
SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the GIL while another waits (Python's default is 0.005).
DuckDB takes the GIL back briefly many times per statement (to scan Arrow data, to check
for Ctrl-C); while the folding thread runs Python it would wait up to 5 ms each time."""
DATABASE_ALIAS = "analysis"
THREADS = 1
Progress = Callable[[int, int], None]


class ProjectionError(Exception):
    """The database cannot be brought up to date as asked (one line, for the user)."""


class DatabaseBusy(ProjectionError):
    """Another process has the database open (DuckDB lets one process write, or many
    read, at a time): trying again later may succeed."""


@dataclass(frozen=True)
class ProjectionResult:
    events: int
    position: int
    turn_metrics: int
    note: str | None = None  # something the user should know, said once
    problems: tuple[str, ...] = ()
    """Values no column could hold, each naming the store and the event's position; they
    are projected as NULL and the rest of the log as usual."""


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
        connection = _open(Path(path))
    except duckdb.Error as error:
        if is_lock_conflict(error):
            raise DatabaseBusy(f"{path} is open in another process") from None
        raise ProjectionError(f"cannot open {path}: {_first_line(error)}") from None
    try:
        connection.execute("SET TimeZone = 'UTC'")
        # One thread: the other core folds the next batch meanwhile (see _pipelined); a
        # second DuckDB thread costs a tenth more CPU for no measurable gain in time.
        connection.execute(f"SET threads = {THREADS}")
        pool_size = workers if metrics else 1
        with cycle_collector_paused(), _short_gil_turns(), metric_pool(pool_size) as pool:
            position = _prepare(connection, store, rebuild, metrics)
            _check_same_log(connection, log, position)
            total = max(0, last_position(log) - position)
            done = turn_rows = 0
            problems: list[str] = []
            batches = event_batches(log, position, batch_size)

            def within(events_done: int) -> None:  # a batch's progress, while it is written
                if progress is not None:
                    progress(events_done, max(total, events_done))

            pipeline = _pipelined(connection, batches, metrics, pool, problems, store, within)
            for events, rows in pipeline:
                turn_rows += rows
                done += len(events)
                position = events.last()[0]
                if progress is not None:
                    progress(done, max(total, done))
        note = None
        if metrics and turn_rows and not embedder_available():
            note = f"semantic columns are NULL without the embedding model: {INSTALL_HINT}"
        return ProjectionResult(
            events=done,
            position=position,
            turn_metrics=turn_rows,
            note=note,
            problems=tuple(f"{store} {problem}" for problem in problems),
        )
    finally:
        connection.close()


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the file at ``path``, attached with our
    row group size (an option of ATTACH only)."""
    connection = duckdb.connect()
    try:
        literal = str(path).replace("'", "''")
        connection.execute(
            f"ATTACH '{literal}' AS {DATABASE_ALIAS} (ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        )
        connection.execute(f"USE {DATABASE_ALIAS}")
    except BaseException:
        connection.close()
        raise
    return connection


def is_lock_conflict(error: BaseException) -> bool:
    """DuckDB's error for a file another process holds open (it names no error class
    of its own: an IOException like a missing file)."""
    return "Conflicting lock" in str(error) or "Could not set lock" in str(error)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@contextmanager
def _short_gil_turns() -> Iterator[None]:
    """SWITCH_INTERVAL while projecting, the interpreter's own value after."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _prepare(
    connection: duckdb.DuckDBPyConnection, store: str, rebuild: bool, metrics: bool
) -> int:
    """Create (or drop and recreate) the schema; return the saved position."""
    connection.execute("BEGIN")
    if rebuild:
        for table in (*TABLES, "projection_state"):
            connection.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    connection.execute(STATE_TABLE)
    connection.execute(CACHE_TABLE)  # kept by --rebuild: embeddings are not recomputed
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
    # Closed at once: an unfinished reader would keep its SQLite read transaction open.
    with closing(event_batches(log, position - 1, 1)) as batches:
        found = next(batches, None)
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
    problems: list[str],
    store: str,
    within: Callable[[int], None] = lambda events_done: None,
) -> Iterator[tuple[EventBatch, int]]:
    """Each batch once written and committed, with its metric rows.

    While one batch is written (in a thread: DuckDB lets go of the GIL), the next one is
    read and folded, so the two cores both work. Still one transaction per batch, in
    order: the position is saved with its rows. The fold finds the rows the batch being
    written changes in that batch (``previous``) and the older ones in the database,
    read through a cursor of its own (which sees only committed rows). ``within`` hears
    how far the batch being written has got, in events (a share of the batch per stage).
    """
    reader = connection.cursor()
    submitted = 0
    reader.execute(f"USE {DATABASE_ALIAS}")
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="pidgin-duckdb-writer") as writer:
            pending: tuple[EventBatch, Future[int]] | None = None
            previous: Batch | None = None
            for events in batches:
                batch = fold_batch(events, _loader(reader, previous))
                problems.extend(batch.problems)
                try:
                    rows = ArrowRows.of(events, batch)
                except (OverflowError, pa.ArrowInvalid, pa.ArrowTypeError) as error:
                    first, last = events.rows()[0][0], events.last()[0]
                    raise ProjectionError(
                        f"{store} positions {first}..{last} hold a value the tables cannot take "
                        f"({_first_line(error)}); nothing of them was projected"
                    ) from None
                if pending is not None:
                    yield pending[0], pending[1].result()
                report = _share_reporter(within, submitted, len(events))
                submitted += len(events)
                pending = (
                    events,
                    writer.submit(
                        _write_batch, connection, events, batch, rows, metrics, pool, report
                    ),
                )
                previous = batch
            if pending is not None:
                yield pending[0], pending[1].result()
    finally:
        reader.close()


def _share_reporter(
    within: Callable[[int], None], offset: int, size: int
) -> Callable[[float], None]:
    """Report a share (0 to 1) of a batch of ``size`` events that starts at ``offset``."""
    return lambda share: within(offset + int(size * share))


def _loader(
    reader: duckdb.DuckDBPyConnection, previous: Batch | None
) -> Callable[[str, set[str]], dict[str, Row]]:
    """The current rows: the previous batch's (maybe not committed yet), else the database's."""

    def load(kind: str, ids: set[str]) -> dict[str, Row]:
        recent: dict[str, Row] = {}
        if previous is not None:
            recent = previous.conversations if kind == "conversation" else previous.experiments
        found = {i: recent[i] for i in ids if i in recent}
        found.update(existing_rows(reader, f"{kind}s", ids - found.keys()))
        return found

    return load


def _write_batch(
    connection: duckdb.DuckDBPyConnection,
    events: EventBatch,
    batch: Batch,
    rows: ArrowRows,
    metrics: bool,
    pool: MetricPool,
    report: Callable[[float], None],
) -> int:
    """Write one folded batch and its position in one transaction; return metric rows.

    Reports its share done: the rows are a third of the work when metrics follow.
    """
    last = events.last()
    connection.execute("BEGIN")
    try:
        write_rows(connection, batch, rows)
        report(1 / 3 if metrics else 0.9)
        metric_rows = 0
        if metrics:
            metric_rows = insert_turn_metrics(
                connection, batch, pool, lambda jobs, of: report(1 / 3 + 0.6 * jobs / of)
            )
            replace_findings(connection, batch)
        connection.execute(
            "UPDATE projection_state SET position = ?, last_event = ?, updated_at = now()",
            [last[0], _event_key(last)],
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return metric_rows
