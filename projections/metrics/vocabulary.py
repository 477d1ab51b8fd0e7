"""Lower-case words → dense integer ids, with each word's features as arrays by id.

Every word-level metric is a lookup in these arrays followed by a grouped sum
(``projections.metrics.columnar``): a word's syllables, length, valence and lexicon
categories are worked out once, the first time the word is seen, not once per use.
"""

from __future__ import annotations

import re
from itertools import chain

import numpy as np
import numpy.typing as npt

from projections.metrics import lexicons as lx
from projections.metrics.readability import syllables
from projections.metrics.sentiment import LEXICON, is_negation
from projections.metrics.text import BREAK_STARTS

LONG_WORD = 7  # letters; longer words count towards formality
COUNTED_FEATURES = ("letters", "apostrophes", "long_words", "syllables", "complex_words")
# Passive voice: a form of be/get, an optional -ly adverb, a past participle (a word in
# -ed or an irregular one). An auxiliary may close a word after an apostrophe, and a
# participle may open one, as the words of the text stand (docs/metrics.md).
AUXILIARIES = frozenset(
    {"am", "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "gotten"}
)
PARTICIPLE = re.compile(
    r"\w+ed|born|built|done|given|known|made|seen|shown|taken|written|found|told|"
    r"said|thought|understood|brought|held|kept|left|lost|meant|paid|put|read|run|set|"
    r"spoken|chosen|driven|forgotten|broken|hidden|eaten|fallen"
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


class Vocabulary:
    """Token and word ids with their feature arrays; grows as text is seen, never shrinks.

    A token is what the tokeniser found, case kept: a word or a sentence break. A word
    is a lower-cased word token; word features (lexicons, syllables, valence) are by
    word id, token features (case, sentence breaks) by token id.
    """

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.token_id = _Ids(self.tokens).__getitem__
        self._tokens_featured = 0
        self.token_word = np.zeros(0, dtype=np.int64)  # −1 for a sentence break
        self.token_break = np.zeros(0, dtype=bool)
        self.token_question = np.zeros(0, dtype=bool)  # a break after "?"
        self.token_capitalised = np.zeros(0, dtype=bool)
        self.token_upper = np.zeros(0, dtype=bool)
        self.token_i_or_a = np.zeros(0, dtype=bool)  # "I" and "A": upper case, no shouting
        self.words: list[str] = []
        self._ids = _Ids(self.words)
        self.lookup = self._ids.__getitem__
        self._featured = 0
        # Per word, what a message's totals add up: COUNTED_FEATURES, in order.
        self.counted = np.zeros((0, len(COUNTED_FEATURES)), dtype=np.int64)
        self.first_singular = np.zeros(0, dtype=bool)
        self.negation_suffix = np.zeros(0, dtype=bool)  # ends in "n't"
        self.length = np.zeros(0, dtype=np.int64)
        self.syllables = np.zeros(0, dtype=np.int64)
        self.apostrophe = np.zeros(0, dtype=np.int64)
        self.valence = np.zeros(0, dtype=np.float64)
        self.scored = np.zeros(0, dtype=bool)
        self.negation = np.zeros(0, dtype=bool)
        self.acknowledgment = np.zeros(0, dtype=bool)
        self.auxiliary = np.zeros(0, dtype=bool)
        self.participle = np.zeros(0, dtype=bool)
        self.adverb = np.zeros(0, dtype=bool)
        # Each word's category slots, as one flat array: word i's are slots[start[i]:start[i + 1]].
        self.slots = np.zeros(0, dtype=np.int64)
        self.slot_start = np.zeros(1, dtype=np.int64)
        self.categorised = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.words)

    def ids(self, words: list[str]) -> list[int]:
        return list(map(self.lookup, words))

    def refresh(self) -> None:
        """Work out the features of every token and word added since the last refresh."""
        self._refresh_tokens()
        new = self.words[self._featured :]
        if not new:
            return
        count = len(new)
        self.length = np.concatenate([self.length, np.fromiter(map(len, new), np.int64, count)])
        self.syllables = np.concatenate(
            [self.syllables, np.fromiter(map(syllables, new), np.int64, count)]
        )
        self.apostrophe = np.concatenate(
            [self.apostrophe, np.fromiter(("'" in w for w in new), np.int64, count)]
        )
        self.valence = np.concatenate(
            [self.valence, np.fromiter((LEXICON.get(w, 0.0) for w in new), np.float64, count)]
        )
        self.scored = np.concatenate(
            [self.scored, np.fromiter((w in LEXICON for w in new), bool, count)]
        )
        self.negation = np.concatenate(
            [self.negation, np.fromiter(map(is_negation, new), bool, count)]
        )
        self.acknowledgment = np.concatenate(
            [self.acknowledgment, np.fromiter((w in lx.ACKNOWLEDGMENTS for w in new), bool, count)]
        )
        self.auxiliary = np.concatenate(
            [
                self.auxiliary,
                np.fromiter((w.rsplit("'", 1)[-1] in AUXILIARIES for w in new), bool, count),
            ]
        )
        self.participle = np.concatenate(
            [
                self.participle,
                np.fromiter(
                    (PARTICIPLE.fullmatch(w.split("'", 1)[0]) is not None for w in new), bool, count
                ),
            ]
        )
        self.adverb = np.concatenate(
            [self.adverb, np.fromiter((ADVERB.fullmatch(w) is not None for w in new), bool, count)]
        )
        self.first_singular = np.concatenate(
            [self.first_singular, np.fromiter((w in lx.FIRST_SINGULAR for w in new), bool, count)]
        )
        self.negation_suffix = np.concatenate(
            [self.negation_suffix, np.fromiter((w.endswith("n't") for w in new), bool, count)]
        )
        slots = [lx.WORD_INDEX.get(word, ()) for word in new]
        sizes = np.fromiter(map(len, slots), np.int64, count)
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
        self._featured = len(self.words)

    def slot_bounds(self, words: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
        """Where each word's category slots begin and end in :attr:`slots`."""
        return self.slot_start[words], self.slot_start[words + 1]

    def _refresh_tokens(self) -> None:
        new = self.tokens[self._tokens_featured :]
        if not new:
            return
        count = len(new)
        breaks = [token[0] in BREAK_STARTS for token in new]
        words = (
            -1 if brk else self.lookup(token.lower())
            for token, brk in zip(new, breaks, strict=True)
        )
        self.token_word = np.concatenate([self.token_word, np.fromiter(words, np.int64, count)])
        self.token_break = np.concatenate([self.token_break, np.array(breaks, dtype=bool)])
        self.token_question = np.concatenate(
            [self.token_question, np.fromiter((t[0] == "?" for t in new), bool, count)]
        )
        self.token_capitalised = np.concatenate(
            [self.token_capitalised, np.fromiter((t[0].isupper() for t in new), bool, count)]
        )
        self.token_upper = np.concatenate(
            [self.token_upper, np.fromiter(map(str.isupper, new), bool, count)]
        )
        self.token_i_or_a = np.concatenate(
            [self.token_i_or_a, np.fromiter((t in ("I", "A") for t in new), bool, count)]
        )
        self._tokens_featured = len(self.tokens)


VOCABULARY = Vocabulary()
"""The process's vocabulary: ids are only labels, so sharing them changes no result."""
