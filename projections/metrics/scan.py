"""The one pass over each message's text in plain Python.

Here: finding the words and sentence breaks (one regular expression), compression,
paragraphs. Characters are counted for many messages at once
(``projections.metrics.characters``), words on token ids
(``projections.metrics.message_batch``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

from projections.metrics.text import APOSTROPHES, WORD_OR_BREAK

MTLD_THRESHOLD = 0.72
COMPRESSION_CAP = 2.0

# The per-message values this pass computes, in the order of ScannedMessage.values.
TEXT_METRICS = ("paragraph_count", "compression_ratio")


class ScannedMessage(NamedTuple):
    """One message after the character pass."""

    text: str  # with straight apostrophes
    tokens: list[int]  # token ids (words and sentence breaks, in order)
    values: tuple[float, ...]  # TEXT_METRICS, in order
    ends_with_question: bool  # the last character that is not white space is "?"
    double_questions: int  # "??" occurrences, for formality


def mtld(words: Sequence[Hashable]) -> float:
    """MTLD (McCarthy & Jarvis, 2010): mean of the forward and backward passes."""
    if not words:
        return 0.0
    return (_mtld_pass(words) + _mtld_pass(words[::-1])) / 2


def _mtld_pass(words: Sequence[Hashable]) -> float:
    factors = 0.0
    seen: set[Hashable] = set()
    add = seen.add
    count = types = 0
    for word in words:
        count += 1
        if word not in seen:
            add(word)  # A new word never lowers the TTR: no check needed.
            types += 1
        elif types <= MTLD_THRESHOLD * count:
            factors += 1
            seen.clear()
            count = types = 0
    if count:
        factors += (1 - types / count) / (1 - MTLD_THRESHOLD)
    return len(words) / factors if factors else float(len(words))


def scan(raw: str, token_id: Callable[[str], int]) -> ScannedMessage:
    """The text pass of one message (definitions in docs/metrics.md)."""
    text = raw.translate(APOSTROPHES)
    raw_bytes = text.encode("utf-8")
    values = (
        sum(1 for block in text.split("\n\n") if block.strip()),
        (
            min(COMPRESSION_CAP, len(zlib.compress(raw_bytes)) / len(raw_bytes))
            if raw_bytes
            else 0.0
        ),
    )
    return ScannedMessage(
        text=text,
        tokens=list(map(token_id, WORD_OR_BREAK.findall(text))),
        values=values,
        ends_with_question=text.rstrip().endswith("?"),
        double_questions=text.count("??"),
    )
