"""Lexical diversity that does not fall with length: MTLD and MATTR.

MTLD (McCarthy & Jarvis, 2010): the text is read word by word; a factor ends each time
the type-token ratio of the words since the last factor falls to 0.72; MTLD is the
number of words per factor, the mean of a forward and a backward pass. :func:`mtld`
reads one message; :func:`mtld_many` steps through many messages side by side with the
same arithmetic. McCarthy & Jarvis find it stable from about 100 words; below that most
chat messages never complete one factor, so the metric is reported only from
``MTLD_MIN_WORDS`` words (NaN, a NULL, below).

MATTR (Covington & McFall, 2010), for messages of any length: the mean type-token ratio
of every window of ``MATTR_WINDOW`` consecutive words; a message shorter than the
window has one window, itself (its TTR).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np

from projections.metrics.columnar import Floats, Ints

MTLD_THRESHOLD = 0.72
MTLD_MIN_WORDS = 100
MATTR_WINDOW = 50


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


def mattr(words: Sequence[Hashable], window: int = MATTR_WINDOW) -> float:
    """MATTR of one message (the plain definition; :func:`mattr_many` is the batch's)."""
    if not words:
        return 0.0
    if len(words) <= window:
        return len(set(words)) / len(words)
    spans = [len(set(words[i : i + window])) for i in range(len(words) - window + 1)]
    return sum(spans) / (len(spans) * window)


def mattr_many(starts: Ints, previous: Ints, window: int = MATTR_WINDOW) -> Floats:
    """:func:`mattr` of many messages at once, with no loop over windows.

    ``starts``: where each message's words begin (and the end); ``previous``: for each
    word, the position of the same word before it in its message (−1 when none). A word
    at offset i adds one type to each window [s, s + w) that holds it and not its
    previous occurrence p: s from max(0, i − w + 1, p + 1) to min(i, n − w).
    """
    lengths = np.diff(starts)
    size = len(lengths)
    owner = np.repeat(np.arange(size, dtype=np.int64), lengths)
    begin = starts[:-1][owner]
    offset = np.arange(len(owner), dtype=np.int64) - begin
    earlier = np.where(previous >= 0, previous - begin, -1)
    n = lengths[owner]
    span = np.minimum(window, n)  # a short message is one window: itself
    low = np.maximum(np.maximum(0, offset - span + 1), earlier + 1)
    high = np.minimum(offset, n - span)
    counted = np.maximum(0, high - low + 1).astype(np.float64)
    windows = (lengths - np.minimum(window, lengths) + 1) * np.minimum(window, lengths)
    summed = np.bincount(owner, weights=counted, minlength=size)
    return np.where(lengths > 0, summed / np.maximum(windows, 1), 0.0)
