"""Following a store: yield events as they are appended, or wake when some were.

PostgreSQL pushes: the library's subscription LISTENs for the NOTIFY each insert sends.
SQLite and JSONL files cannot push to another process, so they are polled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Notification

from eventlog.postgres import check_postgres
from eventlog.store import EventLog

if TYPE_CHECKING:
    import psycopg

POLL_SECONDS = 0.2
BATCH = 500


def follow(
    log: EventLog,
    after: int = 0,
    *,
    poll_seconds: float = POLL_SECONDS,
    stop: threading.Event | None = None,
) -> Iterator[Notification]:
    """Every notification after position ``after``, then each new one as it arrives.

    Ends only when ``stop`` is set (checked between events and between polls).
    """
    stop = stop or threading.Event()
    if log.url.scheme == "postgresql":
        yield from _listen(log, after, stop)
    else:
        yield from _poll(log, after, poll_seconds, stop)


def _poll(
    log: EventLog, after: int, poll_seconds: float, stop: threading.Event
) -> Iterator[Notification]:
    position = after
    while not stop.is_set():
        batch = log.recorder.select_notifications(
            start=position, limit=BATCH, inclusive_of_start=False
        )
        for notification in batch:
            yield notification
            position = notification.id
            if stop.is_set():
                return
        if len(batch) < BATCH:
            stop.wait(poll_seconds)


def _listen(log: EventLog, after: int, stop: threading.Event) -> Iterator[Notification]:
    subscription = log.recorder.subscribe(gt=after)

    def stop_when_asked() -> None:
        stop.wait()
        subscription.stop()

    watcher = threading.Thread(target=stop_when_asked, daemon=True)
    watcher.start()
    with subscription:
        for notification in subscription:
            yield notification
            if stop.is_set():
                return


class AppendWaiter:
    """Waits until the log holds events after a position, reading none of them.

    For a caller that reads the new events itself (the DuckDB projection, in batches):
    PostgreSQL is asked only after a NOTIFY arrives on the events table's channel (the
    library's recorder sends one with every insert); SQLite and JSONL files are polled
    for their highest position every ``poll_seconds``.
    """

    def __init__(self, log: EventLog, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._log = log
        self._poll_seconds = poll_seconds
        self._listener: psycopg.Connection[Any] | None = None
        if log.url.scheme == "postgresql":
            self._listener = self._listen()

    def _listen(self) -> psycopg.Connection[Any]:
        """A connection of its own that LISTENs on the events table's channel."""
        from psycopg import sql

        listener = check_postgres(self._log.url)
        channel = getattr(self._log.recorder, "channel_name", "stored_events")
        listener.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(channel)))
        return listener

    def wait(self, after: int, timeout: float | None = None) -> bool:
        """True once the log holds an event after position ``after``; False when
        ``timeout`` seconds passed first. Ctrl+C interrupts it within ``poll_seconds``."""
        from eventlog.batches import last_position  # pyarrow: only for this reader

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            # Asked again after each NOTIFY (which may be for an event already read),
            # and first of all: an event appended before LISTEN started sent none.
            if last_position(self._log) > after:
                return True
            if not self._next_signal(deadline):
                return False

    def _next_signal(self, deadline: float | None) -> bool:
        """Wait for a NOTIFY (PostgreSQL) or one poll interval; False at the deadline."""
        while True:
            step = self._poll_seconds
            if deadline is not None:
                step = min(step, deadline - time.monotonic())
                if step <= 0:
                    return False
            if self._listener is None:
                time.sleep(step)
                return True
            import psycopg

            try:  # Short waits, so that Ctrl+C is seen between them.
                if any(True for _ in self._listener.notifies(timeout=step, stop_after=1)):
                    return True
            except psycopg.OperationalError:
                # The server restarted or the connection dropped: listen again (a
                # one-line error if the server is gone) and look, in case one was missed.
                self._listener.close()
                self._listener = self._listen()
                return True

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> AppendWaiter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
