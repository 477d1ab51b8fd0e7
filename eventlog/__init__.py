"""The append-only event store: store URLs, codecs, recorders and reading in order.

Knows nothing about conversations; any eventsourcing aggregate can be stored.
"""

from eventlog.errors import (
    ConcurrencyConflictError,
    DamagedEventError,
    EventLogError,
    StoreCorruptError,
    StoreUnavailableError,
    StoreURLError,
)
from eventlog.store import EventLog, RecordedEvent, open_store
from eventlog.url import StoreURL, parse_store_url

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
