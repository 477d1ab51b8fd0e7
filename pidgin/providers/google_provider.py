"""Gemini models through the google-genai SDK's streaming generateContent API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from google import genai
from google.genai import types

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import ReportsUsage, ResponseUsage, StreamCutOff
from pidgin.providers.sdk_errors import provider_error


class GoogleProvider(ReportsUsage):
    """System prompts go in ``system_instruction``; assistant turns have the role ``model``."""

    name = "google"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.model = model
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

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self._last_usage = None
        system = "\n\n".join(m.content for m in messages if m.role == "system") or None
        config = types.GenerateContentConfig(
            system_instruction=system,
            temperature=temperature,
            seed=seed,
            max_output_tokens=max_tokens,
        )
        tokens_in = tokens_out = 0
        model = self.model
        finish_reason: str | None = None
        try:
            stream = await self._client.aio.models.generate_content_stream(
                model=self.model, contents=self._contents(messages), config=config
            )
            async for chunk in stream:
                model = chunk.model_version or model
                if chunk.usage_metadata is not None:
                    tokens_in = chunk.usage_metadata.prompt_token_count or tokens_in
                    tokens_out = chunk.usage_metadata.candidates_token_count or tokens_out
                for candidate in chunk.candidates or ():
                    parts = candidate.content.parts if candidate.content else None
                    for part in parts or ():
                        if part.text and not part.thought:
                            yield part.text
                    if candidate.finish_reason is not None:
                        finish_reason = str(candidate.finish_reason.value)
        except Exception as error:
            raise provider_error(self.name, error) from None
        if finish_reason is None:
            raise StreamCutOff(self.name)
        self._last_usage = ResponseUsage(
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            model=f"google:{model}",
            stop_reason=finish_reason,
        )
