"""``local:test``: the built-in deterministic model. No network, no keys, no dependency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from pidgin.domain.messages import ChatMessage
from pidgin.providers.base import ReportsUsage, ResponseUsage
from pidgin.providers.local_test_text import (
    cap_tokens,
    compose_reply,
    count_tokens,
    split_into_chunks,
)


class LocalTestProvider(ReportsUsage):
    """Streams :func:`compose_reply`'s text in several chunks."""

    name = "local"

    def __init__(self, model: str = "test") -> None:
        self.model = model

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self._last_usage = None
        whole = compose_reply(messages, temperature, seed)
        reply = whole if max_tokens is None else cap_tokens(whole, max_tokens)
        for chunk in split_into_chunks(reply):
            await asyncio.sleep(0)  # Let the event loop (live view, Ctrl+C) run between chunks.
            yield chunk
        self._last_usage = ResponseUsage(
            tokens_in=sum(count_tokens(m.content) for m in messages),
            tokens_out=count_tokens(reply),
            model=f"local:{self.model}",
            stop_reason="end_turn" if reply == whole else "max_tokens",
        )
