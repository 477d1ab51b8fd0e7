"""The live view as a person sees it: in a real terminal (tmux) of a fixed width, words
are never broken at the edge; a resumed conversation and a branch say what they are."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import pytest

from pidgin.cli.word_wrap import StreamWrapper
from tests.conftest import run_pidgin
from tests.helpers import recorded_events
from tests.tmux import Tmux

WIDTH = 50


def transcript(directory: Path, conversation_id: str) -> dict:
    path = directory / "pidgin_output" / "transcripts" / f"{conversation_id}.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def message_lines(screen: list[str]) -> list[str]:
    """The rows that show messages: after a speaker's name, up to the turn's rule."""
    rows, inside = [], False
    for row in screen:
        if re.fullmatch(r"Test-[AB]:", row.strip()):
            inside = True
        elif "─" in row:
            inside = False
        elif inside and row.strip():
            rows.append(row)
    return rows


def test_words_are_never_broken_at_the_terminal_edge(tmp_path: Path) -> None:
    code, screen = Tmux(WIDTH).run(tmp_path, "chat", "-t", "2", "-p", "Tell me about harbours.")
    assert code == 0, screen
    (started,) = [r.event for r in recorded_events(tmp_path)][:1]
    words: set[str] = set()
    for message in transcript(tmp_path, str(started.originator_id))["messages"]:
        words.update(message["text"].split())
    rows = message_lines(screen)
    assert len(rows) > 10  # the messages really are longer than one row
    for row in rows:
        assert len(row) <= WIDTH
        broken = [word for word in row.split() if word not in words]
        assert broken == [], row


def test_a_resumed_conversation_shows_names_and_where_it_continues(tmp_path: Path) -> None:
    first = run_pidgin(
        "chat", "-q", "-t", "4", "--convergence-threshold", "0", "--convergence-action", "pause",
        cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    conversation_id = str(recorded_events(tmp_path)[0].event.originator_id)
    assert f"Continue with: pidgin chat --resume {conversation_id}" in first.stdout
    code, screen = Tmux(80).run(
        tmp_path, "chat", "--resume", conversation_id[:8], "--convergence-action", "notify"
    )
    assert code == 0, screen
    text = " ".join("\n".join(screen).split())
    assert f"Conversation {conversation_id}" in text
    assert "Test-A (local:test) ↔ Test-B (local:test)" in text
    assert "Resuming at turn 2 of 4: 1 turn recorded, paused (high_convergence)." in text
    assert "From turn 2: convergence threshold 0, action notify." in text
    labels = [row.strip() for row in screen if re.fullmatch(r"\S+:", row.strip())]
    assert labels == ["Test-A:", "Test-B:"] * 3  # never the bare "A:" / "B:"
    assert transcript(tmp_path, conversation_id)["end_reason"] == "max_turns"


def test_a_branch_says_so_and_leaves_no_gaps_for_its_copied_turns(tmp_path: Path) -> None:
    first = run_pidgin("chat", "-q", "-t", "3", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    source = str(recorded_events(tmp_path)[0].event.originator_id)
    code, screen = Tmux(80).run(tmp_path, "branch", source[:8], "--turn", "2", "-t", "3")
    assert code == 0, screen
    text = "\n".join(screen)
    words = " ".join(text.split())
    assert f"A branch of {source} after turn 2: turns 1–2 are the parent's" in words
    assert "Turn 1 ·" not in text and "Turn 2 ·" not in text and "Turn 3 ·" in text
    assert "\n\n\n" not in text
    labels = [row.strip() for row in screen if re.fullmatch(r"\S+:", row.strip())]
    assert labels == ["Test-A:", "Test-B:"]  # only the branch's own turn


def test_delay_paces_the_view_and_changes_no_message(tmp_path: Path) -> None:
    paced, plain = tmp_path / "paced", tmp_path / "plain"
    paced.mkdir()
    plain.mkdir()
    assert run_pidgin("chat", "-t", "2", "--delay", "0.3", cwd=paced).returncode == 0
    assert run_pidgin("chat", "-t", "2", cwd=plain).returncode == 0

    def completed(directory: Path) -> list:
        events = [r.event for r in recorded_events(directory)]
        return [e for e in events if type(e).__name__ == "MessageCompleted"]

    assert [m.text for m in completed(paced)] == [m.text for m in completed(plain)]
    # The view waited after each message before the next was asked for (a lower bound).
    times = [m.timestamp for m in completed(paced)]
    assert all((later - earlier).total_seconds() >= 0.3 for earlier, later in pairwise(times))


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 1000])
def test_the_stream_wrapper_breaks_only_between_words(chunk_size: int) -> None:
    text = (
        "A pidgin grows where traders meet.\n\n    Indented line stays indented.\n"
        "Supercalifragilisticexpialidocious-and-then-some is longer than a row. "
        "End."
    )
    wrapper = StreamWrapper(20)
    pieces = [text[i : i + chunk_size] for i in range(0, len(text), chunk_size)]
    shown = "".join(wrapper.feed(piece) for piece in pieces) + wrapper.flush()
    rows = shown.split("\n")
    assert all(len(row) <= 20 for row in rows), rows
    assert "    Indented line" in rows
    assert rows[0] == "A pidgin grows where"  # the space at the break is dropped
    long = next(row for row in rows if row.startswith("Supercali"))
    assert len(long) == 20  # a word longer than a row is cut at the edge
    assert shown.split() != text.split()  # only the long word was cut ...
    assert "".join(shown.split()) == "".join(text.split())  # ... and nothing was lost
