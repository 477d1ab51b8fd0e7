"""Pattern detectors: known dynamics of AI-to-AI conversations, found with evidence.

Each detector is a pure function from a conversation's messages to its findings (one per
episode, with the turns and short quotes that triggered it). The DuckDB projection writes
them to the ``findings`` table; the conductor calls the same functions live for
``--stop-on-pattern``. Thresholds and sources: docs/patterns.md.
"""

from projections.patterns.conversation import ConversationText, Message
from projections.patterns.findings import Evidence, Finding
from projections.patterns.registry import DETECTORS, Detector, detect, detector_names

__all__ = [
    "DETECTORS",
    "ConversationText",
    "Detector",
    "Evidence",
    "Finding",
    "Message",
    "detect",
    "detector_names",
]
