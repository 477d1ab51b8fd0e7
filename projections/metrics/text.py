"""One message, tokenised once: every metric reads these shared pieces.

Words keep their case in ``tokens`` (proper nouns need it) and are lower-cased in
``words`` (every count and overlap uses those). Sentences end at ``.``, ``!`` or ``?``
followed by white space, or at a line break; their terminal punctuation stays on them,
so a question is still a question after the split.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# Both alternatives start with one of [\s"')\]]: the lookahead only lets the engine skip faster.
SENTENCE_BREAK = re.compile(r"(?=[\s\"')\]])(?:(?<=[.!?])[\"')\]]*\s+|\n+)")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@dataclass(frozen=True, slots=True)
class MessageText:
    """The shared tokenisation of one message."""

    text: str
    tokens: list[str]
    words: list[str]
    counts: Counter[str]
    sentences: list[str]
    sentence_lengths: list[int]
    sentence_first_tokens: frozenset[int]
    joined: str

    @property
    def word_count(self) -> int:
        return len(self.words)


def tokenise(text: str) -> MessageText:
    """Split ``text`` into sentences and words (curly apostrophes become straight)."""
    normal = text.translate(APOSTROPHES)
    tokens: list[str] = []
    sentences: list[str] = []
    lengths: list[int] = []
    firsts: list[int] = []
    for piece in SENTENCE_BREAK.split(normal):
        found = WORD.findall(piece)
        if not found:
            continue
        firsts.append(len(tokens))
        tokens += found
        sentences.append(piece.strip())
        lengths.append(len(found))
    words = list(map(str.lower, tokens))
    return MessageText(
        text=normal,
        tokens=tokens,
        words=words,
        counts=Counter(words),
        sentences=sentences,
        sentence_lengths=lengths,
        sentence_first_tokens=frozenset(firsts),
        joined=f" {' '.join(words)} ",
    )
