"""Every detector by name, and running them over a conversation."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from projections.patterns import dynamics, lexical
from projections.patterns.conversation import ConversationText
from projections.patterns.findings import Finding

Detector = Callable[[ConversationText], list[Finding]]

DETECTORS: dict[str, Detector] = {
    "gratitude_spiral": lexical.gratitude_spiral,
    "echo": dynamics.echo,
    "vocabulary_collapse": dynamics.vocabulary_collapse,
    "repetition_loop": dynamics.repetition_loop,
    "symbol_takeover": dynamics.symbol_takeover,
    "code_drift": dynamics.code_drift,
    "spiritual_attractor": lexical.spiritual_attractor,
    "sign_off_loop": lexical.sign_off_loop,
    "empty_turns": lexical.empty_turns,
    "stop_token": lexical.stop_tokens,
}


def detector_names() -> list[str]:
    return list(DETECTORS)


def detect(conversation: ConversationText, names: Iterable[str] | None = None) -> list[Finding]:
    """The findings of the named detectors (all by default), ordered by turn then detector."""
    found = [f for name in (names or DETECTORS) for f in DETECTORS[name](conversation)]
    return sorted(found, key=lambda f: (f.first_turn, f.last_turn, f.detector))
