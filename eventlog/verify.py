"""Checking a store: is every event a valid event, in an order a reader can trust?

Three promises of the log are checked, whatever the store: every stored event is a valid
event of its class (known topic, its content checksum matches, the fields it should have
with the types they should have: see :mod:`eventlog.mapping`); global positions strictly
increase; and the versions of each aggregate run 1, 2, 3, … without a gap or repeat, in
global order. Events written before checksums carry none; they are counted, so a person
knows how much of the log could be checked byte for byte. Each problem names its position, so a
person can find it (for a JSONL store the position is also the line's ``position`` field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from eventlog.checksum import is_sealed
from eventlog.errors import DamagedEventError
from eventlog.store import EventLog

INITIAL_VERSION = 1
MAX_PROBLEMS_LISTED = 20


@dataclass
class VerifyReport:
    """What :func:`verify_store` found."""

    events: int = 0
    aggregates: int = 0
    first_position: int | None = None
    last_position: int | None = None
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    without_checksum: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_LISTED:
            self.problems.append(problem)


def verify_store(log: EventLog) -> VerifyReport:
    """Read the whole store once, in order, and report every broken promise."""
    report = VerifyReport()
    last_versions: dict[UUID | str, int] = {}
    previous = 0
    for notification in log.read_notifications():
        position = notification.id
        report.events += 1
        if report.first_position is None:
            report.first_position = position
        report.last_position = position
        if position <= previous:
            report.add(f"position {position} comes after position {previous}")
        previous = max(previous, position)
        originator = notification.originator_id
        version = notification.originator_version
        expected = last_versions.get(originator, INITIAL_VERSION - 1) + 1
        if version != expected:
            report.add(
                f"position {position}: version {version} of {originator}, expected {expected}"
            )
        last_versions[originator] = max(version, last_versions.get(originator, 0))
        if not is_sealed(notification.state):
            report.without_checksum += 1
        try:
            log.decode(notification)
        except DamagedEventError as error:
            report.add(f"position {position} ({_type_name(notification.topic)}): {error.reason}")
    report.aggregates = len(last_versions)
    return report


def _type_name(topic: str) -> str:
    return topic.rsplit(".", 1)[-1].rsplit(":", 1)[-1][:60]
