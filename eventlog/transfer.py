"""Moving events between stores and files, verbatim and idempotently.

Events travel as *stored* events (topic and state bytes exactly as recorded), never
re-encoded, so a log copied to another store replays to byte-identical outputs. Appending
is idempotent: an event whose aggregate version is already in the target is skipped when it
is the same event, and refused (before anything is written) when it differs.

The exchange format is the JSON-lines format of the JSONL store (:mod:`eventlog.jsonl`),
so an export can be read with ``jq`` and a JSONL store's ``events.jsonl`` can be imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from uuid import UUID

import msgspec
from eventsourcing.persistence import Notification, StoredEvent

from eventlog.codec import MsgspecTranscoder
from eventlog.errors import ExportFileError
from eventlog.jsonl_lines import Line, event_line, line_state
from eventlog.mapping import CheckedMapper
from eventlog.store import EventLog

CHUNK = 500
"""Events appended per transaction when copying or importing."""

_encoder = msgspec.json.Encoder()
_line_decoder = msgspec.json.Decoder(Line)
_mapper = CheckedMapper(transcoder=MsgspecTranscoder())
"""Decodes imported events exactly as a store's application would, to check them first."""


@dataclass(frozen=True)
class AppendResult:
    """How many events were appended, and how many were already there."""

    added: int
    present: int


# -- export ---------------------------------------------------------------------------------


def export_lines(notifications: Iterable[Notification]) -> Iterator[bytes]:
    """One JSON line (with its newline) per stored event, positions as in the source."""
    for notification in notifications:
        yield _encoder.encode(event_line(notification, notification.id)) + b"\n"


def write_export(log: EventLog, out: IO[bytes], conversation_ids: Sequence[UUID] = ()) -> int:
    """Write the store's events (or only those of ``conversation_ids``); return the count."""
    wanted = set(conversation_ids)
    count = 0
    notifications = log.read_checked()
    if wanted:
        notifications = (n for n in notifications if n.originator_id in wanted)
    for line in export_lines(notifications):
        out.write(line)
        count += 1
    return count


# -- import ---------------------------------------------------------------------------------


def export_events(path: Path, decode: bool = True) -> Iterator[StoredEvent]:
    """The events of an export file, one line at a time; raise naming the first bad line.

    Lazy, so a file of any size is read in bounded memory: callers that must check the
    whole file before writing read it twice (:func:`check_export`, :func:`import_file`).
    ``decode``: also check that each event decodes to a domain event (a file already
    checked need not be again).
    """
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ExportFileError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n") and raw.strip():
                raise ExportFileError(f"{path}, line {number}: incomplete last line")
            if raw.strip():
                yield from _event_from_line(path, number, raw, decode)


Fingerprints = dict[UUID | str, dict[int, bytes]]
"""Per aggregate, the 16-byte fingerprint (:func:`_fingerprint`) of each version."""


def check_export(path: Path) -> Fingerprints:
    """The fingerprints of every event of ``path``, touching no store; raise
    :class:`ExportFileError` naming the first line that is not an event this Pidgin can
    read, or a version the file holds twice with different contents."""
    index: Fingerprints = {}
    for event in export_events(path):
        versions = index.setdefault(event.originator_id, {})
        fingerprint = _fingerprint(event.topic, event.state)
        if versions.setdefault(event.originator_version, fingerprint) != fingerprint:
            raise ExportFileError(
                f"{path} holds two different events as version "
                f"{event.originator_version} of {event.originator_id}"
            )
    return index


def _event_from_line(path: Path, number: int, raw: bytes, decode: bool) -> list[StoredEvent]:
    where = f"{path}, line {number}"
    try:
        line = _line_decoder.decode(raw)
    except msgspec.ValidationError as error:
        raise ExportFileError(f"{where}: not a Pidgin event line ({error})") from None
    except msgspec.DecodeError as error:
        raise ExportFileError(f"{where}: not valid JSON ({error})") from None
    if line.tracking is not None or line.skip_to is not None:
        return []  # a JSONL store's tracking record or skipped positions: not an event
    if line.originator_id is None or line.version is None or line.topic is None:
        raise ExportFileError(f"{where}: an event line needs originator_id, version, topic")
    if line.state_b64 is None and not line.state:
        raise ExportFileError(f"{where}: an event line needs a state")
    try:
        originator_id = UUID(line.originator_id)
        event = StoredEvent(originator_id, line.version, line.topic, line_state(line))
        if decode:
            _mapper.to_domain_event(event)
    except Exception as error:  # anything the mapper or upcasters reject
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ExportFileError(f"{where}: not an event this Pidgin can read ({reason})") from None
    return [event]


# -- appending ------------------------------------------------------------------------------


class _Presence:
    """Which aggregate versions a target store already has (looked up once per aggregate).

    Each version is kept as a 16-byte fingerprint of its topic and state, not the state
    itself, so checking a large import holds little more than one entry per event.
    """

    def __init__(self, log: EventLog) -> None:
        self._log = log
        self._known: Fingerprints = {}

    def check(self, index: Fingerprints) -> None:
        """Raise if the store holds a version of ``index`` with different contents."""
        for originator_id, versions in index.items():
            stored = self._versions(originator_id)
            for version, fingerprint in versions.items():
                if stored.get(version, fingerprint) != fingerprint:
                    raise self._differs(version, originator_id)

    def split(self, events: Iterable[StoredEvent]) -> tuple[list[StoredEvent], int]:
        """(events still to append, number already present); raise on a differing event."""
        missing: list[StoredEvent] = []
        present = 0
        for event in events:
            versions = self._versions(event.originator_id)
            stored = versions.get(event.originator_version)
            fingerprint = _fingerprint(event.topic, event.state)
            if stored is None:
                missing.append(event)
                versions[event.originator_version] = fingerprint
            elif stored == fingerprint:
                present += 1
            else:
                raise self._differs(event.originator_version, event.originator_id)
        return missing, present

    def _differs(self, version: int, originator_id: UUID | str) -> ExportFileError:
        return ExportFileError(
            f"{self._log.url} already has a different event as version "
            f"{version} of {originator_id}; nothing was changed"
        )

    def _versions(self, originator_id: UUID | str) -> dict[int, bytes]:
        if originator_id not in self._known:
            self._known[originator_id] = {
                e.originator_version: _fingerprint(e.topic, e.state)
                for e in self._log.recorder.select_events(originator_id)
            }
        return self._known[originator_id]


def _fingerprint(topic: str, state: bytes) -> bytes:
    return hashlib.blake2b(topic.encode() + b"\0" + state, digest_size=16).digest()


def import_file(log: EventLog, path: Path, index: Fingerprints) -> AppendResult:
    """Append the events of an export file that ``log`` lacks, in the file's order.

    The file is read twice and never held whole: :func:`check_export` checks each line
    and gives ``index``, which is compared with the store here before the missing events
    are read again and written. So a bad line or a differing event anywhere writes nothing.
    """
    presence = _Presence(log)
    presence.check(index)
    return _append(log, export_events(path, decode=False), presence)


def _chunks(events: Iterable[StoredEvent]) -> Iterator[list[StoredEvent]]:
    batch: list[StoredEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _append(
    target: EventLog,
    events: Iterable[StoredEvent],
    presence: _Presence,
    progress: Callable[[int], None] = lambda n: None,
) -> AppendResult:
    """Append, CHUNK events per transaction, those of ``events`` that ``target`` lacks."""
    added = present = 0
    for chunk in _chunks(events):
        missing, already = presence.split(chunk)
        if missing:
            target.recorder.insert_events(missing)
        added += len(missing)
        present += already
        progress(len(chunk))
    return AppendResult(added=added, present=present)


def copy_store(
    source: EventLog, target: EventLog, progress: Callable[[int], None] = lambda n: None
) -> AppendResult:
    """Append every event of ``source`` that ``target`` lacks, in the source's order.

    ``progress`` is called with the number of source events handled after each chunk.
    """
    events = (
        StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
        for n in source.read_checked()
    )
    return _append(target, events, _Presence(target), progress)
