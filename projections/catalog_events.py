"""The fields the catalog reads from each stored event, decoded straight from its JSON.

Like the DuckDB projection's fold, the catalog decodes stored states with msgspec into
small structs of the fields it uses, instead of rebuilding each domain event through the
eventsourcing mapper: a first listing of a million events (or every listing of a store
on read-only media, whose catalog lives in memory) takes a fraction of the time.
The domain's events have no upcasters yet; one that renames a field the catalog reads
must be mirrored here, as in projections/analysis/fold.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

CONVERSATION = "pidgin.domain.conversation:Conversation."
EXPERIMENT = "pidgin.domain.experiment:Experiment."


class Started(msgspec.Struct):
    timestamp: datetime
    agent_a: dict[str, Any]
    agent_b: dict[str, Any]
    max_turns: int
    name: str | None = None
    experiment_id: str | None = None


class MessageCompleted(msgspec.Struct):
    """Versions 1 and 2 (version 2 added the cache and gateway fields; None: unknown)."""

    agent: str
    turn: int
    text: str
    tokens_in: int | None
    tokens_out: int | None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reported_cost_usd: float | None = None


class TurnCompleted(msgspec.Struct):
    turn: int
    convergence: float


class ProviderErrored(msgspec.Struct):
    pass


class Paused(msgspec.Struct):
    reason: str


class Resumed(msgspec.Struct):
    pass


class Ended(msgspec.Struct):
    timestamp: datetime
    reason: str


class ExperimentCreated(msgspec.Struct):
    name: str


KINDS: dict[str, type[msgspec.Struct]] = {
    CONVERSATION + "ConversationStarted": Started,
    CONVERSATION + "MessageCompleted": MessageCompleted,
    CONVERSATION + "TurnCompleted": TurnCompleted,
    CONVERSATION + "ProviderErrored": ProviderErrored,
    CONVERSATION + "ConversationPaused": Paused,
    CONVERSATION + "ConversationResumed": Resumed,
    CONVERSATION + "ConversationEnded": Ended,
    EXPERIMENT + "ExperimentCreated": ExperimentCreated,
}
"""Stored topic → the struct its state is decoded into (the events the catalog reads)."""

DECODERS = {topic: msgspec.json.Decoder(kind) for topic, kind in KINDS.items()}


def decode(topic: str, state: bytes) -> msgspec.Struct:
    """The catalog's fields of one stored event of a topic in KINDS."""
    return DECODERS[topic].decode(state)


def event_classes() -> tuple[type, ...]:
    """The domain's classes of the topics in KINDS (for a store's topic-filtered read)."""
    from pidgin.domain import Conversation
    from pidgin.domain.experiment import Experiment

    return (
        Conversation.ConversationStarted,
        Conversation.MessageCompleted,
        Conversation.TurnCompleted,
        Conversation.ProviderErrored,
        Conversation.ConversationPaused,
        Conversation.ConversationResumed,
        Conversation.ConversationEnded,
        Experiment.ExperimentCreated,
    )
