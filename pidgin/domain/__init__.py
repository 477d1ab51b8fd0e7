"""The log's schema: the Conversation aggregate and its events.

The names below are loaded on first use: the CLI's option types need only the small
``pidgin.domain.boundary`` module, and importing the aggregates (and the eventsourcing
library) for every ``pidgin --help`` would double its start-up time.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pidgin.domain.agents import AGENT_IDS, AgentId, AgentSpec, other_agent
    from pidgin.domain.conversation import (
        END_REASON_OUTCOMES,
        END_REASONS,
        Conversation,
        ConversationRuleError,
    )
    from pidgin.domain.messages import ChatMessage, RecordedMessage, history_for

_HOMES = {
    "AGENT_IDS": "agents",
    "AgentId": "agents",
    "AgentSpec": "agents",
    "other_agent": "agents",
    "END_REASONS": "conversation",
    "END_REASON_OUTCOMES": "conversation",
    "Conversation": "conversation",
    "ConversationRuleError": "conversation",
    "ChatMessage": "messages",
    "RecordedMessage": "messages",
    "history_for": "messages",
}

__all__ = [
    "AGENT_IDS",
    "END_REASONS",
    "END_REASON_OUTCOMES",
    "AgentId",
    "AgentSpec",
    "ChatMessage",
    "Conversation",
    "ConversationRuleError",
    "RecordedMessage",
    "history_for",
    "other_agent",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pidgin.domain' has no attribute {name!r}")
    value = getattr(import_module(f"pidgin.domain.{home}"), name)
    globals()[name] = value
    return value
