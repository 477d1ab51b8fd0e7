"""``pidgin branch``: the first N turns equal the source's, later turns follow the changes."""

from __future__ import annotations

import json
from pathlib import Path

from pidgin.domain import Conversation
from tests.conftest import run_pidgin
from tests.helpers import recorded_events


def _conversation_texts(directory: Path) -> dict[str, list[tuple[int, str, str]]]:
    texts: dict[str, list[tuple[int, str, str]]] = {}
    for recorded in recorded_events(directory):
        event = recorded.event
        if isinstance(event, Conversation.MessageCompleted):
            texts.setdefault(str(recorded.originator_id), []).append(
                (event.turn, event.agent, event.text)
            )
    return texts


def _new_id(directory: Path, known: set[str]) -> str:
    (new,) = set(_conversation_texts(directory)) - known
    return new


def test_branch_shares_the_first_turns_and_follows_its_own_settings_after(tmp_path):
    source = run_pidgin("chat", "-q", "-t", "6", "-p", "Rivers and maps.", cwd=tmp_path)
    assert source.returncode == 0, source.stderr
    (source_id,) = _conversation_texts(tmp_path)
    original = _conversation_texts(tmp_path)[source_id]

    same = run_pidgin("branch", source_id[:8], "--turn", "3", "-q", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    same_id = _new_id(tmp_path, {source_id})
    # Nothing changed: local:test answers the same history the same way, so all 6 match.
    assert _conversation_texts(tmp_path)[same_id] == original

    hot = run_pidgin(
        "branch", source_id, "--turn", "3", "--temperature", "1.3", "-t", "5", "-q", cwd=tmp_path
    )
    assert hot.returncode == 0, hot.stderr
    hot_id = _new_id(tmp_path, {source_id, same_id})
    branched = _conversation_texts(tmp_path)[hot_id]
    assert branched[:6] == original[:6]
    assert [(turn, agent) for turn, agent, _ in branched] == [
        (turn, agent) for turn in range(1, 6) for agent in "ab"
    ]
    assert all(mine != theirs for mine, theirs in zip(branched[6:], original[6:], strict=False))

    transcripts = tmp_path / "pidgin_output" / "transcripts"
    document = json.loads((transcripts / f"{hot_id}.json").read_text())
    assert document["parent_conversation_id"] == source_id
    assert document["branch_turn"] == 3
    assert document["agents"]["a"]["temperature"] == 1.3
    markdown = (transcripts / f"{hot_id}.md").read_text()
    assert f"- **Branched from:** `{source_id}` after turn 3" in markdown

    # The branch's transcripts are a projection like any other: replay reproduces them.
    check = run_pidgin("replay", "--check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout


def test_branching_past_the_source_is_a_one_line_error(tmp_path):
    assert run_pidgin("chat", "-q", "-t", "2", cwd=tmp_path).returncode == 0
    (source_id,) = _conversation_texts(tmp_path)
    result = run_pidgin("branch", source_id, "--turn", "5", cwd=tmp_path)
    assert result.returncode == 2
    assert "the source has 2 completed turns; choose --turn 0..2" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run_pidgin("branch", "ffff", "--turn", "1", cwd=tmp_path)
    assert missing.returncode == 2 and "no conversation" in missing.stderr
