"""The one pass over each message's text in plain Python.

Here: finding the words and sentence breaks (one regular expression), compression,
paragraphs. Characters are counted for many messages at once
(``projections.metrics.characters``), words on token ids
(``projections.metrics.message_batch``).
"""

from __future__ import annotations

import re
import zlib
from typing import NamedTuple

from projections.metrics.text import APOSTROPHES, QUESTION_ENDS, words_and_breaks

COMPRESSION_CAP = 2.0
# Paragraphs are separated by a line that is empty or white space only (\r\n line ends
# included: the \r is white space).
BLANK_LINE = re.compile(r"\n[^\S\n]*\n")

# The per-message values this pass computes, in the order of ScannedMessage.values.
TEXT_METRICS = ("paragraph_count", "compression_ratio")


class ScannedMessage(NamedTuple):
    """One message after the text pass."""

    text: str  # with straight apostrophes
    tokens: list[str]  # words and sentence breaks, in order
    values: tuple[float, ...]  # TEXT_METRICS, in order
    ends_with_question: bool  # the last character that is not white space is "?"
    double_questions: int  # "??" occurrences, for formality


def scan(raw: str) -> ScannedMessage:
    """The text pass of one message (definitions in docs/metrics.md)."""
    text = raw if raw.isascii() else raw.translate(APOSTROPHES)
    raw_bytes = text.encode("utf-8")
    values = (
        sum(map(bool, map(str.strip, BLANK_LINE.split(text)))),  # blocks that are not blank
        (
            min(COMPRESSION_CAP, len(zlib.compress(raw_bytes)) / len(raw_bytes))
            if raw_bytes
            else 0.0
        ),
    )
    return ScannedMessage(
        text=text,
        tokens=words_and_breaks(text),
        values=values,
        ends_with_question=text.rstrip().endswith(QUESTION_ENDS),
        double_questions=text.count("??"),
    )
