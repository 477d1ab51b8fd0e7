"""Parquet export of the analysis database: one file per table and view, or one
hive-partitioned dataset per table (``TABLE/experiment_id=ID/part-0.parquet``).

A partitioned table is one dataset to DuckDB, polars, pyarrow and Spark alike. Rows of
conversations outside any experiment go to DuckDB's NULL partition,
``experiment_id=__HIVE_DEFAULT_PARTITION__``, which all four read back as null. Rows
are written in a fixed order, so the same log gives the same files; each table's
directory is replaced whole, so a re-run leaves no partition of an older export behind.
An empty table is one empty file in the NULL partition, so every reader finds its columns.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from projections.analysis.schema import ORDERED_BY_POSITION, TABLES, VIEWS, table_query

PARTITION_COLUMN = "experiment_id"
PART_NAME = "part-{i}"
NULL_PARTITION = f"{PARTITION_COLUMN}=__HIVE_DEFAULT_PARTITION__"


def export_parquet(database: Path | str, directory: Path) -> list[Path]:
    """Write DIRECTORY/<table>.parquet for every table and view (each file replaced atomically)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with _reader(database) as connection:
        for name in (*TABLES, *VIEWS):
            target = directory / f"{name}.parquet"
            partial = directory / f".{name}.parquet.tmp"
            connection.execute(
                f"COPY ({table_query(name)}) TO '{_quoted(partial)}' (FORMAT parquet)"
            )
            os.replace(partial, target)
            _remove(directory / name)  # a partitioned export's dataset of the same table
            written.append(target)
    return written


def export_partitioned(database: Path | str, directory: Path) -> list[Path]:
    """Write DIRECTORY/<table>/experiment_id=<id>/part-0.parquet for every table.

    Tables without an experiment_id column get their conversation's (events: their
    conversation's or experiment's). The views are left out: they aggregate across
    experiments, and a reader computes them from the tables in one query.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with _reader(database) as connection:
        connection.execute("SET threads = 1")  # one writer: files and row order fixed
        for name in TABLES:
            target = directory / name
            partial = directory / f".{name}.tmp"
            _remove(partial)
            connection.execute(
                f"COPY ({partitioned_query(name)}) TO '{_quoted(partial)}' (FORMAT parquet, "
                f"PARTITION_BY ({PARTITION_COLUMN}), FILENAME_PATTERN '{PART_NAME}')"
            )
            if not any(partial.glob("*/*.parquet")):  # an empty table: one empty file,
                empty = partial / NULL_PARTITION  # so that readers find its columns
                empty.mkdir(parents=True, exist_ok=True)
                connection.execute(
                    f"COPY (SELECT * EXCLUDE ({PARTITION_COLUMN}) FROM "
                    f"({partitioned_query(name)})) TO "
                    f"'{_quoted(empty / PART_NAME.format(i=0))}.parquet' (FORMAT parquet)"
                )
            old = directory / f".{name}.old"
            _remove(old)
            if target.exists():
                target.rename(old)
            partial.rename(target)
            _remove(old)
            (directory / f"{name}.parquet").unlink(missing_ok=True)  # a flat export's file
            written.append(target)
    return written


def partitioned_query(name: str) -> str:
    """A table's rows with their experiment_id, in a fixed order."""
    if name == "experiments":
        source = "SELECT * FROM experiments"
    elif name == "conversations":
        source = "SELECT * FROM conversations"
    elif name == "events":
        source = (
            "SELECT t.*, coalesce(c.experiment_id, e.experiment_id) AS experiment_id "
            "FROM events AS t "
            "LEFT JOIN conversations AS c ON c.conversation_id = t.aggregate_id "
            "LEFT JOIN experiments AS e ON e.experiment_id = t.aggregate_id"
        )
    else:
        source = (
            "SELECT t.*, c.experiment_id FROM "
            f"{name} AS t LEFT JOIN conversations AS c USING (conversation_id)"
        )
    order = "position" if name in ORDERED_BY_POSITION else "ALL"
    return f"SELECT * FROM ({source}) ORDER BY {order}"


def _reader(database: Path | str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(database), read_only=True)
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
