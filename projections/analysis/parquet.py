"""Parquet export: the analysis tables and views, one file each, from the DuckDB database."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from projections.analysis.schema import TABLES, VIEWS, table_query


def export_parquet(database: Path | str, directory: Path) -> list[Path]:
    """Write DIRECTORY/<table>.parquet for every table and view (each file replaced atomically)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    connection = duckdb.connect(str(database), read_only=True)
    try:
        connection.execute("SET TimeZone = 'UTC'")
        for name in (*TABLES, *VIEWS):
            target = directory / f"{name}.parquet"
            partial = directory / f".{name}.parquet.tmp"
            connection.execute(
                f"COPY ({table_query(name)}) TO '{_quoted(partial)}' (FORMAT parquet)"
            )
            os.replace(partial, target)
            written.append(target)
    finally:
        connection.close()
    return written


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
