"""The DuckDB projection: round trip, incremental and interrupted runs, query, Parquet."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from eventlog import open_store
from pidgin.domain import AgentSpec, Conversation
from projections.analysis import project_to_duckdb
from projections.analysis.schema import TABLES
from projections.metrics.embeddings import default_embedder
from projections.metrics.semantic import Semantics
from projections.metrics.turn import COLUMNS, METRICS_VERSION, conversation_turn_rows
from tests.conftest import pidgin_process, run_pidgin
from tests.eventlog.stores import fresh_store_url
from tests.helpers import completed_messages, recorded_events, store_url

DATABASE = Path("pidgin_output") / "pidgin.duckdb"


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def table_contents(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows in a stable order (the state table without its clock)."""
    contents = {}
    with duckdb.connect(str(database), read_only=True) as connection:
        for table in TABLES:
            contents[table] = sorted(
                connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr
            )
        contents["state"] = connection.execute(
            "SELECT position, schema_version, metrics_version, store FROM projection_state"
        ).fetchall()
    return contents


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def test_round_trip_messages_and_metrics_equal_the_recording(run_cli, workdir):
    assert run_cli("chat", "-q", "-a", "local:test", "-b", "local:test", "-t", "4").exit_code == 0
    result = run_cli("project", "-q")
    assert result.exit_code == 0, result.output
    recorded = completed_messages(workdir)
    stored = rows(DATABASE, "SELECT turn, agent, text FROM messages ORDER BY position")
    assert stored == [(m.turn, m.agent, m.text) for m in recorded]
    assert all(text for _, _, text in stored)  # the earlier tool stored empty text here

    (prompt,) = rows(DATABASE, "SELECT prompt FROM conversations")[0]
    texts = [m.text for m in recorded]
    semantics = Semantics.of(default_embedder(), texts, [str(prompt)])
    expected = conversation_turn_rows(
        [(m.turn, m.agent, m.text) for m in recorded], semantics=semantics
    )
    with duckdb.connect(str(DATABASE), read_only=True) as connection:
        cursor = connection.execute("SELECT * FROM turn_metrics ORDER BY turn")
        names = [d[0] for d in cursor.description]
        projected = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        live = dict(connection.execute("SELECT turn, convergence FROM turns").fetchall())
    assert [p["turn"] for p in projected] == [turn for turn, _ in expected] == [1, 2, 3, 4]
    for row, (turn, values) in zip(projected, expected, strict=True):
        assert row["metrics_version"] == METRICS_VERSION
        for column in COLUMNS:
            assert same(row[column], values[column]), (turn, column)
        # The conductor's live value and the projection's recomputed one agree.
        assert row["convergence"] == live[turn]
    events = recorded_events(workdir)
    stored_events = rows(DATABASE, "SELECT position, type, recorded_at FROM events ORDER BY 1")
    assert stored_events == [(r.position, r.type_name, r.event.timestamp) for r in events]


def test_conversation_row_and_views(run_cli, workdir):
    run_cli("chat", "-q", "-t", "3", "--convergence-profile", "strict")
    run_cli("project", "-q")
    ((status, reason, turns, messages, tokens_in, profile),) = rows(
        DATABASE,
        "SELECT status, end_reason, turns, messages, tokens_in, convergence_profile "
        "FROM conversations",
    )
    recorded = completed_messages(workdir)
    assert (status, reason, turns, messages, profile) == ("ended", "max_turns", 3, 6, "strict")
    assert tokens_in == sum(m.tokens_in for m in recorded)
    assert rows(DATABASE, "SELECT count(*) FROM convergence_by_turn") == [(3,)]
    ((model, count),) = rows(DATABASE, "SELECT model, messages FROM tokens_by_model")
    assert count == 6 and model == recorded[0].model


def test_running_twice_adds_nothing(run_cli, workdir):
    run_cli("chat", "-q", "-t", "2")
    run_cli("project", "-q")
    before = table_contents(DATABASE)
    result = run_cli("project", "-q")
    assert "Projected 0 events" in result.output
    assert table_contents(DATABASE) == before


def test_progress_moves_within_one_batch(run_cli, workdir):
    """A run under one batch used to sit at 0 events until it was over."""
    for _ in range(3):
        run_cli("chat", "-q", "-t", "2")
    seen: list[tuple[int, int]] = []
    with open_store(store_url(workdir), create=False) as log:
        total = log.max_position()
        project_to_duckdb(
            log, DATABASE, progress=lambda done, of: seen.append((done, of)), workers=1
        )
    assert seen[-1] == (total, total)
    within = [done for done, _ in seen if 0 < done < total]
    assert within and within == sorted(within)  # at least one step before the end, in order


def test_incremental_equals_one_rebuild(run_cli, workdir):
    run_cli("chat", "-q", "-t", "3")
    run_cli("project", "-q", "--batch-size", "7")
    run_cli("chat", "-q", "-t", "2", "--convergence-threshold", "0.1", "--convergence-action",
            "notify")  # fmt: skip
    run_cli("project", "-q", "--batch-size", "5")
    incremental = table_contents(DATABASE)
    assert run_cli("project", "-q", "--rebuild", "rebuilt.duckdb").exit_code == 0
    assert table_contents(Path("rebuilt.duckdb")) == incremental
    assert len(incremental["turn_metrics"]) == 5


def test_metrics_in_worker_processes_equal_one_process(run_cli, workdir):
    run_cli("chat", "-q", "-t", "3")
    run_cli("chat", "-q", "-t", "2", "--convergence-profile", "semantic")
    assert run_cli("project", "-q", "one.duckdb").exit_code == 0
    assert run_cli("project", "-q", "--workers", "2", "two.duckdb").exit_code == 0
    assert table_contents(Path("two.duckdb")) == table_contents(Path("one.duckdb"))


def synthetic_store(directory: Path, conversations: int, turns: int, url: str | None = None) -> str:
    """A store (the default one unless ``url``) with finished conversations written
    through the domain API (fast)."""
    url = url or store_url(directory)
    spec = AgentSpec(
        model="local:test",
        provider="local",
        display_name="T",
        input_price_per_million=3.0,
        output_price_per_million=15.0,
    )
    texts = [f"Message {i}: words about trade, grammar and {i % 7} harbours." for i in range(50)]
    with open_store(url) as log:
        for c in range(conversations):
            conversation = Conversation.start(spec, spec, f"prompt {c}", turns)
            for turn in range(1, turns + 1):
                conversation.start_turn(turn)
                for agent in ("a", "b"):
                    conversation.request_message(agent, turn)
                    conversation.complete_message(
                        agent,
                        turn,
                        texts[(c * 3 + turn + (agent == "b")) % 50],
                        tokens_in=10 + turn,
                        tokens_out=20 + c,
                        time_to_first_token=0.1,
                        duration=0.2,
                        model="local:test",
                    )
                conversation.complete_turn(turn, 0.5)
            conversation.end("max_turns")
            log.save(conversation)
    return url


@pytest.mark.parametrize("store", ["sqlite", "jsonl", "postgresql"])
def test_the_events_table_holds_every_stored_event_as_stored(workdir, store):
    url = synthetic_store(workdir, conversations=3, turns=2, url=fresh_store_url(store, workdir))
    switch_interval = sys.getswitchinterval()
    with open_store(url, create=False) as log:
        project_to_duckdb(log, workdir / "x.duckdb", batch_size=25)
        stored = [
            (n.id, str(n.originator_id), n.originator_version, n.topic, n.state.decode())
            for n in log.read_notifications()
        ]
        timestamps = [(r.type_name, r.event.timestamp) for r in log.read()]
    projected = rows(
        workdir / "x.duckdb",
        "SELECT position, CAST(aggregate_id AS VARCHAR), version, topic, data, type, recorded_at "
        "FROM events ORDER BY position",
    )
    assert [row[:5] for row in projected] == stored and len(stored) == 3 * (4 + 2 * 5)
    assert [row[5:] for row in projected] == timestamps
    # The projection changes the GIL switch interval while it runs, and only then.
    assert sys.getswitchinterval() == switch_interval


def stopped_midway(
    workdir: Path,
    args: tuple[str, ...],
    stop: Callable[[subprocess.Popen[str], Path], None],
    fractions: tuple[float, ...],
) -> Path:
    """Project a 60-conversation store into ``clean.duckdb``, then run ``pidgin ARGS``
    again and ``stop`` it after each fraction of a full run's time, until one run is
    left strictly half-way; that database."""
    url = synthetic_store(workdir, conversations=60, turns=10)
    with open_store(url, create=False) as log:
        last = log.max_position()
        project_to_duckdb(log, workdir / "clean.duckdb")
    started = time.monotonic()
    assert run_pidgin(*args, "timed.duckdb", cwd=workdir).returncode == 0
    full = time.monotonic() - started
    for fraction in fractions:
        target = workdir / f"stopped-{fraction}.duckdb"
        process = pidgin_process(*args, str(target), cwd=workdir)
        time.sleep(full * fraction)
        stop(process, target)
        if target.exists():
            ((position,),) = rows(target, "SELECT position FROM projection_state")
            if 0 < position < last:
                return target
    pytest.fail("no attempt stopped the projection half-way")


def test_kill_9_mid_projection_then_rerun_equals_a_clean_run(workdir):
    args = ("project", "-q", "--batch-size", "40")

    def kill(process: subprocess.Popen[str], _: Path) -> None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    interrupted_at = stopped_midway(workdir, args, kill, (0.6, 0.4, 0.75, 0.25, 0.5))
    assert run_pidgin(*args, str(interrupted_at), cwd=workdir).returncode == 0
    assert table_contents(interrupted_at) == table_contents(workdir / "clean.duckdb")
    costs = rows(interrupted_at, "SELECT count(*) FROM conversations WHERE cost_usd > 0")
    assert costs == [(60,)]


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_mid_projection_is_one_line_and_the_next_run_finishes(workdir, presses):
    # With metrics in two worker processes: they must not print tracebacks of their own.
    args = ("project", "-q", "--batch-size", "40", "--workers", "2")

    def press_ctrl_c(process: subprocess.Popen[str], target: Path) -> None:
        for _ in range(presses):
            process.send_signal(signal.SIGINT)
            time.sleep(0.05)
        _, stderr = process.communicate(timeout=120)
        if process.returncode == 0:
            return  # it had finished already
        assert process.returncode == 130, stderr
        assert stderr.strip().splitlines() == [
            f"interrupted: {target} keeps every batch committed before; "
            "the same command continues from there"
        ]

    stopped = stopped_midway(workdir, args, press_ctrl_c, (0.6, 0.4, 0.75, 0.5, 0.85))
    assert run_pidgin(*args, str(stopped), cwd=workdir).returncode == 0
    assert table_contents(stopped) == table_contents(workdir / "clean.duckdb")


def test_query_formats(run_cli, workdir):
    run_cli("chat", "-q", "-t", "2")
    run_cli("project", "-q")
    sql = "SELECT turn, agent FROM messages ORDER BY position"
    table = run_cli("query", sql)
    assert table.exit_code == 0 and "turn" in table.output and "4 rows" in table.output
    as_csv = list(csv.reader(io.StringIO(run_cli("query", sql, "--format", "csv").output)))
    assert as_csv == [["turn", "agent"], ["1", "a"], ["1", "b"], ["2", "a"], ["2", "b"]]
    as_json = json.loads(run_cli("query", sql, "--format", "json").output)
    assert as_json[0] == {"turn": 1, "agent": "a"} and len(as_json) == 4


@pytest.mark.parametrize(
    "sql", ["SELEC nonsense", "SELECT * FROM no_such_table", "DELETE FROM messages"]
)
def test_bad_sql_is_a_one_line_error(workdir, sql):
    assert run_pidgin("chat", "-q", "-t", "1", cwd=workdir).returncode == 0
    assert run_pidgin("project", "-q", cwd=workdir).returncode == 0
    result = run_pidgin("query", sql, cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert rows(workdir / DATABASE, "SELECT count(*) FROM messages") == [(2,)]


def test_query_without_a_database_says_what_to_do(run_cli, workdir):
    result = run_cli("query", "SELECT 1")
    assert result.exit_code == 2
    assert "pidgin project" in result.output


def test_parquet_export_has_every_table(run_cli, workdir):
    run_cli("chat", "-q", "-t", "2")
    result = run_cli("project", "-q", "--to", "parquet", "export")
    assert result.exit_code == 0, result.output
    with duckdb.connect() as connection:
        for table in TABLES:
            path = workdir / "export" / f"{table}.parquet"
            assert path.is_file(), table
        count = connection.execute(
            f"SELECT count(*) FROM read_parquet('{workdir / 'export' / 'messages.parquet'}')"
        ).fetchone()
    assert count == (4,)
    assert run_cli("project", "-q", "--to", "parquet").exit_code == 2  # needs a directory


def test_a_database_from_another_store_is_refused(run_cli, workdir):
    run_cli("chat", "-q", "-t", "1")
    run_cli("project", "-q")
    run_cli("chat", "-q", "-t", "1", "-o", "other")
    result = run_cli("project", "-q", "-o", "other", str(DATABASE))
    assert result.exit_code == 2 and "--rebuild" in result.output


def test_a_damaged_database_is_a_one_line_error(workdir):
    assert run_pidgin("chat", "-q", "-t", "1", cwd=workdir).returncode == 0
    (workdir / "broken.duckdb").write_bytes(b"not a database" * 1000)
    result = run_pidgin("project", "-q", "broken.duckdb", cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1


def test_experiment_rows_follow_their_events(workdir):
    from uuid import UUID

    from pidgin.domain.experiment import Experiment

    url = store_url(workdir)
    with open_store(url) as log:
        experiment = Experiment.create("trial", {"turns": 1}, {}, repetitions=2, parallel=2)
        log.save(experiment)
        project_to_duckdb(log, workdir / "x.duckdb")  # created and scheduled
        for conversation_id in list(experiment.unfinished()):
            experiment.mark_conversation_started(UUID(str(conversation_id)), pid=1)
            experiment.mark_conversation_finished(UUID(str(conversation_id)), "max_turns", 1)
        experiment.complete()
        log.save(experiment)
        project_to_duckdb(log, workdir / "x.duckdb")  # the rest, in a second run
    ((name, status, scheduled, finished, completed, parallel),) = rows(
        workdir / "x.duckdb",
        "SELECT name, status, scheduled, finished, completed, parallel FROM experiments",
    )
    assert (name, status, scheduled, finished, completed, parallel) == (
        "trial", "completed", 2, 2, 2, 2,
    )  # fmt: skip


def test_a_replaced_log_is_refused(run_cli, workdir):
    run_cli("chat", "-q", "-t", "2")
    assert run_cli("project", "-q").exit_code == 0
    (workdir / "pidgin_output" / "events.db").unlink()
    run_cli("chat", "-q", "-t", "3")
    result = run_cli("project", "-q")
    assert result.exit_code == 2 and "replaced or truncated" in result.output
    assert run_cli("project", "-q", "--rebuild").exit_code == 0
    assert rows(DATABASE, "SELECT count(*) FROM turn_metrics") == [(3,)]


def test_a_run_without_metrics_makes_later_metrics_runs_rebuild(run_cli, workdir):
    run_cli("chat", "-q", "-t", "1")
    assert run_cli("project", "-q").exit_code == 0
    run_cli("chat", "-q", "-t", "1")
    assert run_cli("project", "-q", "--no-metrics").exit_code == 0
    result = run_cli("project", "-q")
    assert result.exit_code == 2 and "without metrics" in result.output
