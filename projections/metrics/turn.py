"""Per-turn metrics of one conversation: feed messages in order, get one wide row per turn.

A :class:`TurnMetrics` keeps what the history metrics need (each agent's vocabulary and
recent messages, document frequencies for TF-IDF, the convergence trail) and nothing
else, so a projection can rebuild it by feeding a conversation's earlier messages again.
Row keys: ``a_*`` and ``b_*`` for each agent's metrics, unprefixed cross-agent ones.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import add, mul, not_, sub
from typing import Any

from projections.metrics import lexicons as lx
from projections.metrics.convergence import (
    DEFAULT_PROFILE,
    PROFILES,
    WINDOW,
    MessageShape,
    build_shape,
    weighted_score,
    window_components,
)
from projections.metrics.message import MESSAGE_METRICS, AnalysedMessage, analyse

METRICS_VERSION = "1"
REPETITION_WINDOW = 5
TOPIC_WINDOW = 4
MIMICRY_MAX_N = 6  # message_ngram_sets spells out n = 2…6
RHYTHM_BIN_WORDS = 5
RHYTHM_BINS = 8

HISTORY_METRICS = (
    "turn_repetition",
    "new_words",
    "new_word_ratio",
    "cumulative_vocabulary",
    "topic_consistency",
)
AGENT_METRICS: tuple[str, ...] = MESSAGE_METRICS + HISTORY_METRICS
CROSS_METRICS: tuple[str, ...] = (
    "vocabulary_overlap",
    "cumulative_convergence",
    "cross_repetition",
    "mimicry_a_to_b",
    "mimicry_b_to_a",
    "bigram_overlap",
    "trigram_overlap",
    "tfidf_similarity",
    "length_convergence",
    "structural_similarity",
    "style_matching",
    "rhythm_convergence",
    "sentiment_convergence",
    "formality_convergence",
    "readability_convergence",
    "lexical_diversity_convergence",
    "pronoun_convergence",
    "marker_alignment",
    "entropy_similarity",
    "turn_taking_balance",
    "entrainment_a_from_b",
    "entrainment_b_from_a",
    "convergence_content",
    "convergence_structure",
    "convergence_sentences",
    "convergence_length",
    "convergence_punctuation",
    "convergence",
    "convergence_velocity",
    "convergence_acceleration",
)
COLUMNS: tuple[str, ...] = (
    tuple(f"a_{name}" for name in AGENT_METRICS)
    + tuple(f"b_{name}" for name in AGENT_METRICS)
    + CROSS_METRICS
)

_A_COLUMNS = COLUMNS[: len(AGENT_METRICS)]
_B_COLUMNS = COLUMNS[len(AGENT_METRICS) : 2 * len(AGENT_METRICS)]
_PRONOUN_SLOTS = [lx.CATEGORY_NAMES.index(name) for name, _ in lx.PRONOUN_CATEGORIES]
_MARKER_SLOTS = [lx.CATEGORY_NAMES.index(lex.name) for lex in lx.MARKER_LEXICONS]
_STYLE_SLOTS = [i for i, name in enumerate(lx.CATEGORY_NAMES) if name.startswith("style_")]
_LN = [0.0, *(math.log(i) for i in range(1, 200_002))]

Row = dict[str, float | None]


@dataclass
class _Agent:
    vocabulary: set[str] = field(default_factory=set)
    recent: deque[frozenset[str]] = field(default_factory=lambda: deque(maxlen=REPETITION_WINDOW))
    message: AnalysedMessage | None = None
    row: Row = field(default_factory=dict)
    entrained: int = 0


def _ln(n: int) -> float:
    return _LN[n] if n < len(_LN) else math.log(n)


def cosine(left: Sequence[float], right: Sequence[float]) -> float:
    """Cosine of two count vectors; two zero vectors are alike (1), one zero is 0."""
    norm_l = math.sqrt(sum(x * x for x in left))
    norm_r = math.sqrt(sum(x * x for x in right))
    if norm_l == 0 and norm_r == 0:
        return 1.0
    if norm_l == 0 or norm_r == 0:
        return 0.0
    return sum(x * y for x, y in zip(left, right, strict=True)) / (norm_l * norm_r)


def sparse_cosine(left: Mapping[str, float], right: Mapping[str, float]) -> float:
    """Cosine of two sparse vectors (0 when either is empty)."""
    if not left or not right:
        return 0.0
    # The dot product runs over a set (hash order): fsum is exact, so the order cannot matter.
    dot = math.fsum(left[k] * right[k] for k in left.keys() & right.keys())
    norm = math.sqrt(sum(v * v for v in left.values())) * math.sqrt(
        sum(v * v for v in right.values())
    )
    return dot / norm if norm else 0.0


def jaccard(left: AbstractSet[Any], right: AbstractSet[Any]) -> float:
    common = len(left & right)
    union = len(left) + len(right) - common  # |A ∪ B| without building the union
    return common / union if union else 1.0


def closeness(a: float, b: float) -> float:
    """1 − |a − b| / max(|a|, |b|): 1 when equal, 0 when one is zero and the other is not."""
    top = max(abs(a), abs(b))
    return 1.0 if top == 0 else 1.0 - abs(a - b) / top


def ngram_sets(words: list[str]) -> list[AbstractSet[tuple[str, ...]]]:
    """Sets of the word n-grams of a message for n = 2…MIMICRY_MAX_N (index n − 2)."""
    return [
        set(zip(*(words[i:] for i in range(n)), strict=False)) for n in range(2, MIMICRY_MAX_N + 1)
    ]


def message_ngram_sets(message: AnalysedMessage) -> list[AbstractSet[tuple[str, ...]]]:
    """:func:`ngram_sets` (n = 2…6), reusing the message's bigram and trigram counts.

    Real sets, not key views: set operations then reuse the stored hashes of the tuples.
    """
    w = message.text.words
    return [
        set(message.bigrams),
        set(message.trigrams),
        set(zip(w, w[1:], w[2:], w[3:], strict=False)),
        set(zip(w, w[1:], w[2:], w[3:], w[4:], strict=False)),
        set(zip(w, w[1:], w[2:], w[3:], w[4:], w[5:], strict=False)),
    ]


def mimicry(
    source: list[AbstractSet[tuple[str, ...]]], target: list[AbstractSet[tuple[str, ...]]]
) -> float:
    """Share of the source's n-grams (n = 2…6) found in the target's, weighted by n − 1.

    Only n up to the shorter message's word count take part (the earlier tool's rule).
    """
    sizes = [n for n, grams in enumerate(source, 2) if grams and target[n - 2]]
    max_n = max(sizes, default=0)
    if max_n < 2:
        return 0.0
    total = 0.0
    for n in range(2, max_n + 1):
        grams = source[n - 2]
        total += (n - 1) * len(grams & target[n - 2]) / len(grams)
    return total / sum(range(1, max_n))


def rhythm(lengths: list[int]) -> list[int]:
    """Histogram of sentence lengths in bins of 5 words (the last bin open-ended)."""
    bins = [0] * RHYTHM_BINS
    for length in lengths:
        bins[min(RHYTHM_BINS - 1, (length - 1) // RHYTHM_BIN_WORDS)] += 1
    return bins


class TurnMetrics:
    """The metrics calculator of one conversation (feed it every message in order)."""

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self._weights = dict(weights or PROFILES[DEFAULT_PROFILE])
        self._agents = {"a": _Agent(), "b": _Agent()}
        self._shapes: deque[tuple[str, MessageShape]] = deque(maxlen=WINDOW)
        self._last: tuple[int, AnalysedMessage, float] | None = None  # (N, message, TF-IDF norm)
        self._recent_counts: deque[Counter[str]] = deque(maxlen=TOPIC_WINDOW)
        self._context: dict[str, int] = {}  # the counts of the recent messages, summed
        self._document_frequency: Counter[str] = Counter()
        self._ln_frequency: dict[str, float] = {}  # ln(1 + df) of every word seen
        self._documents = 0
        self._base = 0.0  # ln(1 + N) + 1
        self._shared = 0  # |vocabulary a ∩ vocabulary b|, kept up to date incrementally
        self._scores: list[float] = []

    def add_message(self, agent: str, text: str) -> None:
        """Record one completed message of ``agent`` ("a" or "b")."""
        analysed = analyse(text)
        me, other = self._agents[agent], self._agents["b" if agent == "a" else "a"]
        words = analysed.text.counts
        current = frozenset(words)
        new = current - me.vocabulary
        self._documents += 1
        self._document_frequency.update(current)
        self._base = _ln(1 + self._documents) + 1.0
        seen = list(current)
        frequency = map(self._document_frequency.__getitem__, seen)
        self._ln_frequency.update(
            zip(seen, map(_LN.__getitem__, map(add, repeat(1), frequency)), strict=True)
        )
        row: Row = dict(analysed.metrics)
        row["turn_repetition"] = (
            sum(len(current & prev) / len(prev) if prev else 0.0 for prev in me.recent)
            / len(me.recent)
            if me.recent
            else None
        )
        row["new_words"] = len(new)
        row["new_word_ratio"] = len(new) / len(current) if current else 0.0
        norm = self._norm(words)
        self._last = (self._documents, analysed, norm)
        row["topic_consistency"] = (
            self._cosine(words, norm, self._context, self._norm(self._context))
            if self._recent_counts
            else None
        )
        me.entrained = len(new & other.vocabulary)
        self._shared += len(new & other.vocabulary)
        me.vocabulary |= new
        row["cumulative_vocabulary"] = len(me.vocabulary)
        me.recent.append(current)
        me.message = analysed
        me.row = row
        context = self._context
        # The context's order (insertion, a word re-inserted at the end after it left)
        # fixes the summation order of its norm: keep it exactly.
        if len(self._recent_counts) == TOPIC_WINDOW:
            oldest = self._recent_counts[0]
            keys = list(oldest)
            left = list(map(sub, map(context.__getitem__, keys), oldest.values()))
            context.update(zip(keys, left, strict=True))
            for word in compress(keys, map(not_, left)):
                del context[word]
        keys = list(words)
        totals = list(map(add, map(context.get, keys, repeat(0)), words.values()))
        context.update(zip(keys, totals, strict=True))
        self._recent_counts.append(words)
        self._shapes.append((agent, build_shape(text, current)))

    # TF-IDF weight of a word: count × (ln((1+N)/(1+df)) + 1), N messages so far (smoothed
    # IDF), i.e. count × (base − ln(1+df)). Topic consistency is the cosine of a message
    # with the previous TOPIC_WINDOW messages together. The weights are computed where
    # needed, never stored: the same operations, so the same floats, as a dict of them.

    def _norm(self, counts: Mapping[str, int]) -> float:
        """Euclidean norm of the TF-IDF weights, squares summed in the counts' order."""
        idf = map(sub, repeat(self._base), map(self._ln_frequency.__getitem__, counts))
        values = list(map(mul, counts.values(), idf))
        return math.sqrt(sum(map(mul, values, values)))

    def _cosine(
        self, left: Mapping[str, int], left_norm: float, right: Mapping[str, int], right_norm: float
    ) -> float:
        """:func:`sparse_cosine` of the TF-IDF weights of two count tables."""
        if not left or not right:
            return 0.0
        common = left.keys() & right.keys()
        idf = list(map(sub, repeat(self._base), map(self._ln_frequency.__getitem__, common)))
        weights_left = map(mul, map(left.__getitem__, common), idf)
        weights_right = map(mul, map(right.__getitem__, common), idf)
        dot = math.fsum(map(mul, weights_left, weights_right))
        norm = left_norm * right_norm
        return dot / norm if norm else 0.0

    def _message_norm(self, message: AnalysedMessage) -> float:
        """:meth:`_norm` of a message's counts, reused when it was the last one added."""
        if self._last is not None:
            documents, last, norm = self._last
            if last is message and documents == self._documents:
                return norm
        return self._norm(message.text.counts)

    def complete_turn(self) -> Row:
        """The row of the turn whose two messages were just added."""
        a, b = self._agents["a"], self._agents["b"]
        ma, mb = a.message, b.message
        if ma is None or mb is None:
            raise ValueError("a turn needs one message from each agent")
        row: Row = dict(zip(_A_COLUMNS, map(a.row.__getitem__, AGENT_METRICS), strict=True))
        row.update(zip(_B_COLUMNS, map(b.row.__getitem__, AGENT_METRICS), strict=True))
        row.update(self._cross(ma, mb, a.entrained, b.entrained))
        return row

    def _cross(self, ma: AnalysedMessage, mb: AnalysedMessage, from_b: int, from_a: int) -> Row:
        xa, xb = ma.metrics, mb.metrics
        ca, cb = ma.text.counts, mb.text.counts
        wa, wb = ma.text.words, mb.text.words
        na, nb = len(wa), len(wb)
        set_a, set_b = set(ca), set(cb)
        common = set_a & set_b
        grams_a, grams_b = message_ngram_sets(ma), message_ngram_sets(mb)
        vocab_a, vocab_b = self._agents["a"].vocabulary, self._agents["b"].vocabulary
        union_all = len(vocab_a) + len(vocab_b) - self._shared
        sentences_a, sentences_b = xa["sentence_count"], xb["sentence_count"]
        avg_a, avg_b = xa["avg_sentence_length"], xb["avg_sentence_length"]
        top_sentences = max(sentences_a, sentences_b)
        top_avg = max(avg_a, avg_b)
        structural = 0.5 * (
            1 - abs(sentences_a - sentences_b) / top_sentences if top_sentences else 1.0
        ) + 0.5 * (1 - abs(avg_a - avg_b) / top_avg if top_avg else 1.0)
        style = [
            1 - abs(pa - pb) / (pa + pb + 0.0001)
            for pa, pb in (
                (ma.categories[s] / na if na else 0.0, mb.categories[s] / nb if nb else 0.0)
                for s in _STYLE_SLOTS
            )
        ]
        parts = window_components(self._shapes)
        assert parts is not None
        score = weighted_score(parts, self._weights)
        velocity = score - self._scores[-1] if self._scores else None
        previous_velocity = self._scores[-1] - self._scores[-2] if len(self._scores) >= 2 else None
        self._scores.append(score)
        return {
            "vocabulary_overlap": jaccard(set_a, set_b),
            "cumulative_convergence": self._shared / union_all if union_all else 1.0,
            "cross_repetition": (
                2
                * sum(map(min, map(ca.__getitem__, common), map(cb.__getitem__, common)))
                / (na + nb)
                if na + nb
                else 0.0
            ),
            "mimicry_a_to_b": mimicry(grams_a, grams_b),
            "mimicry_b_to_a": mimicry(grams_b, grams_a),
            "bigram_overlap": jaccard(grams_a[0], grams_b[0]),
            "trigram_overlap": jaccard(grams_a[1], grams_b[1]),
            "tfidf_similarity": self._cosine(
                ca, self._message_norm(ma), cb, self._message_norm(mb)
            ),
            "length_convergence": min(na, nb) / max(na, nb) if max(na, nb) else 1.0,
            "structural_similarity": structural,
            "style_matching": sum(style) / len(style),
            "rhythm_convergence": cosine(
                rhythm(ma.text.sentence_lengths), rhythm(mb.text.sentence_lengths)
            ),
            "sentiment_convergence": 1
            - abs(xa["sentiment_compound"] - xb["sentiment_compound"]) / 2,
            "formality_convergence": 1 - abs(xa["formality_score"] - xb["formality_score"]),
            "readability_convergence": 1
            - min(1.0, abs(xa["flesch_reading_ease"] - xb["flesch_reading_ease"]) / 100),
            "lexical_diversity_convergence": closeness(xa["mtld"], xb["mtld"]),
            "pronoun_convergence": cosine(
                [ma.categories[s] for s in _PRONOUN_SLOTS],
                [mb.categories[s] for s in _PRONOUN_SLOTS],
            ),
            "marker_alignment": cosine(
                [ma.categories[s] for s in _MARKER_SLOTS],
                [mb.categories[s] for s in _MARKER_SLOTS],
            ),
            "entropy_similarity": closeness(xa["word_entropy"], xb["word_entropy"]),
            "turn_taking_balance": na / (na + nb) if na + nb else 0.5,
            "entrainment_a_from_b": from_b,
            "entrainment_b_from_a": from_a,
            "convergence_content": parts["content"],
            "convergence_structure": parts["structure"],
            "convergence_sentences": parts["sentences"],
            "convergence_length": parts["length"],
            "convergence_punctuation": parts["punctuation"],
            "convergence": score,
            "convergence_velocity": velocity,
            "convergence_acceleration": (
                velocity - previous_velocity
                if velocity is not None and previous_velocity is not None
                else None
            ),
        }


def conversation_turn_rows(
    messages: Sequence[tuple[int, str, str]], weights: Mapping[str, float] | None = None
) -> list[tuple[int, Row]]:
    """(turn, row) for every complete turn of ``messages`` ((turn, agent, text) in order)."""
    calculator = TurnMetrics(weights)
    rows: list[tuple[int, Row]] = []
    spoken: dict[int, set[str]] = {}
    for turn, agent, text in messages:
        calculator.add_message(agent, text)
        seen = spoken.setdefault(turn, set())
        seen.add(agent)
        if seen == {"a", "b"}:
            rows.append((turn, calculator.complete_turn()))
    return rows
