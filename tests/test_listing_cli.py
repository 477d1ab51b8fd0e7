"""What a person sees from the listing commands: `list`, `search`, `models`, an empty
folder, and the lookups that name what they could not find."""

from __future__ import annotations

import json
from pathlib import Path

from eventlog import open_store
from pidgin.domain import AgentSpec, Conversation
from pidgin.domain.experiment import Experiment
from tests.conftest import run_pidgin
from tests.helpers import store_url
from tests.test_cli_errors import assert_one_line_error

NARROW = {"COLUMNS": "80"}


def _record(tmp_path: Path, *aggregates) -> None:
    with open_store(store_url(tmp_path)) as log:
        log.save(*aggregates)


def _paused(
    model: str = "anthropic:claude-sonnet-4-20250514",
    text: str = "The quick brown fox\njumps over the lazy dog",
) -> Conversation:
    spec = AgentSpec(
        model=model,
        provider="anthropic",
        display_name="Claude",
        input_price_per_million=3.0,
        output_price_per_million=15.0,
    )
    conversation = Conversation.start(spec, spec, "Talk.", 5, name="a long name for a study")
    conversation.start_turn(1)
    for agent in ("a", "b"):
        conversation.request_message(agent, 1)
        conversation.complete_message(
            agent, 1, text, tokens_in=1000,
            tokens_out=100, time_to_first_token=None, duration=0.1, model=model,
        )  # fmt: skip
    conversation.complete_turn(1, 0.9)
    conversation.pause("convergence")
    return conversation


def _lines_fit(text: str, width: int = 80) -> bool:
    return all(len(line) <= width for line in text.splitlines())


def test_list_fits_80_columns_with_short_ids_and_the_paused_status(tmp_path: Path) -> None:
    assert run_pidgin("chat", "-q", "-t", "2", cwd=tmp_path).returncode == 0
    paused = _paused()
    _record(tmp_path, paused)
    for columns in ("80", "120"):
        result = run_pidgin("list", cwd=tmp_path, extra_env={"COLUMNS": columns})
        assert result.returncode == 0, result.stderr
        assert _lines_fit(result.stdout, int(columns)), result.stdout
        rows = [line for line in result.stdout.splitlines() if line[:8].isalnum()]
        assert len(rows) == 2  # one line per conversation, ids never wrap
        assert rows[1].startswith(str(paused.id)[:8] + " ") and "paused" in rows[1]
        assert "running or cut off" not in result.stdout
    documents = json.loads(run_pidgin("list", "--format", "json", cwd=tmp_path).stdout)
    assert [d["status"] for d in documents] == ["ended", "paused"]
    assert documents[1]["paused_reason"] == "convergence"
    assert documents[1]["tokens"]["in"] == 2000 and documents[1]["tokens"]["out"] == 200
    assert documents[1]["cost_usd"] == (2000 * 3.0 + 200 * 15.0) / 1_000_000
    assert documents[1]["short_id"] == str(paused.id)[:8]


def test_list_filters(tmp_path: Path) -> None:
    experiment = Experiment.create("trial", {}, {}, repetitions=1)
    in_experiment = _paused("local:test")
    in_experiment_started = Conversation.start(
        AgentSpec(model="local:test", provider="local", display_name="T"),
        AgentSpec(model="local:test", provider="local", display_name="T"),
        "Hi.",
        1,
        experiment_id=str(experiment.id),
    )
    _record(tmp_path, experiment, in_experiment, in_experiment_started)

    def ids(*options: str) -> list[str]:
        result = run_pidgin("list", "--format", "json", *options, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return [d["id"] for d in json.loads(result.stdout)]

    both = [str(in_experiment.id), str(in_experiment_started.id)]
    assert ids() == both
    assert ids("--experiment", "TRIAL") == both[1:]
    assert ids("--experiment", str(experiment.id)[:6]) == both[1:]
    assert ids("--status", "paused") == both[:1]
    assert ids("--status", "unfinished") == both[1:]
    assert ids("--status", "max_turns") == []
    assert ids("--model", "LOCAL:") == both
    assert ids("--since", "1d") == both and ids("--since", "2999-01-01") == []
    assert ids("--limit", "1") == both[1:]
    assert_one_line_error(run_pidgin("list", "--status", "gone", cwd=tmp_path), "max_turns")
    assert_one_line_error(run_pidgin("list", "--since", "soon", cwd=tmp_path), "3d")
    assert_one_line_error(
        run_pidgin("list", "--experiment", "nope", cwd=tmp_path), "no experiment", "'nope'"
    )


def test_search_names_conversation_turn_agent_and_line(tmp_path: Path) -> None:
    paused = _paused()
    _record(tmp_path, paused)
    result = run_pidgin("search", "LAZY", cwd=tmp_path, extra_env=NARROW)
    assert result.returncode == 0, result.stderr
    short = str(paused.id)[:8]
    assert result.stdout.splitlines() == [
        f"{short}  turn   1 a  jumps over the lazy dog",
        f"{short}  turn   1 b  jumps over the lazy dog",
        "2 matching lines in 1 conversation",
    ]
    regex = run_pidgin("search", "--regex", r"^The \w+", "--format", "json", cwd=tmp_path)
    hits = json.loads(regex.stdout)
    assert [(h["turn"], h["agent"], h["line"][slice(*h["match"])]) for h in hits] == [
        (1, "a", "The quick"),
        (1, "b", "The quick"),
    ]
    none = run_pidgin("search", "zebra", "--status", "ended", cwd=tmp_path)
    assert none.returncode == 0 and "No message matches" in none.stdout
    assert_one_line_error(run_pidgin("search", "  ", cwd=tmp_path), "empty")
    assert_one_line_error(run_pidgin("search", "--regex", "(", cwd=tmp_path), "regular expression")


def test_search_lines_are_cut_to_the_terminal_around_the_match(tmp_path: Path) -> None:
    _record(tmp_path, _paused(text="word " * 40 + "NEEDLE" + " tail" * 40))
    result = run_pidgin("search", "needle", cwd=tmp_path, extra_env=NARROW)
    line = result.stdout.splitlines()[0]
    assert len(line) <= 80 and "NEEDLE" in line and line.endswith("…")


def test_an_empty_folder_has_nothing_yet(tmp_path: Path) -> None:
    for command in (["list"], ["experiment", "list"], ["monitor", "--once"], ["search", "x"]):
        result = run_pidgin(*command, cwd=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.startswith("No ") and "yet — run `pidgin " in result.stdout
    assert run_pidgin("list", "--format", "json", cwd=tmp_path).stdout.strip() == "[]"
    tail = run_pidgin("log", "tail", cwd=tmp_path)
    assert_one_line_error(tail, "no store at", "pidgin chat")
    assert list(tmp_path.iterdir()) == []


def test_log_tail_of_an_unknown_conversation_says_so(tmp_path: Path) -> None:
    _record(tmp_path, _paused())
    result = run_pidgin("log", "tail", "ffffffff", cwd=tmp_path, timeout=30)
    assert_one_line_error(result, "no conversation in the store matches 'ffffffff'")


def test_experiment_status_of_a_shared_name_lists_the_ids(tmp_path: Path) -> None:
    first, second = (Experiment.create("twin", {}, {}, repetitions=1) for _ in range(2))
    _record(tmp_path, first, second)
    result = run_pidgin("experiment", "status", "twin", cwd=tmp_path)
    assert_one_line_error(
        result, "2 experiments match 'twin'", str(first.id)[:8], str(second.id)[:8]
    )


def test_query_of_empty_sql_is_one_line(tmp_path: Path) -> None:
    for sql in ("", "   "):
        assert_one_line_error(run_pidgin("query", sql, cwd=tmp_path), "SQL is empty")
    assert run_pidgin("chat", "-q", "-t", "1", cwd=tmp_path).returncode == 0
    assert run_pidgin("project", "-q", "--no-metrics", cwd=tmp_path).returncode == 0
    for sql in (";", "/* nothing */ ;"):
        assert_one_line_error(run_pidgin("query", sql, cwd=tmp_path), "no statement")


def test_models_fits_80_columns_and_rejects_an_unknown_provider(tmp_path: Path) -> None:
    result = run_pidgin("models", cwd=tmp_path, extra_env=NARROW)
    assert result.returncode == 0 and _lines_fit(result.stdout), result.stdout
    assert "anthropic:claude-sonnet-4-20250514" in result.stdout  # names are never cut
    assert_one_line_error(
        run_pidgin("models", "--provider", "nope", cwd=tmp_path), "no provider 'nope'", "local"
    )


def test_listings_light_logging_still_hides_keys(monkeypatch, capsys) -> None:
    """list and search skip structlog at start-up; a library's record is still redacted."""
    import logging

    from pidgin.logging_setup import configure_logging

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789")
    configure_logging(light=True)
    try:
        logging.getLogger("some.library").warning("request with sk-ant-test-0123456789 failed")
        err = capsys.readouterr().err
    finally:
        configure_logging()
    assert "request with" in err and "sk-ant-test-0123456789" not in err
