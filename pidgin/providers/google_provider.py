"""Gemini models through the google-genai SDK's streaming generateContent API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from google import genai
from google.genai import types

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import ReportsUsage, ResponseUsage, StreamCutOff
from pidgin.providers.sdk_errors import provider_error
from pidgin.providers.thinking import thinking_budget


class GoogleProvider(ReportsUsage):
    """System prompts go in ``system_instruction``; assistant turns have the role ``model``.

    Gemini caches repeated prefixes on its own and reports the hits
    (``cachedContentTokenCount``, part of ``promptTokenCount``); ``thinking`` sets a
    thinking budget and asks for the thoughts, which are recorded, not shown.
    """

    name = "google"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = 120.0,
        thinking: str | None = None,
        accepts_temperature: bool = True,
    ) -> None:
        self.model = model
        self.thinking = thinking_budget(thinking)
        self.accepts_temperature = accepts_temperature
        options = types.HttpOptions(
            base_url=base_url,
            timeout=int(timeout * 1000),
            # Retries are Pidgin's job (each attempt is recorded), so the SDK's own are off.
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        self._client = genai.Client(api_key=api_key, http_options=options)

    @staticmethod
    def _contents(messages: Sequence[ChatMessage]) -> list[types.Content]:
        return [
            types.Content(
                role="model" if m.role == "assistant" else "user",
                parts=[types.Part(text=m.content)],
            )
            for m in messages
            if m.role != "system"
        ]

    def _config(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None,
        seed: int | None,
        max_tokens: int | None,
    ) -> types.GenerateContentConfig:
        system = "\n\n".join(m.content for m in messages if m.role == "system") or None
        thinking = (
            None
            if self.thinking is None
            else types.ThinkingConfig(thinking_budget=self.thinking, include_thoughts=True)
        )
        return types.GenerateContentConfig(
            system_instruction=system,
            temperature=temperature if self.accepts_temperature else None,
            seed=seed,
            max_output_tokens=max_tokens,
            thinking_config=thinking,
        )

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self._last_usage = None
        usage: types.GenerateContentResponseUsageMetadata | None = None
        model = self.model
        finish_reason: str | None = None
        thoughts: list[str] = []
        try:
            stream = await self._client.aio.models.generate_content_stream(
                model=self.model,
                contents=self._contents(messages),
                config=self._config(messages, temperature, seed, max_tokens),
            )
            async for chunk in stream:
                model = chunk.model_version or model
                if chunk.usage_metadata is not None:
                    usage = chunk.usage_metadata
                for candidate in chunk.candidates or ():
                    parts = candidate.content.parts if candidate.content else None
                    for part in parts or ():
                        if part.text and part.thought:
                            thoughts.append(part.text)
                        elif part.text:
                            yield part.text
                    if candidate.finish_reason is not None:
                        finish_reason = str(candidate.finish_reason.value)
        except Exception as error:
            raise provider_error(self.name, error) from None
        if finish_reason is None:
            raise StreamCutOff(self.name)
        thinking_tokens = usage.thoughts_token_count if usage else None
        candidates = usage.candidates_token_count if usage else None
        self._last_usage = ResponseUsage(
            tokens_in=usage.prompt_token_count if usage else None,
            # Gemini counts thoughts apart from the answer; tokens_out is both.
            tokens_out=None if candidates is None else candidates + (thinking_tokens or 0),
            model=f"google:{model}",
            stop_reason=finish_reason,
            thinking="".join(thoughts) or None,
            cache_read=usage.cached_content_token_count if usage else None,
            thinking_tokens=thinking_tokens,
        )
