"""Readability: syllables from pyphen's hyphenation dictionary, then the classic formulas.

Syllables per word = hyphenation points + 1 (the method textstat used before it moved to
a dictionary that is downloaded at run time). Results are cached per word: the same words
recur across a conversation.
"""

from __future__ import annotations

from functools import lru_cache

import pyphen

_DICTIONARY = pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Syllables in one lower-case word (at least 1)."""
    return len(_DICTIONARY.positions(word)) + 1


def flesch_reading_ease(words: int, sentences: int, syllable_total: int) -> float:
    """Flesch (1948): 206.835 − 1.015·words/sentences − 84.6·syllables/words."""
    if not words or not sentences:
        return 0.0
    return 206.835 - 1.015 * (words / sentences) - 84.6 * (syllable_total / words)


def flesch_kincaid_grade(words: int, sentences: int, syllable_total: int) -> float:
    """Kincaid et al. (1975): 0.39·words/sentences + 11.8·syllables/words − 15.59."""
    if not words or not sentences:
        return 0.0
    return 0.39 * (words / sentences) + 11.8 * (syllable_total / words) - 15.59


def gunning_fog(words: int, sentences: int, complex_words: int) -> float:
    """Gunning (1952): 0.4·(words/sentences + 100·complex words/words)."""
    if not words or not sentences:
        return 0.0
    return 0.4 * (words / sentences + 100.0 * complex_words / words)
