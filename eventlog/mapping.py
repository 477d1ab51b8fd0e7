"""The mapper between domain events and stored records, with checksums and checks.

Every event written gets a content checksum (:mod:`eventlog.checksum`); every event read
is checked (known topic, checksum if it has one, JSON, upcast; field names and types when
it has no checksum, since a matching one means the bytes are those a valid event was
written as) and any failure becomes one :class:`EventInvalid`. This is the one place stored state
becomes an event, so every command sees damage the same way.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import resolve_topic

from eventlog.checksum import seal, unseal
from eventlog.errors import EventInvalid
from eventlog.validation import validate_state


class CheckedMapper(Mapper[UUID]):
    """eventsourcing's Mapper, sealing states on the way in and checking them on the way out."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        if self.cipher or self.compressor:
            return stored
        return StoredEvent(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=seal(stored.topic, stored.state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        topic = stored_event.topic
        try:
            cls = resolve_topic(topic)
        except Exception:
            raise EventInvalid(f"unknown event type {_cut(topic)!r}") from None
        state = stored_event.state
        sealed = False
        if not (self.cipher or self.compressor):
            try:
                state, sealed = unseal(topic, bytes(state))
            except ValueError as error:
                raise EventInvalid(str(error)) from None
        try:
            event = super().to_domain_event(
                cast(StoredEvent, _Unsealed(stored_event, state)) if sealed else stored_event
            )
        except Exception as error:
            cause = error.__cause__ or error
            raise EventInvalid(f"cannot be read as {cls.__name__}: {_reason(cause)}") from None
        if not sealed:  # a matching checksum: the bytes are as a valid event wrote them
            validate_state(cls, vars(event))
        return event


class _Unsealed:
    """A stored event with its state unsealed: what the library's mapper reads of it
    (cheaper than a new StoredEvent, on the path of every read)."""

    __slots__ = ("originator_id", "originator_version", "state", "topic")

    def __init__(self, stored: StoredEvent, state: bytes) -> None:
        self.originator_id = stored.originator_id
        self.originator_version = stored.originator_version
        self.topic = stored.topic
        self.state = state


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return _cut(f"{type(error).__name__}: {first}" if first else type(error).__name__)


def _cut(value: Any, limit: int = 160) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
