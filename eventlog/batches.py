"""Reading the log's stored events in order, still encoded, in bounded Arrow batches.

This is the fast path for bulk readers such as the DuckDB projection. It lives in
``eventlog`` because it knows the stores' own tables; readers only see ``EventBatch``.
A projection needs (position, aggregate id, version, topic, state bytes) and nothing
more, as Arrow columns for the bulk load and as Python tuples only for the events it
folds. For SQLite stores the batches come straight from eventsourcing's ``stored_events``
table (positions are its rowids, the notification ids the library itself uses) through
the ADBC SQLite driver, which fills Arrow columns without making a Python object per
event; without the driver, through a read-only ``sqlite3`` connection. Any other store, or
a SQLite file whose table does not look as expected, is read through
``EventLog.read_notifications``.

Bulk readers skip the event mapper, so every batch is checked here before it is handed
out: an event with a content checksum must match it (a CRC, cheap), and one without (a
log written before checksums) is decoded and checked against its class like any read.
A damaged event raises :class:`DamagedEventError` naming the store and its position.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pyarrow as pa
import pyarrow.compute as pc
from eventsourcing.persistence import Notification

from eventlog.checksum import is_sealed, not_verified, unseal
from eventlog.errors import DamagedEventError
from eventlog.store import EventLog, read_error

SQLITE_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
SCHEMA = pa.schema(
    [
        ("position", pa.int64()),
        ("aggregate_id", pa.string()),
        ("version", pa.int64()),
        ("topic", pa.string()),
        ("state", pa.binary()),
    ]
)
QUERY = (
    "SELECT rowid AS position, originator_id AS aggregate_id, originator_version AS version, "
    "topic, state FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?"
)

RawEvent = tuple[int, str, int, str, bytes]
"""(position, aggregate id, version, topic, state bytes)."""


@dataclass(frozen=True)
class EventBatch:
    """Consecutive stored events as an Arrow table with the columns of SCHEMA."""

    table: pa.Table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def rows(self, topics: Collection[str] | None = None) -> list[RawEvent]:
        """The events (only those with one of ``topics``) as tuples, in order."""
        table = self.table
        if topics is not None:
            table = table.filter(pc.is_in(table["topic"], pa.array(list(topics), pa.string())))
        columns = [table[name].to_pylist() for name in SCHEMA.names]
        return list(zip(*columns, strict=True))

    def last(self) -> RawEvent:
        return EventBatch(self.table.slice(len(self) - 1)).rows()[0]


def event_batches(log: EventLog, after: int, batch_size: int) -> Generator[EventBatch, None, None]:
    """Batches of at most ``batch_size`` stored events after ``after``, in global order,
    each checked (see the module docstring)."""
    for batch in _unchecked_batches(log, after, batch_size):
        check_batch(log, batch)
        yield batch


def check_batch(log: EventLog, batch: EventBatch) -> None:
    """Raise :class:`DamagedEventError` for the first damaged event of ``batch``."""
    table = batch.table
    if not _envelopes_valid(table):
        _raise_for_envelope(log, table)
    topics = table["topic"].to_pylist()
    states = table["state"].to_pylist()
    suspects = not_verified(topics, states)
    if not suspects:
        return
    positions, ids, versions = (table[name].to_pylist() for name in SCHEMA.names[:3])
    for index in suspects:
        topic, state = topics[index], states[index] or b""
        if is_sealed(state):
            try:
                unseal(topic, state)
            except ValueError as error:
                where = f"position {positions[index]}"
                raise DamagedEventError(log.url.redacted, where, str(error)) from None
        notification = Notification(
            id=positions[index], originator_id=UUID(ids[index]),
            originator_version=versions[index], topic=topic, state=state,
        )  # fmt: skip
        log.decode(notification)


ID_PATTERN = "^([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"


def _envelopes_valid(table: pa.Table) -> bool:
    """Ids that are UUIDs and topics that are UTF-8 text, on every row (vectorised)."""
    try:
        for name in ("position", "aggregate_id", "version", "topic"):
            table[name].validate(full=True)
            if table[name].null_count:
                return False
        return bool(pc.all(pc.match_substring_regex(table["aggregate_id"], ID_PATTERN)).as_py())
    except pa.ArrowInvalid:
        return False


def _raise_for_envelope(log: EventLog, table: pa.Table) -> None:
    """Find the row whose id, version or topic is damaged, and name its position."""
    columns = [table[name].cast(pa.binary()) for name in ("aggregate_id", "topic")]
    positions = table["position"].to_pylist()
    versions = table["version"].to_pylist()
    for index, position in enumerate(positions):
        raw_id, topic = (column[index].as_py() for column in columns)
        try:
            if position is None or versions[index] is None or topic is None:
                raise ValueError("a position, version or topic is missing")
            UUID(raw_id.decode())
            topic.decode()
        except (ValueError, AttributeError) as error:
            where = f"position {position}" if position is not None else "a row"
            reason = f"its id, version or topic is damaged ({error})"
            raise DamagedEventError(log.url.redacted, where, reason) from None
    raise DamagedEventError(log.url.redacted, f"positions {positions[0]}..", "unreadable rows")


def _unchecked_batches(log: EventLog, after: int, batch_size: int) -> Iterator[EventBatch]:
    path = _sqlite_path(log)
    if path is not None and _has_stored_events(path):
        try:
            yield from _sqlite_batches(path, after, batch_size)
        except Exception as error:  # the driver's errors: a malformed file, bad text
            if not _is_read_error(error):
                raise
            raise read_error(log.url.redacted, after, error) from None
        return
    batch: list[RawEvent] = []
    for n in log.read_notifications(after, batch_size=batch_size):
        batch.append((n.id, str(n.originator_id), n.originator_version, n.topic, n.state))
        if len(batch) == batch_size:
            yield _from_rows(batch)
            batch = []
    if batch:
        yield _from_rows(batch)


def _is_read_error(error: Exception) -> bool:
    """An error of the SQLite reader (ADBC, sqlite3 or Arrow), not of the caller."""
    module = type(error).__module__
    return isinstance(error, (sqlite3.Error, UnicodeDecodeError, pa.ArrowException)) or (
        module.startswith("adbc_driver")
    )


def _from_rows(rows: list[Any]) -> EventBatch:
    columns = list(zip(*rows, strict=True))
    return EventBatch(pa.table(dict(zip(SCHEMA.names, columns, strict=True)), schema=SCHEMA))


def last_position(log: EventLog) -> int:
    """The position of the newest event (0 for none), read as the batches are read.

    A process that reads batches through the ADBC driver must ask this rather than
    ``log.max_position()`` if it keeps the log open: the driver carries a SQLite of its
    own, and two SQLite copies in one process drop each other's file locks on close (see
    "How To Corrupt An SQLite Database File", 2.2.1), after which the log's connection
    sees a stale snapshot and misses events that other processes append.
    """
    path = _sqlite_path(log)
    if path is None or not _has_stored_events(path):
        return log.max_position()
    with _read_only(path) as cursor:
        cursor.execute("SELECT max(rowid) FROM stored_events")
        found = cursor.fetchone()
    return int(found[0]) if found and found[0] is not None else 0


def _sqlite_path(log: EventLog) -> Path | None:
    # Resolved: "sqlite:////abs/x.db" gives the path //abs/x.db, which SQLite opens but
    # which would read as a URI authority in "file://abs/x.db".
    path = log.url.path if log.url.scheme == "sqlite" else None
    return path.resolve() if path is not None else None


@contextmanager
def _read_only(path: Path) -> Iterator[Any]:
    """A read-only DB-API cursor on ``path``, from the same SQLite copy as the batches."""
    try:
        import adbc_driver_sqlite.dbapi as adbc
    except ImportError:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)) as db:
            yield db.cursor()
        return
    uri = f"{path.absolute().as_uri()}?mode=ro"
    with closing(adbc.connect(uri)) as connection, closing(connection.cursor()) as cursor:
        yield cursor


def _has_stored_events(path: Path) -> bool:
    try:
        with _read_only(path) as cursor:
            cursor.execute("PRAGMA table_info(stored_events)")
            rows = cursor.fetchall()
    except Exception:  # sqlite3.Error, or the ADBC driver's errors: not a store we know
        return False
    return {row[1] for row in rows} >= SQLITE_COLUMNS


def _sqlite_batches(path: Path, after: int, batch_size: int) -> Iterator[EventBatch]:
    try:
        import adbc_driver_sqlite.dbapi as adbc
    except ImportError:  # The driver is a dependency; this only guards odd platforms.
        yield from _sqlite3_batches(path, after, batch_size)
        return
    uri = f"{path.absolute().as_uri()}?mode=ro"
    with closing(adbc.connect(uri)) as connection, closing(connection.cursor()) as cursor:
        position = after
        while True:
            cursor.execute(QUERY, (position, batch_size))
            table = cursor.fetch_arrow_table()
            if table.num_rows == 0:
                return
            yield EventBatch(table.cast(SCHEMA))
            if table.num_rows < batch_size:
                return
            position = table["position"][-1].as_py()


def _sqlite3_batches(path: Path, after: int, batch_size: int) -> Iterator[EventBatch]:
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)) as db:
        position = after
        while True:
            rows = db.execute(QUERY, (position, batch_size)).fetchall()
            if not rows:
                return
            yield _from_rows(rows)
            if len(rows) < batch_size:
                return
            position = rows[-1][0]
