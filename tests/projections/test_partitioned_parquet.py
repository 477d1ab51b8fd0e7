"""``pidgin project --to parquet DIR --partition-by experiment``: one hive-partitioned
dataset per table that DuckDB, polars and pyarrow read back as the DuckDB tables."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest
from click.testing import Result

from projections.analysis.schema import TABLES

NULL_PARTITION = "experiment_id=__HIVE_DEFAULT_PARTITION__"


@pytest.fixture
def recorded(workdir: Path, run_cli: Callable[..., Result]) -> Path:
    """Two experiments and one conversation outside any, exported partitioned."""
    for name in ("first", "second"):
        args = ("-r", "2", "-t", "2", "--name", name, "--foreground", "-q")
        assert run_cli("experiment", "start", *args).exit_code == 0
    assert run_cli("chat", "-q", "-t", "3").exit_code == 0
    result = run_cli("project", "-q", "--to", "parquet", "export", "--partition-by", "experiment")
    assert result.exit_code == 0, result.output
    return workdir / "export"


def in_duckdb(database: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def dataset(export: Path, table: str) -> str:
    return f"read_parquet('{export / table}/**/*.parquet', hive_partitioning=true)"


def test_every_table_reads_back_as_the_database(recorded: Path) -> None:
    database = recorded / "pidgin.duckdb"
    experiments = {e for (e,) in in_duckdb(database, "SELECT experiment_id FROM experiments")}
    assert len(experiments) == 2
    with duckdb.connect(str(database), read_only=True) as connection:
        for table in TABLES:
            columns = [row[0] for row in connection.execute(f"DESCRIBE {table}").fetchall()]
            listed = ", ".join(columns)
            stored = connection.execute(f"SELECT {listed} FROM {table} ORDER BY ALL").fetchall()
            read = connection.execute(
                f"SELECT {listed} FROM {dataset(recorded, table)} ORDER BY ALL"
            ).fetchall()
            assert read == stored, table
            partitions = {p.name for p in (recorded / table).iterdir()}
            assert partitions <= {f"experiment_id={e}" for e in experiments} | {NULL_PARTITION}
    # Rows outside any experiment are in the NULL partition, read back as null.
    assert (recorded / "messages" / NULL_PARTITION / "part-0.parquet").is_file()
    assert (recorded / "experiments" / f"experiment_id={min(experiments)}").is_dir()


def test_polars_and_pyarrow_join_the_tables_per_experiment(recorded: Path) -> None:
    expected = in_duckdb(
        recorded / "pidgin.duckdb",
        "SELECT c.experiment_id, count(*), sum(m.tokens_out) FROM messages m "
        "JOIN conversations c USING (conversation_id) GROUP BY ALL ORDER BY ALL NULLS LAST",
    )
    assert len(expected) == 3  # two experiments and none

    def scan(table: str) -> pl.LazyFrame:
        return pl.scan_parquet(recorded / table / "**/*.parquet", hive_partitioning=True)

    joined = (
        scan("messages")
        .join(scan("conversations"), on=["conversation_id", "experiment_id"], nulls_equal=True)
        .group_by("experiment_id")
        .agg(pl.len(), pl.col("tokens_out").sum())
        .sort("experiment_id", nulls_last=True)
        .collect()
    )
    assert [tuple(row) for row in joined.iter_rows()] == expected
    arrow = ds.dataset(recorded / "turns", format="parquet", partitioning="hive").to_table()
    assert (
        arrow.num_rows == in_duckdb(recorded / "pidgin.duckdb", "SELECT count(*) FROM turns")[0][0]
    )
    assert arrow.schema.field("experiment_id").type == "string"


def digests(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*.parquet"))
    }


def test_a_rerun_writes_the_same_files_and_nothing_stale(
    recorded: Path, run_cli: Callable[..., Result]
) -> None:
    before = digests(recorded)
    stale = recorded / "messages" / "experiment_id=gone"
    stale.mkdir()
    (stale / "part-0.parquet").write_bytes(b"left over")
    (recorded / "messages.parquet").write_bytes(b"a flat export's file")
    again = ("project", "-q", "--rebuild", "--to", "parquet", "export", "--partition-by",
             "experiment")  # fmt: skip
    assert run_cli(*again).exit_code == 0
    assert digests(recorded) == before
    assert not stale.exists() and not (recorded / "messages.parquet").exists()
    # A flat export into the same directory replaces the datasets with single files.
    assert run_cli("project", "-q", "--to", "parquet", "export").exit_code == 0
    assert (recorded / "messages.parquet").is_file() and not (recorded / "messages").exists()


def test_partition_by_needs_parquet(run_cli: Callable[..., Result]) -> None:
    run_cli("chat", "-q", "-t", "1")
    result = run_cli("project", "--partition-by", "experiment")
    assert result.exit_code == 2 and "--partition-by" in result.output
