"""The HTML report: a projection of the analysis database into one self-contained file.

``build_report`` reads the DuckDB tables (never the log or provider objects), so the same
database, made from the same log with the same metrics version, gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from projections.report.data import load
from projections.report.page import render
from projections.report.sections import build_page
from projections.report.select import SelectionError, resolve

__all__ = ["ReportError", "SelectionError", "build_report"]


class ReportError(Exception):
    """The report cannot be made from this database (one line, for the user)."""


def build_report(database: Path, words: list[str], *, compare: bool = False) -> str:
    """The report's HTML on the conversations ``words`` select (see select.resolve)."""
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as error:
        raise ReportError(f"cannot open {database}: {_one_line(error)}") from None
    try:
        connection.execute("SET TimeZone = 'UTC'")
        groups = resolve(connection, words, compare=compare)
        if not groups:
            raise SelectionError("no conversations to report on: record some first")
        data = load(connection, groups)
    finally:
        connection.close()
    if compare:
        title = "Pidgin comparison: " + " vs ".join(g.label for g in groups)
    elif len(groups) == 1:
        title = f"Pidgin report: {groups[0].label}"
    else:
        title = f"Pidgin report: {len(groups)} groups"
    return render(data, build_page(data, compare=compare), title=title)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
