"""Finding a message's words and sentence breaks: one regular expression, one pass.

Words keep their case (proper nouns need it); every count and overlap uses them
lower-cased. A hyphenated compound ("well-known", "third-party") is one word, as VADER,
textstat and most readability tools read it. A URL (``http://``, ``https://``,
``www.``) is one word, never split into the words of its host and path. Sentences end
at ``.``, ``!`` or ``?`` followed by white space (closing quotes and brackets may come
between), at ``。 ！ ？ ؟`` (no space needed), or at a line break; a sentence is a
question when it ends with ``?``, ``？`` or ``؟``. Pieces without words are not sentences.
"""

from __future__ import annotations

import re

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# A URL ends before white space, quotes and brackets, and not on punctuation. (\x1c-\x1f
# are white space to str but not to an ASCII \s: spelled out for the ASCII pattern.)
URL = r"(?:https?://|www\.)[^\s\x1c-\x1f<>\"'()\[\]]*[^\s\x1c-\x1f<>\"'()\[\].,;:!?]"
WORD = re.compile(URL + r"|[^\W_]+(?:['-][^\W_]+)*")
WIDE_BREAK = r"[。！？؟][\"')\]」』]*\s*"
# A word, or a sentence break: terminal punctuation with what closes it and the white
# space after it, or line breaks. Findall returns both, in order.
WORD_OR_BREAK = re.compile(
    URL + r"|[^\W_]+(?:['-][^\W_]+)*|[.!?][\"')\]]*\s+|" + WIDE_BREAK + r"|\n+"
)
# The same for a text without "_" (then \w is [^\W_]), a little faster: possessive
# quantifiers never need to give anything back here.
WORD_OR_BREAK_NO_UNDERSCORE = re.compile(
    URL + r"|\w++(?:['-]\w++)*+|[.!?][\"')\]]*+\s++|" + WIDE_BREAK + r"|\n++"
)
# The same for an ASCII text, faster again: ASCII classes skip the Unicode tables. The
# white space is spelled out because, on str, \s also takes \x1c-\x1f.
WORD_OR_BREAK_ASCII = re.compile(
    URL + r"|[A-Za-z0-9]++(?:['-][A-Za-z0-9]++)*+|[.!?][\"')\]]*+[ \t\n\r\f\v\x1c-\x1f]++|\n++",
    re.ASCII,
)
BREAK_STARTS = frozenset(".!?\n。！？؟")
QUESTION_ENDS = ("?", "？", "؟")


def words_and_breaks(text: str) -> list[str]:
    """Every word and sentence break of ``text``, in order."""
    if text.isascii():  # a flag on the string: free
        return WORD_OR_BREAK_ASCII.findall(text)
    pattern = WORD_OR_BREAK if "_" in text else WORD_OR_BREAK_NO_UNDERSCORE
    return pattern.findall(text)


def lower_words(tokens: list[str]) -> list[str]:
    """The tokens lower-cased (one call for all: they hold no spaces)."""
    return " ".join(tokens).lower().split(" ") if tokens else []
