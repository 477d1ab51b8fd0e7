"""The log's schema: the Conversation aggregate and its events."""

from pidgin.domain.agents import AGENT_IDS, AgentId, AgentSpec, other_agent
from pidgin.domain.conversation import (
    END_REASON_OUTCOMES,
    END_REASONS,
    Conversation,
    ConversationRuleError,
)
from pidgin.domain.messages import ChatMessage, RecordedMessage, history_for

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
