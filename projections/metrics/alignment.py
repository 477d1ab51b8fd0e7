"""Lexical alignment and self-repetition, in the sense of ALIGN (Duran, Paxton &
Fusaroli 2019): how much of a message repeats the other agent's previous message, and how
much repeats the agent's own previous message, so the two can be told apart.

Definitions: docs/metrics.md.
"""

from __future__ import annotations

import numpy as np

from projections.metrics.columnar import (
    Chains,
    Floats,
    Ints,
    chains,
    matched,
    ranges,
    safe_divide,
    shifted,
    total,
)
from projections.metrics.history import History, Layout
from projections.metrics.message_batch import MessageBatch

ALIGNMENT_METRICS = (
    "lexical_alignment",
    "bigram_alignment",
    "self_lexical_alignment",
    "self_bigram_alignment",
)


def previous_messages(layout: Layout) -> tuple[Ints, Ints]:
    """For each message: the other agent's latest earlier message and the agent's own
    previous message in its conversation (−1 where there is none)."""
    index = np.arange(len(layout.agent), dtype=np.int64)
    latest = []
    for agent in (0, 1):
        running = np.maximum.accumulate(np.where(layout.agent == agent, index, -1))
        before = np.concatenate([[-1], running[:-1]]).astype(np.int64)
        latest.append(np.where(before >= layout.conversation_start, before, -1))
    other = np.where(layout.agent == 0, latest[1], latest[0])
    own = np.where(layout.agent == 0, latest[0], latest[1])
    return other, own


def repeated_share(message: Ints, item: Ints, count: Ints, width: int, source: Ints) -> Floats:
    """For each message m: the share of its items (weighted by their counts) that occur
    in message ``source[m]``; NaN where ``source[m]`` is −1, 0 for a message without items.

    ``message``/``item``/``count``: each message's distinct items, ascending by message
    and, within a message, by item.
    """
    size = len(source)
    starts = np.searchsorted(message, np.arange(size + 1))
    target = np.flatnonzero(source >= 0)
    index_t, row_t = ranges(starts[target], starts[target + 1])
    index_s, row_s = ranges(starts[source[target]], starts[source[target] + 1])
    found, _ = matched(row_t * width + item[index_t], row_s * width + item[index_s])
    weights = count[index_t].astype(np.float64)
    hits = total(row_t[found], weights[found], len(target))
    sizes = total(row_t, weights, len(target))
    out = np.full(size, np.nan)
    out[target] = safe_divide(hits, sizes)
    return out


def alignment_metrics(batch: MessageBatch, layout: Layout, history: History) -> dict[str, Floats]:
    """Word and bigram repetition of each message against the other agent's previous
    message (alignment) and against its own previous one (self-repetition)."""
    other, own = previous_messages(layout)
    words, bigrams = batch.occurrences, batch.ngrams[2]
    # A chain per bigram across the whole batch will do: a target message is at most two
    # messages back, in the same conversation as every message in between.
    word_shares = _shares(
        batch.pair_message,
        history.words,
        batch.pair_count,
        (other, own),
        (words.key // batch.width, words.key % batch.width, words.size, batch.width),
    )
    bigram_shares = _shares(
        bigrams.message,
        chains(bigrams.gram),
        bigrams.count,
        (other, own),
        (bigrams.message, bigrams.gram, bigrams.count, bigrams.width),
    )
    values = (word_shares[0], bigram_shares[0], word_shares[1], bigram_shares[1])
    return dict(zip(ALIGNMENT_METRICS, values, strict=True))


def _shares(
    entry_message: Ints,
    chain: Chains,
    count: Ints,
    targets: tuple[Ints, Ints],
    sorted_items: tuple[Ints, Ints, Ints, int],
) -> tuple[Floats, Floats]:
    """:func:`repeated_share` against each target, from the chains of each item's
    occurrences in its conversation: an item of message m is in a target message
    at most two messages back iff one of its two previous occurrences is there. Targets
    further back (an agent that spoke twice in a row) are matched directly."""
    size = len(targets[0])
    message = entry_message[chain.order]
    weight = count[chain.order].astype(np.float64)
    back = [np.where(chain.follows(k), shifted(message, k), -1) for k in (1, 2)]
    sizes = total(message, weight, size)
    index = np.arange(size, dtype=np.int64)
    result = []
    for target in targets:
        at = target[message]
        found = (at >= 0) & ((back[0] == at) | (back[1] == at))
        share = np.where(
            target >= 0, safe_divide(total(message[found], weight[found], size), sizes), np.nan
        )
        far = (target >= 0) & (target < index - 2)
        if far.any():
            share[far] = repeated_share(*sorted_items, np.where(far, target, -1))[far]
        result.append(share)
    return result[0], result[1]
