"""Turn whatever an SDK or HTTP client raised into a :class:`ProviderError`.

Duck-typed on purpose: this module imports no SDK, so it costs nothing at start-up and
works for the anthropic and openai SDKs (same error shapes), google-genai and aiohttp.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pidgin.providers.base import (
    ContextLimitError,
    ProviderError,
    ProviderTimeout,
    is_retryable_status,
    parse_retry_after,
)
from pidgin.providers.keys import known_secrets
from pidgin.providers.redaction import redact_text

_TRANSPORT_MODULES = ("httpx", "httpx2", "httpcore", "httpcore2", "aiohttp", "anyio", "h11")
# How each hosted API says the prompt no longer fits the model's context window, in a
# 400's message: Anthropic ("prompt is too long: N tokens > M maximum"), OpenAI ("maximum
# context length is N tokens", code context_length_exceeded), xAI ("maximum prompt length
# is N"), Gemini ("input token count (N) exceeds the maximum number of tokens allowed").
_CONTEXT_FULL = re.compile(
    r"prompt is too long|maximum context length|maximum prompt length"
    r"|exceeds the maximum number of tokens|context_length_exceeded",
    re.IGNORECASE,
)


def _headers(error: BaseException) -> Mapping[str, str]:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    return headers if isinstance(headers, Mapping) else {}


def _short_message(error: BaseException) -> str:
    body: Any = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    message = getattr(error, "message", None)
    return str(message) if isinstance(message, str) and message else str(error)


def is_transport_error(error: BaseException) -> bool:
    """A network-level failure (connection reset, incomplete body, read timeout)."""
    if isinstance(error, TimeoutError | ConnectionError):
        return True
    return any(cls.__module__.split(".")[0] in _TRANSPORT_MODULES for cls in type(error).__mro__)


def provider_error(provider: str, error: BaseException) -> ProviderError:
    """The :class:`ProviderError` that describes ``error``, with secrets removed."""
    if isinstance(error, ProviderError):
        return error
    secrets = known_secrets()
    status = getattr(error, "status_code", None)
    if not isinstance(status, int):
        code = getattr(error, "code", None)  # google-genai's APIError
        status = code if isinstance(code, int) and 100 <= code < 600 else None
    if status is not None:
        retry_after = parse_retry_after(_headers(error).get("retry-after"))
        text = redact_text(_short_message(error), secrets)
        if status in (400, 413) and _context_full(error, text):
            return ContextLimitError(f"{provider} returned HTTP {status}: {text}", status=status)
        return ProviderError(
            f"{provider} returned HTTP {status}: {text}",
            status=status,
            retryable=is_retryable_status(status),
            retry_after=retry_after,
        )
    name = type(error).__name__
    if "Timeout" in name or isinstance(error, TimeoutError):
        return ProviderTimeout(f"{provider} timed out")
    if "Connection" in name or is_transport_error(error):
        detail = redact_text(str(error) or name, secrets)
        return ProviderError(f"{provider} connection failed: {detail}", retryable=True)
    return ProviderError(f"{provider} failed: {redact_text(repr(error), secrets)}")


def _context_full(error: BaseException, message: str) -> bool:
    """Whether a client error says the conversation outgrew the model's context window
    (the conversation then ends ``context_limit``, not ``error``)."""
    code = getattr(error, "code", None)  # the openai SDK's error code
    return code == "context_length_exceeded" or _CONTEXT_FULL.search(message) is not None
