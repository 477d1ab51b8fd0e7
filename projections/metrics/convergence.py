"""Live convergence: how alike the two agents' latest messages are, from 0 to 1.

Used by the conductor during a conversation and by the projections afterwards, so the
value recorded in TurnCompleted and the value recomputed on replay agree.

Definition (documented in docs/metrics.md):

    vocabulary = |W_a ∩ W_b| / |W_a ∪ W_b|          (Jaccard overlap of lower-cased word sets)
    length     = min(len_a, len_b) / max(len_a, len_b)  (word counts)
    convergence = 0.5 * vocabulary + 0.5 * length

Two empty messages converge fully (1.0); one empty message against a non-empty one
scores 0.0. The result is rounded to 6 decimals so it prints and stores the same way
everywhere.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+(?:'\w+)?")


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` (letters, digits and inner apostrophes)."""
    return _WORD.findall(text.lower())


def live_convergence(text_a: str, text_b: str) -> float:
    """The convergence score of two messages (see the module docstring)."""
    words_a, words_b = words(text_a), words(text_b)
    if not words_a and not words_b:
        return 1.0
    if not words_a or not words_b:
        return 0.0
    set_a, set_b = set(words_a), set(words_b)
    vocabulary = len(set_a & set_b) / len(set_a | set_b)
    length = min(len(words_a), len(words_b)) / max(len(words_a), len(words_b))
    return round(0.5 * vocabulary + 0.5 * length, 6)
