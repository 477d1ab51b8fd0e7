"""The message being written, as it streams, for ``attach`` running in another process.

This is not the log: the log holds completed messages only (chunks are not events).
The runner keeps one small file per running conversation, ``live/<conversation_id>.txt``:
a first line ``AGENT TURN`` and the reply's text so far. It is rewritten at each new
request and removed when the conversation ends or pauses, so it never grows past one
message. A reader that finds no file, or a file for another message, just waits for the
log.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO
from uuid import UUID

from pidgin.bus import EventBus, MessageChunk
from pidgin.domain import Conversation

LIVE_DIR = "live"


class StreamWriter:
    """A bus subscriber that mirrors each streaming reply into its conversation's file."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._files: dict[UUID, IO[str]] = {}

    def attach(self, bus: EventBus) -> None:
        bus.subscribe(Conversation.MessageRequested, self._on_requested)
        bus.subscribe(MessageChunk, self._on_chunk)
        bus.subscribe(Conversation.ConversationEnded, self._on_done)
        bus.subscribe(Conversation.ConversationPaused, self._on_done)

    def _on_requested(self, event: Conversation.MessageRequested) -> None:
        handle = self._files.get(event.originator_id)
        if handle is None:  # Opened once per conversation, then rewritten in place.
            self._directory.mkdir(parents=True, exist_ok=True)
            handle = open(self._path(event.originator_id), "w", encoding="utf-8")  # noqa: SIM115
            self._files[event.originator_id] = handle
        handle.seek(0)
        handle.truncate()
        handle.write(f"{event.agent} {event.turn}\n")
        handle.flush()

    def _on_chunk(self, chunk: MessageChunk) -> None:
        handle = self._files.get(chunk.conversation_id)
        if handle is not None:
            handle.write(chunk.text)
            handle.flush()

    def _on_done(
        self, event: Conversation.ConversationEnded | Conversation.ConversationPaused
    ) -> None:
        self._close(event.originator_id)
        with contextlib.suppress(FileNotFoundError):
            self._path(event.originator_id).unlink()

    def _close(self, conversation_id: UUID) -> None:
        handle = self._files.pop(conversation_id, None)
        if handle is not None:
            handle.close()

    def close(self) -> None:
        for conversation_id in list(self._files):
            self._close(conversation_id)

    def _path(self, conversation_id: UUID) -> Path:
        return self._directory / f"{conversation_id}.txt"


def read_partial(directory: Path, conversation_id: UUID) -> tuple[str, int, str] | None:
    """(agent, turn, text so far) of the message being written, if the runner has one."""
    try:
        content = (directory / f"{conversation_id}.txt").read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    header, separator, text = content.partition("\n")
    parts = header.split()
    if not separator or len(parts) != 2 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), text
