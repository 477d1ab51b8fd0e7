"""Ollama through its native streaming API: NDJSON from ``POST /api/chat``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import (
    ProviderError,
    ReportsUsage,
    ResponseUsage,
    StreamCutOff,
    is_retryable_status,
    parse_retry_after,
)
from pidgin.providers.sdk_errors import provider_error

DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"


def normalise_host(host: str | None) -> str:
    """``OLLAMA_HOST`` may be ``host:port`` without a scheme; make it a base URL."""
    value = (host or DEFAULT_OLLAMA_HOST).strip().rstrip("/")
    if "://" not in value:
        value = f"http://{value}"
    return value


class OllamaProvider(ReportsUsage):
    """One aiohttp session per response: the provider is used from more than one event loop
    (readiness check, then the conversation), and a session belongs to one loop."""

    name = "ollama"

    def __init__(
        self,
        model: str,
        *,
        host: str | None = None,
        timeout: float = 120.0,
        thinking: str | None = None,
    ) -> None:
        self.model = model
        self.host = normalise_host(host)
        self.timeout = timeout
        self.thinking = thinking is not None

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
        if self.thinking:
            request["think"] = True  # Ollama's thinking models stream message.thinking
        chosen = (("temperature", temperature), ("seed", seed), ("num_predict", max_tokens))
        options = {name: value for name, value in chosen if value is not None}
        if options:
            request["options"] = options
        return request

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self._last_usage = None
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.timeout, sock_read=self.timeout
        )
        final: dict[str, Any] | None = None
        thinking: list[str] = []
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(
                    f"{self.host}/api/chat",
                    json=self._request(messages, temperature, seed, max_tokens),
                ) as response,
            ):
                if response.status != 200:
                    raise await _http_error(response)
                async for raw in response.content:
                    line = raw.strip()
                    if not line:
                        continue
                    data = json.loads(line)
                    if "error" in data:
                        raise ProviderError(f"ollama: {data['error']}", retryable=False)
                    message = data.get("message", {})
                    if message.get("thinking"):
                        thinking.append(str(message["thinking"]))
                    text = message.get("content", "")
                    if text:
                        yield text
                    if data.get("done"):
                        final = data
        except ProviderError:
            raise
        except Exception as error:
            raise provider_error(self.name, error) from None
        if final is None:
            raise StreamCutOff(self.name)
        self._last_usage = ResponseUsage(
            # Counts Ollama leaves out are unknown (None), never 0.
            tokens_in=_count(final.get("prompt_eval_count")),
            tokens_out=_count(final.get("eval_count")),
            model=f"ollama:{final.get('model', self.model)}",
            stop_reason=final.get("done_reason"),
            thinking="".join(thinking) or None,
        )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def _http_error(response: aiohttp.ClientResponse) -> ProviderError:
    try:
        detail = str((await response.json(content_type=None)).get("error", ""))
    except (ValueError, AttributeError, aiohttp.ClientError):
        detail = response.reason or ""
    return ProviderError(
        f"ollama returned HTTP {response.status}: {detail}",
        status=response.status,
        retryable=is_retryable_status(response.status),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )
