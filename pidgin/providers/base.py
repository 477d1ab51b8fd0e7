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
    """What a provider reports about the response it last streamed."""

    tokens_in: int
    tokens_out: int
    model: str
    stop_reason: str | None = None
    thinking: str | None = None


class ProviderError(Exception):
    """A provider failed to produce a reply; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class Provider(Protocol):
    """Streams one reply at a time; ``last_usage`` describes the reply last streamed."""

    name: str
    """The provider's name, e.g. ``local``."""

    @property
    def last_usage(self) -> ResponseUsage | None: ...

    def stream_response(
        self, messages: Sequence[ChatMessage], temperature: float | None = None
    ) -> AsyncIterator[str]: ...
