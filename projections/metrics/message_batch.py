"""Many messages as flat arrays of word ids, and the metrics of each message on its own.

A batch keeps what the history and cross-agent metrics reuse: every message's distinct
words with their counts (``pair_*``) and its distinct n-grams for n = 2…6.
Definitions, ranges and references: docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np

from projections.metrics import lexicons as lx
from projections.metrics import sentiment as vader
from projections.metrics.characters import character_metrics
from projections.metrics.columnar import (
    Bools,
    Floats,
    Ints,
    entropy_bits,
    factorize,
    ranges,
    safe_divide,
    segment_sums,
    sorted_groups,
    sum_x_log_x,
    total,
)
from projections.metrics.markers import marker_counts
from projections.metrics.mtld import MTLD_MIN_WORDS, mattr_many, mtld, mtld_many
from projections.metrics.scan import TEXT_METRICS, ScannedMessage, scan
from projections.metrics.vocabulary import VOCABULARY, Vocabulary

MAX_NGRAM = 6
# MTLD steps through many messages side by side when there are enough of them; a
# message longer than this is done on its own (the steps would run for it alone).
LOCKSTEP_MESSAGES = 200
LOCKSTEP_WORDS = 400
RHYTHM_BIN_WORDS = 5
RHYTHM_BINS = 8
SLOT = {name: slot for slot, name in enumerate(lx.CATEGORY_NAMES)}

# The single-message metrics, in column order (docs/metrics.md).
MESSAGE_METRICS: tuple[str, ...] = (
    "char_count",
    "word_count",
    "vocabulary_size",
    "sentence_count",
    "paragraph_count",
    "avg_sentence_length",
    "sentence_length_sd",
    "avg_word_length",
    "list_item_count",
    "ttr",
    "root_ttr",
    "hapax_ratio",
    "mtld",
    "mattr",
    "yules_k",
    "ldi",
    "self_repetition",
    "repeated_bigrams",
    "repeated_trigrams",
    "word_entropy",
    "character_entropy",
    "bigram_entropy",
    "compression_ratio",
    "symbol_density",
    "emoji_count",
    "arrow_count",
    "math_symbol_count",
    "punctuation_diversity",
    "special_char_count",
    "number_count",
    "proper_noun_count",
    "uppercase_word_count",
    "question_count",
    "exclamation_count",
    "question_density",
    "hedge_count",
    "hedge_density",
    "agreement_markers",
    "disagreement_markers",
    "politeness_markers",
    "gratitude_markers",
    "certainty_words",
    "tentative_words",
    "discourse_markers",
    "existential_language",
    "meta_commentary",
    "negation_count",
    "modal_verb_count",
    "first_person_singular",
    "first_person_plural",
    "second_person",
    "third_person",
    "contraction_count",
    "passive_voice",
    "formality_score",
    "starts_with_acknowledgment",
    "syllables_per_word",
    "complex_word_ratio",
    "flesch_reading_ease",
    "flesch_kincaid_grade",
    "gunning_fog",
    "sentiment_compound",
    "positive_word_ratio",
    "negative_word_ratio",
    "emotional_intensity",
)
_CATEGORY_COLUMNS = {
    "hedge_count": "hedges",
    "agreement_markers": "agreement",
    "disagreement_markers": "disagreement",
    "politeness_markers": "politeness",
    "gratitude_markers": "gratitude",
    "certainty_words": "certainty",
    "tentative_words": "tentative",
    "discourse_markers": "discourse",
    "existential_language": "existential",
    "meta_commentary": "meta",
    "negation_count": "negation",
    "modal_verb_count": "modal",
    "first_person_singular": "first_person_singular",
    "first_person_plural": "first_person_plural",
    "second_person": "second_person",
    "third_person": "third_person",
}


@dataclass
class Sentences:
    """One entry per sentence of the batch, in order."""

    owner: Ints  # its message
    length: Floats  # words
    question: Bools
    first_word: Bools  # per word of the batch: does it open a sentence


@dataclass
class NgramSets:
    """The distinct n-grams of every message: one row per (message, n-gram)."""

    message: Ints  # ascending; each message's n-grams in ascending code order
    count: Ints  # occurrences in the message
    gram: Ints  # a code per distinct n-gram of the batch
    width: int  # more than any code
    at: Ints  # the code of the n-gram starting at each word position, −1 where none
    pair_at: Ints  # the (message, n-gram) entry of each word position, −1 where none
    recurs: Bools  # at each word position: does its n-gram occur twice or more in the message


class MessageBatch:
    """The word-id arrays of a list of messages, and each message's own metrics."""

    def __init__(self, texts: list[str], vocabulary: Vocabulary = VOCABULARY) -> None:
        self.scans: list[ScannedMessage] = list(map(scan, texts))
        self.size = size = len(texts)
        token_counts = np.fromiter((len(s.tokens) for s in self.scans), np.int64, size)
        tokens = np.fromiter(
            map(vocabulary.token_id, chain.from_iterable(s.tokens for s in self.scans)),
            np.int64,
            int(token_counts.sum()),
        )
        vocabulary.refresh()
        self.vocabulary = vocabulary
        token_message = np.repeat(np.arange(size, dtype=np.int64), token_counts)
        is_word = ~vocabulary.token_break[tokens]
        self.tokens, self.token_message, self.is_word = tokens, token_message, is_word
        self.words: Ints = vocabulary.token_word[tokens[is_word]]
        self.message_of: Ints = token_message[is_word]
        self.word_count: Ints = np.bincount(self.message_of, minlength=size).astype(np.int64)
        self.starts: Ints = np.concatenate([[0], np.cumsum(self.word_count)]).astype(np.int64)
        self.width = max(1, len(vocabulary))
        # Each message's distinct words in the order they first appear: float sums over
        # them then run in an order fixed by the text alone, not by the word ids.
        pairs = sorted_groups(self.message_of * self.width + self.words)
        self.occurrences = pairs
        self._occurrence_neighbours: tuple[Ints, Ints] | None = None
        opens = np.zeros(len(self.words), dtype=bool)
        opens[pairs.first] = True
        in_text_order = pairs.group[opens]  # a word's first occurrence opens its pair
        self.pair_count: Ints = pairs.size[in_text_order]
        self.pair_message: Ints = pairs.key[in_text_order] // self.width
        self.pair_word: Ints = pairs.key[in_text_order] % self.width
        # Each message's pairs: pair_starts[m] to pair_starts[m + 1] (in both orders).
        self.pair_starts: Ints = np.searchsorted(self.pair_message, np.arange(size + 1))
        # The same pairs in word order too, for merging: text_index[i] is the place in
        # text order of the i-th pair in word order.
        self.text_index: Ints = np.empty(len(in_text_order), dtype=np.int64)
        self.text_index[in_text_order] = np.arange(len(in_text_order))
        self.character_columns, self.marks, self.code_points = character_metrics(
            [s.text for s in self.scans]
        )
        self.sentences = self._sentences()
        self.ngrams = self._ngram_sets()
        self.categories = marker_counts(self)

    def word_sets(self) -> list[frozenset[str]]:
        """Each message's distinct lower-case words."""
        words = self.vocabulary.words
        distinct = list(map(words.__getitem__, self.pair_word.tolist()))
        bounds = self.pair_starts.tolist()
        return [frozenset(distinct[b:e]) for b, e in pairwise(bounds)]

    def _sentences(self) -> Sentences:
        """Sentence lengths and question flags from the break tokens between the words.

        A sentence is the words between two breaks of a message (or its start and end);
        it is a question when the break that ends it follows "?" (the message's last one
        when its text ends with "?").
        """
        vocabulary, tokens, token_message = self.vocabulary, self.tokens, self.token_message
        boundary = vocabulary.token_break[tokens].copy()
        boundary[np.flatnonzero(np.diff(token_message, prepend=-1))] = True
        segment = np.cumsum(boundary)[self.is_word]
        first = np.ones(len(segment), dtype=bool)
        first[1:] = segment[1:] != segment[:-1]
        number = np.cumsum(first) - 1
        lengths = np.bincount(number, minlength=int(first.sum())).astype(np.float64)
        owner = self.message_of[first]
        # What ends each sentence: the first break token after its last word, if any.
        word_position = np.flatnonzero(self.is_word)
        last = np.ones(len(segment), dtype=bool)
        last[:-1] = segment[:-1] != segment[1:]
        breaks = np.flatnonzero(vocabulary.token_break[tokens])
        after = np.searchsorted(breaks, word_position[last])
        ended = after < len(breaks)
        ended[ended] = token_message[breaks[after[ended]]] == owner[ended]
        question = np.array([s.ends_with_question for s in self.scans], dtype=bool)[owner]
        question[ended] = vocabulary.token_question[tokens[breaks[after[ended]]]]
        return Sentences(owner=owner, length=lengths, question=question, first_word=first)

    def _ngram_sets(self) -> dict[int, NgramSets]:
        """Distinct bigrams and trigrams per message, each coded batch-wide.

        Longer n-grams are coded only where their trigrams recur or are shared
        (``projections.metrics.turn``).
        """
        words, owner = self.words, self.message_of
        previous = words
        sets: dict[int, NgramSets] = {}
        for n in (2, 3):
            span = len(words) - n + 1
            if span <= 0:
                empty = np.zeros(0, dtype=np.int64)
                none = np.full(len(words), -1, dtype=np.int64)
                sets[n] = NgramSets(
                    empty, empty, empty, 1, none, none, np.zeros(len(words), dtype=bool)
                )
                continue
            valid = owner[:span] == owner[n - 1 :]
            keys = previous[:span] * self.width + words[n - 1 :]
            codes = np.full(len(words), -1, dtype=np.int64)
            grams, distinct = factorize(keys[valid])
            codes[:span][valid] = grams
            message = owner[:span][valid]
            width = max(1, distinct)
            pairs = sorted_groups(message * width + grams)
            recurs = np.zeros(len(words), dtype=bool)
            recurs[:span][valid] = pairs.size[pairs.group] > 1
            pair_at = np.full(len(words), -1, dtype=np.int64)
            pair_at[:span][valid] = pairs.group
            sets[n] = NgramSets(
                message=pairs.key // width,
                count=pairs.size,
                gram=pairs.key % width,
                width=width,
                at=codes,
                pair_at=pair_at,
                recurs=recurs,
            )
            previous = codes
        return sets

    def metrics(self) -> dict[str, Floats]:
        """Every single-message metric, by name, one value per message."""
        size, vocabulary = self.size, self.vocabulary
        words, owner, n = self.words, self.message_of, self.word_count.astype(np.float64)
        text = np.array([s.values for s in self.scans], dtype=np.float64).reshape(
            size, len(TEXT_METRICS)
        )
        out: dict[str, Floats] = {name: text[:, i] for i, name in enumerate(TEXT_METRICS)}
        out.update(self.character_columns)
        out.update(self._sentence_metrics(n))
        sentences = out["sentence_count"]
        pairs, counts = self.pair_message, self.pair_count.astype(np.float64)
        unique = total(pairs, None, size)
        out["word_count"] = n
        out["vocabulary_size"] = unique
        letters, contractions, long_words, syllables, complex_words = segment_sums(
            vocabulary.counted[self.pair_word] * self.pair_count[:, None], self.pair_starts
        ).T.astype(np.float64)
        out["avg_word_length"] = safe_divide(letters, n)
        out["ttr"] = safe_divide(unique, n)
        out["root_ttr"] = safe_divide(unique, np.sqrt(n))
        out["hapax_ratio"] = safe_divide(total(pairs, counts == 1, size), unique)
        squares = total(pairs, counts * counts, size)
        out["yules_k"] = safe_divide(1e4 * (squares - n), n * n)
        out["word_entropy"] = entropy_bits(n, total(pairs, counts * np.log2(counts), size))
        bigrams, trigrams = self.ngrams[2], self.ngrams[3]
        bigram_types = total(bigrams.message, None, size)
        trigram_types = total(trigrams.message, None, size)
        out["ldi"] = np.where(n >= 3, safe_divide(bigram_types + trigram_types, 2 * n - 3), 0.0)
        repeats = (words[:-1] == words[1:]) & (owner[:-1] == owner[1:])
        out["self_repetition"] = safe_divide(total(owner[:-1][repeats], None, size), n - 1)
        out["repeated_bigrams"] = total(bigrams.message, bigrams.count > 1, size)
        out["repeated_trigrams"] = total(trigrams.message, trigrams.count > 1, size)
        out["bigram_entropy"] = entropy_bits(
            np.maximum(n - 1, 0.0), sum_x_log_x(bigrams.message, bigrams.count, size)
        )
        for column, category in _CATEGORY_COLUMNS.items():
            out[column] = self.categories[:, SLOT[category]]
        out["hedge_density"] = safe_divide(out["hedge_count"], n)
        out["contraction_count"] = contractions
        doubles = np.array([s.double_questions for s in self.scans], dtype=np.float64)
        per_word = safe_divide(np.ones(size), n)
        formality = (
            0.5
            - 0.3 * contractions * per_word
            - 0.2 * out["exclamation_count"] * per_word
            - 0.1 * doubles * per_word
            + 0.3 * long_words * per_word
        )
        out["formality_score"] = np.clip(formality, 0.0, 1.0)
        nonempty = n > 0
        first_words = words[self.starts[:-1][nonempty]]
        out["starts_with_acknowledgment"] = np.zeros(size)
        out["starts_with_acknowledgment"][nonempty] = vocabulary.acknowledgment[first_words]
        out["syllables_per_word"] = safe_divide(syllables, n)
        out["complex_word_ratio"] = safe_divide(complex_words, n)
        readable = nonempty & (sentences > 0)
        words_per_sentence = safe_divide(n, sentences)
        syllables_per_word = out["syllables_per_word"]
        out["flesch_reading_ease"] = np.where(
            readable, 206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word, 0.0
        )
        out["flesch_kincaid_grade"] = np.where(
            readable, 0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59, 0.0
        )
        out["gunning_fog"] = np.where(
            readable, 0.4 * (words_per_sentence + 100.0 * out["complex_word_ratio"]), 0.0
        )
        out["passive_voice"] = self._passive_voice()
        out.update(self._sentiment())
        return out

    def _sentence_metrics(self, n: Floats) -> dict[str, Floats]:
        """Sentence counts and lengths, questions, capitals and MTLD of each message."""
        size, vocabulary, sentences = self.size, self.vocabulary, self.sentences
        count = total(sentences.owner, None, size)
        mean = safe_divide(n, count)
        deviation = sentences.length - mean[sentences.owner]
        word_tokens = self.tokens[self.is_word]
        proper = (
            vocabulary.token_capitalised[word_tokens]
            & ~sentences.first_word
            & ~vocabulary.first_singular[self.words]
        )
        shouting = vocabulary.token_upper[word_tokens] & ~vocabulary.token_i_or_a[word_tokens]
        return {
            "sentence_count": count,
            "avg_sentence_length": mean,
            "sentence_length_sd": np.sqrt(
                safe_divide(total(sentences.owner, deviation * deviation, size), count)
            ),
            "question_density": safe_divide(
                total(sentences.owner, sentences.question, size), count
            ),
            "proper_noun_count": segment_sums(proper.astype(np.float64), self.starts),
            "uppercase_word_count": segment_sums(shouting.astype(np.float64), self.starts),
            "mtld": self._mtld(),
            "mattr": mattr_many(self.starts, self._neighbours()[0]),
        }

    def _neighbours(self) -> tuple[Ints, Ints]:
        """Each word's previous and next occurrence in its message (computed once)."""
        if self._occurrence_neighbours is None:
            self._occurrence_neighbours = self.occurrences.neighbours()
        return self._occurrence_neighbours

    def _mtld(self) -> Floats:
        """MTLD of each message of MTLD_MIN_WORDS words or more (else NaN): side by side
        for many messages of moderate length, else one by one."""
        lengths = self.word_count
        long_enough = lengths >= MTLD_MIN_WORDS
        side_by_side = long_enough & (lengths <= LOCKSTEP_WORDS)
        if side_by_side.sum() < LOCKSTEP_MESSAGES:
            side_by_side[:] = False
        result = np.full(self.size, np.nan)
        if side_by_side.any():
            previous, following = self._neighbours()
            chosen = np.flatnonzero(side_by_side)
            index, _ = ranges(self.starts[chosen], self.starts[chosen + 1])
            # Renumber the chosen messages' words 0…; "no neighbour" stays −1 (before) and
            # one past the end (after).
            place = np.full(len(self.words) + 2, -1, dtype=np.int64)
            place[index] = np.arange(len(index))
            place[len(self.words)] = len(index)
            starts = np.concatenate([[0], np.cumsum(lengths[chosen])]).astype(np.int64)
            result[chosen] = mtld_many(
                self.words[index], starts, place[previous[index]], place[following[index]]
            )
        words, starts = self.words.tolist(), self.starts.tolist()
        for message in np.flatnonzero(long_enough & ~side_by_side).tolist():
            result[message] = mtld(words[starts[message] : starts[message + 1]])
        return result

    def _passive_voice(self) -> Floats:
        """A form of be/get, then a past participle, maybe with an -ly adverb between."""
        vocabulary, words, owner = self.vocabulary, self.words, self.message_of
        auxiliary = vocabulary.auxiliary[words]
        participle = vocabulary.participle[words]
        adverb = vocabulary.adverb[words]
        found = np.zeros(len(words), dtype=bool)
        if len(words) > 1:
            found[:-1] = auxiliary[:-1] & participle[1:] & (owner[:-1] == owner[1:])
        if len(words) > 2:
            found[:-2] |= auxiliary[:-2] & adverb[1:-1] & participle[2:] & (owner[:-2] == owner[2:])
        return total(owner[found], None, self.size)

    def _sentiment(self) -> dict[str, Floats]:
        """VADER's rules over the batch's words (projections.metrics.sentiment)."""
        vocabulary, words = self.vocabulary, self.words
        features = vader.WordFeatures(
            valence=vocabulary.valence[words],
            negation=vocabulary.negation[words],
            booster=vocabulary.booster[words],
            role=vocabulary.sentiment_role[words],
        )
        extra = vader.extras([s.text for s in self.scans], *self.code_points)
        columns = self.character_columns
        return vader.sentiment_columns(
            features,
            self.starts,
            extra,
            columns["exclamation_count"],
            columns["question_count"],
        )

    def rhythm(self) -> Floats:
        """Histogram of sentence lengths per message, in bins of 5 words (last open-ended)."""
        sentences = self.sentences
        lengths = sentences.length.astype(np.int64)
        bins = np.minimum(RHYTHM_BINS - 1, (lengths - 1) // RHYTHM_BIN_WORDS)
        return total(sentences.owner * RHYTHM_BINS + bins, None, self.size * RHYTHM_BINS).reshape(
            self.size, RHYTHM_BINS
        )
