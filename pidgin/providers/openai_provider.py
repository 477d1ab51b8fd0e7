"""OpenAI, xAI and any OpenAI-compatible server through the official SDK's streaming
chat.completions API (xAI and vLLM/llama.cpp/Ollama ``/v1`` differ only in base URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import openai

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import ReportsUsage, ResponseUsage, StreamCutOff
from pidgin.providers.sdk_errors import provider_error

PLACEHOLDER_KEY = "not-needed"
"""Sent to OpenAI-compatible servers that need no key (the SDK insists on one)."""


class OpenAIProvider(ReportsUsage):
    """Streams content deltas and asks for usage in the final chunk."""

    def __init__(
        self,
        model: str,
        *,
        provider: str = "openai",
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = 120.0,
        request_usage: bool = True,
    ) -> None:
        self.name = provider
        self.model = model
        self.request_usage = request_usage
        self._client = openai.AsyncOpenAI(
            api_key=api_key or PLACEHOLDER_KEY, base_url=base_url, timeout=timeout, max_retries=0
        )

    def _request(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None,
        seed: int | None,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
        }
        if self.request_usage:
            request["stream_options"] = {"include_usage": True}
        if temperature is not None:
            request["temperature"] = temperature
        if seed is not None:
            request["seed"] = seed
        if max_tokens is not None:
            # OpenAI's reasoning models refuse max_tokens; servers that speak its protocol
            # (xAI, vLLM, llama.cpp, Ollama's /v1) all take max_tokens.
            field = "max_completion_tokens" if self.name == "openai" else "max_tokens"
            request[field] = max_tokens
        return request

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self._last_usage = None
        tokens_in = tokens_out = 0
        model = self.model
        finish_reason: str | None = None
        try:
            stream = await self._client.chat.completions.create(
                **self._request(messages, temperature, seed, max_tokens)
            )
            async for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    tokens_in = chunk.usage.prompt_tokens
                    tokens_out = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        yield choice.delta.content
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
        except Exception as error:
            raise provider_error(self.name, error) from None
        if finish_reason is None:
            raise StreamCutOff(self.name)
        self._last_usage = ResponseUsage(
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            model=f"{self.name}:{model}",
            stop_reason=finish_reason,
        )
