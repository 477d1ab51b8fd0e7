"""Detectors that compare messages with each other: echo, repetition, collapsing
vocabulary, symbols overtaking words, words that belong to no language.
Thresholds and sources: docs/patterns.md."""

from __future__ import annotations

import statistics
import unicodedata
from collections import Counter

from projections.patterns.conversation import (
    ConversationText,
    compression_ratio,
    jaccard,
    shingle_similarity,
)
from projections.patterns.findings import Evidence, Finding, clamp, quote, runs
from projections.patterns.wordlists import known_share, language_of, unknown_words

ECHO_MIN_REUSE = 0.3
"""Echo: at least this share of a message's 3-word phrases come from the other agent's
previous message..."""
ECHO_OVER_BASELINE = 3.0
"""...and at least this many times the conversation's own baseline (the mean share against
the other agent's earlier messages ECHO_BASELINE_LAGS back, not the one answered; at least
ECHO_FLOOR)..."""
ECHO_FLOOR = 0.02
ECHO_BASELINE_LAGS = range(3, 13)
ECHO_MESSAGES = 2
"""...in this many consecutive messages of one agent."""
REPEAT_SIMILARITY = 0.8
"""Repetition loop: 3-word-shingle Jaccard similarity to one of the LOOKBACK messages before."""
REPEAT_LOOKBACK = 4
REPEAT_MESSAGES = 2
COLLAPSE_NEW_WORDS = 0.05
"""Vocabulary collapse: at most this share of a turn's distinct words are new to the
conversation, for COLLAPSE_TURNS turns, from turn COLLAPSE_FROM_TURN on..."""
COLLAPSE_TURNS = 4
COLLAPSE_FROM_TURN = 4
COLLAPSE_LENGTH = 0.5
"""...while the turn keeps at least this share of the opening turns' median length, and
its compression ratio is at least COLLAPSE_COMPRESSION times the opening turns'."""
COLLAPSE_COMPRESSION = 1.1
SYMBOL_SHARE = 0.5
"""Symbol takeover: more than this share of a message's tokens hold no letter or digit..."""
SYMBOL_MESSAGES = 2
"""...in this many consecutive messages, when the first message was mostly words."""
DRIFT_UNKNOWN = 0.25
"""Code drift: at least this share of a message's words are not words of the opening
language (and at least DRIFT_OVER_OPENING more than in the opening messages)..."""
DRIFT_OVER_OPENING = 0.2
DRIFT_MESSAGES = 3
DRIFT_MIN_WORDS = 4
"""...in this many consecutive messages of at least DRIFT_MIN_WORDS words."""


def _reuse(conversation: ConversationText, index: int, source: int) -> float:
    mine = conversation.trigrams[index]
    return len(mine & conversation.trigrams[source]) / len(mine) if mine else 0.0


def _shared_phrase(conversation: ConversationText, index: int, source: int) -> str:
    shared = conversation.trigrams[index] & conversation.trigrams[source]
    words = conversation.words[index]
    for position, gram in enumerate(zip(words, words[1:], words[2:], strict=False)):
        if hash(gram) in shared:
            end = position + 3
            while end < len(words) and hash(tuple(words[end - 2 : end + 1])) in shared:
                end += 1
            spans = conversation.word_spans(index)
            text = conversation.messages[index].text
            if end - 1 >= len(spans):  # lower-casing changed the words (rare scripts)
                return quote(" ".join(words[position:end]))
            return quote(text, spans[position][0], spans[end - 1][1])
    return ""


def echo(conversation: ConversationText) -> list[Finding]:
    """One agent repeats the other's phrases far more than the conversation otherwise does."""
    messages = conversation.messages
    sources = [
        conversation.previous_from(i, conversation.other_agent(i)) for i in range(len(messages))
    ]
    baseline_values = [
        _reuse(conversation, i, i - lag)
        for i in range(len(messages))
        for lag in ECHO_BASELINE_LAGS
        if i - lag >= 0 and messages[i - lag].agent != messages[i].agent
    ]
    baseline = max(ECHO_FLOOR, statistics.fmean(baseline_values) if baseline_values else 0.0)
    findings = []
    for agent in ("a", "b"):
        indexes = [i for i, m in enumerate(messages) if m.agent == agent]
        reuse = [
            _reuse(conversation, i, source) if (source := sources[i]) is not None else 0.0
            for i in indexes
        ]
        flags = [r >= ECHO_MIN_REUSE and r >= ECHO_OVER_BASELINE * baseline for r in reuse]
        for first, last in runs(flags, ECHO_MESSAGES):
            episode = indexes[first : last + 1]
            findings.append(
                Finding(
                    "echo",
                    "1",
                    messages[episode[0]].turn,
                    messages[episode[-1]].turn,
                    clamp(statistics.fmean(reuse[first : last + 1])),
                    tuple(
                        Evidence(
                            messages[i].turn,
                            agent,
                            _shared_phrase(conversation, i, sources[i] or 0),
                        )
                        for i in episode
                    ),
                )
            )
    return sorted(findings, key=lambda f: (f.first_turn, f.evidence[0].agent))


def repetition_loop(conversation: ConversationText) -> list[Finding]:
    """Near-duplicate messages: an agent repeating itself, or both repeating each other."""
    words, trigrams = conversation.words, conversation.trigrams

    def similarity(i: int, j: int) -> float:
        if min(len(words[i]), len(words[j])) >= 3:
            return jaccard(trigrams[i], trigrams[j])
        return shingle_similarity(words[i], words[j])

    best = [
        max((similarity(i, j) for j in range(max(0, i - REPEAT_LOOKBACK), i)), default=0.0)
        if words[i]
        else 0.0
        for i in range(len(words))
    ]
    flags = [b >= REPEAT_SIMILARITY for b in best]
    messages = conversation.messages
    return [
        Finding(
            "repetition_loop",
            "1",
            messages[first].turn,
            messages[last].turn,
            clamp(statistics.fmean(best[first : last + 1])),
            tuple(Evidence(m.turn, m.agent, quote(m.text)) for m in messages[first : last + 1]),
        )
        for first, last in runs(flags, REPEAT_MESSAGES)
    ]


def vocabulary_collapse(conversation: ConversationText) -> list[Finding]:
    """New words stop coming while messages keep their length and grow more repetitive."""
    by_turn = conversation.by_turn()
    turns = list(by_turn)
    if len(turns) < COLLAPSE_FROM_TURN + COLLAPSE_TURNS - 1:
        return []
    seen: set[str] = set()
    new_share, lengths = [], []
    for turn in turns:
        words = [w for i in by_turn[turn] for w in conversation.words[i]]
        distinct = set(words)
        new_share.append(len(distinct - seen) / len(distinct) if distinct else 1.0)
        seen |= distinct
        lengths.append(len(words))

    def turn_text(index: int) -> str:
        return " ".join(conversation.messages[i].text for i in by_turn[turns[index]])

    median_length = statistics.median(lengths[: COLLAPSE_FROM_TURN - 1])
    opening_ratio = statistics.fmean(
        compression_ratio(turn_text(i)) for i in range(COLLAPSE_FROM_TURN - 1)
    )
    ratios: dict[int, float] = {}  # compressed only where the other conditions hold

    def collapsed(index: int) -> bool:
        if not (
            index >= COLLAPSE_FROM_TURN - 1
            and lengths[index] > 0
            and new_share[index] <= COLLAPSE_NEW_WORDS
            and lengths[index] >= COLLAPSE_LENGTH * median_length
        ):
            return False
        ratios[index] = compression_ratio(turn_text(index))
        return ratios[index] >= COLLAPSE_COMPRESSION * opening_ratio

    flags = [collapsed(index) for index in range(len(turns))]
    findings = []
    for first, last in runs(flags, COLLAPSE_TURNS):
        mean_new = statistics.fmean(new_share[first : last + 1])
        evidence = tuple(
            Evidence(
                turns[i],
                "both",
                f"{new_share[i]:.0%} new words, compression {ratios[i]:.2f} "
                f"(opening {opening_ratio:.2f})",
            )
            for i in range(first, last + 1)
        )
        findings.append(
            Finding(
                "vocabulary_collapse",
                "1",
                turns[first],
                turns[last],
                clamp(1 - mean_new / COLLAPSE_NEW_WORDS),
                evidence,
            )
        )
    return findings


def _symbols(text: str) -> Counter[str]:
    return Counter(
        c for c in text if unicodedata.category(c)[0] == "S" or unicodedata.category(c) == "Po"
    )


def symbol_takeover(conversation: ConversationText) -> list[Finding]:
    """Emoji, symbols and other non-word tokens overtake the words (the 🌀 case)."""
    shares = conversation.symbol_shares
    if not shares or shares[0] > SYMBOL_SHARE:
        return []
    flags = [share > SYMBOL_SHARE for share in shares]
    findings = []
    for first, last in runs(flags, SYMBOL_MESSAGES):
        episode = conversation.messages[first : last + 1]
        evidence = []
        for message in episode:
            common = _symbols(message.text).most_common(1)
            detail = f"{common[0][0]} ×{common[0][1]}: " if common else ""
            evidence.append(Evidence(message.turn, message.agent, quote(detail + message.text)))
        findings.append(
            Finding(
                "symbol_takeover",
                "1",
                episode[0].turn,
                episode[-1].turn,
                clamp(statistics.fmean(shares[first : last + 1])),
                tuple(evidence),
            )
        )
    return findings


def code_drift(conversation: ConversationText) -> list[Finding]:
    """A rising share of words that are not words of the language the conversation started
    in (a private code, an invented language)."""
    words = conversation.words
    opening = tuple(w for ws in words[:2] for w in ws)
    if len(opening) < DRIFT_MIN_WORDS:
        return []
    language = language_of(opening)
    opening_unknown = 1 - known_share(opening, language)
    shares = [1 - known_share(ws, language) if len(ws) >= DRIFT_MIN_WORDS else 0.0 for ws in words]
    flags = [share >= max(DRIFT_UNKNOWN, opening_unknown + DRIFT_OVER_OPENING) for share in shares]
    findings = []
    for first, last in runs(flags, DRIFT_MESSAGES):
        episode = range(first, last + 1)
        messages = conversation.messages
        findings.append(
            Finding(
                "code_drift",
                "1",
                messages[first].turn,
                messages[last].turn,
                clamp(statistics.fmean(shares[first : last + 1])),
                tuple(
                    Evidence(
                        messages[i].turn,
                        messages[i].agent,
                        quote(
                            f"not {language}: " + ", ".join(unknown_words(words[i], language)[:6])
                        ),
                    )
                    for i in episode
                ),
            )
        )
    return findings
