"""Stop conditions and findings on a recorded run: real SDKs against the local protocol
server, which sends the replies each test scripts, through the real CLI in its own
process. What stops a run live is what the projection then finds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from pidgin.domain import Conversation
from tests.helpers import recorded_events
from tests.providers.conftest import run_cli
from tests.providers.fake_server import FakeProviderServer

SPIRAL = (
    "Rivers carve valleys slowly, depending on the rock.",
    "Floods do most of the work in a few days.",
    "Thank you, that is a wonderful point.",
    "Thank you! I appreciate your insight.",
    "Thank you so much, I'm grateful for this beautiful exchange.",
    "I'm deeply grateful, thank you, this is profound and wonderful.",
    "Thank you, thank you, what a beautiful, profound gift.",
    "Gratitude fills me; thank you, I'm honored and grateful.",
    "Thank you again, I'm so grateful, truly wonderful, thank you.",
    "Thank you, deeply grateful, this is a beautiful, profound moment.",
)


def events(directory: Path) -> list[Any]:
    return [r.event for r in recorded_events(directory)]


def test_a_regex_ends_the_conversation_at_the_matching_message(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    provider_env.script("Let us talk about deltas.", "Deltas grow seaward.", "^C^C", "unused")
    result = run_cli(
        "chat", "-a", "gpt-4o", "-b", "gpt-4o", "-t", "5", "-q", "--stop-on", r"^\^C\^C",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    recorded = events(tmp_path)
    texts = [e.text for e in recorded if isinstance(e, Conversation.MessageCompleted)]
    assert texts == ["Let us talk about deltas.", "Deltas grow seaward.", "^C^C"]
    *_, completed, met, ended = recorded
    assert isinstance(completed, Conversation.MessageCompleted) and completed.text == "^C^C"
    assert isinstance(met, Conversation.StopConditionMet)
    assert (met.kind, met.condition, met.turn, met.action) == ("regex", r"^\^C\^C", 2, "stop")
    assert met.evidence == [{"turn": 2, "agent": "a", "quote": "^C^C"}]
    assert isinstance(ended, Conversation.ConversationEnded) and ended.reason == "stop_regex"
    assert run_cli("replay", "--check", cwd=tmp_path).returncode == 0


def test_a_pattern_stops_the_run_where_the_projection_finds_it(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    provider_env.script(*SPIRAL)
    result = run_cli(
        "chat", "-a", "gpt-4o", "-b", "gpt-4o", "-t", "5", "-q",
        "--stop-on-pattern", "gratitude_spiral", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    recorded = events(tmp_path)
    (met,) = [e for e in recorded if isinstance(e, Conversation.StopConditionMet)]
    # Turns 2, 3 and 4 thank in both messages: the spiral is found when turn 4 completes.
    assert (met.kind, met.condition, met.first_turn, met.turn) == (
        "pattern",
        "gratitude_spiral",
        2,
        4,
    )
    assert [e["turn"] for e in met.evidence] == [2, 2, 3, 3, 4, 4]
    assert recorded[-1].reason == "stop_pattern"
    assert sum(isinstance(e, Conversation.MessageCompleted) for e in recorded) == 8

    listing = run_cli("findings", "--format", "json", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    (found,) = json.loads(listing.stdout)
    assert (found["detector"], found["first_turn"], found["last_turn"]) == (
        "gratitude_spiral",
        2,
        4,
    )
    assert found["evidence"] == met.evidence  # live and projected agree
    table = run_cli("findings", "--detector", "echo", cwd=tmp_path, columns=80)
    assert table.returncode == 0 and "No findings." in table.stdout
    wide = run_cli("findings", cwd=tmp_path, columns=80)
    assert "gratitude_spiral" in wide.stdout
    assert max(len(line) for line in wide.stdout.splitlines()) <= 80
    database = tmp_path / "pidgin_output" / "pidgin.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT detector, detector_version, strength FROM findings"
        ).fetchall()
    assert rows == [("gratitude_spiral", "1", found["strength"])]
    assert 0 < found["strength"] <= 1


def test_pause_on_a_pattern_then_resume_acts_once_per_episode(
    provider_env: FakeProviderServer, tmp_path: Path
) -> None:
    provider_env.script(*SPIRAL)
    first = run_cli(
        "chat", "-a", "gpt-4o", "-b", "gpt-4o", "-t", "5", "-q",
        "--stop-on-pattern", "gratitude_spiral", "--stop-action", "pause", cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    paused = events(tmp_path)[-1]
    assert isinstance(paused, Conversation.ConversationPaused) and paused.reason == "stop_pattern"
    resumed = run_cli("chat", "--resume", str(paused.originator_id), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    recorded = events(tmp_path)
    # The spiral goes on in turn 5, but the episode was acted on: the run ends at max_turns.
    assert sum(isinstance(e, Conversation.StopConditionMet) for e in recorded) == 1
    assert recorded[-1].reason == "max_turns"


def test_bad_stop_conditions_are_one_line(provider_env: FakeProviderServer, tmp_path: Path) -> None:
    for args in (("--stop-on", "("), ("--stop-on-pattern", "nope")):
        result = run_cli("chat", "-t", "1", *args, cwd=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert args[0] in error and args[1] in error
    spec = tmp_path / "spec.yaml"
    spec.write_text("stop_on_pattern: [nope]\n", encoding="utf-8")
    result = run_cli("experiment", "validate", str(spec), cwd=tmp_path)
    assert result.returncode == 2 and "unknown pattern 'nope'" in result.stderr
