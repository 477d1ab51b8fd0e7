"""Checking a store: does every event decode, in an order a reader can trust?

Three promises of the log are checked, whatever the store: every stored event decodes to a
domain event; global positions strictly increase; and the versions of each aggregate run
1, 2, 3, … without a gap or repeat, in global order. Each problem names its position, so a
person can find it (for a JSONL store the position is also the line's ``position`` field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

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
        try:
            log.decode(notification)
        except Exception as error:  # any failure to decode is what we are looking for
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            report.add(f"position {position} ({notification.topic}) does not decode: {reason}")
    report.aggregates = len(last_versions)
    return report
