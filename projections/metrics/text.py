"""Splitting a message into sentences and words: one regular expression, one pass.

Words keep their case (proper nouns need it); every count and overlap uses them
lower-cased. Sentences end at ``.``, ``!`` or ``?`` followed by white space (closing
quotes and brackets may come between), or at a line break; a sentence is a question
when its last character is ``?``. Pieces without words are not sentences.
"""

from __future__ import annotations

import re
from typing import NamedTuple

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# A word, or a sentence break: terminal punctuation with what closes it and the white
# space after it, or line breaks. Findall returns both, in order.
WORD_OR_BREAK = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[.!?][\"')\]]*\s+|\n+")
_BREAK_STARTS = frozenset(".!?\n")


class SplitText(NamedTuple):
    tokens: list[str]  # the words, case kept
    sentence_lengths: list[int]  # words per sentence
    sentence_starts: list[int]  # the index in tokens of each sentence's first word
    questions: int  # sentences ending with "?"


def split_words(text: str) -> SplitText:
    """Words and sentences of ``text`` (already with straight apostrophes)."""
    tokens: list[str] = []
    lengths: list[int] = []
    starts: list[int] = []
    questions = 0
    begin = 0
    for token in WORD_OR_BREAK.findall(text):
        if token[0] not in _BREAK_STARTS:
            tokens.append(token)
        elif len(tokens) > begin:
            starts.append(begin)
            lengths.append(len(tokens) - begin)
            questions += token[0] == "?"
            begin = len(tokens)
    if len(tokens) > begin:
        starts.append(begin)
        lengths.append(len(tokens) - begin)
        questions += text.rstrip().endswith("?")
    return SplitText(tokens, lengths, starts, questions)


def lower_words(tokens: list[str]) -> list[str]:
    """The tokens lower-cased (one call for all: they hold no spaces)."""
    return " ".join(tokens).lower().split(" ") if tokens else []
