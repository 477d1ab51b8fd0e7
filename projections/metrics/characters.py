"""Character-level metrics of many messages at once, counted on code points.

All texts are joined and read as one array of code points; characters are counted per
message with ``numpy.bincount`` (a table of 128 columns for ASCII, sorted groups for the
rest). The regular expressions (emoji, arrows, numbers, list items) then run only on
the messages that hold a character they need. Definitions: docs/metrics.md.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from projections.metrics.columnar import (
    Bools,
    Floats,
    Ints,
    entropy_bits,
    safe_divide,
    sorted_groups,
    total,
)

# Four disjoint kinds of special character (docs/metrics.md); a character belongs to
# the first kind that lists it. ASCII operators: "<=", ">=" and "!=" compare (math),
# "->", "<-", "<->", "=>" and "<=>" point (arrows).
ARROW_CHARS = "→←↔⇒⇐⇔⇨⇦➜➔➙➛➝➞➟➠➡➢➣➤⬅↑↓⬆⬇↖↗↘↙↩↪⟶⟵⟷"
MATH_SYMBOLS = frozenset("∑∏√∞≈≠≡≤≥±×÷∫∂∆∇∈∉⊂⊃∪∩∀∃∝∴∵′″")
BOX_AND_BULLETS = frozenset("•◦▪▫■□●○◆◇★☆✓✗│─┌┐└┘├┤┬┴┼═║╔╗╚╝")
OPERATORS = re.compile("<=>|<->|->|<-|=>|<=|>=|!=|[" + ARROW_CHARS + "]")
ASCII_MATH = frozenset({"<=", ">=", "!="})
EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
                (0x2300, 0x23FF))  # fmt: skip
JOINERS = "\ufe0f\u200d"  # variation selector 16 and zero-width joiner: inside a run only


def _character_class(ranges: tuple[tuple[int, int], ...], excluded: set[int]) -> str:
    """A regular-expression character class of ``ranges`` without ``excluded``."""
    parts: list[str] = []
    for low, high in ranges:
        begin = low
        for code in [*sorted(c for c in excluded if low <= c <= high), high + 1]:
            if begin < code:
                parts.append(f"\\U{begin:08x}-\\U{code - 1:08x}")
            begin = code + 1
    return "[" + "".join(parts) + "]"


_NOT_EMOJI = {ord(c) for c in ARROW_CHARS} | {ord(c) for c in MATH_SYMBOLS | BOX_AND_BULLETS}
_EMOJI = _character_class(EMOJI_RANGES, _NOT_EMOJI)
EMOJI_RUN = re.compile(f"{_EMOJI}(?:{_EMOJI}|[{JOINERS}])*")
NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+", re.MULTILINE)
RARE = 0x2190  # from here on, emoji and arrows become possible
QUESTION_MARKS = (ord("？"), ord("؟"))  # beside "?": full-width and Arabic
EXCLAMATION_MARKS = (ord("！"),)  # beside "!": full-width

CHARACTER_METRICS = (
    "char_count",
    "character_entropy",
    "symbol_density",
    "punctuation_diversity",
    "question_count",
    "exclamation_count",
    "emoji_count",
    "arrow_count",
    "math_symbol_count",
    "special_char_count",
    "number_count",
    "list_item_count",
)


@cache
def _classes(code: int) -> tuple[bool, bool, bool, bool, bool, bool]:
    """alpha, space, alnum, digit, math symbol, box or bullet: of one code point."""
    char = chr(code)
    return (
        char.isalpha(),
        char.isspace(),
        char.isalnum(),
        char.isdigit(),
        char in MATH_SYMBOLS,
        char in BOX_AND_BULLETS,
    )


_ASCII = np.array([_classes(code) for code in range(128)], dtype=bool).T


MARKS = "?!,;:"  # then all dashes: what the convergence shape counts


CodePoints = tuple[Ints, Ints, Floats]


def character_metrics(texts: list[str]) -> tuple[dict[str, Floats], Ints, CodePoints]:
    """Every character-level metric of each text (apostrophes already made straight),
    how often each text holds each of MARKS and a dash (- – —), and its characters
    beyond ASCII as (message, code point, count) entries."""
    size = len(texts)
    lengths = np.fromiter(map(len, texts), np.int64, size)
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    # ASCII: a table of 128 counts per message, from one bincount of message × 129 +
    # code, where column 128 gathers every other code point (then dropped).
    cell = np.repeat(np.arange(0, size * 129, 129, dtype=np.int64), lengths)
    cell += np.minimum(codes, 128)
    table = total(cell, None, size * 129).reshape(size, 129)[:, :128]
    # Other code points: one entry per (message, character), in code order.
    other = np.flatnonzero(codes >= 128)
    others = sorted_groups(cell[other] // 129 * 0x110000 + codes[other])
    other_owner, other_code = others.key // 0x110000, others.key % 0x110000
    other_count = others.size.astype(np.float64)
    classes = (
        np.array([_classes(code) for code in other_code.tolist()], dtype=bool).reshape(-1, 6).T
    )
    present = table > 0
    _, space, alnum, digit = _ASCII[:4]  # no math symbol or box is ASCII

    def per_message(ascii_column: Bools, other_values: Floats) -> Floats:
        summed: Floats = (table * ascii_column).sum(axis=1) + total(other_owner, other_values, size)
        return summed

    def distinct(ascii_column: Bools, other_flags: Bools) -> Floats:
        ascii_kinds = (present & ascii_column).sum(axis=1, dtype=np.float64)
        counted: Floats = ascii_kinds + total(other_owner, other_flags, size)
        return counted

    alphanumeric = per_message(alnum, other_count * classes[2])
    spaces = per_message(space, other_count * classes[1])
    kinds = present.sum(axis=1) + total(other_owner, None, size)
    alphanumeric_kinds = distinct(alnum, classes[2])
    space_kinds = distinct(space, classes[1])
    digits = distinct(digit, classes[3]) > 0
    math_symbols = total(other_owner, other_count * classes[4], size)
    box_chars = total(other_owner, other_count * classes[5], size)
    rare = total(other_owner, other_code >= RARE, size) > 0
    operators_possible = rare | present[:, ord("<")] | present[:, ord(">")]
    operators_possible |= present[:, ord("!")] & present[:, ord("=")]
    listing = digits | present[:, [ord(c) for c in "-*+"]].any(axis=1)
    listing |= total(other_owner, other_code == ord("•"), size) > 0
    emoji, arrows, numbers, lists = (np.zeros(size) for _ in range(4))
    for index in np.flatnonzero(rare).tolist():
        emoji[index] = len(EMOJI_RUN.findall(texts[index]))
    ascii_math = np.zeros(size)
    for index in np.flatnonzero(operators_possible).tolist():
        found = OPERATORS.findall(texts[index])
        ascii_math[index] = sum(map(ASCII_MATH.__contains__, found))
        arrows[index] = len(found) - ascii_math[index]
    math_symbols += ascii_math
    for index in np.flatnonzero(digits).tolist():
        numbers[index] = len(NUMBER.findall(texts[index]))
    for index in np.flatnonzero(listing).tolist():
        lists[index] = len(LIST_ITEM.findall(texts[index]))
    n = lengths.astype(np.float64)
    dashes = table[:, ord("-")] + total(
        other_owner, other_count * np.isin(other_code, [ord("–"), ord("—")]), size
    )
    marks = np.column_stack([table[:, [ord(c) for c in MARKS]], dashes]).astype(np.int64)

    def _among(codes: tuple[int, ...]) -> Floats:
        return total(other_owner, other_count * np.isin(other_code, codes), size)

    metrics = {
        "char_count": n,
        "character_entropy": _entropy(n, table, other_owner, other_count, size),
        "symbol_density": safe_divide(n - alphanumeric - spaces, n),
        "punctuation_diversity": kinds - alphanumeric_kinds - space_kinds - present[:, ord("_")],
        "question_count": table[:, ord("?")] + _among(QUESTION_MARKS),
        "exclamation_count": table[:, ord("!")] + _among(EXCLAMATION_MARKS),
        "emoji_count": emoji,
        "arrow_count": arrows,
        "math_symbol_count": math_symbols,
        "special_char_count": emoji + arrows + math_symbols + box_chars,
        "number_count": numbers,
        "list_item_count": lists,
    }
    return metrics, marks, (other_owner, other_code, other_count)


def _entropy(n: Floats, table: Floats, owner: Ints, counts: Floats, size: int) -> Floats:
    """Entropy in bits of each message's characters (:func:`entropy_bits`).

    Σ c·log2 c is added in code point order (ASCII, then the rest), fixed by the text.
    """
    rows, columns = np.nonzero(table)
    values = table[rows, columns]
    summed = total(
        np.concatenate([rows, owner]),
        np.concatenate([values * np.log2(values), counts * np.log2(counts)]),
        size,
    )
    return entropy_bits(n, summed)
