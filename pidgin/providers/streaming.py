"""One attempt at a reply: stream it, time it, and say how it ended.

Knows nothing about events; the conductor records what this returns or raises.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import EmptyReply, Provider, ProviderError, ResponseUsage
from pidgin.providers.keys import known_secrets
from pidgin.providers.redaction import redact_text


@dataclass(frozen=True)
class StreamedReply:
    """A reply whose stream finished: the only kind that becomes a completed message."""

    text: str
    usage: ResponseUsage | None
    time_to_first_token: float | None
    duration: float

    @property
    def tokens(self) -> int:
        if self.usage is None:
            return 0
        return (self.usage.tokens_in or 0) + (self.usage.tokens_out or 0)


async def stream_reply(
    provider: Provider,
    history: Sequence[ChatMessage],
    temperature: float | None,
    on_chunk: Callable[[str], Awaitable[None]],
    seed: int | None = None,
    max_tokens: int | None = None,
) -> StreamedReply:
    """Stream one reply, passing each chunk to ``on_chunk``.

    Raises :class:`ProviderError` for every failure (:class:`EmptyReply` for a reply
    with no text: it cannot be handed to the other agent); an unexpected exception (a
    provider bug) becomes a non-retryable one, its text cleared of secrets.
    """
    parts: list[str] = []
    started = time.perf_counter()
    first_token_at: float | None = None
    try:
        async for chunk in provider.stream_response(history, temperature, seed, max_tokens):
            if first_token_at is None:
                first_token_at = time.perf_counter()
            parts.append(chunk)
            await on_chunk(chunk)
    except ProviderError:
        raise
    except Exception as error:  # A provider bug must not lose the conversation so far.
        raise ProviderError(redact_text(repr(error), known_secrets())) from error
    finished = time.perf_counter()
    text = "".join(parts)
    if not text.strip():
        raise EmptyReply(provider.name)
    return StreamedReply(
        text=text,
        usage=provider.last_usage,
        time_to_first_token=None if first_token_at is None else first_token_at - started,
        duration=finished - started,
    )
