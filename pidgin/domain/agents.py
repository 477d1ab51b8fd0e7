"""Who takes part in a conversation: the two agents' settings, as recorded in the log."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

AgentId = Literal["a", "b"]
AGENT_IDS: tuple[AgentId, AgentId] = ("a", "b")


def other_agent(agent: AgentId) -> AgentId:
    """The agent that is not ``agent``."""
    return "b" if agent == "a" else "a"


class AgentSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One agent's settings. Stored in ConversationStarted as a plain JSON object."""

    model: str
    """The canonical ``provider:model`` name, e.g. ``local:test``."""
    provider: str
    display_name: str
    system_prompt: str | None = None
    temperature: float | None = None
    input_price_per_million: float | None = None
    """US dollars per million input tokens, copied from the registry when the conversation
    started, so costs shown later never depend on today's registry (None: unknown)."""
    output_price_per_million: float | None = None
    """US dollars per million output tokens (None: unknown)."""
    base_url: str | None = None
    """The server of an openai-compatible agent given with ``--base-url``, recorded so that
    resuming reaches the same server; never with credentials (see shareable_base_url)."""

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentSpec:
        return msgspec.convert(data, cls)
