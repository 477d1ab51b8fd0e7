"""Who takes part in a conversation: the two agents' settings, as recorded in the log."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

AgentId = Literal["a", "b"]
AGENT_IDS: tuple[AgentId, AgentId] = ("a", "b")


def other_agent(agent: AgentId) -> AgentId:
    """The agent that is not ``agent``."""
    return "b" if agent == "a" else "a"


OMITTED_WHEN_DEFAULT: dict[str, Any] = {
    "max_tokens": None,
    "cache_read_price_per_million": None,
    "cache_write_price_per_million": None,
    "prompt_cache": True,
    "thinking": None,
}
"""Settings written in the event only when set, so agents recorded without them read as
before and their transcripts stay byte for byte the same."""


class AgentSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One agent's settings. Stored in ConversationStarted as a plain JSON object."""

    model: str
    """The canonical ``provider:model`` name, e.g. ``local:test``."""
    provider: str
    display_name: str
    system_prompt: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    """The longest reply the agent's provider may send, in tokens (None: the provider's own
    default). Written in the event only when set, so agents recorded without it read as
    before and their transcripts stay byte for byte the same."""
    input_price_per_million: float | None = None
    """US dollars per million input tokens, copied from the registry when the conversation
    started, so costs shown later never depend on today's registry (None: unknown)."""
    output_price_per_million: float | None = None
    """US dollars per million output tokens (None: unknown)."""
    cache_read_price_per_million: float | None = None
    """US dollars per million input tokens read from the prompt cache (None: the input
    price)."""
    cache_write_price_per_million: float | None = None
    """US dollars per million input tokens written to the prompt cache (None: the input
    price)."""
    prompt_cache: bool = True
    """Whether requests mark the history for caching (Anthropic; ``--no-cache`` turns it
    off). The other providers cache on their own and only report it."""
    thinking: str | None = None
    """Extended thinking / reasoning asked for (``--think-a``): ``low``, ``medium``,
    ``high`` or a budget in tokens; None: the model's default."""
    base_url: str | None = None
    """The server of an openai-compatible agent given with ``--base-url``, recorded so that
    resuming reaches the same server; never with credentials (see shareable_base_url)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.to_builtins(self)
        for name, default in OMITTED_WHEN_DEFAULT.items():
            if data[name] == default:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentSpec:
        return msgspec.convert(data, cls)
