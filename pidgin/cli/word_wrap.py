"""Word wrapping for text that arrives in pieces (streamed replies in the live view).

A terminal breaks a long line wherever it reaches the edge, often in the middle of a
word. Rich wraps whole strings, but a reply streams in chunks that may split a word,
so the live view feeds chunks through :class:`StreamWrapper`, which keeps the unfinished
last word back until it knows where it ends.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells

_TOKENS = re.compile(r"\n|[^\S\n]+|\S+")


class StreamWrapper:
    """Turns streamed text into lines of at most ``width`` cells, broken between words.

    Spaces at a break are dropped; a word longer than a line is cut at the edge; line
    breaks and the indentation after them are kept.
    """

    def __init__(self, width: int) -> None:
        self.width = max(1, width)
        self._column = 0
        self._space = ""  # whitespace waiting for the next word on the same line
        self._pending = ""  # the end of the text so far, perhaps part of a word
        self._after_newline = True  # a line the text itself started (indentation counts)

    def feed(self, text: str) -> str:
        """The text to print for ``text``; the last word or run of spaces, which the next
        chunk may continue, is kept back."""
        self._pending += text
        tokens = _TOKENS.findall(self._pending)
        self._pending = tokens.pop() if tokens and tokens[-1] != "\n" else ""
        return "".join(self._place(token) for token in tokens)

    def flush(self) -> str:
        """The rest of the text (at the end of a message); the next one starts a new line."""
        rest = self._place(self._pending) if self._pending.strip() else ""
        self._column, self._space, self._pending, self._after_newline = 0, "", "", True
        return rest

    def _place(self, token: str) -> str:
        if token == "\n":
            self._column, self._space, self._after_newline = 0, "", True
            return "\n"
        if token.isspace():
            if self._column == 0 and self._after_newline:  # indentation the text asked for
                indent = token[: self.width - 1]
                self._column = cell_len(indent)
                return indent
            self._space = token
            return ""
        out = ""
        width = cell_len(token)
        if self._column > 0 and self._column + cell_len(self._space) + width > self.width:
            out, self._column, self._space = "\n", 0, ""
        if self._column > 0:
            out += self._space
            self._column += cell_len(self._space)
        self._space, self._after_newline = "", False
        if self._column == 0 and width > self.width:  # longer than a line: cut at the edge
            pieces = chop_cells(token, self.width)
            out += "\n".join(pieces)
            self._column = cell_len(pieces[-1])
            return out
        self._column += width
        return out + token
