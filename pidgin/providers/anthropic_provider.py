"""Anthropic models through the official SDK's streaming Messages API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import anthropic

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import ReportsUsage, ResponseUsage, StreamCutOff
from pidgin.providers.sdk_errors import provider_error
from pidgin.providers.thinking import thinking_budget

ANTHROPIC_MAX_TEMPERATURE = 1.0
"""Anthropic accepts temperatures up to 1; higher requested values are clamped."""
CACHE_MARK = {"type": "ephemeral"}
"""A cache breakpoint: the prefix up to and including the marked block is cached."""


class AnthropicProvider(ReportsUsage):
    """Streams text deltas; the system prompt goes in the ``system`` field, not a message.

    With ``prompt_cache`` (the default) the system prompt and the latest message are
    cache breakpoints, so each request reads the history up to the previous one from the
    cache. ``thinking`` turns on extended thinking with a token budget.
    """

    name = "anthropic"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = 120.0,
        max_tokens: int = 1024,
        prompt_cache: bool = True,
        thinking: str | None = None,
        accepts_temperature: bool = True,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.prompt_cache = prompt_cache
        self.thinking = thinking_budget(thinking)
        self.accepts_temperature = accepts_temperature
        # Retries are Pidgin's job (each attempt is recorded), so the SDK's own are off.
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def _request(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        turns: list[dict[str, Any]] = [
            {"role": m.role, "content": m.content} for m in messages if m.role != "system"
        ]
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens if max_tokens is None else max_tokens,
            "messages": turns,
            "stream": True,
        }
        if self.prompt_cache and turns:
            last = turns[-1]
            block = {"type": "text", "text": last["content"], "cache_control": CACHE_MARK}
            turns[-1] = {"role": last["role"], "content": [block]}
        if system:
            request["system"] = (
                [{"type": "text", "text": system, "cache_control": CACHE_MARK}]
                if self.prompt_cache
                else system
            )
        if self.thinking is not None:
            # Thinking needs room for the answer beyond its budget, and no temperature.
            request["thinking"] = {"type": "enabled", "budget_tokens": self.thinking}
            request["max_tokens"] = self.thinking + request["max_tokens"]
        elif temperature is not None and self.accepts_temperature:
            request["extra_body"] = {"temperature": min(temperature, ANTHROPIC_MAX_TEMPERATURE)}
        return request

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,  # the Messages API has no seed
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self._last_usage = None
        tokens_in = tokens_out = cache_read = cache_write = 0
        model = self.model
        stop_reason: str | None = None
        thinking: list[str] = []
        finished = False
        try:
            stream = await self._client.messages.create(
                **self._request(messages, temperature, max_tokens)
            )
            async for event in stream:
                if event.type == "message_start":
                    usage = event.message.usage
                    tokens_in = usage.input_tokens
                    cache_read = usage.cache_read_input_tokens or 0
                    cache_write = usage.cache_creation_input_tokens or 0
                    tokens_out = usage.output_tokens
                    model = event.message.model or model
                elif event.type == "content_block_delta":
                    if event.delta.type == "text_delta" and event.delta.text:
                        yield event.delta.text
                    elif event.delta.type == "thinking_delta":
                        thinking.append(event.delta.thinking)
                elif event.type == "message_delta":
                    stop_reason = event.delta.stop_reason or stop_reason
                    tokens_out = event.usage.output_tokens
                elif event.type == "message_stop":
                    finished = True
        except Exception as error:
            raise provider_error(self.name, error) from None
        if not finished:
            raise StreamCutOff(self.name)
        self._last_usage = ResponseUsage(
            # Anthropic counts cached input apart from input_tokens; Pidgin's tokens_in
            # is every input token, the cached ones included.
            tokens_in=tokens_in + cache_read + cache_write,
            tokens_out=tokens_out,
            model=f"anthropic:{model}",
            stop_reason=stop_reason,
            thinking="".join(thinking) or None,
            cache_read=cache_read,
            cache_write=cache_write,
        )
