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

import numpy as np

from projections.metrics.columnar import Floats, Ints
from projections.metrics.text import APOSTROPHES, words_and_breaks

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
        sum(map(bool, map(str.strip, text.split("\n\n")))),  # blocks that are not blank
        (
            min(COMPRESSION_CAP, len(zlib.compress(raw_bytes)) / len(raw_bytes))
            if raw_bytes
            else 0.0
        ),
    )
    return ScannedMessage(
        text=text,
        tokens=list(map(token_id, words_and_breaks(text))),
        values=values,
        ends_with_question=text.rstrip().endswith("?"),
        double_questions=text.count("??"),
    )


def mtld_many(words: Ints, starts: Ints, previous: Ints, following: Ints) -> Floats:
    """:func:`mtld` of many messages at once, stepping through their words side by side.

    ``words`` holds the messages one after another (``starts``: where each begins, and
    the end); ``previous`` and ``following`` give, for each word, the position of the
    same word before and after it in its message (−1 and len(words) when there is none).
    A word is new to the current segment when its previous occurrence (next, going
    backwards) lies outside the segment, so no set is needed: each step is a few array
    operations over every message still that long. Same arithmetic as :func:`mtld`.
    """
    begin, end = starts[:-1], starts[1:]
    lengths = end - begin
    order = np.argsort(-lengths, kind="stable")
    begin, end, lengths = begin[order], end[order], lengths[order]
    forward = _mtld_steps(lengths, lambda k, live: begin[:live] + k, previous, forward=True)
    backward = _mtld_steps(lengths, lambda k, live: end[:live] - 1 - k, following, forward=False)
    result = np.zeros(len(lengths))
    result[order] = np.where(lengths > 0, (forward + backward) / 2, 0.0)
    return result


def _mtld_steps(
    lengths: Ints,
    position_at: Callable[[int, int], Ints],
    neighbour: Ints,
    forward: bool,
) -> Floats:
    """One MTLD pass over messages sorted by length, longest first."""
    size = len(lengths)
    factors = np.zeros(size)
    count = np.zeros(size)
    types = np.zeros(size)
    edge = position_at(0, size).copy() if size else np.zeros(0, dtype=np.int64)
    longest = int(lengths[0]) if size else 0
    live = size
    for k in range(longest):
        while live and lengths[live - 1] <= k:
            live -= 1
        position = position_at(k, live)
        seen = neighbour[position]
        new = seen < edge[:live] if forward else seen > edge[:live]
        count[:live] += 1
        types[:live] += new
        hit = ~new & (types[:live] <= MTLD_THRESHOLD * count[:live])
        if hit.any():
            factors[:live] += hit
            edge[:live] = np.where(hit, position + (1 if forward else -1), edge[:live])
            count[:live][hit] = 0
            types[:live][hit] = 0
    partial = count > 0
    factors[partial] += (1 - types[partial] / count[partial]) / (1 - MTLD_THRESHOLD)
    n = lengths.astype(np.float64)
    return np.where(factors > 0, n / np.where(factors > 0, factors, 1.0), n)
