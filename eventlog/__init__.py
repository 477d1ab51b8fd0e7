"""The append-only event store: store URLs, codecs, recorders and reading in order.

Knows nothing about conversations; any eventsourcing aggregate can be stored. The store
itself (and the eventsourcing library under it) is loaded on first use, so modules that
need only the errors, URLs or redaction do not pay for it (``pidgin --help``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventlog.errors import (
    ConcurrencyConflictError,
    DamagedEventError,
    EventLogError,
    StoreCorruptError,
    StoreUnavailableError,
    StoreURLError,
)
from eventlog.url import StoreURL, parse_store_url

if TYPE_CHECKING:
    from eventlog.store import EventLog, RecordedEvent, open_store

__all__ = [
    "ConcurrencyConflictError",
    "DamagedEventError",
    "EventLog",
    "EventLogError",
    "RecordedEvent",
    "StoreCorruptError",
    "StoreURL",
    "StoreURLError",
    "StoreUnavailableError",
    "open_store",
    "parse_store_url",
]

_FROM_STORE = ("EventLog", "RecordedEvent", "open_store")


def __getattr__(name: str) -> Any:
    if name not in _FROM_STORE:
        raise AttributeError(f"module 'eventlog' has no attribute {name!r}")
    from eventlog import store

    value = getattr(store, name)
    globals()[name] = value
    return value
