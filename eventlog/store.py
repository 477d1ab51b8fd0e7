"""An opened event store: append aggregates' new events, read everything back in order.

This is the small API the rest of Pidgin uses; the eventsourcing library stays behind
it. Every store keeps one global order (the library's notification ids, called
*positions* here), so a reader can ask for "everything after position N".
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    Notification,
    PersistenceError,
    RecordConflictError,
)
from eventsourcing.utils import get_topic

from eventlog.errors import (
    ConcurrencyConflictError,
    DamagedEventError,
    EventInvalid,
    StoreCorruptError,
    StoreUnavailableError,
    StoreURLError,
)
from eventlog.postgres import postgres_environment, postgres_setup_lock
from eventlog.url import StoreURL, parse_store_url

TAggregate = TypeVar("TAggregate", bound=Aggregate)

TRANSCODER_TOPIC = "eventlog.codec:MsgspecTranscoder"
MAPPER_TOPIC = "eventlog.mapping:CheckedMapper"
DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One event as read back from the log, with its place in the global order."""

    position: int
    originator_id: UUID
    version: int
    topic: str
    event: Any

    @property
    def type_name(self) -> str:
        """The event's class name, e.g. ``MessageCompleted``."""
        return self.topic.rsplit(".", 1)[-1].rsplit(":", 1)[-1]


class _LogApplication(Application[UUID]):
    """The eventsourcing application that owns the recorder, mapper and repository."""

    name = "PidginLog"


class EventLog:
    """An append-only event store opened from a URL."""

    def __init__(self, url: StoreURL, *, read_only: bool = False) -> None:
        self.url = url
        self.read_only = read_only
        self._app = _LogApplication(env=_environment_for(url, read_only=read_only))

    # -- writing ---------------------------------------------------------------------------

    def save(self, *items: Aggregate | DomainEventProtocol[UUID]) -> list[int]:
        """Append aggregates' pending events (or given events) atomically; return positions.

        Returns only after the store has committed them (the durability promise).
        Raises :class:`ConcurrencyConflictError` when another writer got there first.
        """
        try:
            recordings = self._app.save(*items)
        except (IntegrityError, RecordConflictError) as error:
            raise ConcurrencyConflictError(
                f"another writer already appended to this conversation ({_first_line(error)})"
            ) from None
        except PersistenceError as error:
            raise StoreUnavailableError(
                f"cannot write to store {self.url}: {_first_line(error)}"
            ) from None
        return [recording.notification.id for recording in recordings]

    @property
    def recorder(self) -> ApplicationRecorder:
        """The recorder underneath, for moving stored events between stores verbatim."""
        return self._app.recorder

    @property
    def notices(self) -> list[str]:
        """What opening the store repaired (a JSONL torn tail set aside), to tell a user."""
        return list(getattr(self._app.recorder, "notices", []))

    # -- reading ---------------------------------------------------------------------------

    def load(self, aggregate_id: UUID, version: int | None = None) -> Any:
        """Rebuild one aggregate from its events (optionally up to ``version``)."""
        try:
            return self._app.repository.get(aggregate_id, version=version)
        except EventInvalid:
            raise self._damaged_in(aggregate_id) from None

    def aggregate_events(self, aggregate_id: UUID) -> list[Any]:
        """All events of one aggregate, oldest first."""
        try:
            return list(self._app.events.get(aggregate_id))
        except EventInvalid:
            raise self._damaged_in(aggregate_id) from None

    def _damaged_in(self, aggregate_id: UUID) -> DamagedEventError:
        """The error naming the first damaged event of one aggregate, by position."""
        for notification in self.read_notifications():
            if notification.originator_id == aggregate_id:
                try:
                    self.decode(notification)
                except DamagedEventError as error:
                    return error
        return DamagedEventError(self.url.redacted, f"aggregate {aggregate_id}", "unreadable")

    def read(
        self,
        after: int = 0,
        *,
        event_types: Sequence[type] = (),
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[RecordedEvent]:
        """Yield every event after ``after`` in global order, decoded.

        ``event_types`` limits the read to those classes (the store filters them).
        """
        for notification in self.read_notifications(after, event_types, batch_size):
            yield self.decode(notification)

    def read_notifications(
        self,
        after: int = 0,
        event_types: Sequence[type] = (),
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[Notification]:
        """Yield the stored (still encoded) events after ``after`` in global order."""
        topics = [get_topic(cls) for cls in event_types]
        position = after
        while True:
            try:
                batch = self._app.recorder.select_notifications(
                    start=position, limit=batch_size, topics=topics, inclusive_of_start=False
                )
            except TypeError:  # the library's UUID(None): a row whose id is missing
                problem = ValueError("a stored event's id is missing")
                raise read_error(self.url.redacted, position, problem) from None
            except (PersistenceError, sqlite3.Error, ValueError) as error:
                raise read_error(self.url.redacted, position, error) from None
            yield from batch
            if len(batch) < batch_size:
                return
            position = batch[-1].id

    def read_checked(
        self,
        after: int = 0,
        event_types: Sequence[type] = (),
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[Notification]:
        """The stored events, still encoded, each checked as :meth:`decode` checks it
        (one CRC when it carries a checksum): for moving events verbatim (export, copy),
        or decoding them another way (the catalog), without passing damage on.
        Raises :class:`DamagedEventError`."""
        from eventlog.checksum import verified

        for notification in self.read_notifications(after, event_types, batch_size):
            if not verified(notification.topic, notification.state):
                self.decode(notification)
            yield notification

    def decode(self, notification: Notification) -> RecordedEvent:
        """Turn one stored notification into a domain event (upcasting old versions).

        Raises :class:`DamagedEventError` naming the store and position when the stored
        event is not a valid event of its class (see :mod:`eventlog.mapping`).
        """
        try:
            domain_event = self._app.mapper.to_domain_event(notification)
        except EventInvalid as error:
            raise DamagedEventError(
                self.url.redacted, f"position {notification.id}", str(error)
            ) from None
        return RecordedEvent(
            position=notification.id,
            originator_id=domain_event.originator_id,
            version=notification.originator_version,
            topic=notification.topic,
            event=domain_event,
        )

    def max_position(self) -> int:
        """The position of the newest event, 0 for an empty store."""
        return self._app.recorder.max_notification_id() or 0

    def close(self) -> None:
        self._app.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_store(url: str | StoreURL, *, create: bool = True) -> EventLog:
    """Open the store named by ``url``, creating it unless ``create`` is False.

    Raises :class:`StoreURLError` for a URL that cannot be understood and
    :class:`StoreUnavailableError` for one that cannot be opened.
    """
    parsed = parse_store_url(url) if isinstance(url, str) else url
    read_only = False
    if parsed.scheme == "sqlite":
        assert parsed.path is not None
        if not create and not parsed.path.is_file():
            raise StoreUnavailableError(f"no store at {parsed}: {parsed.path} does not exist")
        # An existing log on read-only media (an archive) is opened read-only; writing to
        # it then fails with a one-line error, and reading works.
        read_only = not create and not os.access(parsed.path.parent, os.W_OK)
        if not read_only:
            _prepare_sqlite_path(parsed)
    elif parsed.scheme == "jsonl":
        read_only = _prepare_jsonl_directory(parsed, create)
    # PostgreSQL: connect once to check the server, and hold a lock while the library
    # creates its tables, so Pidgin processes opening one new database do not race.
    setup = postgres_setup_lock(parsed) if parsed.scheme == "postgresql" else nullcontext()
    try:
        with setup:
            return EventLog(parsed, read_only=read_only)
    except (PersistenceError, sqlite3.Error, OSError) as error:
        if not isinstance(error, OSError) and _is_damage(error):
            raise StoreCorruptError(f"damaged store {parsed}: {_first_line(error)}") from None
        raise StoreUnavailableError(f"cannot open store {parsed}: {error}") from None


def _prepare_sqlite_path(url: StoreURL) -> None:
    assert url.path is not None
    if url.path.is_dir():
        raise StoreUnavailableError(f"store path {url.path} is a directory, not a database file")
    try:
        url.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreUnavailableError(f"cannot create {url.path.parent}: {error.strerror}") from None
    if not os.access(url.path.parent, os.W_OK):
        raise StoreUnavailableError(f"cannot write to {url.path.parent}: permission denied")


def read_error(
    store: str, after: int, error: BaseException
) -> StoreCorruptError | StoreUnavailableError:
    """A failure to read stored records: damage (a malformed file, text that is not
    UTF-8, a value of the wrong type) or a store that cannot be reached (locked, gone)."""
    text = _first_line(error)
    if _is_damage(error):
        return StoreCorruptError(f"damaged store {store} after position {after}: {text}")
    return StoreUnavailableError(f"cannot read store {store}: {text}")


def _is_damage(error: BaseException) -> bool:
    """Whether a driver's error says the stored bytes are bad (not that the store is
    busy, locked, unreachable or not set up)."""
    from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError

    text = _first_line(error).lower()
    if any(word in text for word in ("malformed", "not a database", "could not decode")):
        return True
    unreachable = (OperationalError, InterfaceError, ProgrammingError, sqlite3.OperationalError)
    if isinstance(error, unreachable):
        return False
    return not any(word in text for word in ("locked", "busy", "unable to open", "connect"))


def _first_line(error: BaseException) -> str:
    """A driver's message without its DETAIL/HINT lines: errors are shown as one line."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _environment_for(url: StoreURL, *, read_only: bool = False) -> dict[str, str]:
    """The eventsourcing environment that selects the store's persistence module."""
    env = {"TRANSCODER_TOPIC": TRANSCODER_TOPIC, "MAPPER_TOPIC": MAPPER_TOPIC}
    if url.scheme == "sqlite":
        assert url.path is not None
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=_read_only_uri(url.path) if read_only else str(url.path),
            SQLITE_LOCK_TIMEOUT="30",
        )
        if read_only:
            env["CREATE_TABLE"] = "no"
        return env
    if url.scheme == "jsonl":
        assert url.path is not None
        env.update(PERSISTENCE_MODULE="eventlog.jsonl", JSONL_DIR=str(url.path))
        if read_only:
            env["CREATE_TABLE"] = "no"
        return env
    if url.scheme == "postgresql":
        env.update(postgres_environment(url))
        return env
    raise StoreURLError(f"no persistence module for scheme {url.scheme!r}")


def _read_only_uri(path: Path) -> str:
    """A SQLite URI that reads ``path`` in a folder that cannot be written.

    SQLite needs a writable ``-shm`` file to read a WAL database; where none can be
    made, ``immutable=1`` reads the file as it is (a log on read-only media is not
    being written, and its last writer, closing cleanly, folded its WAL into it).
    """
    uri = f"file:///{quote(str(path.absolute()).lstrip('/'))}?mode=ro"
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    return uri if wal.exists() and shm.exists() else uri + "&immutable=1"


def _prepare_jsonl_directory(url: StoreURL, create: bool) -> bool:
    """Check (and create) the directory; True when an existing log is to be only read."""
    assert url.path is not None
    if url.path.exists() and not url.path.is_dir():
        raise StoreUnavailableError(f"store path {url.path} is a file, not a JSONL directory")
    if not create and not (url.path / "events.jsonl").is_file():
        raise StoreUnavailableError(f"no store at {url}: {url.path}/events.jsonl does not exist")
    if not create and not os.access(url.path, os.W_OK):
        return True
    try:
        url.path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreUnavailableError(f"cannot create {url.path}: {error.strerror}") from None
    if not os.access(url.path, os.W_OK):
        raise StoreUnavailableError(f"cannot write to {url.path}: permission denied")
    return False
