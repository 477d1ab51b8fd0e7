"""`pidgin report` as a person sees it: opened in headless Chromium with the network off,
every chart drawn, nothing logged as an error, nothing asked of the network; the same
log gives the same bytes; `--compare` puts experiments side by side."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import Result

from projections.report import build_report, charts
from projections.report.measures import AGENT_MEASURES, CROSS_MEASURES, present
from tests.report.browser import PageVisit, chromium_path, visit
from tests.report.recordings import record_every_kind

needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed")


def experiment(run_cli: Callable[..., Result], name: str, *options: str) -> None:
    args = ["-r", "3", "-t", "4", "-p", "What makes a word stick?", "--name", name]
    args += ["--seed", "7", "--convergence-threshold", "0.6"]
    result = run_cli("experiment", "start", *args, *options, "--foreground", "-q")
    assert result.exit_code == 0, result.output


def expected_charts(workdir: Path) -> set[str]:
    """The charts a report must have: convergence, one per declared measure the database
    has (that depends on the metrics version), and the distributions that always exist."""
    database = workdir / "pidgin_output" / "pidgin.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'turn_metrics'"
        ).fetchall()
        columns = [row[0] for row in rows]
        counts = connection.execute(  # A semantic column is NULL without its model.
            "SELECT " + ", ".join(f"count({c})" for c in columns) + " FROM turn_metrics"
        ).fetchone()
    filled = {c for c, n in zip(columns, counts or (), strict=True) if n}
    agent = present(AGENT_MEASURES, filled, agent=True)
    cross = present(CROSS_MEASURES, filled, agent=False)
    assert len(agent) >= 5 and len(cross) >= 3  # Metrics version 2 has these.
    return {
        "convergence-band",
        "convergence-lines",
        "convergence-heatmap",
        "distribution-0",  # Final convergence.
        "distribution-1",  # Turns completed; turns to threshold only when one was reached.
        *(f"agent-measure-{i}" for i in range(len(agent))),
        *(f"cross-measure-{i}" for i in range(len(cross))),
    }


def assert_seen_well(seen: PageVisit, html: str, expected: set[str]) -> None:
    """Every chart of the page drawn (the expected ones among them), no error, no request."""
    assert sorted(seen.charts) == sorted(re.findall(r'<figure [^>]*data-chart="([^"]+)"', html))
    assert expected <= set(seen.charts)
    for chart, state in seen.charts.items():
        assert state["rendered"] == "true", (chart, state)
        assert int(state["marks"]) > 10, (chart, state)  # Axes, lines, rects: not empty.
        assert int(state["width"]) > 100 and int(state["height"]) > 40, (chart, state)
    assert seen.console_errors == [] and seen.page_errors == []
    assert seen.requests == []  # Every script and style is inline.


@needs_chromium
def test_the_report_opens_offline_with_every_chart_drawn(
    workdir: Path, run_cli: Callable[..., Result], tmp_path_factory: pytest.TempPathFactory
) -> None:
    experiment(run_cli, "sticky")
    # Text is text: markup in a prompt is shown, never run or fetched.
    prompt = 'Quokkaville </script><img src="https://example.invalid/x.png" onerror="boom()">'
    assert run_cli("chat", "-q", "-t", "3", "-p", prompt, "--name", "<b>named</b>").exit_code == 0
    result = run_cli("report", "-o", "report.html")
    assert result.exit_code == 0, result.output
    html = (workdir / "report.html").read_text()
    assert "Quokkaville &lt;/script&gt;&lt;img src=" in html and "&lt;b&gt;named" in html
    head = html.split("<body>")[0]
    assert "<link" not in head and "<script" not in head  # Style inline; scripts below.

    artifacts = tmp_path_factory.mktemp("report-artifacts")
    screenshot = artifacts / "report.png"
    seen = visit(workdir / "report.html", screenshot, filter_text="quokkaville")
    print(f"\nreport screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000
    assert_seen_well(seen, html, expected_charts(workdir))
    assert seen.title == "Pidgin report: 2 groups"
    assert seen.transcripts == 4
    assert seen.shown_after_filter == 1


@needs_chromium
def test_many_conversations_are_drawn_on_canvases(
    workdir: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment(run_cli, "crowd")
    assert run_cli("project", "-q").exit_code == 0
    monkeypatch.setattr(charts, "CANVAS_ABOVE", 2)  # Three conversations count as many.
    (workdir / "crowd.html").write_text(
        build_report(workdir / "pidgin_output" / "pidgin.duckdb", ["crowd"])
    )
    seen = visit(workdir / "crowd.html")
    canvases = {c for c, state in seen.charts.items() if state["kind"] == "canvas"}
    assert canvases == {"convergence-lines", "convergence-heatmap"}
    for chart in canvases:
        assert int(seen.charts[chart]["marks"]) > 10_000, seen.charts[chart]  # Pixels painted.
    assert_seen_well(seen, (workdir / "crowd.html").read_text(), expected_charts(workdir))


def test_the_same_log_gives_the_same_bytes(workdir: Path, run_cli: Callable[..., Result]) -> None:
    experiment(run_cli, "twice")
    assert run_cli("report", "twice", "-o", "first.html").exit_code == 0
    (workdir / "pidgin_output" / "pidgin.duckdb").unlink()  # Rebuilt from the log.
    assert run_cli("report", "twice", "-o", "second.html").exit_code == 0
    first = (workdir / "first.html").read_bytes()
    assert first == (workdir / "second.html").read_bytes()
    assert b"Pidgin report: twice" in first


@needs_chromium
def test_compare_puts_experiments_side_by_side(
    workdir: Path, run_cli: Callable[..., Result], tmp_path_factory: pytest.TempPathFactory
) -> None:
    experiment(run_cli, "cool", "--temperature", "0.2")
    experiment(run_cli, "warm", "--temperature", "1.5")
    result = run_cli("report", "--compare", "cool", "warm", "-o", "compare.html")
    assert result.exit_code == 0, result.output
    html = (workdir / "compare.html").read_text()
    assert "Pidgin comparison: cool vs warm" in html
    assert "Most different pairs of conversations" in html
    assert html.count('<details class="pair"') == 2

    screenshot = tmp_path_factory.mktemp("report-artifacts") / "compare.png"
    seen = visit(workdir / "compare.html", screenshot)
    print(f"\ncompare screenshot: {screenshot}")
    expected = expected_charts(workdir)
    measures = sum(1 for c in expected if "measure-" in c)
    expected |= {f"difference-{i}" for i in range(1 + measures)}  # Final convergence too.
    assert_seen_well(seen, html, expected)


def test_a_measure_the_database_lacks_or_never_computed_is_left_out(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    experiment(run_cli, "lacking")
    assert run_cli("project", "-q").exit_code == 0
    database = workdir / "pidgin_output" / "pidgin.duckdb"
    html = build_report(database, ["lacking"])
    assert "Lexical diversity (MTLD)" in html
    assert "TF-IDF similarity" in html
    with duckdb.connect(str(database)) as connection:
        connection.execute("ALTER TABLE turn_metrics DROP COLUMN b_mtld")
        connection.execute("UPDATE turn_metrics SET tfidf_similarity = NULL")  # No values.
    html = build_report(database, ["lacking"])
    assert "Lexical diversity (MTLD)" not in html and "TF-IDF similarity" not in html
    assert "Message length (words)" in html


def test_findings_are_shown_when_the_table_exists(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    experiment(run_cli, "found")
    assert run_cli("project", "-q").exit_code == 0
    database = workdir / "pidgin_output" / "pidgin.duckdb"
    with duckdb.connect(str(database)) as connection:
        tables = connection.execute("SELECT table_name FROM information_schema.tables")
        projected = ("findings",) in tables.fetchall()  # Once the detectors' projection is in.
    html = build_report(database, ["found"])
    assert ('id="findings"' in html) == projected
    with duckdb.connect(str(database)) as connection:
        (conversation_id,) = connection.execute(
            "SELECT conversation_id FROM conversations ORDER BY started_at LIMIT 1"
        ).fetchone() or (None,)
        finding = (  # The shape the pattern detectors' projection writes.
            "SELECT CAST(? AS VARCHAR) AS conversation_id, 'gratitude_spiral' AS detector, "
            "'1' AS detector_version, 2 AS first_turn, 3 AS last_turn, 0.8 AS strength, "
            '\'[{"turn": 2, "agent": "b", "quote": "thank you"}]\'::JSON AS evidence'
        )
        into = "INSERT INTO findings BY NAME " if projected else "CREATE TABLE findings AS "
        connection.execute(into + finding, [str(conversation_id)])
    html = build_report(database, ["found"])
    assert 'id="findings"' in html and "gratitude_spiral" in html
    assert f'href="#c-{conversation_id}-t-3"' in html  # first_turn and last_turn link.
    assert f'<a href="#c-{conversation_id}-t-2">turn 2</a> (B): “thank you”' in html
    assert f'id="c-{conversation_id}-t-3"' in html  # The turn the finding cites is there.


def test_bad_selections_are_one_line_and_exit_2(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    experiment(run_cli, "only")
    for args, message in (
        (("nothing-like-this",), "no experiment, conversation or model pair matches"),
        (("--compare", "only"), "--compare needs two or more"),
        (("local:test,",), "a model pair is MODEL_A,MODEL_B"),
    ):
        result = run_cli("report", *args, "-o", "r.html")
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: ") and message in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not (workdir / "r.html").exists()


def test_a_database_without_metrics_gives_a_report_without_measures(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("chat", "-q", "-t", "2", "-p", "Hi.").exit_code == 0
    assert run_cli("project", "-q", "--no-metrics").exit_code == 0
    result = run_cli("report", "-o", "r.html")
    assert result.exit_code == 2 and "add --no-metrics or --rebuild" in result.output
    assert run_cli("report", "--no-metrics", "-o", "r.html").exit_code == 0
    html = (workdir / "r.html").read_text()
    assert 'id="convergence"' in html and 'id="measures"' not in html
    assert run_cli("report", "--rebuild", "-o", "r.html").exit_code == 0
    assert 'id="measures"' in (workdir / "r.html").read_text()


def test_groups_by_model_pair_and_by_conversation(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    experiment(run_cli, "pairs")
    assert run_cli("chat", "-q", "-t", "2", "-p", "Alone.").exit_code == 0
    assert run_cli("project", "-q").exit_code == 0
    database = workdir / "pidgin_output" / "pidgin.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT CAST(conversation_id AS VARCHAR) FROM conversations WHERE experiment_id IS NULL"
        ).fetchall()
    alone = rows[0][0]
    html = build_report(database, ["local:test,local:test", alone[:6]], compare=True)
    assert f"Pidgin comparison: local:test ↔ local:test vs {alone[:8]}" in html
    overview = html.split('id="overview"')[1].split("</section>")[0]
    assert "<th>local:test ↔ local:test</th><td>4</td>" in overview
    assert f"<th>{alone[:8]}</th><td>1</td>" in overview


def test_transcripts_show_what_happened_between_the_messages(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    kinds = record_every_kind(workdir, run_cli)
    assert run_cli("report", "-o", "r.html").exit_code == 0
    html = (workdir / "r.html").read_text()
    transcript = html.split(f'id="c-{kinds["injected"]}"')[1].split("</details>")[0]
    injected = transcript.split("System message to Agent A and Agent B (scheduled)")
    assert len(injected) == 2 and "Use short words now." in injected[1][:200]
    assert "Turn 1 · convergence" in injected[0] and "Turn 2 · convergence" in injected[1]
    assert "<dt>system prompt A</dt>" in html and "another AI model" in html
    assert (
        '<div class="event"><b>Paused after turn 1</b><div class="text">high_convergence</div>'
        in html
    )
    assert "reached the threshold 0.01 at turn 1 (pause)" in html
    assert "Stop condition met: regex \\bcaravans\\b at turn" in html
    after_error = html.split(f'id="c-{kinds["errored"]}"')[1]
    assert after_error.index("First words.") < after_error.index(
        "Error from openai (agent B, status 529, attempt 3)"
    )
    assert "Rate limited: agent B waited 2.5 s for openai" in after_error
