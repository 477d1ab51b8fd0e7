"""A provider that records every history it is sent: the system under observation when a
test asks "what exactly did agent B receive?". It replies with short, distinct texts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from pidgin.domain import ChatMessage
from pidgin.providers.base import ResponseUsage
from pidgin.turn_setup import NAME_PROMPT


@dataclass
class RecordingProvider:
    label: str
    chosen_name: str = "Nova"
    name: str = "recording"
    sent: list[list[ChatMessage]] = field(default_factory=list)
    _usage: ResponseUsage | None = None

    @property
    def last_usage(self) -> ResponseUsage | None:
        return self._usage

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        self.sent.append(list(messages))
        if messages[-1].content == NAME_PROMPT:
            reply = f"**{self.chosen_name}**."
        else:
            reply = f"{self.label} reply {len(self.sent)}"
        for word in reply.split(" "):
            yield word + " "
        self._usage = ResponseUsage(tokens_in=len(messages), tokens_out=3, model="recording")

    def conversation_requests(self) -> list[list[ChatMessage]]:
        """Every history sent for a conversation message (not the name question)."""
        return [sent for sent in self.sent if sent[-1].content != NAME_PROMPT]

    def system_texts(self) -> set[str]:
        return {m.content for sent in self.sent for m in sent if m.role == "system"}
