"""Chat messages as an agent sees them, derived from the conversation's recorded messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from pidgin.domain.agents import AgentId

Role = Literal["system", "user", "assistant"]


class ChatMessage(msgspec.Struct, frozen=True):
    """One entry of the history a provider is sent."""

    role: Role
    content: str


class RecordedMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A completed message, as the aggregate keeps it to derive each agent's history."""

    agent: AgentId
    turn: int
    text: str


def history_for(
    agent: AgentId,
    prompt: str,
    messages: Sequence[RecordedMessage],
    system_prompt: str | None = None,
) -> list[ChatMessage]:
    """The history ``agent`` is sent: its own messages as ``assistant``, the other's as ``user``.

    The initial prompt opens the conversation as a user message. Consecutive messages with
    the same role are joined with a blank line so every provider sees strict alternation.
    """
    history: list[ChatMessage] = []
    if system_prompt:
        history.append(ChatMessage("system", system_prompt))
    entries: list[ChatMessage] = [ChatMessage("user", prompt)]
    entries += [
        ChatMessage("assistant" if message.agent == agent else "user", message.text)
        for message in messages
    ]
    for entry in entries:
        if history and history[-1].role == entry.role and entry.role != "system":
            merged = history[-1].content + "\n\n" + entry.content
            history[-1] = ChatMessage(entry.role, merged)
        else:
            history.append(entry)
    return history
