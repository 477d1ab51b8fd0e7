"""A few headline metrics of one turn, for the live view and the transcripts.

Computed from the two messages' text alone (the same values on replay), with the same
functions as the full per-turn metrics (docs/metrics.md): word counts, the Jaccard
vocabulary overlap and each message's sentiment compound score.
"""

from __future__ import annotations

from projections.metrics.sentiment import sentiment
from projections.metrics.text import tokenise


def headline_metrics(text_a: str, text_b: str) -> dict[str, float]:
    """words_a, words_b, vocabulary_overlap and sentiment_a, sentiment_b of one turn."""
    a, b = tokenise(text_a), tokenise(text_b)
    set_a, set_b = set(a.counts), set(b.counts)
    union = len(set_a | set_b)
    return {
        "words_a": a.word_count,
        "words_b": b.word_count,
        "vocabulary_overlap": round(len(set_a & set_b) / union if union else 1.0, 6),
        "sentiment_a": round(sentiment(a.words, a.counts).compound, 6),
        "sentiment_b": round(sentiment(b.words, b.counts).compound, 6),
    }


def headline_text(metrics: dict[str, float]) -> str:
    """One line: "words 85 / 92 · overlap 0.21 · sentiment +0.41 / +0.12"."""
    return (
        f"words {metrics['words_a']:.0f} / {metrics['words_b']:.0f} · "
        f"overlap {metrics['vocabulary_overlap']:.2f} · "
        f"sentiment {metrics['sentiment_a']:+.2f} / {metrics['sentiment_b']:+.2f}"
    )
