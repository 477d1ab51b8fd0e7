"""Lower-case words → dense integer ids, with each word's features as arrays by id.

Every word-level metric is a lookup in these arrays followed by a grouped sum
(``projections.metrics.columnar``): a word's syllables, length, valence and lexicon
categories are worked out once, the first time the word is seen, not once per use.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from projections.metrics import lexicons as lx
from projections.metrics.readability import syllables
from projections.metrics.sentiment import LEXICON, is_negation

LONG_WORD = 7  # letters; longer words count towards formality
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
    """Word ids and per-word feature arrays; grows as words are seen, never shrinks."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self._ids = _Ids(self.words)
        self.lookup = self._ids.__getitem__
        self._featured = 0
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
        self.categories = np.zeros((0, CATEGORIES), dtype=np.int64)
        self.categorised = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.words)

    def ids(self, words: list[str]) -> list[int]:
        return list(map(self.lookup, words))

    def refresh(self) -> None:
        """Work out the features of every word added since the last refresh."""
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
        rows = np.zeros((count, CATEGORIES), dtype=np.int64)
        for index, word in enumerate(new):
            for slot in lx.WORD_INDEX.get(word, ()):
                rows[index, slot] = 1
        self.categories = np.concatenate([self.categories, rows])
        self.categorised = np.concatenate([self.categorised, rows.any(axis=1)])
        self._featured = len(self.words)

    def id_array(self, words: list[str]) -> npt.NDArray[np.int64]:
        return np.fromiter(map(self.lookup, words), np.int64, len(words))


VOCABULARY = Vocabulary()
"""The process's vocabulary: ids are only labels, so sharing them changes no result."""
