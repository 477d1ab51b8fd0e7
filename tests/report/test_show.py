"""`pidgin show` on every kind of conversation, read as a person reads it; its Markdown and
JSON are the transcripts `pidgin replay` writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.report.recordings import record_every_kind, started_ids


def test_show_prints_every_kind_of_conversation_as_it_happened(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    kinds = record_every_kind(workdir, run_cli)
    injected, paused, stopped = kinds["injected"], kinds["paused"], kinds["stopped"]
    branched, errored = kinds["branched"], kinds["errored"]

    shown = {}
    for conversation_id in (injected, paused, stopped, branched, errored):
        result = run_cli("show", conversation_id[:6])
        assert result.exit_code == 0, result.output
        shown[conversation_id] = result.output
        assert conversation_id in shown[conversation_id]
        assert all(len(line) <= 80 for line in result.output.splitlines())

    text = shown[injected]
    assert "System message to Test-A and Test-B (scheduled)" in text
    assert "Use short words now." in text
    assert text.index("turn 1 · convergence") < text.index("Use short words now.")
    assert text.index("Use short words now.") < text.index("Test-A (turn 2):")
    assert "ended: max_turns after 3 turns" in text
    assert "words " in text and "overlap " in text and "sentiment " in text

    assert "Paused after turn 1: high_convergence" in shown[paused]
    assert "not ended: paused (high_convergence)" in shown[paused]
    assert "Not ended (paused: high_convergence)" in shown[paused]

    assert "Stop condition met: regex \\bcaravans\\b at turn" in shown[stopped]
    assert "caravans" in shown[stopped].split("Stop condition met")[1]  # The evidence.
    assert "ended: stop_regex after" in shown[stopped]

    assert f"{injected} at turn 1" in shown[branched]  # "branched from ID at turn 1"

    text = shown[errored]
    assert "Rate limited: waited 2.5 s for openai (429 from the API)" in text
    assert "Error from openai (agent B, status 529, attempt 3)" in text
    assert "server overloaded" in text
    assert text.index("First words.") < text.index("server overloaded")
    assert "ended: error after 0 turns" in text


def test_markdown_and_json_are_the_transcripts(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("chat", "-q", "-t", "2", "-p", "Hello.").exit_code == 0
    (conversation_id,) = started_ids(workdir)
    assert run_cli("replay").exit_code == 0
    transcripts = workdir / "pidgin_output" / "transcripts"
    for fmt, suffix in (("markdown", ".md"), ("json", ".json")):
        result = run_cli("show", conversation_id[:4], "--format", fmt)
        assert result.exit_code == 0
        assert result.output == (transcripts / f"{conversation_id}{suffix}").read_text()


def test_an_unknown_or_ambiguous_id_is_one_line_and_exit_2(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    for _ in range(2):
        assert run_cli("chat", "-q", "-t", "1", "-p", "Hi.").exit_code == 0
    result = run_cli("show", "zzzz")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: no conversation in the store matches 'zzzz'"
    ]
    result = run_cli("show", "")
    assert result.exit_code == 2 and "2 conversations" in result.output


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a terminal")
def test_on_a_terminal_a_long_conversation_goes_through_the_pager(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("chat", "-q", "-t", "3", "-p", "Long.").exit_code == 0
    (conversation_id,) = started_ids(workdir)
    pager = 'printf "%s" "$LESS" > less.txt; cat > paged.txt'

    def show_on_a_terminal(lines: int) -> str:
        """`pidgin show` in a pseudo-terminal of 80 columns and ``lines`` lines."""
        env = {**os.environ, "PAGER": pager, "COLUMNS": "80", "LINES": str(lines)}
        env.pop("LESS", None)
        command = f"{sys.executable} -m pidgin show {conversation_id[:8]}"
        done = subprocess.run(
            ["script", "-qec", command, "/dev/null"],
            cwd=workdir, env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return done.stdout

    printed = show_on_a_terminal(24)
    paged = (workdir / "paged.txt").read_text()
    assert conversation_id not in printed and conversation_id in paged
    assert "\x1b[1;36mTest-A (turn 1):" in paged  # Agent A's colour reaches the pager,
    assert (workdir / "less.txt").read_text() == "-R"  # and less shows it as colour.
    (workdir / "paged.txt").unlink()
    printed = show_on_a_terminal(1000)  # Fits on the screen: printed, no pager.
    assert conversation_id in printed and not (workdir / "paged.txt").exists()
