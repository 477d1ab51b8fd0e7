"""Following the log: the DuckDB projection brought up to date each time events arrive.

Each update is the ordinary incremental projection (everything after the saved position,
committed with its position in one transaction, exactly-once), so a follower stopped at
any moment leaves the database as its last committed batch left it. Between updates the
database is closed: DuckDB lets one process write a file or many read it, so readers
(``pidgin query``, a notebook opening it read-only) get in between two updates.

Bursts are batched: an update starts at most every ``interval`` seconds, and reads all
that arrived meanwhile, so a thousand events appended at once cost one or two commits,
not a thousand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from eventlog import EventLog
from eventlog.follow import POLL_SECONDS, AppendWaiter
from projections.analysis.duckdb_projection import (
    DEFAULT_BATCH_SIZE,
    DatabaseBusy,
    ProjectionResult,
    project_to_duckdb,
)

UPDATE_INTERVAL = 0.25
"""Seconds from the start of one update to the start of the next, at least."""
BUSY_RETRY_SECONDS = 0.1
"""How soon to try again when a reader has the database open."""
WAIT_STEP_SECONDS = 1.0
"""How often a wait for new events looks at ``stop``."""


def follow_to_duckdb(
    log: EventLog,
    path: Path | str,
    *,
    metrics: bool = True,
    workers: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    interval: float = UPDATE_INTERVAL,
    poll_seconds: float = POLL_SECONDS,
    on_update: Callable[[ProjectionResult, float], None] | None = None,
    on_busy: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Project what is new, wait for more, and again, until ``stop`` is set (or Ctrl+C).

    ``on_update(result, seconds)`` after each update that added events; ``on_busy()``
    once each time an update has to wait for another process to close the database.
    """
    stop = stop or threading.Event()
    with AppendWaiter(log, poll_seconds=poll_seconds) as waiter:
        while not stop.is_set():
            started = time.monotonic()
            result = _update(log, path, metrics, workers, batch_size, on_busy, stop)
            if result is None:
                return
            if result.events and on_update is not None:
                on_update(result, time.monotonic() - started)
            while not stop.is_set() and not waiter.wait(result.position, WAIT_STEP_SECONDS):
                pass
            stop.wait(max(0.0, interval - (time.monotonic() - started)))


def _update(
    log: EventLog,
    path: Path | str,
    metrics: bool,
    workers: int,
    batch_size: int,
    on_busy: Callable[[], None] | None,
    stop: threading.Event,
) -> ProjectionResult | None:
    """One incremental projection, tried again while another process holds the file;
    None when stopped while waiting."""
    told = False
    while not stop.is_set():
        try:
            return project_to_duckdb(
                log, path, metrics=metrics, workers=workers, batch_size=batch_size
            )
        except DatabaseBusy:
            if not told and on_busy is not None:
                on_busy()
            told = True
            stop.wait(BUSY_RETRY_SECONDS)
    return None
