"""Narrowing the catalog: by experiment, model, status and start time, newest N.

Shared by ``pidgin list`` and ``pidgin search``; each filter becomes a SQL condition on
the catalog's ``conversations`` table, so filtering reads no events.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.catalog_db import CatalogEntry, entries

STATUSES = ("ended", "paused", "unfinished")
STATUS_SQL = {
    "ended": "end_reason IS NOT NULL",
    "paused": "end_reason IS NULL AND paused_reason IS NOT NULL",
    "unfinished": "end_reason IS NULL AND paused_reason IS NULL",
}
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Filters:
    experiment: str | None = None
    """An experiment's id, unique id prefix or name."""
    model: str | None = None
    """Part of either agent's model name, e.g. ``claude`` or ``local:test``."""
    status: str | None = None
    """ended, paused, unfinished, or an end reason such as max_turns."""
    since: datetime | None = None
    limit: int | None = None
    """Only the newest N conversations (still shown oldest first)."""


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``2026-05-01``, ``2026-05-01T12:00`` (UTC unless it says) or ``3d``/``12h``/``30m``/``2w``.

    Raises ValueError saying what is accepted.
    """
    value = text.strip()
    relative = re.fullmatch(r"(\d+)\s*([mhdw])", value.lower())
    if relative:
        amount = timedelta(**{UNITS[relative.group(2)]: int(relative.group(1))})
        return (now or datetime.now(UTC)) - amount
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--since {text!r} is neither a date (2026-05-01, 2026-05-01T12:00) "
            "nor an age (30m, 12h, 3d, 2w)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_status(status: str) -> str:
    """The status in lower case, or ValueError listing the accepted ones."""
    from pidgin.domain import END_REASONS

    wanted = status.strip().lower()
    if wanted not in STATUSES and wanted not in END_REASONS:
        accepted = ", ".join((*STATUSES, *END_REASONS))
        raise ValueError(f"unknown status {status!r}; expected one of {accepted}")
    return wanted


def condition(connection: sqlite3.Connection, filters: Filters) -> tuple[str, list[Any]]:
    """A ``WHERE …`` clause (or "") and its parameters for the conversations table.

    Raises LookupError when ``--experiment`` names no experiment.
    """
    parts: list[str] = []
    params: list[Any] = []
    if filters.experiment is not None:
        ids = experiment_ids(connection, filters.experiment)
        parts.append(f"experiment_id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    if filters.model:
        parts.append("(instr(lower(model_a), ?) > 0 OR instr(lower(model_b), ?) > 0)")
        params.extend([filters.model.strip().lower()] * 2)
    if filters.status:
        status = check_status(filters.status)
        parts.append(STATUS_SQL.get(status, "end_reason = ?"))
        params.extend([] if status in STATUS_SQL else [status])
    if filters.since is not None:
        parts.append("started_at >= ?")
        params.append(filters.since.astimezone(UTC).isoformat())
    return ("WHERE " + " AND ".join(parts) if parts else ""), params


def experiment_ids(connection: sqlite3.Connection, reference: str) -> list[str]:
    """Experiments whose id starts with ``reference`` or whose name is it (any case)."""
    wanted = reference.strip().lower()
    rows = connection.execute(
        "SELECT id FROM experiments WHERE id LIKE ? ESCAPE '\\' OR lower(name) = ?",
        (_like_prefix(wanted), wanted),
    ).fetchall()
    if not rows and wanted:
        # Conversations whose experiment was recorded elsewhere still carry its id.
        rows = connection.execute(
            "SELECT DISTINCT experiment_id FROM conversations WHERE experiment_id LIKE ? "
            "ESCAPE '\\'",
            (_like_prefix(wanted),),
        ).fetchall()
    if not rows or not wanted:
        raise LookupError(f"no experiment in the store matches {reference!r}")
    return [str(row[0]) for row in rows]


def select(connection: sqlite3.Connection, filters: Filters) -> list[CatalogEntry]:
    """The conversations that pass ``filters``, oldest first."""
    where, params = condition(connection, filters)
    if filters.limit is None:
        return entries(connection, where, params)
    newest = entries(connection, where, params, newest_first=True, limit=filters.limit)
    return newest[::-1]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
