"""Detectors that look for vocabulary: gratitude, the spiritual attractor, sign-offs, stop
tokens, and turns with nothing in them. Thresholds and sources: docs/patterns.md."""

from __future__ import annotations

import re

from projections.patterns.conversation import ConversationText
from projections.patterns.findings import Evidence, Finding, clamp, quote, runs
from projections.patterns.lexicons import ATTRACTOR_CATEGORIES

STOP_TOKENS: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("^c",), re.compile(r"\^c")),
    (("<",), re.compile(r"<\|?(?:end|endoftext|im_end)\|?>")),
    (
        ("conversation", "exchange", "dialogue"),
        re.compile(
            r"\b(?:this conversation is (?:now )?(?:over|ended|complete|finished)|"
            r"end of (?:the |this )?conversation|i(?:'m| am) (?:ending|closing) "
            r"(?:this|the|our) (?:conversation|exchange|dialogue))\b"
        ),
    ),
)
"""Stop tokens (lower case), each searched for in the lower-cased message only when it
holds one of its words: most messages hold none, and a search costs far more."""
ONLY_END = re.compile(r"^\s*\[?(?:END|EOF|FIN)\]?\s*\.?\s*$", re.IGNORECASE | re.MULTILINE)
"""A message (or a line of a short one) that is only END, EOF or FIN."""
SHORT = 40

SPIRAL_TURNS = 3
"""Gratitude spiral: both agents thank or praise in this many consecutive turns..."""
SPIRAL_MIN_MARKERS = 2
"""...with at least this many markers per turn at its end, not fewer than at its start."""
SIGN_OFF_TURNS = 3
ATTRACTOR_WINDOW = 3
ATTRACTOR_MIN_CATEGORIES = 3
"""Spiritual attractor: in a window of ATTRACTOR_WINDOW turns, at least this many of the four
vocabularies appear..."""
ATTRACTOR_MIN_MARKERS = 6
"""...with at least this many markers, and more than in the conversation's first window."""
NEAR_EMPTY_CHARACTERS = 3
"""A message with fewer letters and digits than this is empty or near-empty."""
ENOUGH_CHARACTERS = re.compile(r"[^\W_](?:.*?[^\W_]){2}", re.DOTALL)
"""Matches a text holding NEAR_EMPTY_CHARACTERS letters or digits."""


def _quote_hit(conversation: ConversationText, index: int, categories: tuple[str, ...]) -> str:
    """A quote around the message's first word of one of ``categories``."""
    text = conversation.messages[index].text
    spans = [s for c in categories if (s := conversation.first_hit(index, c)) is not None]
    if not spans:
        return quote(text)
    start, end = min(spans)
    return quote(text, max(0, start - 30), end + 30)


def _per_turn(
    conversation: ConversationText, categories: tuple[str, ...]
) -> tuple[list[int], list[bool], list[int]]:
    """Turns, whether both agents' messages match, and the number of matches per turn."""
    counts = conversation.lexicon_counts
    turns, both, totals = [], [], []
    for turn, indexes in conversation.by_turn().items():
        matches = [sum(counts[i].get(c, 0) for c in categories) for i in indexes]
        turns.append(turn)
        both.append(len(indexes) == 2 and all(matches))
        totals.append(sum(matches))
    return turns, both, totals


def _evidence(
    conversation: ConversationText, turns: list[int], categories: tuple[str, ...]
) -> tuple[Evidence, ...]:
    wanted = set(turns)
    counts = conversation.lexicon_counts
    return tuple(
        Evidence(m.turn, m.agent, _quote_hit(conversation, i, categories))
        for i, m in enumerate(conversation.messages)
        if m.turn in wanted and any(counts[i].get(c) for c in categories)
    )


def gratitude_spiral(conversation: ConversationText) -> list[Finding]:
    """Both agents thank and praise each other turn after turn, no less at the end."""
    turns, both, counts = _per_turn(conversation, ("gratitude",))
    findings = []
    for first, last in runs(both, SPIRAL_TURNS):
        if counts[last] < max(SPIRAL_MIN_MARKERS, counts[first]):
            continue
        episode = turns[first : last + 1]
        per_message = sum(counts[first : last + 1]) / (2 * len(episode))
        findings.append(
            Finding(
                "gratitude_spiral",
                "1",
                episode[0],
                episode[-1],
                clamp(per_message / 4),
                _evidence(conversation, episode, ("gratitude",)),
            )
        )
    return findings


def sign_off_loop(conversation: ConversationText) -> list[Finding]:
    """Both agents say goodbye turn after turn, and the conversation goes on."""
    turns, both, _ = _per_turn(conversation, ("sign_off",))
    return [
        Finding(
            "sign_off_loop",
            "1",
            turns[first],
            turns[last],
            clamp((last - first + 1) / (2 * SIGN_OFF_TURNS)),
            _evidence(conversation, turns[first : last + 1], ("sign_off",)),
        )
        for first, last in runs(both, SIGN_OFF_TURNS)
    ]


def spiritual_attractor(conversation: ConversationText) -> list[Finding]:
    """Consciousness, gratitude, unity and silence vocabulary rising together (Anthropic's
    Claude 4 system card, section 5.5)."""
    by_turn = conversation.by_turn()
    turns = list(by_turn)
    if len(turns) < ATTRACTOR_WINDOW:
        return []
    message_counts = conversation.lexicon_counts
    counts = [
        {c: sum(message_counts[i].get(c, 0) for i in by_turn[turn]) for c in ATTRACTOR_CATEGORIES}
        for turn in turns
    ]

    def window(start: int) -> tuple[int, int]:
        totals = [sum(c[name] for c in counts[start : start + ATTRACTOR_WINDOW])
                  for name in ATTRACTOR_CATEGORIES]  # fmt: skip
        return sum(v > 0 for v in totals), sum(totals)

    opening = window(0)[1]
    hot = [False] * len(turns)
    present: dict[int, int] = {}
    for start in range(len(turns) - ATTRACTOR_WINDOW + 1):
        categories, markers = window(start)
        if (
            categories >= ATTRACTOR_MIN_CATEGORIES
            and markers >= ATTRACTOR_MIN_MARKERS
            and (start == 0 or markers > opening)
        ):
            for offset in range(ATTRACTOR_WINDOW):
                if not any(counts[start + offset].values()):
                    continue
                hot[start + offset] = True
                present[start + offset] = max(present.get(start + offset, 0), categories)
    findings = []
    for first, last in runs(hot, ATTRACTOR_WINDOW - 1):
        episode = turns[first : last + 1]
        markers = sum(sum(c.values()) for c in counts[first : last + 1])
        categories = max(present[i] for i in range(first, last + 1))
        share = categories / len(ATTRACTOR_CATEGORIES)
        strength = share * min(1.0, markers / (len(episode) * 2 * 4))
        findings.append(
            Finding(
                "spiritual_attractor",
                "1",
                episode[0],
                episode[-1],
                clamp(strength),
                _evidence(conversation, episode, ATTRACTOR_CATEGORIES),
            )
        )
    return findings


def stop_tokens(conversation: ConversationText) -> list[Finding]:
    """A message that ends the conversation in words: ``^C^C``, ``END``, "this
    conversation is over" (the Backrooms runs end on ``^C^C``)."""
    findings = []
    for message in conversation.messages:
        found = _stop_token(message.text)
        if found is not None:
            span = quote(message.text, max(0, found.start() - 30), found.end() + 30)
            evidence = (Evidence(message.turn, message.agent, span),)
            findings.append(Finding("stop_token", "1", message.turn, message.turn, 1.0, evidence))
    return findings


def _stop_token(text: str) -> re.Match[str] | None:
    lower = text.lower()
    for hints, pattern in STOP_TOKENS:
        if any(hint in lower for hint in hints) and (found := pattern.search(lower)):
            return found
    return ONLY_END.search(text) if len(text) <= SHORT else None


def empty_turns(conversation: ConversationText) -> list[Finding]:
    """Messages with (nearly) nothing in them, one finding per run of them (a stop token
    such as ``^C^C`` is reported as one, not as an empty turn)."""
    near_empty = [
        ENOUGH_CHARACTERS.search(m.text) is None and _stop_token(m.text) is None
        for m in conversation.messages
    ]
    findings = []
    for first, last in runs(near_empty, 1):
        episode = conversation.messages[first : last + 1]
        empty = sum(not m.text.strip() for m in episode)
        findings.append(
            Finding(
                "empty_turns",
                "1",
                episode[0].turn,
                episode[-1].turn,
                clamp(0.5 + 0.5 * empty / len(episode)),
                tuple(Evidence(m.turn, m.agent, quote(m.text)) for m in episode),
            )
        )
    return findings
