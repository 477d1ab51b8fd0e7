"""A conversation's messages as the detectors see them, with per-message features
computed once and shared by every detector."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
"""A word: letters, with inner apostrophes (don't, that’s)."""


@dataclass(frozen=True)
class Message:
    turn: int
    agent: str
    text: str


class ConversationText:
    """The messages in the order they were spoken, and what detectors derive from them."""

    def __init__(self, messages: Iterable[Message | tuple[int, str, str]]) -> None:
        self.messages: tuple[Message, ...] = tuple(
            m if isinstance(m, Message) else Message(*m) for m in messages
        )

    @cached_property
    def words(self) -> tuple[tuple[str, ...], ...]:
        """Each message's words, lower-cased, typographic apostrophes straightened."""
        return tuple(
            tuple(w.replace("’", "'") for w in WORD.findall(m.text.lower())) for m in self.messages
        )

    @cached_property
    def word_spans(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Where each of a message's words is in its text (for quoting the original)."""
        return tuple(tuple(w.span() for w in WORD.finditer(m.text)) for m in self.messages)

    @cached_property
    def trigrams(self) -> tuple[frozenset[tuple[str, str, str]], ...]:
        return tuple(frozenset(zip(w, w[1:], w[2:], strict=False)) for w in self.words)

    @cached_property
    def turns(self) -> tuple[int, ...]:
        """The turns that have messages, in order."""
        return tuple(sorted({m.turn for m in self.messages}))

    def by_turn(self) -> dict[int, list[int]]:
        """Turn → indexes of its messages."""
        found: dict[int, list[int]] = {}
        for index, message in enumerate(self.messages):
            found.setdefault(message.turn, []).append(index)
        return found

    def previous_from(self, index: int, agent: str | None) -> int | None:
        """The index of the latest message before ``index`` by ``agent`` (None: anyone)."""
        for earlier in range(index - 1, -1, -1):
            if agent is None or self.messages[earlier].agent == agent:
                return earlier
        return None

    def other_agent(self, index: int) -> str:
        return "b" if self.messages[index].agent == "a" else "a"


def compression_ratio(text: str) -> float:
    """Raw bytes over zlib-compressed bytes: higher means more repetitive text."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw, 9)) if raw else 1.0


def shingle_similarity(first: Sequence[str], second: Sequence[str]) -> float:
    """Jaccard similarity of two word sequences' 3-word shingles (their words when shorter)."""
    size = 3 if min(len(first), len(second)) >= 3 else 1
    a = {tuple(first[i : i + size]) for i in range(len(first) - size + 1)}
    b = {tuple(second[i : i + size]) for i in range(len(second) - size + 1)}
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)
