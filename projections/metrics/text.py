"""Finding a message's words and sentence breaks: one regular expression, one pass.

Words keep their case (proper nouns need it); every count and overlap uses them
lower-cased. Sentences end at ``.``, ``!`` or ``?`` followed by white space (closing
quotes and brackets may come between), or at a line break; a sentence is a question
when its last character is ``?``. Pieces without words are not sentences.
"""

from __future__ import annotations

import re

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# A word, or a sentence break: terminal punctuation with what closes it and the white
# space after it, or line breaks. Findall returns both, in order.
WORD_OR_BREAK = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[.!?][\"')\]]*\s+|\n+")
# The same for a text without "_" (then \w is [^\W_]), a little faster: possessive
# quantifiers never need to give anything back here.
WORD_OR_BREAK_NO_UNDERSCORE = re.compile(r"\w++(?:'\w++)*+|[.!?][\"')\]]*+\s++|\n++")
# The same for an ASCII text, faster again: ASCII classes skip the Unicode tables. The
# white space is spelled out because, on str, \s also takes \x1c-\x1f.
WORD_OR_BREAK_ASCII = re.compile(
    r"[A-Za-z0-9]++(?:'[A-Za-z0-9]++)*+|[.!?][\"')\]]*+[ \t\n\r\f\v\x1c-\x1f]++|\n++", re.ASCII
)
BREAK_STARTS = frozenset(".!?\n")


def words_and_breaks(text: str) -> list[str]:
    """Every word and sentence break of ``text``, in order."""
    if text.isascii():  # a flag on the string: free
        return WORD_OR_BREAK_ASCII.findall(text)
    pattern = WORD_OR_BREAK if "_" in text else WORD_OR_BREAK_NO_UNDERSCORE
    return pattern.findall(text)


def lower_words(tokens: list[str]) -> list[str]:
    """The tokens lower-cased (one call for all: they hold no spaces)."""
    return " ".join(tokens).lower().split(" ") if tokens else []
