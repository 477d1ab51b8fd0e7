"""The one pass over a message's characters in plain Python.

Here: finding the words and sentence breaks (one regular expression), and what needs
the characters themselves (character classes and entropy, compression, symbols,
numbers, list items). Everything over words is counted for many messages at once on
token ids (``projections.metrics.message_batch``).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

from projections.metrics.text import APOSTROPHES, WORD_OR_BREAK

MTLD_THRESHOLD = 0.72
COMPRESSION_CAP = 2.0

EMOJI_RUN = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2300-\u23ff\ufe0f\u200d]+")
ARROWS = re.compile("<=>|<->|->|<-|=>|<=|[→←↔⇒⇐⇔➜➡⬅↑↓⬆⬇↖↗↘↙]")
MATH_SYMBOLS = frozenset("∑∏√∞≈≠≡≤≥±×÷∫∂∆∇∈∉⊂⊃∪∩∀∃∝∴∵′″")
BOX_AND_BULLETS = frozenset("•◦▪▫■□●○◆◇★☆│─┌┐└┘├┤┬┴┼═║╔╗╚╝")
NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+", re.MULTILINE)

# The per-message values this pass computes, in the order of ScannedMessage.values.
TEXT_METRICS = (
    "char_count",
    "paragraph_count",
    "list_item_count",
    "character_entropy",
    "compression_ratio",
    "symbol_density",
    "emoji_count",
    "arrow_count",
    "math_symbol_count",
    "punctuation_diversity",
    "special_char_count",
    "number_count",
    "question_count",
    "exclamation_count",
)


class ScannedMessage(NamedTuple):
    """One message after the character pass."""

    tokens: list[int]  # token ids (words and sentence breaks, in order)
    values: tuple[float, ...]  # TEXT_METRICS, in order
    ends_with_question: bool  # the last character that is not white space is "?"
    double_questions: int  # "??" occurrences, for formality


_XLOGX = [0.0] + [n * math.log2(n) for n in range(1, 4097)]


def _xlogx(n: int) -> float:
    return n * math.log2(n)


def shannon_entropy(counts: Counter[str]) -> float:
    """Entropy in bits of a frequency table: log2 N − Σ c·log2 c / N."""
    total = counts.total()
    if total == 0:
        return 0.0
    table = _XLOGX.__getitem__ if total < len(_XLOGX) else _xlogx
    return max(0.0, math.log2(total) - float(sum(map(table, counts.values()))) / total)


def mtld(words: Sequence[Hashable]) -> float:
    """MTLD (McCarthy & Jarvis, 2010): mean of the forward and backward passes."""
    if not words:
        return 0.0
    return (_mtld_pass(words) + _mtld_pass(words[::-1])) / 2


def _mtld_pass(words: Sequence[Hashable]) -> float:
    factors = 0.0
    seen: set[Hashable] = set()
    add = seen.add
    count = types = 0
    for word in words:
        count += 1
        if word not in seen:
            add(word)  # A new word never lowers the TTR: no check needed.
            types += 1
        elif types <= MTLD_THRESHOLD * count:
            factors += 1
            seen.clear()
            count = types = 0
    if count:
        factors += (1 - types / count) / (1 - MTLD_THRESHOLD)
    return len(words) / factors if factors else float(len(words))


def _may_list(chars: Counter[str]) -> bool:
    """Whether a list marker (``-``, ``*``, ``+``, ``•`` or a digit) can be present."""
    return any(mark in chars for mark in "-*+•") or any(map(str.isdigit, chars))


def scan(raw: str, token_id: Callable[[str], int]) -> ScannedMessage:
    """The character pass of one message (definitions in docs/metrics.md)."""
    text = raw.translate(APOSTROPHES)
    tokens = list(map(token_id, WORD_OR_BREAK.findall(text)))
    chars = Counter(text)
    length = len(text)
    letter_keys = list(filter(str.isalpha, chars))
    space_keys = list(filter(str.isspace, chars))
    alphanumeric = sum(map(str.isalnum, chars))
    letters = sum(map(chars.__getitem__, letter_keys))
    spaces = sum(map(chars.__getitem__, space_keys))
    rare = bool(chars) and max(chars) >= "\u2190"
    # The regular expressions run only when a character they need is present.
    emoji = len(EMOJI_RUN.findall(text)) if rare else 0
    arrows = len(ARROWS.findall(text)) if rare or "<" in chars or ">" in chars else 0
    math_symbols = sum(chars[ch] for ch in chars.keys() & MATH_SYMBOLS)
    boxes = sum(chars[ch] for ch in chars.keys() & BOX_AND_BULLETS)
    raw_bytes = text.encode("utf-8")
    values = (
        length,
        sum(1 for block in text.split("\n\n") if block.strip()),
        len(LIST_ITEM.findall(text)) if _may_list(chars) else 0,
        shannon_entropy(chars),
        (
            min(COMPRESSION_CAP, len(zlib.compress(raw_bytes)) / len(raw_bytes))
            if raw_bytes
            else 0.0
        ),
        (length - letters - spaces) / length if length else 0.0,
        emoji,
        arrows,
        math_symbols,
        len(chars) - alphanumeric - len(space_keys) - ("_" in chars),
        emoji + arrows + math_symbols + boxes,
        len(NUMBER.findall(text)) if alphanumeric > len(letter_keys) else 0,
        chars["?"],
        chars["!"],
    )
    return ScannedMessage(
        tokens=tokens,
        values=values,
        ends_with_question=text.rstrip().endswith("?"),
        double_questions=text.count("??"),
    )
