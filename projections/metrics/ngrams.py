"""Shared n-grams of each turn's two messages (n = 2…6) and the mimicry built on them.

Definitions: docs/metrics.md.
"""

from __future__ import annotations

import numpy as np

from projections.metrics.columnar import (
    Bools,
    Floats,
    Ints,
    factorize,
    first_appearances,
    matched,
    ranges,
    safe_divide,
    total,
)
from projections.metrics.message_batch import MAX_NGRAM, MessageBatch


def ngram_overlaps(
    batch: MessageBatch, a: Ints, b: Ints
) -> dict[int, tuple[Floats, Floats, Floats]]:
    """For n = 2…6: (shared distinct n-grams, A's distinct n-grams, B's) of each turn."""
    rows = len(a)
    overlaps: dict[int, tuple[Floats, Floats, Floats]] = {}
    shared = np.zeros(len(batch.words), dtype=bool)
    for n in (2, 3):
        sets = batch.ngrams[n]
        sizes = total(sets.message, None, batch.size)
        starts = np.searchsorted(sets.message, np.arange(batch.size + 1))
        index_a, row_a = ranges(starts[a], starts[a + 1])
        index_b, row_b = ranges(starts[b], starts[b + 1])
        found_a, found_b = matched(
            row_a * sets.width + sets.gram[index_a], row_b * sets.width + sets.gram[index_b]
        )
        overlaps[n] = (total(row_a[found_a], None, rows), sizes[a], sizes[b])
        if n == 3:
            in_turn = np.zeros(len(sets.message), dtype=bool)
            in_turn[index_a[found_a]] = True
            in_turn[index_b[found_b]] = True
            placed = sets.pair_at >= 0
            shared[placed] = in_turn[sets.pair_at[placed]]
    overlaps.update(_longngram_overlaps(batch, a, b, shared))
    return overlaps


def _longngram_overlaps(
    batch: MessageBatch, a: Ints, b: Ints, shared: Bools
) -> dict[int, tuple[Floats, Floats, Floats]]:
    """:func:`ngram_overlaps` for n = 4…6, coding only the n-grams that can matter.

    ``shared``: whether the trigram at each word position is in the other message of its
    turn. An n-gram at position p recurs in its message, or is shared with the other
    message of its turn, only if the (n−1)-grams at p and p + 1 do or are. Every other n-gram is
    unique in its message and not shared, so each step codes just the candidates (a small
    share of the positions) and counts the rest.
    """
    rows = len(a)
    words, owner = batch.words, batch.message_of
    row_of = np.full(batch.size, -1, dtype=np.int64)
    side = np.zeros(batch.size, dtype=np.int64)
    row_of[a] = np.arange(rows)
    row_of[b], side[b] = np.arange(rows), 1
    codes, recurs = batch.ngrams[3].at, batch.ngrams[3].recurs
    n_words = batch.word_count.astype(np.float64)
    result: dict[int, tuple[Floats, Floats, Floats]] = {}
    for n in range(4, MAX_NGRAM + 1):
        span = max(0, len(words) - n + 1)
        wanted = shared | recurs
        candidate = np.flatnonzero(
            wanted[:span] & wanted[1 : span + 1] & (owner[:span] == owner[n - 1 : n - 1 + span])
        )
        local, distinct = factorize(codes[candidate] * batch.width + words[candidate + n - 1])
        message = owner[candidate]
        # Recurring in its message: every occurrence after the first leaves the count.
        in_message, pairs = factorize(message * max(1, distinct) + local)
        repeats = np.bincount(in_message, minlength=pairs)
        later = total(message[~first_appearances(in_message)], None, batch.size)
        sizes = np.maximum(0.0, n_words - n + 1) - later
        # Shared with the other message of its turn: present on both sides.
        rowed = row_of[message] >= 0
        keys = np.where(rowed, row_of[message], 0) * max(1, distinct) + local
        key_codes, keyed = factorize(keys)
        seen_on = np.zeros((2, keyed), dtype=bool)
        seen_on[side[message][rowed], key_codes[rowed]] = True
        both = (seen_on[0] & seen_on[1])[key_codes] & rowed
        common = total(row_of[message][both & first_appearances(key_codes)], None, rows)
        result[n] = (common, sizes[a], sizes[b])
        codes = np.full(len(words), -1, dtype=np.int64)
        codes[candidate] = local
        shared = np.zeros(len(words), dtype=bool)
        shared[candidate] = both
        recurs = np.zeros(len(words), dtype=bool)
        recurs[candidate] = repeats[in_message] > 1
    return result


def mimicry(
    overlaps: dict[int, tuple[Floats, Floats, Floats]], source: str, na: Floats, nb: Floats
) -> Floats:
    """Share of the source's n-grams (n = 2…6) found in the other's, weighted by n − 1.

    Only n up to the shorter message's word count take part (the earlier tool's rule).
    """
    longest = np.minimum(MAX_NGRAM, np.minimum(na, nb))
    summed = np.zeros(len(na))
    for n in range(2, MAX_NGRAM + 1):
        common, size_a, size_b = overlaps[n]
        share = safe_divide(common, size_a if source == "a" else size_b)
        summed = summed + np.where(n <= longest, (n - 1) * share, 0.0)
    return np.where(longest >= 2, safe_divide(summed, longest * (longest - 1) / 2), 0.0)
