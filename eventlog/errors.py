"""Errors raised by the event log, each with a message fit to show a user as one line."""


class EventLogError(Exception):
    """Base class: anything that went wrong opening, writing or reading a store."""


class StoreURLError(EventLogError, ValueError):
    """A store URL that cannot be understood (unknown scheme, missing path, ...)."""


class StoreUnavailableError(EventLogError):
    """A store that was understood but cannot be opened (unwritable path, no server, ...)."""


class ConcurrencyConflictError(EventLogError):
    """Another writer appended to the same aggregate version first."""


class StoreCorruptError(EventLogError):
    """A store whose contents cannot be read as events (names the file and line, or row)."""


class ExportFileError(EventLogError, ValueError):
    """A file given to ``log import`` that does not hold events this Pidgin can read
    (bad input, not a damaged store: names the file and line)."""


class DamagedEventError(StoreCorruptError):
    """One stored event that is not a valid event of its class, named by store and place.

    Raised wherever events are decoded (``EventLog.decode``, aggregate loads, bulk
    batches), so every command reports a damaged event the same way.
    """

    def __init__(self, store: str, where: str, reason: str) -> None:
        super().__init__(f"damaged event in {store} at {where}: {reason}")
        self.store = store
        self.where = where
        self.reason = reason


class EventInvalid(ValueError):
    """Why one stored event is not valid (raised by the mapper, which knows no position;
    the reader that does turns it into :class:`DamagedEventError`)."""
