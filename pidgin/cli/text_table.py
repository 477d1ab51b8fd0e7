"""A plain table that fits the terminal: columns two spaces apart, long cells cut with "…".

Listings may hold tens of thousands of rows; formatting them as strings costs
microseconds a row, where a rich table costs about a millisecond, and the output is
the same in a terminal, a pipe or a file.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass

GAP = "  "


@dataclass(frozen=True)
class Column:
    header: str
    right: bool = False
    shrink_to: int | None = None
    """None: never cut. Else the narrowest this column gets when the terminal is narrow."""


def terminal_width() -> int:
    """The terminal's width, COLUMNS if set, else 80 (a pipe, a file)."""
    return shutil.get_terminal_size(fallback=(80, 24)).columns


def fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def widths(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column's width: its widest cell, the shrinkable ones cut until the row fits."""
    sizes = [max([len(c.header), *(len(row[i]) for row in rows)]) for i, c in enumerate(columns)]
    excess = sum(sizes) + len(GAP) * (len(sizes) - 1) - width
    while excess > 0:
        room = [
            (sizes[i] - (c.shrink_to or 0), i)
            for i, c in enumerate(columns)
            if c.shrink_to is not None and sizes[i] > c.shrink_to
        ]
        if not room:
            break
        spare, index = max(room)
        cut = min(spare, excess, max(1, spare // 2))
        sizes[index] -= cut
        excess -= cut
    return sizes


def render(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str = "",
    caption: str = "",
    width: int | None = None,
) -> str:
    """The table as text: title, header, a rule, rows, caption."""
    total = terminal_width() if width is None else width
    sizes = widths(columns, rows, total)

    template = GAP.join(
        f"{{:{'>' if column.right else '<'}{size}}}"
        for column, size in zip(columns, sizes, strict=True)
    )

    def line(cells: Sequence[str]) -> str:
        fitted = [c if len(c) <= n else fit(c, n) for c, n in zip(cells, sizes, strict=True)]
        return template.format(*fitted).rstrip()

    rule = "─" * min(total, sum(sizes) + len(GAP) * (len(sizes) - 1))
    lines = [title] if title else []
    lines += [line([c.header for c in columns]), rule, *(line(row) for row in rows)]
    if caption:
        lines.append(caption)
    return "\n".join(lines)
