"""MTLD (McCarthy & Jarvis, 2010), a lexical diversity that does not fall with length.

The text is read word by word; a factor ends each time the type-token ratio of the words
since the last factor falls to 0.72; MTLD is the number of words per factor, the mean of
a forward and a backward pass. :func:`mtld` reads one message; :func:`mtld_many` steps
through many messages side by side with the same arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np

from projections.metrics.columnar import Floats, Ints

MTLD_THRESHOLD = 0.72


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
