"""Metrics across the two messages of each turn: shared words, TF-IDF, style, n-grams.

Definitions: docs/metrics.md.
"""

from __future__ import annotations

import numpy as np

from projections.metrics import lexicons as lx
from projections.metrics.columnar import (
    Floats,
    Ints,
    closeness,
    cosine_rows,
    jaccard,
    matched,
    ranges,
    safe_divide,
    total,
)
from projections.metrics.function_words import CATEGORIES as FUNCTION_WORDS
from projections.metrics.history import History, Layout
from projections.metrics.message_batch import MessageBatch
from projections.metrics.ngrams import mimicry, ngram_overlaps

_PRONOUN_SLOTS = [lx.CATEGORY_NAMES.index(name) for name, _ in lx.PRONOUN_CATEGORIES]
_MARKER_SLOTS = [lx.CATEGORY_NAMES.index(lex.name) for lex in lx.MARKER_LEXICONS]
_STYLE_SLOTS = [i for i, name in enumerate(lx.CATEGORY_NAMES) if name.startswith("style_")]
# Language Style Matching per function-word category (style_matching is their mean).
LSM_METRICS = tuple(f"lsm_{name}" for name in FUNCTION_WORDS)


def cross_metrics(
    batch: MessageBatch, layout: Layout, own: dict[str, Floats], history: History
) -> dict[str, Floats]:
    a, b, end = layout.row_a, layout.row_b, layout.row_end
    rows = len(a)
    n = own["word_count"]
    na, nb = n[a], n[b]
    unique = own["vocabulary_size"]
    owner, count_a, count_b, idf = _turn_words(batch, layout, history)
    weight_a, weight_b = count_a * idf, count_b * idf
    norms = np.sqrt(total(owner, weight_a * weight_a, rows)) * np.sqrt(
        total(owner, weight_b * weight_b, rows)
    )
    common = total(owner, (count_a > 0) & (count_b > 0), rows)
    shared, vocab_a, vocab_b = (
        history.shared[end],
        history.vocabulary[0][end],
        history.vocabulary[1][end],
    )
    overlaps = ngram_overlaps(batch, a, b)
    sentences_a, sentences_b = own["sentence_count"][a], own["sentence_count"][b]
    average_a, average_b = own["avg_sentence_length"][a], own["avg_sentence_length"][b]
    rhythm = batch.rhythm()
    categories = batch.categories
    per_word_a = safe_divide(np.ones(rows), na)[:, None] * categories[a][:, _STYLE_SLOTS]
    per_word_b = safe_divide(np.ones(rows), nb)[:, None] * categories[b][:, _STYLE_SLOTS]
    style = 1 - np.abs(per_word_a - per_word_b) / (per_word_a + per_word_b + 0.0001)
    return {
        **{name: style[:, i] for i, name in enumerate(LSM_METRICS)},
        "vocabulary_overlap": jaccard(common, unique[a], unique[b]),
        "cumulative_convergence": safe_divide(shared, vocab_a + vocab_b - shared, default=1.0),
        "cross_repetition": safe_divide(
            2 * total(owner, np.minimum(count_a, count_b), rows), na + nb
        ),
        "mimicry_a_to_b": mimicry(overlaps, "a", na, nb),
        "mimicry_b_to_a": mimicry(overlaps, "b", na, nb),
        "bigram_overlap": jaccard(*overlaps[2]),
        "trigram_overlap": jaccard(*overlaps[3]),
        "tfidf_similarity": safe_divide(total(owner, weight_a * weight_b, rows), norms),
        "length_convergence": safe_divide(np.minimum(na, nb), np.maximum(na, nb), default=1.0),
        "structural_similarity": 0.5 * closeness(sentences_a, sentences_b)
        + 0.5 * closeness(average_a, average_b),
        "style_matching": _row_sums(style) / len(_STYLE_SLOTS),
        "rhythm_convergence": cosine_rows(rhythm[a], rhythm[b]),
        "sentiment_convergence": 1
        - np.abs(own["sentiment_compound"][a] - own["sentiment_compound"][b]) / 2,
        "formality_convergence": 1 - np.abs(own["formality_score"][a] - own["formality_score"][b]),
        "readability_convergence": 1
        - np.minimum(
            1.0, np.abs(own["flesch_reading_ease"][a] - own["flesch_reading_ease"][b]) / 100
        ),
        "lexical_diversity_convergence": closeness(own["mattr"][a], own["mattr"][b]),
        "pronoun_convergence": cosine_rows(
            categories[a][:, _PRONOUN_SLOTS], categories[b][:, _PRONOUN_SLOTS]
        ),
        "marker_alignment": cosine_rows(
            categories[a][:, _MARKER_SLOTS], categories[b][:, _MARKER_SLOTS]
        ),
        "entropy_similarity": closeness(own["word_entropy"][a], own["word_entropy"][b]),
        "turn_taking_balance": safe_divide(na, na + nb, default=0.5),
        "entrainment_a_from_b": history.entrained[a],
        "entrainment_b_from_a": history.entrained[b],
    }


def _turn_words(
    batch: MessageBatch, layout: Layout, history: History
) -> tuple[Ints, Floats, Floats, Floats]:
    """Every distinct word of each turn's two messages: (turn row, count in A, in B, idf).

    The idf is the one when the turn completed: a word of the later message has its own
    document frequency; one only in the earlier message has the frequency of its latest
    occurrence up to the later message (the earlier message itself when they are next to
    each other, as they are when each agent speaks once a turn).
    """
    a, b, end = layout.row_a, layout.row_b, layout.row_end
    starts = batch.pair_starts
    earlier = np.where(end == a, b, a)
    index_e, row_e = ranges(starts[earlier], starts[earlier + 1])
    index_l, row_l = ranges(starts[end], starts[end + 1])
    # Matched in word order, summed in text order (the bits then do not hang on word ids):
    # each message's pairs in word order are the same block of batch.text_index.
    sorted_e, where_e = _in_word_order(batch, index_e)
    sorted_l, where_l = _in_word_order(batch, index_l)
    width = batch.width
    found_sorted_e, found_sorted_l = matched(
        row_e * width + batch.pair_word[sorted_e], row_l * width + batch.pair_word[sorted_l]
    )
    found_e = np.zeros(len(index_e), dtype=bool)
    found_e[where_e[found_sorted_e]] = True
    partner = np.zeros(len(index_l))
    partner[where_l[found_sorted_l]] = batch.pair_count[sorted_e[found_sorted_e]]
    count_l = batch.pair_count[index_l].astype(np.float64)
    alone = index_e[~found_e]
    alone_row = row_e[~found_e]
    frequency = history.document_frequency
    alone_frequency = frequency[alone]
    apart = end[alone_row] - earlier[alone_row] > 1
    if apart.any():
        alone_frequency[apart] = history.frequency_at(alone[apart], end[alone_row[apart]])
    row = np.concatenate([row_l, alone_row])
    later_count = np.concatenate([count_l, np.zeros(len(alone))])
    earlier_count = np.concatenate([partner, batch.pair_count[alone].astype(np.float64)])
    idf = history.base[end[row]] - np.log(
        1.0 + np.concatenate([frequency[index_l], alone_frequency])
    )
    later_is_a = end[row] == a[row]
    count_a = np.where(later_is_a, later_count, earlier_count)
    count_b = np.where(later_is_a, earlier_count, later_count)
    return row, count_a, count_b, idf


def _in_word_order(batch: MessageBatch, index: Ints) -> tuple[Ints, Ints]:
    """Blocks of whole messages' pairs (text order) rearranged in word order.

    Returns the pairs in word order and, for each, its place in ``index``. A message's
    pairs fill the same span in both orders, so the rearranging is a lookup.
    """
    in_word_order = batch.text_index[index]
    return in_word_order, in_word_order - index + np.arange(len(index))


def _row_sums(values: Floats) -> Floats:
    """Each row's sum, column by column: numpy's own row sums change their order of
    addition with the number of rows, and a row must not depend on what shares its batch."""
    summed: Floats = np.zeros(len(values))
    for column in values.T:
        summed = summed + column
    return summed
