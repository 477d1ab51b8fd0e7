"""Stop conditions: a message matching a regex, or a pattern detector firing live.

The conductor asks after each message (regexes) and each turn (patterns); a condition
met is recorded as a StopConditionMet event, then the conversation ends (``stop_regex``
/ ``stop_pattern``) or pauses. The detectors are the ones the projection runs, so what
stopped a run is what ``pidgin findings`` shows for it.
"""

from __future__ import annotations

import re

from pidgin.domain import Conversation
from projections.patterns import ConversationText, detect, detector_names
from projections.patterns.findings import quote


def valid_regexes(values: tuple[str, ...] | list[str]) -> list[str]:
    """``values`` if each compiles; else ValueError naming the first that does not."""
    for value in values:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"{value!r} is not a valid regular expression: {error}") from None
    return list(values)


def valid_patterns(values: tuple[str, ...] | list[str]) -> list[str]:
    """``values`` if each names a pattern detector; else ValueError listing them."""
    known = detector_names()
    for value in values:
        if value not in known:
            raise ValueError(f"unknown pattern {value!r}; known: {', '.join(known)}")
    return list(values)


def check_message(conversation: Conversation) -> bool:
    """Whether the latest message meets a regex condition (then recorded)."""
    if not conversation.stop_regexes or not conversation.messages:
        return False
    message = conversation.messages[-1]
    for regex in conversation.stop_regexes:
        found = re.search(regex, message.text, re.MULTILINE)
        if found is not None:
            span = quote(message.text, max(0, found.start() - 30), found.end() + 30)
            conversation.meet_stop_condition(
                message.turn,
                "regex",
                regex,
                message.turn,
                [{"turn": message.turn, "agent": message.agent, "quote": span}],
            )
            return True
    return False


def check_turn(conversation: Conversation, turn: int) -> bool:
    """Whether a named detector finds an episode not acted on before (then recorded)."""
    if not conversation.stop_patterns:
        return False
    text = ConversationText((m.turn, m.agent, m.text) for m in conversation.messages)
    acted = {(condition, first) for kind, condition, first in conversation.stop_conditions_met
             if kind == "pattern"}  # fmt: skip
    for finding in detect(text, conversation.stop_patterns):
        if (finding.detector, finding.first_turn) in acted:
            continue
        conversation.meet_stop_condition(
            turn,
            "pattern",
            finding.detector,
            finding.first_turn,
            [e.as_dict() for e in finding.evidence],
        )
        return True
    return False
