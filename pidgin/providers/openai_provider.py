"""OpenAI, xAI, OpenRouter and any OpenAI-compatible server through the official SDK's
streaming chat.completions API (they differ only in base URL and a few usage fields)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import openai

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import ProviderError, ReportsUsage, ResponseUsage, StreamCutOff
from pidgin.providers.sdk_errors import provider_error
from pidgin.providers.thinking import reasoning_effort
from pidgin.providers.tokenizer_endpoint import count_tokens

PLACEHOLDER_KEY = "not-needed"
"""Sent to OpenAI-compatible servers that need no key (the SDK insists on one)."""


class OpenAIProvider(ReportsUsage):
    """Streams content deltas and asks for usage in the final chunk.

    Cache hits are automatic on these APIs and only reported
    (``prompt_tokens_details.cached_tokens``). A server that sends no usage is asked its
    tokenizer (llama_cpp.server's ``/extras/tokenize``); failing that the counts are
    unknown (None), never 0. OpenRouter also reports what the reply cost (``usage.cost``)
    and which model served it.
    """

    def __init__(
        self,
        model: str,
        *,
        provider: str = "openai",
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = 120.0,
        request_usage: bool = True,
        thinking: str | None = None,
        accepts_temperature: bool = True,
    ) -> None:
        self.name = provider
        self.model = model
        self.request_usage = request_usage
        self.reasoning_effort = reasoning_effort(thinking)
        self.accepts_temperature = accepts_temperature
        self.base_url = base_url
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
        if self.name == "openrouter":
            request["extra_body"] = {"usage": {"include": True}}
        if temperature is not None and self.accepts_temperature:
            request["temperature"] = temperature
        if seed is not None:
            request["seed"] = seed
        if self.reasoning_effort is not None:
            request["reasoning_effort"] = self.reasoning_effort
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
        usage: Any = None
        model = self.model
        finish_reason: str | None = None
        parts: list[str] = []
        thinking: list[str] = []
        try:
            stream = await self._client.chat.completions.create(
                **self._request(messages, temperature, seed, max_tokens)
            )
            async for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta is not None:
                        extra = delta.model_extra or {}
                        reasoning = extra.get("reasoning_content") or extra.get("reasoning")
                        if isinstance(reasoning, str) and reasoning:
                            thinking.append(reasoning)
                        if delta.content:
                            parts.append(delta.content)
                            yield delta.content
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
        except Exception as error:
            failure = provider_error(self.name, error)
            if self._temperature_refused(failure, temperature):
                # A model the registry does not know to refuse it: the next attempt (the
                # conductor records this one) is sent no temperature.
                self.accepts_temperature = False
                failure = ProviderError(
                    f"{failure} (the next attempt is sent no temperature)",
                    status=failure.status,
                    retryable=True,
                )
            raise failure from None
        if finish_reason is None:
            raise StreamCutOff(self.name)
        if usage is not None:
            reported = _reported_usage(usage)
        else:
            reported = await self._counted_usage(messages, "".join(parts))
        self._last_usage = ResponseUsage(
            model=f"{self.name}:{model}",
            stop_reason=finish_reason,
            thinking="".join(thinking) or None,
            **reported,
        )

    def _temperature_refused(self, failure: ProviderError, temperature: float | None) -> bool:
        return (
            failure.status == 400
            and temperature is not None
            and self.accepts_temperature
            and "temperature" in str(failure).lower()
        )

    async def _counted_usage(self, messages: Sequence[ChatMessage], reply: str) -> dict[str, Any]:
        """Counts from the server's tokenizer (content tokens, without the chat template's
        few), or unknown when it has none."""
        if self.name != "openai-compatible" or not self.base_url:
            return {"tokens_in": None, "tokens_out": None}
        prompt = "\n".join(m.content for m in messages)
        tokens_in = await count_tokens(self.base_url, self.model, prompt)
        tokens_out = await count_tokens(self.base_url, self.model, reply)
        return {"tokens_in": tokens_in, "tokens_out": tokens_out}


def _reported_usage(usage: Any) -> dict[str, Any]:
    """The usage fields of a final chunk (``usage.cost`` only OpenRouter sends)."""
    prompt = usage.prompt_tokens_details
    completion = usage.completion_tokens_details
    cost = (usage.model_extra or {}).get("cost")
    return {
        "tokens_in": usage.prompt_tokens,
        "tokens_out": usage.completion_tokens,
        "cache_read": prompt.cached_tokens if prompt is not None else None,
        "cache_write": getattr(prompt, "cache_write_tokens", None) if prompt else None,
        "thinking_tokens": completion.reasoning_tokens if completion is not None else None,
        "reported_cost": float(cost) if isinstance(cost, int | float) else None,
    }
