"""The heart of the suite: chat → log → delete projections → replay → identical files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import completed_messages, recorded_events


def transcripts_of(directory: Path) -> dict[str, bytes]:
    folder = directory / "pidgin_output" / "transcripts"
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_replay_rebuilds_byte_identical_transcripts(run_cli, workdir):
    for prompt in ("What is a pidgin language?", "Tell me about harbours."):
        result = run_cli("chat", "-q", "-t", "4", "-p", prompt)
        assert result.exit_code == 0, result.output
    written = transcripts_of(workdir)
    assert len(written) == 4  # Two conversations, .md and .json each.

    shutil.rmtree(workdir / "pidgin_output" / "transcripts")
    result = run_cli("replay")
    assert result.exit_code == 0, result.output
    assert "Rebuilt 2 conversations" in result.output
    assert transcripts_of(workdir) == written


def test_transcripts_hold_exactly_what_the_log_recorded(run_cli, workdir):
    result = run_cli("chat", "-q", "-t", "3", "-p", "Hello there", "--name", "greeting")
    assert result.exit_code == 0, result.output
    messages = completed_messages(workdir)
    (json_file,) = (workdir / "pidgin_output" / "transcripts").glob("*.json")
    document = json.loads(json_file.read_text())

    assert [m["text"] for m in document["messages"]] == [m.text for m in messages]
    assert [(m["turn"], m["agent"]) for m in document["messages"]] == [
        (1, "a"),
        (1, "b"),
        (2, "a"),
        (2, "b"),
        (3, "a"),
        (3, "b"),
    ]
    assert document["end_reason"] == "max_turns"
    assert document["turns_completed"] == 3
    assert document["tokens"]["out"] == sum(m.tokens_out for m in messages)
    assert document["tokens"]["in"] == sum(m.tokens_in for m in messages)
    markdown = json_file.with_suffix(".md").read_text()
    assert markdown.startswith("# greeting\n")
    assert "- **End reason:** max_turns" in markdown
    assert "- **Turns:** 3 of 3" in markdown
    for message in messages:
        assert message.text in markdown


def test_replay_check_names_files_that_differ(run_cli, workdir):
    assert run_cli("chat", "-q", "-t", "2").exit_code == 0
    result = run_cli("replay", "--check")
    assert result.exit_code == 0, result.output
    assert "2 of 2 transcript files match" in result.output

    folder = workdir / "pidgin_output" / "transcripts"
    (markdown,) = folder.glob("*.md")
    (json_file,) = folder.glob("*.json")
    markdown.write_text(markdown.read_text() + "edited\n")
    json_file.unlink()
    result = run_cli("replay", "--check")
    assert result.exit_code == 1
    relative = Path("pidgin_output", "transcripts")
    assert f"differs: {relative / markdown.name}" in result.output
    assert f"missing: {relative / json_file.name}" in result.output
    assert "0 of 2 transcript files match" in result.output
    assert not json_file.exists()  # --check writes nothing.


def test_replay_of_named_conversations_only(run_cli, workdir):
    assert run_cli("chat", "-q", "-t", "1", "-p", "first").exit_code == 0
    assert run_cli("chat", "-q", "-t", "1", "-p", "second").exit_code == 0
    ids = [str(r.originator_id) for r in recorded_events(workdir) if r.version == 1]
    shutil.rmtree(workdir / "pidgin_output" / "transcripts")

    result = run_cli("replay", ids[1][:8])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (workdir / "pidgin_output" / "transcripts").iterdir())
    assert names == [f"{ids[1]}.json", f"{ids[1]}.md"]


def test_list_shows_each_conversation(run_cli, workdir):
    assert run_cli("chat", "-q", "-t", "2", "--name", "alpha").exit_code == 0
    assert run_cli("chat", "-q", "-t", "1", "--convergence-threshold", "0").exit_code == 0
    result = run_cli("list")
    assert result.exit_code == 0, result.output
    assert "2 conversations" in result.output and "alpha" in result.output

    listed = json.loads(run_cli("list", "--format", "json").output)
    assert [(c["name"], c["turns"], c["max_turns"], c["end_reason"]) for c in listed] == [
        ("alpha", 2, 2, "max_turns"),
        (None, 1, 1, "high_convergence"),
    ]
    assert listed[0]["agents"] == {"a": "local:test", "b": "local:test"}
