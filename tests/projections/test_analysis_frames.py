"""The analysis data outside DuckDB: ids join in pandas, polars and Parquet, short ids
work in SQL, and ``pidgin.analysis.open`` gives each table as a relation or a frame."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

import pidgin.analysis
from pidgin.cli import cli
from projections.analysis.schema import TABLES, VIEWS

ID_COLUMNS = {
    "events": ["aggregate_id"],
    "conversations": ["conversation_id", "experiment_id", "parent_conversation_id"],
    "experiments": ["experiment_id"],
    "messages": ["conversation_id"],
    "turns": ["conversation_id"],
    "errors": ["conversation_id"],
    "turn_metrics": ["conversation_id"],
    "findings": ["conversation_id"],
}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder with a two-conversation experiment and a branch of one of them,
    projected into pidgin.duckdb and exported as Parquet."""
    out = tmp_path_factory.mktemp("frames") / "out"
    started = invoke(
        "experiment", "start", "-r", "2", "-t", "2", "--foreground", "-q", "-o", str(out)
    )
    assert started.exit_code == 0, started.output
    with pidgin.analysis.open(out) as data:
        (first,) = data.sql("SELECT min(conversation_id) FROM conversations").fetchall()[0]
    branched = invoke("branch", first[:8], "--turn", "1", "-t", "2", "-q", "-o", str(out))
    assert branched.exit_code == 0, branched.output
    projected = invoke("project", "-q", "--to", "parquet", str(out / "parquet"), "-o", str(out))
    assert projected.exit_code == 0, projected.output
    assert invoke("project", "-q", "-o", str(out)).exit_code == 0
    return out


def test_every_id_column_is_text_in_duckdb_and_parquet(recorded: Path) -> None:
    with duckdb.connect(str(recorded / "pidgin.duckdb"), read_only=True) as connection:
        kinds = dict(
            connection.execute(
                "SELECT table_name || '.' || column_name, data_type "
                "FROM information_schema.columns WHERE column_name LIKE '%_id'"
            ).fetchall()
        )
    wanted = {f"{t}.{c}" for t, columns in ID_COLUMNS.items() for c in columns}
    assert wanted <= kinds.keys()
    assert {kinds[name] for name in wanted} == {"VARCHAR"}
    for table, columns in ID_COLUMNS.items():
        schema = pq.read_schema(recorded / "parquet" / f"{table}.parquet")
        assert all(schema.field(c).type == pa.string() for c in columns), table


def test_pandas_merges_join_on_every_id(recorded: Path) -> None:
    with pidgin.analysis.open(recorded / "pidgin.duckdb") as data:
        conversations = data.pandas("conversations")
        experiments = data.pandas("experiments")
        messages = data.pandas("messages")
        events = data.pandas("events")
    assert isinstance(conversations, pd.DataFrame) and len(conversations) == 3
    # The experiment's drawn seed is a column; each of its conversations has its own seed.
    assert experiments["seed"].notna().all()
    assert conversations["seed"].nunique() >= 2
    assert len(conversations.merge(experiments, on="experiment_id")) == 2
    assert len(messages.merge(conversations, on="conversation_id")) == len(messages) > 0
    parents = conversations.merge(
        conversations, left_on="parent_conversation_id", right_on="conversation_id"
    )
    assert len(parents) == 1
    per_aggregate = events.merge(conversations, left_on="aggregate_id", right_on="conversation_id")
    assert set(per_aggregate["aggregate_id"]) == set(conversations["conversation_id"])
    # The same joins from the Parquet files.
    files = recorded / "parquet"
    from_parquet = pd.read_parquet(files / "conversations.parquet")
    experiments_file = pd.read_parquet(files / "experiments.parquet")
    assert len(from_parquet.merge(experiments_file, on="experiment_id")) == 2


def test_polars_joins_the_parquet_files_and_shows_ids_as_text(recorded: Path) -> None:
    files = recorded / "parquet"
    conversations = pl.read_parquet(files / "conversations.parquet")
    experiments = pl.read_parquet(files / "experiments.parquet")
    metrics = pl.read_parquet(files / "turn_metrics.parquet")
    assert conversations.schema["conversation_id"] == pl.String
    assert conversations.join(experiments, on="experiment_id").height == 2
    joined = metrics.join(conversations, on="conversation_id")
    assert joined.height == metrics.height > 0
    ids = conversations["conversation_id"].to_list()
    assert all(len(i) == 36 and i == i.lower() for i in ids)
    with pidgin.analysis.open(recorded / "pidgin.duckdb") as data:
        frame = data.polars("messages")
        assert isinstance(frame, pl.DataFrame)
        assert frame.join(data.polars("conversations"), on="conversation_id").height == frame.height


def test_a_short_id_works_in_sql_with_like(recorded: Path) -> None:
    with pidgin.analysis.open(recorded / "pidgin.duckdb") as data:
        (full,) = data.sql("SELECT min(conversation_id) FROM conversations").fetchall()[0]
    result = invoke(
        "query",
        f"SELECT count(*) AS n FROM conversations WHERE conversation_id LIKE '{full[:4]}%'",
        "-o",
        str(recorded),
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    assert int(result.output.splitlines()[1]) >= 1


def test_open_gives_every_table_in_each_form(recorded: Path) -> None:
    with pidgin.analysis.open(recorded / "pidgin.duckdb") as data:
        assert set(data.tables) >= {*TABLES, *VIEWS}
        relation = data.relation("turns").filter("turn = 1")
        assert len(relation.fetchall()) == 3
        table = data.arrow("experiments")
        assert isinstance(table, pa.Table) and table.num_rows == 1
        positions = data.arrow("events")["position"].to_pylist()
        assert positions == sorted(positions)
        with pytest.raises(pidgin.analysis.AnalysisError, match="no table 'nope'"):
            data.relation("nope")


def test_open_brings_the_projection_up_to_date_and_a_file_is_only_read(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("chat", "-q", "-t", "1", "-o", str(out)).exit_code == 0
    with pidgin.analysis.open(out) as data:
        assert data.sql("SELECT count(*) FROM conversations").fetchall() == [(1,)]
    assert invoke("chat", "-q", "-t", "1", "-o", str(out)).exit_code == 0
    database = out / "pidgin.duckdb"
    before = database.read_bytes()
    with pidgin.analysis.open(database) as data:  # a file: read as it is
        assert data.sql("SELECT count(*) FROM conversations").fetchall() == [(1,)]
    assert database.read_bytes() == before
    store = f"sqlite:///{str((out / 'events.db').absolute()).lstrip('/')}"
    with pidgin.analysis.open(store, database=tmp_path / "other.duckdb") as data:
        assert data.sql("SELECT count(*) FROM conversations").fetchall() == [(2,)]
    with pidgin.analysis.open(out) as data:
        assert data.sql("SELECT count(*) FROM conversations").fetchall() == [(2,)]
        # A notebook cell run again while the first is still open: a clear message.
        with pytest.raises(pidgin.analysis.AnalysisError, match="still open in this process"):
            pidgin.analysis.open(out)
        with pidgin.analysis.open(out, update=False) as again:
            assert again.sql("SELECT count(*) FROM turns").fetchall() == [(2,)]


def test_open_errors_are_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(pidgin.analysis.AnalysisError, match="no analysis database"):
        pidgin.analysis.open(tmp_path)
    with pytest.raises(pidgin.analysis.AnalysisError, match="no store"):
        pidgin.analysis.open(f"sqlite:///{str(tmp_path / 'none.db').lstrip('/')}")


def test_a_database_of_the_old_schema_asks_for_rebuild(recorded: Path, tmp_path: Path) -> None:
    """A database written before ids were text (schema 2, UUID columns) is refused with
    a pointer to --rebuild, which then gives text ids."""
    out = tmp_path / "out"
    shutil.copytree(recorded, out, ignore=shutil.ignore_patterns("parquet"))
    database = out / "pidgin.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("UPDATE projection_state SET schema_version = 2")
        connection.execute("ALTER TABLE turns ALTER conversation_id TYPE UUID")
    refused = invoke("project", "-q", "-o", str(out))
    assert refused.exit_code == 2 and "--rebuild" in refused.output
    with pytest.raises(pidgin.analysis.AnalysisError, match="--rebuild"):
        pidgin.analysis.open(out)
    assert invoke("project", "-q", "--rebuild", "-o", str(out)).exit_code == 0
    with pidgin.analysis.open(out) as data:
        turns = data.polars("turns")
        assert turns.schema["conversation_id"] == pl.String
