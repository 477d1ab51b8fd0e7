"""The JSONL recorders: the eventsourcing recorder interfaces over one JSONL file each.

Each recorder keeps an in-memory index of its file (byte offsets by position, positions by
aggregate version, the latest tracking id per application), built on open and extended as
lines are appended by this or any other process, so a read touches only the lines it
returns. Files, locking, durability and crash recovery are :mod:`eventlog.jsonl_file`'s job.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast
from uuid import UUID

import msgspec
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    IntegrityError,
    ListenNotifySubscription,
    Notification,
    ProcessRecorder,
    Recorder,
    StoredEvent,
    Subscription,
    Tracking,
    TrackingRecorder,
)

from eventlog.errors import StoreCorruptError
from eventlog.jsonl_file import JsonlFile
from eventlog.jsonl_lines import (
    EventLine,
    Line,
    SkipLine,
    TrackingLine,
    event_line,
    line_state,
)

EVENTS_FILE = "events.jsonl"
TRACKING_FILE = "tracking.jsonl"
POLL_INTERVAL = 0.1

_line_decoder = msgspec.json.Decoder(Line)
_TORN_POSITION = re.compile(rb'^\{"position":(\d+)', re.MULTILINE)
"""Positions in a torn file, the torn line's own included (it starts with its position)."""


class JsonlDatastore:
    """Where the files live and how originator ids are typed; shared by the recorders."""

    def __init__(
        self,
        directory: Path,
        *,
        originator_id_type: Literal["uuid", "text"] = "uuid",
        create: bool = True,
    ) -> None:
        self.directory = directory
        self.originator_id_type = originator_id_type
        self.create = create
        self._files: list[JsonlFile] = []
        if create:
            directory.mkdir(parents=True, exist_ok=True)

    def open(self, name: str, on_line: Any) -> JsonlFile:
        jsonl = JsonlFile(self.directory / name, on_line, create=self.create)
        self._files.append(jsonl)
        return jsonl

    def close(self) -> None:
        for jsonl in self._files:
            jsonl.close()
        self._files.clear()


class JsonlRecorder(Recorder):
    """Everything the JSONL recorders share: one file, and an index of its lines."""

    file_name = EVENTS_FILE

    def __init__(self, datastore: JsonlDatastore, file_name: str | None = None) -> None:
        self.datastore = datastore
        self._starts = array("q")  # byte offset of the line of position p, at p - 1
        self._ends = array("q")
        self._topics: list[str] = []
        self._versions: dict[str, dict[int, int]] = {}  # originator id → version → position
        self._tracking: dict[str, int] = {}
        self._ids: dict[str, UUID] = {}  # parsed once per aggregate, not once per read
        self._listeners: set[threading.Event] = set()
        self._torn: tuple[list[Path], int] = ([], 0)  # torn files seen, highest position
        name = file_name or self.file_name
        self._path = datastore.directory / name
        self.file = datastore.open(name, self._index_line)

    def _corrupt(self, line_number: int, reason: str) -> StoreCorruptError:
        return StoreCorruptError(f"{self._path}, line {line_number}: {reason}")

    @property
    def notices(self) -> list[str]:
        """What recovery did on open (torn tails set aside), for a user to see."""
        return self.file.notices

    # -- the index --------------------------------------------------------------------------

    def _index_line(self, line: Line, start: int, end: int, number: int) -> None:
        if line.tracking is not None:
            self._index_tracking(line, number)
            return
        if line.skip_to is not None:
            if line.skip_to <= len(self._starts):
                raise self._corrupt(number, f"skip to position {line.skip_to} goes back")
            gap = line.skip_to - 1 - len(self._starts)
            self._starts.extend([-1] * gap)
            self._ends.extend([-1] * gap)
            self._topics.extend([""] * gap)
            return
        if line.position is None or line.originator_id is None or line.version is None:
            raise self._corrupt(number, "an event line needs position, originator_id, version")
        if line.topic is None or (line.state_b64 is None and not line.state):
            raise self._corrupt(number, "an event line needs a topic and a state")
        if self.datastore.originator_id_type == "uuid" and line.originator_id not in self._ids:
            try:
                self._ids[line.originator_id] = UUID(line.originator_id)
            except ValueError:
                raise self._corrupt(
                    number, f"originator_id {line.originator_id!r} is not a UUID"
                ) from None
        expected = len(self._starts) + 1
        if line.position != expected:
            raise self._corrupt(number, f"position {line.position}, expected {expected}")
        versions = self._versions.setdefault(line.originator_id, {})
        if line.version in versions:
            raise self._corrupt(
                number, f"version {line.version} of {line.originator_id} is already recorded"
            )
        versions[line.version] = line.position
        self._starts.append(start)
        self._ends.append(end)
        self._topics.append(line.topic)

    def _index_tracking(self, line: Line, number: int) -> None:
        assert line.tracking is not None
        if line.notification_id is None:
            raise self._corrupt(number, "a tracking line needs a notification_id")
        current = self._tracking.get(line.tracking)
        if current is not None and line.notification_id <= current:
            raise self._corrupt(
                number, f"tracking {line.notification_id} for {line.tracking} after {current}"
            )
        self._tracking[line.tracking] = line.notification_id

    def _refresh(self) -> None:
        self.file.catch_up(repair=False)

    # -- writing ----------------------------------------------------------------------------

    def _insert(self, events: Sequence[StoredEvent], tracking: Tracking | None) -> list[int]:
        if not events and tracking is None:
            return []
        with self.file.exclusive():
            self.file.catch_up(repair=True)
            self._check_unique(events)
            if tracking is not None:
                self._check_tracking(tracking)
            first = max(len(self._starts), self._torn_position()) + 1
            lines: list[EventLine | TrackingLine | SkipLine] = []
            if events and first > len(self._starts) + 1:
                lines.append(SkipLine(first))
            lines += [event_line(event, first + index) for index, event in enumerate(events)]
            if tracking is not None:
                lines.append(TrackingLine(tracking.application_name, tracking.notification_id))
            self.file.append(lines)
        for listener in list(self._listeners):
            listener.set()
        return list(range(first, first + len(events)))

    def _torn_position(self) -> int:
        """The highest position in the tails set aside beside the file: new events come
        after it, so a position never names two different events."""
        files = self.file.torn_files()
        if files != self._torn[0]:
            found = (_TORN_POSITION.findall(path.read_bytes()) for path in files)
            self._torn = (files, max((int(p) for ps in found for p in ps), default=0))
        return self._torn[1]

    def _check_unique(self, events: Sequence[StoredEvent]) -> None:
        seen: set[tuple[str, int]] = set()
        for event in events:
            key = (str(event.originator_id), event.originator_version)
            if key in seen or event.originator_version in self._versions.get(key[0], {}):
                msg = f"version {key[1]} of {key[0]} is already recorded"
                raise IntegrityError(msg)
            seen.add(key)

    def _check_tracking(self, tracking: Tracking) -> None:
        current = self._tracking.get(tracking.application_name)
        if current is not None and tracking.notification_id <= current:
            msg = (
                f"tracking {tracking.notification_id} for {tracking.application_name} "
                f"is not after {current}"
            )
            raise IntegrityError(msg)

    # -- reading ----------------------------------------------------------------------------

    def _originator(self, key: str) -> UUID | str:
        if self.datastore.originator_id_type == "uuid":
            return self._ids.get(key) or UUID(key)
        return key

    def _read_lines(self, positions: Sequence[int]) -> list[Line]:
        spans = [(self._starts[p - 1], self._ends[p - 1]) for p in positions]
        return [_line_decoder.decode(raw) for raw in self.file.read_spans(spans)]

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        with self.file.lock:
            self._refresh()
            versions = self._versions.get(str(originator_id))
            if not versions:
                return []
            wanted = sorted(
                v for v in versions if (gt is None or v > gt) and (lte is None or v <= lte)
            )
            if desc:
                wanted.reverse()
            if limit is not None:
                wanted = wanted[:limit]
            positions = [versions[v] for v in wanted]
        return [
            StoredEvent(
                originator_id=self._originator(cast(str, line.originator_id)),
                originator_version=cast(int, line.version),
                topic=cast(str, line.topic),
                state=line_state(line),
            )
            for line in self._read_lines(positions)
        ]

    def _select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None,
        topics: Sequence[str],
        inclusive_of_start: bool,
    ) -> list[Notification]:
        with self.file.lock:
            self._refresh()
            first = 1 if start is None else (start if inclusive_of_start else start + 1)
            first = max(first, 1)
            last = len(self._starts) if stop is None else min(stop, len(self._starts))
            wanted = set(topics)
            positions: list[int] = []
            for position in range(first, last + 1):
                if len(positions) >= limit:
                    break
                if self._starts[position - 1] < 0:
                    continue  # skipped: see SkipLine
                if not wanted or self._topics[position - 1] in wanted:
                    positions.append(position)
        return [
            Notification(
                id=cast(int, line.position),
                originator_id=self._originator(cast(str, line.originator_id)),
                originator_version=cast(int, line.version),
                topic=cast(str, line.topic),
                state=line_state(line),
            )
            for line in self._read_lines(positions)
        ]

    def _max_notification_id(self) -> int | None:
        with self.file.lock:
            self._refresh()
            return len(self._starts) or None

    def _max_tracking_id(self, application_name: str) -> int | None:
        with self.file.lock:
            self._refresh()
            return self._tracking.get(application_name)


class JsonlAggregateRecorder(JsonlRecorder, AggregateRecorder):
    """Events of aggregates, one JSON line each (used for snapshots)."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        self._insert(stored_events, None)


class JsonlApplicationRecorder(JsonlRecorder, ApplicationRecorder):
    """The application log: events in one global order (positions 1, 2, 3, …)."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        return self._insert(stored_events, None)

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        return self._select_notifications(start, limit, stop, topics, inclusive_of_start)

    def max_notification_id(self) -> int | None:
        return self._max_notification_id()

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return JsonlSubscription(self, gt=gt, topics=topics)


class JsonlSubscription(ListenNotifySubscription[JsonlApplicationRecorder]):
    """Follows the log: woken at once by appends in this process, by polling for others."""

    def __init__(
        self,
        recorder: JsonlApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._stopped = threading.Event()
        self._poll_interval = poll_interval
        recorder._listeners.add(self._has_been_notified)
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stopped.wait(self._poll_interval):
            self._has_been_notified.set()

    def stop(self) -> None:
        self._stopped.set()
        self._recorder._listeners.discard(self._has_been_notified)
        super().stop()


class JsonlTrackingRecorder(JsonlRecorder, TrackingRecorder):
    """Positions of projections, one line per processed notification."""

    file_name = TRACKING_FILE

    def insert_tracking(self, tracking: Tracking) -> None:
        self._insert((), tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        return self._max_tracking_id(application_name)


class JsonlProcessRecorder(JsonlTrackingRecorder, JsonlApplicationRecorder, ProcessRecorder):
    """Events and the tracking record that caused them, in one transaction of one file."""

    file_name = EVENTS_FILE

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        return self._insert(stored_events, kwargs.get("tracking"))
