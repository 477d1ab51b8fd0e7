"""What a detector reports: an episode (first to last turn), its strength and evidence."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

QUOTE_CHARS = 80
"""Evidence quotes are cut to this many characters, so a finding row stays small."""


@dataclass(frozen=True)
class Evidence:
    """A message that triggered a finding, with the short span that shows why."""

    turn: int
    agent: str
    quote: str

    def as_dict(self) -> dict[str, object]:
        return {"turn": self.turn, "agent": self.agent, "quote": self.quote}


@dataclass(frozen=True)
class Finding:
    """One detected episode. ``strength`` is 0–1; what it measures is per detector."""

    detector: str
    version: str
    first_turn: int
    last_turn: int
    strength: float
    evidence: tuple[Evidence, ...]

    def evidence_json(self) -> str:
        """The evidence as it is stored: a JSON array, keys sorted (deterministic bytes)."""
        return json.dumps([e.as_dict() for e in self.evidence], sort_keys=True, ensure_ascii=False)


def quote(text: str, start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` on one line, cut to QUOTE_CHARS with an ellipsis."""
    span = " ".join(text[start:end].split())
    return span if len(span) <= QUOTE_CHARS else span[: QUOTE_CHARS - 1].rstrip() + "…"


def runs(flags: Sequence[bool], minimum: int) -> Iterable[tuple[int, int]]:
    """(first, last) indexes of each run of at least ``minimum`` consecutive True values."""
    start: int | None = None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if index - start >= minimum:
                yield start, index - 1
            start = None


def clamp(value: float) -> float:
    """``value`` within 0..1, rounded so that stored strengths are stable across platforms."""
    return round(min(1.0, max(0.0, value)), 6)
