"""Following a store: yield events as they are appended, for as long as the caller wants.

PostgreSQL pushes: the library's subscription LISTENs for the NOTIFY each insert sends.
SQLite and JSONL files cannot push to another process, so they are polled.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from eventsourcing.persistence import Notification

from eventlog.store import EventLog

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
