"""Marker words and phrases (hedges, agreement, pronouns, …) counted per message.

Single words are counted with the word counts (each word's categories are looked up once
in the vocabulary); phrases of two to four words ("of course", "on the other hand") are
found where their first two words occur. A phrase that matches consumes its words for
every marker list: "I'm not sure" is disagreement only, not also tentative ("not sure")
and agreement and certainty ("sure"). Where matches overlap, the longest one that starts
first wins. Pronoun, negation, modal and style counts still see every word.
Lists: ``projections.metrics.lexicons``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from projections.metrics import lexicons as lx
from projections.metrics.columnar import Floats, ranges, total
from projections.metrics.vocabulary import CATEGORIES, VOCABULARY, Vocabulary

if TYPE_CHECKING:
    from projections.metrics.message_batch import MessageBatch


def _phrases(
    vocabulary: Vocabulary,
) -> dict[tuple[int, int], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """The lexicons' phrases as word ids with their category slots, by first two words."""
    phrases: dict[tuple[str, ...], tuple[int, ...]] = {**lx.PAIR_INDEX, **lx.TRIPLE_INDEX}
    for phrase, slot in lx.LONG_PHRASES:
        words = tuple(phrase.split())
        phrases[words] = (*phrases.get(words, ()), slot)
    by_prefix: dict[tuple[int, int], list[tuple[tuple[int, ...], tuple[int, ...]]]] = {}
    for words, slots in phrases.items():
        ids = tuple(map(vocabulary.lookup, words))
        by_prefix.setdefault((ids[0], ids[1]), []).append((ids, slots))
    return by_prefix


PHRASES = _phrases(VOCABULARY)
_PHRASE_PREFIXES = np.array(sorted(PHRASES), dtype=np.int64)


@lru_cache(maxsize=8)  # keyed by the vocabulary's size, which grows
def _phrase_keys(size: int, width: int) -> dict[int, tuple[int, ...]]:
    """Phrases of ``size`` words as keys: prefix number, then each further word id
    (× width per word), with their category slots."""
    prefixes = {tuple(p): n for n, p in enumerate(_PHRASE_PREFIXES.tolist())}
    keys: dict[int, tuple[int, ...]] = {}
    for opening, phrases in PHRASES.items():
        for ids, slots in phrases:
            if len(ids) == size:
                key = prefixes[opening]
                for word in ids[2:]:
                    key = key * width + word
                keys[key] = slots
    return keys


NEGATION_SLOT = lx.CATEGORY_NAMES.index("negation")
MARKER_SLOTS = len(lx.MARKER_LEXICONS)  # slots 0… are the marker lists


def marker_counts(batch: MessageBatch) -> Floats:
    """Occurrences of every category of lexicons.CATEGORY_NAMES in each message.

    A word ending in "n't" counts as a negation too.
    """
    vocabulary = batch.vocabulary
    chosen = np.flatnonzero(vocabulary.categorised[batch.pair_word])
    first, last = vocabulary.slot_bounds(batch.pair_word[chosen])
    index, owner = ranges(first, last)
    keys = batch.pair_message[chosen][owner] * CATEGORIES + vocabulary.slots[index]
    weights = batch.pair_count[chosen][owner]
    tally = total(keys, weights, batch.size * CATEGORIES).reshape(batch.size, CATEGORIES)
    tally[:, NEGATION_SLOT] += total(
        batch.message_of, vocabulary.negation_suffix[batch.words], batch.size
    )
    _add_phrases(batch, tally)
    return tally


def _add_phrases(batch: MessageBatch, tally: Floats) -> None:
    """Phrases of two to four words: positions whose first two words open a phrase,
    then the whole phrase compared as one key over prefix number and next words; the
    accepted ones (leftmost, then longest, never overlapping) consume their words."""
    words, owner, width = batch.words, batch.message_of, batch.width
    if len(words) < 2:
        return
    same = owner[:-1] == owner[1:]
    keys = words[:-1] * width + words[1:]
    opening = _PHRASE_PREFIXES[:, 0] * width + _PHRASE_PREFIXES[:, 1]
    start = np.flatnonzero(same & np.isin(keys, opening))
    if not len(start):
        return
    prefix = np.searchsorted(opening, keys[start])
    room = batch.starts[owner[start] + 1] - start  # words left in the message from there
    key = prefix
    matches: list[tuple[int, int, tuple[int, ...]]] = []  # position, −size, slots
    for size in (2, 3, 4):
        if size > 2:
            fits = room >= size
            start, prefix, room, key = start[fits], prefix[fits], room[fits], key[fits]
            key = key * width + words[start + size - 1]
        phrases = _phrase_keys(size, width)
        hits = np.isin(key, np.fromiter(phrases, np.int64, len(phrases)))
        for position, found in zip(start[hits].tolist(), key[hits].tolist(), strict=True):
            matches.append((position, -size, phrases[found]))
    taken = -1  # the last word position consumed by an accepted phrase
    vocabulary = batch.vocabulary
    for position, negative_size, slots in sorted(matches):
        if position <= taken:
            continue  # overlaps a phrase that starts earlier or is longer
        taken = position - negative_size - 1
        message = owner[position]
        for slot in slots:
            tally[message, slot] += 1
        for word in words[position : taken + 1].tolist():
            first, last = vocabulary.slot_start[word], vocabulary.slot_start[word + 1]
            for slot in vocabulary.slots[first:last].tolist():
                if slot < MARKER_SLOTS:
                    tally[message, slot] -= 1
