"""The one pass over a message's text in plain Python.

Only what needs the characters or the word order itself happens here: splitting into
sentences and words, regular expressions, compression, MTLD's running state, character
classes. Everything counted over words (lexicons, n-grams, history) is done for many
messages at once on the word ids (``projections.metrics.columnar``).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from itertools import compress
from operator import itemgetter
from typing import NamedTuple

from projections.metrics import lexicons as lx
from projections.metrics.text import APOSTROPHES, lower_words, split_words

MTLD_THRESHOLD = 0.72
COMPRESSION_CAP = 2.0

EMOJI_RUN = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2300-\u23ff\ufe0f\u200d]+")
ARROWS = re.compile("<=>|<->|->|<-|=>|<=|[→←↔⇒⇐⇔➜➡⬅↑↓⬆⬇↖↗↘↙]")
MATH_SYMBOLS = frozenset("∑∏√∞≈≠≡≤≥±×÷∫∂∆∇∈∉⊂⊃∪∩∀∃∝∴∵′″")
BOX_AND_BULLETS = frozenset("•◦▪▫■□●○◆◇★☆│─┌┐└┘├┤┬┴┼═║╔╗╚╝")
NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+", re.MULTILINE)
NEGATION_SLOT = lx.CATEGORY_NAMES.index("negation")

# The per-message values this pass computes, in the order of ScannedMessage.values.
TEXT_METRICS = (
    "char_count",
    "sentence_count",
    "paragraph_count",
    "avg_sentence_length",
    "sentence_length_sd",
    "list_item_count",
    "mtld",
    "character_entropy",
    "compression_ratio",
    "symbol_density",
    "emoji_count",
    "arrow_count",
    "math_symbol_count",
    "punctuation_diversity",
    "special_char_count",
    "number_count",
    "proper_noun_count",
    "uppercase_word_count",
    "question_count",
    "exclamation_count",
    "question_density",
)


class ScannedMessage(NamedTuple):
    """One message after the text pass."""

    text: str  # with curly apostrophes made straight
    words: list[str]  # lower-cased, in order
    sentence_lengths: list[int]
    values: tuple[float, ...]  # TEXT_METRICS, in order
    double_questions: int  # "??" occurrences, for formality
    phrase_hits: list[tuple[int, int]]  # (category slot, count) of phrases of 4+ words


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


def mtld(words: list[str]) -> float:
    """MTLD (McCarthy & Jarvis, 2010): mean of the forward and backward passes."""
    if not words:
        return 0.0
    return (_mtld_pass(words) + _mtld_pass(words[::-1])) / 2


def _mtld_pass(words: list[str]) -> float:
    factors = 0.0
    seen: set[str] = set()
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


def scan(raw: str) -> ScannedMessage:
    """The text pass of one message (definitions in docs/metrics.md)."""
    text = raw.translate(APOSTROPHES)
    tokens, lengths, firsts, question_sentences = split_words(text)
    words = lower_words(tokens)
    joined = f" {' '.join(words)} "
    n = len(words)
    sentences = len(lengths)
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
    first_words = set(firsts)
    proper = sum(
        1
        for i in compress(range(n), map(str.isupper, map(itemgetter(0), tokens)))
        if i not in first_words and words[i] not in lx.FIRST_SINGULAR
    )
    mean_length = n / sentences if sentences else 0.0
    raw_bytes = text.encode("utf-8")
    hits = [(slot, joined.count(phrase)) for phrase, slot in lx.LONG_PHRASES]
    hits.append((NEGATION_SLOT, joined.count("n't ") if "'" in text else 0))
    values = (
        length,
        sentences,
        sum(1 for block in text.split("\n\n") if block.strip()),
        mean_length,
        math.sqrt(sum((x - mean_length) ** 2 for x in lengths) / sentences) if sentences else 0.0,
        len(LIST_ITEM.findall(text)) if _may_list(chars) else 0,
        mtld(words),
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
        proper,
        sum(map(str.isupper, tokens)) - tokens.count("I") - tokens.count("A"),
        chars["?"],
        chars["!"],
        question_sentences / sentences if sentences else 0.0,
    )
    return ScannedMessage(
        text=text,
        words=words,
        sentence_lengths=lengths,
        values=values,
        double_questions=text.count("??"),
        phrase_hits=[hit for hit in hits if hit[1]],
    )
