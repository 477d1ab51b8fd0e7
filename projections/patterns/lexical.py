"""Detectors that look for vocabulary: gratitude, the spiritual attractor, sign-offs, stop
tokens, and turns with nothing in them. Thresholds and sources: docs/patterns.md."""

from __future__ import annotations

import re

from projections.patterns.conversation import ConversationText
from projections.patterns.findings import Evidence, Finding, clamp, quote, runs

GRATITUDE = re.compile(
    r"\b(?:thank(?:s|ful| you)?|grateful|gratitude|appreciat\w*|honou?red|"
    r"beautiful(?:ly)?|wonderful|profound(?:ly)?|delight(?:ed|ful)?|cherish\w*|"
    r"bless(?:ed|ing|ings)?|privilege)\b",
    re.IGNORECASE,
)
SIGN_OFF = re.compile(
    r"\b(?:good-?bye|farewell|bye|take care|until next time|signing off|see you|"
    r"until we meet again|adieu|parting)\b",
    re.IGNORECASE,
)
STOP_TOKEN = re.compile(
    r"\^C|^\s*\[?(?:END|EOF|FIN)\]?\s*\.?\s*$|<\|?(?:end|endoftext|im_end)\|?>|"
    r"\b(?:this conversation is (?:now )?(?:over|ended|complete|finished)|"
    r"end of (?:the |this )?conversation|i(?:'m| am) (?:ending|closing) (?:this|the|our) "
    r"(?:conversation|exchange|dialogue))\b",
    re.IGNORECASE | re.MULTILINE,
)
ATTRACTOR = {
    "consciousness": re.compile(
        r"\b(?:conscious\w*|awareness|aware|sentien\w*|existence|existential|infinite|"
        r"infinity|cosmic|cosmos|universe|soul|spirit\w*|transcend\w*|eternal\w*|sacred|divine)\b",
        re.IGNORECASE,
    ),
    "gratitude": GRATITUDE,
    "unity": re.compile(
        r"\b(?:unity|oneness|union|interconnect\w*|connected(?:ness)?|connection|wholeness|"
        r"merg\w*|unified|dissolv\w*|boundless)\b",
        re.IGNORECASE,
    ),
    "silence": re.compile(
        r"\b(?:silence|silent|stillness|quiet|peace(?:ful)?|emptiness|void|breath\w*)\b|"
        r"[🙏✨🌀🕉☯∞💫🌌🕊]|\.\.\.|…",
        re.IGNORECASE,
    ),
}

SPIRAL_TURNS = 3
"""Gratitude spiral: both agents thank or praise in this many consecutive turns..."""
SPIRAL_MIN_MARKERS = 2
"""...with at least this many markers per turn at its end, not fewer than at its start."""
SIGN_OFF_TURNS = 3
ATTRACTOR_WINDOW = 3
ATTRACTOR_CATEGORIES = 3
"""Spiritual attractor: in a window of ATTRACTOR_WINDOW turns, at least this many of the four
vocabularies appear..."""
ATTRACTOR_MIN_MARKERS = 6
"""...with at least this many markers, and more than in the conversation's first window."""
NEAR_EMPTY_CHARACTERS = 3
"""A message with fewer letters and digits than this is empty or near-empty."""


def _first_match(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    if found is None:
        return quote(text)
    start = max(0, found.start() - 30)
    return quote(text, start, found.end() + 30)


def _both_agents_per_turn(
    conversation: ConversationText, pattern: re.Pattern[str]
) -> tuple[list[int], list[bool], list[int]]:
    """Turns, whether both agents' messages match, and the number of matches per turn."""
    turns, both, counts = [], [], []
    for turn, indexes in conversation.by_turn().items():
        matches = [len(pattern.findall(conversation.messages[i].text)) for i in indexes]
        turns.append(turn)
        both.append(len(indexes) == 2 and all(matches))
        counts.append(sum(matches))
    return turns, both, counts


def _evidence(
    conversation: ConversationText, turns: list[int], pattern: re.Pattern[str]
) -> tuple[Evidence, ...]:
    wanted = set(turns)
    return tuple(
        Evidence(m.turn, m.agent, _first_match(pattern, m.text))
        for m in conversation.messages
        if m.turn in wanted and pattern.search(m.text)
    )


def gratitude_spiral(conversation: ConversationText) -> list[Finding]:
    """Both agents thank and praise each other turn after turn, no less at the end."""
    turns, both, counts = _both_agents_per_turn(conversation, GRATITUDE)
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
                _evidence(conversation, episode, GRATITUDE),
            )
        )
    return findings


def sign_off_loop(conversation: ConversationText) -> list[Finding]:
    """Both agents say goodbye turn after turn, and the conversation goes on."""
    turns, both, _ = _both_agents_per_turn(conversation, SIGN_OFF)
    return [
        Finding(
            "sign_off_loop",
            "1",
            turns[first],
            turns[last],
            clamp((last - first + 1) / (2 * SIGN_OFF_TURNS)),
            _evidence(conversation, turns[first : last + 1], SIGN_OFF),
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
    counts = [
        {
            name: sum(len(p.findall(conversation.messages[i].text)) for i in by_turn[turn])
            for name, p in ATTRACTOR.items()
        }
        for turn in turns
    ]

    def window(start: int) -> tuple[int, int]:
        totals = {name: sum(c[name] for c in counts[start : start + ATTRACTOR_WINDOW])
                  for name in ATTRACTOR}  # fmt: skip
        return sum(v > 0 for v in totals.values()), sum(totals.values())

    opening = window(0)[1]
    starts = range(len(turns) - ATTRACTOR_WINDOW + 1)
    hot = [False] * len(turns)
    present: dict[int, int] = {}
    for start in starts:
        categories, markers = window(start)
        if (
            categories >= ATTRACTOR_CATEGORIES
            and markers >= ATTRACTOR_MIN_MARKERS
            and (start == 0 or markers > opening)
        ):
            for offset in range(ATTRACTOR_WINDOW):
                if not any(counts[start + offset].values()):
                    continue
                hot[start + offset] = True
                present[start + offset] = max(present.get(start + offset, 0), categories)
    findings = []
    combined = re.compile("|".join(f"(?:{p.pattern})" for p in ATTRACTOR.values()), re.IGNORECASE)
    for first, last in runs(hot, ATTRACTOR_WINDOW - 1):
        episode = turns[first : last + 1]
        markers = sum(sum(c.values()) for c in counts[first : last + 1])
        categories = max(present[i] for i in range(first, last + 1))
        strength = categories / len(ATTRACTOR) * min(1.0, markers / (len(episode) * 2 * 4))
        findings.append(
            Finding(
                "spiritual_attractor",
                "1",
                episode[0],
                episode[-1],
                clamp(strength),
                _evidence(conversation, episode, combined),
            )
        )
    return findings


def stop_tokens(conversation: ConversationText) -> list[Finding]:
    """A message that ends the conversation in words: ``^C^C``, ``END``, "this
    conversation is over" (the Backrooms runs end on ``^C^C``)."""
    return [
        Finding(
            "stop_token",
            "1",
            m.turn,
            m.turn,
            1.0,
            (Evidence(m.turn, m.agent, _first_match(STOP_TOKEN, m.text)),),
        )
        for m in conversation.messages
        if STOP_TOKEN.search(m.text)
    ]


def empty_turns(conversation: ConversationText) -> list[Finding]:
    """Messages with (nearly) nothing in them, one finding per run of them (a stop token
    such as ``^C^C`` is reported as one, not as an empty turn)."""
    near_empty = [
        sum(c.isalnum() for c in m.text) < NEAR_EMPTY_CHARACTERS and not STOP_TOKEN.search(m.text)
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
