"""The one interface every model provider implements, and what it reports back.

Providers know nothing about events: they stream text. The conductor turns what they
yield into events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from pidgin.domain.messages import ChatMessage


@dataclass(frozen=True)
class ResponseUsage:
    """What a provider reports about the response it last streamed.

    ``tokens_in`` counts every input token, cached or not; ``cache_read`` and
    ``cache_write`` are the parts of it read from and written to a prompt cache.
    A count the provider did not report is None (unknown), never 0.
    """

    tokens_in: int | None
    tokens_out: int | None
    model: str
    stop_reason: str | None = None
    thinking: str | None = None
    cache_read: int | None = None
    cache_write: int | None = None
    thinking_tokens: int | None = None
    reported_cost: float | None = None
    """US dollars a gateway (OpenRouter) says the reply cost."""


class ProviderError(Exception):
    """A provider failed to produce a reply; ``retryable`` says whether trying again may help.

    ``retry_after`` is the wait in seconds the provider asked for (a 429's Retry-After).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
"""Client-error statuses worth retrying; every 5xx is retried as well."""


def is_retryable_status(status: int | None) -> bool:
    """429 (rate limited), timeouts, conflicts and every server error may succeed later."""
    return status is not None and (status in RETRYABLE_STATUSES or status >= 500)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form), or None."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)


class StreamCutOff(ProviderError):
    """The stream ended before the provider said the reply was complete (retryable)."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"{provider} stream ended before the reply was complete", retryable=True)


class ReportsUsage:
    """Keeps what the reply last streamed used, for the ``last_usage`` of :class:`Provider`.

    A provider sets ``self._last_usage`` to None when a stream starts and to the reply's
    usage when it finishes, so a cut-off stream never leaves stale usage behind.
    """

    _last_usage: ResponseUsage | None = None

    @property
    def last_usage(self) -> ResponseUsage | None:
        return self._last_usage


class Provider(Protocol):
    """Streams one reply at a time; ``last_usage`` describes the reply last streamed.

    ``seed`` is the conversation's recorded seed: providers whose model can sample from a
    seed pass it on (local models, OpenAI, Gemini, Ollama); the others ignore it.
    ``max_tokens`` caps the reply's length (None: the provider's own default); every
    provider sends it in its API's own field.
    """

    name: str
    """The provider's name, e.g. ``local``."""

    @property
    def last_usage(self) -> ResponseUsage | None: ...

    def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]: ...


class ProviderTimeout(ProviderError):
    """A request got no progress within the provider's timeout (retryable); after the
    last attempt the conversation ends with reason ``timeout``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class EmptyReply(ProviderError):
    """The provider finished a reply with no text (retryable: a new sample may say
    something); after the last attempt the conversation ends with ``empty_response``."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"{provider} returned an empty reply", retryable=True)


class ContextLimitError(ProviderError):
    """The history no longer fits the model's context window (not retryable); the
    conversation ends with reason ``context_limit``."""
