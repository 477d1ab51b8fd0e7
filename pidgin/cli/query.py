"""``pidgin query``: run SQL against the analysis database and print the result."""

from __future__ import annotations

import csv
import json
import math
import sys
import warnings
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from time import monotonic, sleep
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from pidgin.cli.common import UserError, output_option

if TYPE_CHECKING:
    import duckdb

DATABASE_FILE = "pidgin.duckdb"
MAX_TABLE_ROWS = 1_000
"""Rows a table shows; nobody reads more in a terminal, and rendering them is slow."""
LOCK_WAIT_SECONDS = 10.0
LOCK_RETRY_SECONDS = 0.05


@click.command()
@click.argument("sql")
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The DuckDB database (default: OUTPUT/pidgin.duckdb, made by `pidgin project`).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table: a readable table; csv: header + rows; json: one array of objects.",
)
@output_option
def query(sql: str, database: Path | None, output_format: str, output: Path) -> None:
    """Run SQL (read-only) against the analysis database.

    Example: pidgin query "SELECT turn, mean_convergence FROM convergence_by_turn"
    """
    import duckdb

    if not sql.strip():
        raise UserError('the SQL is empty; for example: pidgin query "SELECT * FROM conversations"')
    path = database or output / DATABASE_FILE
    if not path.is_file():
        raise UserError(f"no analysis database at {path}: run `pidgin project --to duckdb` first")
    connection = _connect(path)
    left_out = 0
    try:
        connection.execute("SET TimeZone = 'UTC'")
        cursor = connection.execute(sql)
        if cursor is None:  # only ";" or comments: DuckDB ran nothing
            raise UserError("the SQL holds no statement")
        columns = [d[0] for d in cursor.description or []]
        if output_format == "table":
            rows = cursor.fetchmany(MAX_TABLE_ROWS) if columns else []
            if columns:  # Counted in Arrow batches, never held as Python rows.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "makes an extra copy": one batch's
                    rest = cursor.to_arrow_reader(65_536)
                    left_out = sum(batch.num_rows for batch in rest or ())
        else:
            rows = cursor.fetchall()
    except duckdb.Error as error:
        raise UserError(f"query failed: {_one_line(error)}") from None
    finally:
        connection.close()
    if output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
    elif output_format == "json":
        records = [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        _print_table(columns, rows, left_out)


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; while a writer (`pidgin project --follow` between two
    updates' commits) has the file, tried again for up to LOCK_WAIT_SECONDS."""
    import duckdb

    from projections.analysis.duckdb_projection import is_lock_conflict

    deadline = monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            if not is_lock_conflict(error):
                raise UserError(f"cannot open {path}: {_one_line(error)}") from None
            if monotonic() >= deadline:
                raise UserError(
                    f"cannot open {path}: another process is writing it (a `pidgin "
                    "project` still running?); try again when it is done"
                ) from None
            sleep(LOCK_RETRY_SECONDS)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _plain(value: Any) -> Any:
    """A JSON/CSV-friendly value: ids, times and intervals as text, decimals as floats,
    bytes as hex, NaN and infinities as text (JSON has no such numbers)."""
    if isinstance(value, UUID | timedelta):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _print_table(columns: list[str], rows: list[tuple[Any, ...]], left_out: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*["" if v is None else str(_plain(v)) for v in row])
    console = Console()
    console.print(table)
    total = len(rows) + left_out
    console.print(f"{total:,} row{'s' if total != 1 else ''}", style="dim")
    if left_out:
        console.print(
            f"{left_out:,} more rows not shown (a table shows the first {MAX_TABLE_ROWS:,}): "
            "use --format csv or --format json for every row, or LIMIT/OFFSET in the SQL",
            style="dim",
        )
