"""The metrics of single messages on their own, by name (docs/metrics.md).

A convenience over :class:`~projections.metrics.message_batch.MessageBatch` for callers
with a few texts; the projection computes whole conversations in batches instead.
"""

from __future__ import annotations

from projections.metrics.message_batch import MESSAGE_METRICS, MessageBatch
from projections.metrics.mtld import mtld

__all__ = ["MESSAGE_METRICS", "message_metrics", "mtld"]


def message_metrics(*texts: str) -> list[dict[str, float]]:
    """Every single-message metric of each text, by name."""
    columns = MessageBatch(list(texts)).metrics()
    return [
        {name: float(columns[name][index]) for name in MESSAGE_METRICS}
        for index in range(len(texts))
    ]
