"""Finding text in every recorded message, through the catalog (no events are read).

A plain search is case-insensitive (for ASCII text SQLite's LIKE narrows the messages
first, then Python picks the lines); ``regex`` runs a Python regular expression on each message.
Each hit is one line of a message that matches, with the match's place in it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from projections.catalog_filters import Filters, condition


@dataclass(frozen=True)
class Hit:
    conversation_id: str
    position: int
    turn: int
    agent: str
    line: str
    start: int
    """Where the match starts in ``line`` and where it ends."""
    end: int


def compile_pattern(text: str, *, regex: bool) -> re.Pattern[str]:
    """The pattern to look for; raises ValueError for an empty text or a bad expression."""
    if not text.strip():
        raise ValueError("the search text is empty")
    if not regex:
        return re.compile(re.escape(text), re.IGNORECASE)
    try:
        return re.compile(text, re.MULTILINE)  # ^ and $ at each line, as lines are shown
    except re.error as error:
        raise ValueError(f"not a valid regular expression: {error}") from None


def search(
    connection: sqlite3.Connection,
    text: str,
    *,
    regex: bool = False,
    filters: Filters | None = None,
    limit: int | None = None,
) -> Iterator[Hit]:
    """Matching lines in log order, at most ``limit`` of them."""
    pattern = compile_pattern(text, regex=regex)
    where, params = condition(connection, filters or Filters())
    scope = ""
    if filters is not None and (where or filters.limit is not None):
        # The conversations that pass the filters (newest N with --limit).
        tail = "" if filters.limit is None else f" ORDER BY position DESC LIMIT {filters.limit}"
        scope = f"AND conversation_id IN (SELECT id FROM conversations {where}{tail})"
    if regex or not text.isascii():  # LIKE folds the case of ASCII letters only
        connection.create_function(
            "matches", 1, lambda value: pattern.search(value) is not None, deterministic=True
        )
        test, argument = "matches(text)", []
    else:
        test, argument = "text LIKE ? ESCAPE '\\'", [_like(text)]
    sql = (
        "SELECT position, conversation_id, turn, agent, text FROM messages "
        f"WHERE {test} {scope} ORDER BY position"
    )
    found = 0
    rows: Any = connection.execute(sql, [*argument, *params])
    for position, cid, turn, agent, message in rows:
        for line in message.splitlines():
            match = pattern.search(line)
            if match is None or match.end() == match.start():
                continue
            yield Hit(cid, position, turn, agent, line, match.start(), match.end())
            found += 1
            if limit is not None and found >= limit:
                return


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
