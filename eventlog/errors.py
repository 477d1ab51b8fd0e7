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
