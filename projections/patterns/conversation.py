"""A conversation's messages as the detectors see them, with per-message features
computed once and shared by every detector."""

from __future__ import annotations

import re
import string
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice

from projections.patterns.lexicons import categories_of, count_extras

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
"""A word: letters, with inner apostrophes (don't, that’s)."""
ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
"""WORD for lower-cased ASCII text (the same words, found twice as fast)."""
NOT_SYMBOL = str.maketrans("", "", string.ascii_letters + string.digits + string.whitespace)
SYMBOL_TOKEN = re.compile(r"(?<!\S)[^\w\s]+(?!\S)")
"""A whitespace-separated token with no letter or digit in it (🌀, ***, ∞)."""


@dataclass(frozen=True)
class Message:
    turn: int
    agent: str
    text: str


@dataclass(frozen=True)
class Features:
    """What the detectors read from one message's text, computed once per text."""

    lower: str
    """Lower-cased, typographic apostrophes straightened."""
    words: tuple[str, ...]
    trigrams: frozenset[int]
    """Its 3-word phrases, as hashes (set operations on ints are cheap)."""
    lexicon: dict[str, int]
    """Matches per lexicon category (projections.patterns.lexicons); read-only."""
    symbol_share: float


@lru_cache(maxsize=20_000)
def features_of(text: str) -> Features:
    """A message's features. Cached by text: the live view and the conductor run the
    detectors after every turn over the whole conversation, which would otherwise
    tokenise every earlier message again each time."""
    lower = text.lower().replace("’", "'")
    words = tuple((ASCII_WORD if lower.isascii() else WORD).findall(lower))
    lexicon = count_extras(lower, text)
    for word, times in Counter(words).items():
        for category in categories_of(word):
            lexicon[category] = lexicon.get(category, 0) + times
    return Features(
        lower=lower,
        words=words,
        trigrams=frozenset(map(hash, zip(words, words[1:], words[2:], strict=False))),
        lexicon=lexicon,
        symbol_share=symbol_share(text),
    )


class ConversationText:
    """The messages in the order they were spoken, and what detectors derive from them."""

    def __init__(self, messages: Iterable[Message | tuple[int, str, str]]) -> None:
        self.messages: tuple[Message, ...] = tuple(
            m if isinstance(m, Message) else Message(*m) for m in messages
        )

    @cached_property
    def features(self) -> tuple[Features, ...]:
        return tuple(features_of(m.text) for m in self.messages)

    @cached_property
    def lower_texts(self) -> tuple[str, ...]:
        return tuple(f.lower for f in self.features)

    @cached_property
    def words(self) -> tuple[tuple[str, ...], ...]:
        """Each message's words, lower-cased, typographic apostrophes straightened."""
        return tuple(f.words for f in self.features)

    def word_spans(self, index: int) -> list[tuple[int, int]]:
        """Where each of message ``index``'s words is in its text (for quoting the
        original; only evidence needs it, so it is not computed for every message)."""
        return [m.span() for m in WORD.finditer(self.messages[index].text)]

    @cached_property
    def trigrams(self) -> tuple[frozenset[int], ...]:
        return tuple(f.trigrams for f in self.features)

    @cached_property
    def lexicon_counts(self) -> tuple[dict[str, int], ...]:
        return tuple(f.lexicon for f in self.features)

    def first_hit(self, index: int, category: str) -> tuple[int, int] | None:
        """The span of the first word of ``category`` in message ``index`` (None: only
        phrases or symbols matched)."""
        for position, word in enumerate(self.words[index]):
            if category in categories_of(word):
                found = next(islice(WORD.finditer(self.messages[index].text), position, None), None)
                return found.span() if found is not None else None
        return None

    @cached_property
    def symbol_shares(self) -> tuple[float, ...]:
        """Each message's share of tokens that hold no letter or digit."""
        return tuple(f.symbol_share for f in self.features)

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


def symbol_share(text: str) -> float:
    """The share of ``text``'s tokens that hold no letter or digit.

    Most messages are plain ASCII prose: when it has too few characters other than
    letters, digits and spaces to make any token a symbol token, the answer is 0 without
    looking at the tokens."""
    tokens = len(text.split())
    if not tokens:
        return 0.0
    if text.isascii() and not text.translate(NOT_SYMBOL):
        return 0.0
    return len(SYMBOL_TOKEN.findall(text)) / tokens


def compression_ratio(text: str) -> float:
    """Raw bytes over zlib-compressed bytes (its fastest level: the ratio is compared
    only with the same conversation's): higher means more repetitive text."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw, 1)) if raw else 1.0


def jaccard(first: frozenset[int], second: frozenset[int]) -> float:
    shared = len(first & second)
    union = len(first) + len(second) - shared
    return shared / union if union else 0.0


def shingle_similarity(first: Sequence[str], second: Sequence[str]) -> float:
    """Jaccard similarity of two word sequences' 3-word shingles (their words when shorter)."""
    size = 3 if min(len(first), len(second)) >= 3 else 1
    a = {tuple(first[i : i + size]) for i in range(len(first) - size + 1)}
    b = {tuple(second[i : i + size]) for i in range(len(second) - size + 1)}
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)
