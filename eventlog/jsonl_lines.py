"""The lines of a JSONL store: what each kind holds, and how event state goes in and out.

An event line embeds the stored state as JSON (``msgspec.Raw``: the transcoder's bytes,
verbatim, not an escaped string), so ``jq`` sees the event's fields. State that is not
one-line JSON (encrypted, compressed, or anything else) goes in ``state_b64`` instead, so
every state reads back byte for byte.
"""

from __future__ import annotations

import base64

import msgspec
from eventsourcing.persistence import StoredEvent

EMPTY_RAW = msgspec.Raw(b"")


class Line(msgspec.Struct):
    """Any line of a JSONL store, as read back. Which fields are set says what it is."""

    position: int | None = None
    originator_id: str | None = None
    version: int | None = None
    topic: str | None = None
    timestamp: str | None = None
    state: msgspec.Raw = EMPTY_RAW
    state_b64: str | None = None
    tracking: str | None = None
    notification_id: int | None = None
    skip_to: int | None = None
    rest: int = 0


class EventLine(msgspec.Struct, omit_defaults=True):
    """An event as written: its place in the log, its type, and its fields as JSON."""

    position: int
    originator_id: str
    version: int
    topic: str
    timestamp: str | None = None
    state: msgspec.Raw = EMPTY_RAW
    state_b64: str | None = None
    rest: int = 0


class TrackingLine(msgspec.Struct, omit_defaults=True):
    """A tracking record: application ``tracking`` has processed ``notification_id``."""

    tracking: str
    notification_id: int
    rest: int = 0


class SkipLine(msgspec.Struct, omit_defaults=True):
    """Positions before ``skip_to`` that this file never uses: they were held by an
    unfinished write set aside in a ``.torn-`` file, and must not mean two events."""

    skip_to: int
    rest: int = 0


class _StateHead(msgspec.Struct):
    """Decoding stored state into this validates it as JSON and finds its timestamp."""

    timestamp: str | None = None


_head_decoder = msgspec.json.Decoder(_StateHead)


def state_to_json(state: bytes) -> tuple[str | None, bool]:
    """(timestamp, embeddable): can ``state`` go into a line verbatim as JSON?

    It can when it is one-line JSON without surrounding whitespace, so that reading the
    line back yields exactly the same bytes.
    """
    if not state or state[:1].isspace() or state[-1:].isspace() or b"\n" in state:
        return None, False
    try:
        return _head_decoder.decode(state).timestamp, True
    except msgspec.ValidationError:  # valid JSON, but not an object with a text timestamp
        return None, True
    except msgspec.DecodeError:
        return None, False


def event_line(event: StoredEvent, position: int) -> EventLine:
    """The line that records ``event`` at ``position``."""
    timestamp, embeddable = state_to_json(event.state)
    return EventLine(
        position=position,
        originator_id=str(event.originator_id),
        version=event.originator_version,
        topic=event.topic,
        timestamp=timestamp,
        state=msgspec.Raw(event.state) if embeddable else EMPTY_RAW,
        state_b64=None if embeddable else base64.b64encode(event.state).decode("ascii"),
    )


def line_state(line: Line) -> bytes:
    """The stored state bytes a line holds."""
    if line.state_b64 is not None:
        return base64.b64decode(line.state_b64)
    return bytes(line.state)
