"""Which words belong to a language: wordfreq's frequency lists (words seen in real text in
that language), loaded once per language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache

LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")
"""Languages a conversation may start in (wordfreq's large lists); English is tried first."""
CLEARLY = 0.8
"""A share of known words at which the first language tried is taken without trying others."""


@cache
def vocabulary(language: str) -> frozenset[str]:
    import wordfreq

    return frozenset(wordfreq.get_frequency_dict(language))


def _known(word: str, words: frozenset[str]) -> bool:
    return (
        word in words
        or word.replace("'", "’") in words
        or ("'" in word and all(part in words for part in word.split("'") if part))
    )


@lru_cache(maxsize=50_000)
def known_share(words: tuple[str, ...], language: str) -> float:
    """The share of ``words`` that are words of ``language`` (1.0 for no words); cached,
    as the detectors run again after every turn over the same messages."""
    if not words:
        return 1.0
    vocab = vocabulary(language)
    known = 0
    for word, times in Counter(words).items():
        if _known(word, vocab):
            known += times
    return known / len(words)


def unknown_words(words: Sequence[str], language: str) -> list[str]:
    """Distinct words of ``words`` that ``language`` does not have, in order of appearance."""
    vocab = vocabulary(language)
    return list(dict.fromkeys(w for w in words if not _known(w, vocab)))


def language_of(words: tuple[str, ...]) -> str:
    """The language (of LANGUAGES) that knows most of ``words``."""
    best, best_share = LANGUAGES[0], known_share(words, LANGUAGES[0])
    if best_share >= CLEARLY:
        return best
    for language in LANGUAGES[1:]:
        share = known_share(words, language)
        if share > best_share:
            best, best_share = language, share
    return best
