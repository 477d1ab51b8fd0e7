"""Lexicon sentiment with VADER's word valences (Hutto & Gilbert, 2014).

The valences, the negation list and the negation scalar come from the vaderSentiment
package; the score is VADER's normalised sum, compound = s / √(s² + 15). VADER's
booster, capital-letter, "but" and punctuation-emphasis rules are not applied: the full
analyser costs more than all other metrics of a message together. See docs/metrics.md.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from itertools import compress, repeat

from vaderSentiment.vaderSentiment import N_SCALAR, NEGATE

NORMALISATION_ALPHA = 15.0
NEGATION_WINDOW = 3


def _load_lexicon() -> dict[str, float]:
    text = (files("vaderSentiment") / "vader_lexicon.txt").read_text(encoding="utf-8")
    lexicon: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0]:
            lexicon[parts[0].lower()] = float(parts[1])
    return lexicon


LEXICON = _load_lexicon()
_NEGATIONS = frozenset(w.lower() for w in NEGATE)


@dataclass(frozen=True, slots=True)
class Sentiment:
    compound: float
    positive_ratio: float
    negative_ratio: float
    intensity: float


def is_negation(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't")


def negated_valences(words: Sequence[str], negations: Sequence[int]) -> list[float]:
    """The plain valences that a negation turns around (each is then × N_SCALAR).

    ``negations``: the positions of the negating words, in order. A lexicon word is
    negated once, by the earliest negation among the three words before it.
    """
    turned: list[float] = []
    for number, index in enumerate(negations):
        for after in range(index + 1, min(len(words), index + 1 + NEGATION_WINDOW)):
            word = words[after]
            if word in LEXICON and not any(
                after - NEGATION_WINDOW <= earlier for earlier in negations[:number]
            ):
                turned.append(LEXICON[word])
    return turned


def sentiment(words: list[str], counts: Counter[str]) -> Sentiment:
    """Sentiment of a message from its lower-case words (in order) and their counts.

    A lexicon word is negated (valence × N_SCALAR, once) when one of the three words
    before it is in VADER's negation list or ends in "n't".
    """
    scored = sorted(counts.keys() & LEXICON.keys())
    if not words or not scored:
        return Sentiment(0.0, 0.0, 0.0, 0.0)
    valences = [LEXICON[w] for w in scored for _ in range(counts[w])]
    # The distinct negating words first (fewer than the words), then their positions.
    negators = _NEGATIONS.intersection(counts).union(
        compress(counts, map(str.endswith, counts, repeat("n't")))
    )
    if negators:
        negations = [i for i, word in enumerate(words) if word in negators]
        for plain in negated_valences(words, negations):
            valences.remove(plain)
            valences.append(plain * N_SCALAR)
    total = math.fsum(valences)
    positive = sum(1 for v in valences if v > 0)
    negative = sum(1 for v in valences if v < 0)
    return Sentiment(
        compound=total / math.sqrt(total * total + NORMALISATION_ALPHA),
        positive_ratio=positive / len(words),
        negative_ratio=negative / len(words),
        intensity=math.fsum(map(abs, valences)) / len(valences),
    )
