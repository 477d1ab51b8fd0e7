"""Semantic similarity of messages: the cosine of their sentence embeddings.

The vectors come from an :class:`~projections.metrics.embeddings.Embedder`, looked up by
text; without them every semantic column is NaN (NULL in the database). Definitions:
docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from projections.metrics.alignment import previous_messages
from projections.metrics.columnar import Floats, Ints
from projections.metrics.embeddings import Embedder, Vector, cosine, embed_all
from projections.metrics.history import Layout

SEMANTIC_METRICS = ("prompt_similarity", "semantic_self_similarity")


@dataclass(frozen=True)
class Semantics:
    """The vectors a batch needs: every message's and every opening prompt's."""

    vectors: Mapping[str, Vector]  # text → unit vector
    prompts: Sequence[str | None]  # the opening prompt of each conversation of the batch
    model: str

    def similarity(self, left: str, right: str) -> float:
        return cosine(self.vectors[left], self.vectors[right])

    @classmethod
    def of(
        cls, embedder: Embedder, texts: Iterable[str], prompts: Sequence[str | None]
    ) -> Semantics:
        """Embed ``texts`` (every message of the batch) and the prompts now."""
        wanted = [*texts, *(prompt for prompt in prompts if prompt)]
        return cls(vectors=embed_all(embedder, wanted), prompts=prompts, model=embedder.name)


def semantic_metrics(
    texts: Sequence[str], layout: Layout, semantics: Semantics | None
) -> dict[str, Floats]:
    """Each message against its conversation's opening prompt (topic drift) and against
    the agent's own previous message."""
    size = len(texts)
    if semantics is None:
        return {name: np.full(size, np.nan) for name in SEMANTIC_METRICS}
    prompts = [semantics.prompts[c] for c in layout.conversation.tolist()]
    _, own = previous_messages(layout)
    return {
        "prompt_similarity": _pairs(semantics, texts, prompts),
        "semantic_self_similarity": _pairs(
            semantics, texts, [texts[p] if p >= 0 else None for p in own.tolist()]
        ),
    }


def turn_similarity(texts: Sequence[str], a: Ints, b: Ints, semantics: Semantics | None) -> Floats:
    """The two messages of each turn row against each other."""
    if semantics is None:
        return np.full(len(a), np.nan)
    return _pairs(semantics, [texts[i] for i in a.tolist()], [texts[i] for i in b.tolist()])


def _pairs(semantics: Semantics, left: Sequence[str], right: Sequence[str | None]) -> Floats:
    return np.array(
        [
            np.nan if other is None else semantics.similarity(text, other)
            for text, other in zip(left, right, strict=True)
        ],
        dtype=np.float64,
    )
