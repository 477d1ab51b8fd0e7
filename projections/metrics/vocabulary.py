"""Tokens and lower-case words → dense integer ids, with their features as arrays by id.

Every word-level metric is a lookup in these arrays followed by a grouped sum
(``projections.metrics.columnar``): a word's syllables, length, valence and lexicon
categories are worked out once, the first time the word is seen, not once per use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain

import numpy as np
import numpy.typing as npt

from projections.metrics import lexicons as lx
from projections.metrics import sentiment as vader
from projections.metrics.function_words import FUNCTION_WORDS
from projections.metrics.readability import syllables
from projections.metrics.text import BREAK_STARTS, QUESTION_ENDS

LONG_WORD = 7  # letters; longer words count towards formality
COUNTED_FEATURES = ("letters", "apostrophes", "long_words", "syllables", "complex_words")
# Passive voice: a form of be/get, an optional -ly adverb, a past participle: a word
# that lemminflect's English lexicon gives as the past participle (VBN) of a verb, so
# "indeed", "need" or "hundred" never count. An auxiliary may close a word after an
# apostrophe, and a participle may open one, as the words of the text stand
# (docs/metrics.md).
AUXILIARIES = frozenset(
    {"am", "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "gotten"}
)
ADVERB = re.compile(r"\w+ly")
CATEGORIES = len(lx.CATEGORY_NAMES)


class _Ids(dict[str, int]):
    """A dict that gives an unseen word the next id (``__missing__`` runs in C's lookup)."""

    def __init__(self, words: list[str]) -> None:
        super().__init__()
        self._words = words

    def __missing__(self, word: str) -> int:
        new = self[word] = len(self._words)
        self._words.append(word)
        return new


def _participle(word: str) -> bool:
    from lemminflect import getAllLemmas, getInflection  # 0.2 s: only when words are new

    stem = word.split("'", 1)[0]
    lemmas = getAllLemmas(stem, "VERB").get("VERB", ())
    return any(stem in getInflection(lemma, "VBN") for lemma in lemmas)


def _adverb(word: str) -> bool:
    return ADVERB.fullmatch(word) is not None


# Features of a word, worked out once: (attribute, function of the word, dtype).
WORD_FEATURES: tuple[tuple[str, Callable[[str], object], type], ...] = (
    ("length", len, np.int64),
    ("syllables", syllables, np.int64),
    ("apostrophe", lambda w: "'" in w, np.int64),
    ("valence", vader.valence, np.float64),
    ("booster", lambda w: vader.BOOSTERS.get(w, 0.0), np.float64),
    ("sentiment_role", vader.sentiment_role, np.int64),
    ("negation", vader.is_negation, np.bool_),
    ("negation_suffix", lambda w: w.endswith("n't"), np.bool_),
    ("acknowledgment", lambda w: w in lx.ACKNOWLEDGMENTS, np.bool_),
    ("first_singular", lambda w: w in lx.FIRST_SINGULAR, np.bool_),
    ("auxiliary", lambda w: w.rsplit("'", 1)[-1] in AUXILIARIES, np.bool_),
    ("participle", _participle, np.bool_),
    ("adverb", _adverb, np.bool_),
    ("function_word", lambda w: w in FUNCTION_WORDS, np.bool_),  # convergence's content
)
# Features of a token (case kept, or a sentence break).
TOKEN_FEATURES: tuple[tuple[str, Callable[[str], object], type], ...] = (
    ("token_break", lambda t: t[0] in BREAK_STARTS, np.bool_),
    ("token_question", lambda t: t[0] in QUESTION_ENDS, np.bool_),  # a break after "?"
    ("token_capitalised", lambda t: t[0].isupper(), np.bool_),
    ("token_upper", str.isupper, np.bool_),
    ("token_i_or_a", lambda t: t in ("I", "A"), np.bool_),  # upper case, but no shouting
)


class Vocabulary:
    """Token and word ids with their feature arrays; grows as text is seen, never shrinks.

    A token is what the tokeniser found, case kept: a word or a sentence break. A word
    is a lower-cased word token. Word features (WORD_FEATURES, lexicon categories) are
    arrays by word id, token features (TOKEN_FEATURES, the token's word) by token id.
    """

    length: npt.NDArray[np.int64]
    syllables: npt.NDArray[np.int64]
    apostrophe: npt.NDArray[np.int64]
    valence: npt.NDArray[np.float64]
    booster: npt.NDArray[np.float64]
    sentiment_role: npt.NDArray[np.int64]
    negation: npt.NDArray[np.bool_]
    negation_suffix: npt.NDArray[np.bool_]  # ends in "n't"
    acknowledgment: npt.NDArray[np.bool_]
    first_singular: npt.NDArray[np.bool_]
    auxiliary: npt.NDArray[np.bool_]
    participle: npt.NDArray[np.bool_]
    adverb: npt.NDArray[np.bool_]
    function_word: npt.NDArray[np.bool_]
    token_break: npt.NDArray[np.bool_]
    token_question: npt.NDArray[np.bool_]
    token_capitalised: npt.NDArray[np.bool_]
    token_upper: npt.NDArray[np.bool_]
    token_i_or_a: npt.NDArray[np.bool_]

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.token_id = _Ids(self.tokens).__getitem__
        self.words: list[str] = []
        self.lookup = _Ids(self.words).__getitem__
        self._tokens_featured = self._words_featured = 0
        for name, _, dtype in WORD_FEATURES + TOKEN_FEATURES:
            setattr(self, name, np.zeros(0, dtype=dtype))
        self.token_word = np.zeros(0, dtype=np.int64)  # −1 for a sentence break
        # Per word, what a message's totals add up: COUNTED_FEATURES, in order.
        self.counted = np.zeros((0, len(COUNTED_FEATURES)), dtype=np.int64)
        # Each word's category slots in one flat array: word i's are
        # slots[slot_start[i]:slot_start[i + 1]].
        self.slots = np.zeros(0, dtype=np.int64)
        self.slot_start = np.zeros(1, dtype=np.int64)
        self.categorised = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.words)

    def refresh(self) -> None:
        """Work out the features of every token and word added since the last refresh."""
        new_tokens = self.tokens[self._tokens_featured :]
        if new_tokens:
            self._extend(TOKEN_FEATURES, new_tokens)
            words = (-1 if t[0] in BREAK_STARTS else self.lookup(t.lower()) for t in new_tokens)
            self.token_word = np.concatenate(
                [self.token_word, np.fromiter(words, np.int64, len(new_tokens))]
            )
            self._tokens_featured = len(self.tokens)
        new = self.words[self._words_featured :]
        if not new:
            return
        self._extend(WORD_FEATURES, new)
        slots = [lx.WORD_INDEX.get(word, ()) for word in new]
        sizes = np.fromiter(map(len, slots), np.int64, len(new))
        flat = np.fromiter(chain.from_iterable(slots), np.int64, int(sizes.sum()))
        self.slots = np.concatenate([self.slots, flat])
        self.slot_start = np.concatenate([self.slot_start, self.slot_start[-1] + np.cumsum(sizes)])
        self.categorised = np.concatenate([self.categorised, sizes > 0])
        self.counted = np.column_stack(
            [
                self.length,
                self.apostrophe,
                self.length > LONG_WORD,
                self.syllables,
                self.syllables >= 3,
            ]
        ).astype(np.int64)
        self._words_featured = len(self.words)

    def _extend(
        self, features: tuple[tuple[str, Callable[[str], object], type], ...], new: list[str]
    ) -> None:
        for name, feature, dtype in features:
            grown: npt.NDArray[np.generic] = np.fromiter(map(feature, new), dtype, len(new))
            setattr(self, name, np.concatenate([getattr(self, name), grown]))

    def slot_bounds(self, words: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
        """Where each word's category slots begin and end in :attr:`slots`."""
        return self.slot_start[words], self.slot_start[words + 1]


VOCABULARY = Vocabulary()
"""The process's vocabulary: ids are only labels, so sharing them changes no result."""
