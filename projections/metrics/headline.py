"""A few headline metrics of one turn, for the live view and the transcripts.

Computed from the two messages' text alone (the same values on replay), with the same
functions as the full per-turn metrics (docs/metrics.md): word counts, the Jaccard
vocabulary overlap and each message's sentiment compound score.
"""

from __future__ import annotations

from collections import Counter

from projections.metrics.sentiment import sentiments
from projections.metrics.text import APOSTROPHES, WORD, lower_words


def headline_metrics(text_a: str, text_b: str) -> dict[str, float]:
    """words_a, words_b, vocabulary_overlap and sentiment_a, sentiment_b of one turn."""
    text_a, text_b = text_a.translate(APOSTROPHES), text_b.translate(APOSTROPHES)
    words_a, words_b = _words(text_a), _words(text_b)
    counts_a, counts_b = Counter(words_a), Counter(words_b)
    union = len(counts_a.keys() | counts_b.keys())
    sentiment_a, sentiment_b = sentiments([text_a, text_b], [words_a, words_b])
    return {
        "words_a": len(words_a),
        "words_b": len(words_b),
        "vocabulary_overlap": round(
            len(counts_a.keys() & counts_b.keys()) / union if union else 1.0, 6
        ),
        "sentiment_a": round(sentiment_a.compound, 6),
        "sentiment_b": round(sentiment_b.compound, 6),
    }


def _words(text: str) -> list[str]:
    return lower_words(WORD.findall(text))


def headline_text(metrics: dict[str, float]) -> str:
    """One line: "words 85 / 92 · overlap 0.21 · sentiment +0.41 / +0.12"."""
    return (
        f"words {metrics['words_a']:.0f} / {metrics['words_b']:.0f} · "
        f"overlap {metrics['vocabulary_overlap']:.2f} · "
        f"sentiment {metrics['sentiment_a']:+.2f} / {metrics['sentiment_b']:+.2f}"
    )
