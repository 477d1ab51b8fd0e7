"""Reading the log's stored events in order, still encoded, in bounded batches.

A projection needs (position, aggregate id, version, topic, state bytes) and nothing
more. For SQLite stores it reads eventsourcing's ``stored_events`` table directly through
a read-only connection (positions are its rowids, the notification ids the library
itself uses): five times faster than building the library's Notification objects. Any
other store, or a SQLite file whose table does not look as expected, is read through
``EventLog.read_notifications``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing

from eventlog import EventLog

SQLITE_COLUMNS = {"originator_id", "originator_version", "topic", "state"}


RawEvent = tuple[int, str, int, str, bytes]
"""(position, aggregate id, version, topic, state bytes): plain tuples, as SQLite returns
them, because a million small objects of a class cost more than the decoding."""


def raw_batches(log: EventLog, after: int, batch_size: int) -> Iterator[list[RawEvent]]:
    """Lists of at most ``batch_size`` stored events after ``after``, in global order."""
    path = log.url.path if log.url.scheme == "sqlite" else None
    if path is not None and _has_stored_events(str(path)):
        yield from _sqlite_batches(str(path), after, batch_size)
        return
    batch: list[RawEvent] = []
    for n in log.read_notifications(after, batch_size=batch_size):
        batch.append((n.id, str(n.originator_id), n.originator_version, n.topic, n.state))
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def _has_stored_events(path: str) -> bool:
    try:
        with closing(_connect(path)) as connection:
            rows = connection.execute("PRAGMA table_info(stored_events)").fetchall()
    except sqlite3.Error:
        return False
    return {row[1] for row in rows} >= SQLITE_COLUMNS


def _sqlite_batches(path: str, after: int, batch_size: int) -> Iterator[list[RawEvent]]:
    query = (
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid > ? ORDER BY rowid LIMIT ?"
    )
    with closing(_connect(path)) as connection:
        position = after
        while True:
            rows = connection.execute(query, (position, batch_size)).fetchall()
            if not rows:
                return
            yield rows
            if len(rows) < batch_size:
                return
            position = rows[-1][0]
