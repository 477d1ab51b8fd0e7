"""Which measures the report plots: small declared lists, one line per measure.

Each entry names a column of ``turn_metrics`` (for per-agent measures, the name after the
``a_``/``b_`` prefix) and the title the report gives it. A column the database does not
have (an older metrics version, or a measure not written yet) is skipped, so a new
measure appears in every report by adding one line here.
"""

from __future__ import annotations

from typing import NamedTuple


class Measure(NamedTuple):
    column: str
    title: str


AGENT_MEASURES: tuple[Measure, ...] = (
    Measure("word_count", "Message length (words)"),
    Measure("cumulative_vocabulary", "Vocabulary growth (distinct words so far)"),
    Measure("sentiment_compound", "Sentiment (VADER compound)"),
    Measure("lexical_alignment", "Lexical alignment with the partner (ALIGN)"),
    Measure("mattr", "Lexical diversity (MATTR)"),
    Measure("mtld", "Lexical diversity (MTLD)"),
    Measure("question_density", "Questions per sentence"),
)
"""Per agent: columns ``a_<column>`` and ``b_<column>``, plotted over turns by agent."""

CROSS_MEASURES: tuple[Measure, ...] = (
    Measure("style_matching", "Language style matching (LSM)"),
    Measure("semantic_similarity", "Semantic similarity"),
    Measure("vocabulary_overlap", "Vocabulary overlap (Jaccard)"),
    Measure("tfidf_similarity", "TF-IDF similarity"),
)
"""Across the two agents: one column each, plotted over turns."""

THRESHOLD = 0.75
"""Convergence a conversation without a threshold of its own is timed to, for the
'turns to threshold' distribution."""


def present(measures: tuple[Measure, ...], columns: set[str], agent: bool) -> list[Measure]:
    """The measures whose columns the table has (both agents' for a per-agent measure)."""
    if agent:
        return [m for m in measures if {f"a_{m.column}", f"b_{m.column}"} <= columns]
    return [m for m in measures if m.column in columns]
