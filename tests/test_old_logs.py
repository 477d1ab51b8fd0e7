"""Logs written by earlier code replay byte-identically.

``tests/fixtures/round1_log`` holds a JSONL log written by the first round's code (a chat
with awareness, a seed and a convergence threshold; a two-conversation experiment; a
branch) and the transcripts that code wrote from it. Every later schema change must keep
this log readable (new event versions come with upcasters) and its transcripts the same.
If a change to the transcript format is intended, regenerate the expected files from the
same log and say so in the commit.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE = FIXTURES / "round1_log"


@pytest.mark.parametrize(
    "fixture",
    [
        FIXTURE,
        # Written by the providers round (MessageCompleted version 2): prompt-cache tokens
        # of an Anthropic agent, an openai-compatible agent whose server sent no usage
        # (unknown counts), and a token budget that ended the conversation.
        FIXTURES / "round2_log",
    ],
    ids=["round1", "round2"],
)
def test_old_logs_replay_to_the_transcripts_they_were_written_with(
    workdir: Path, run_cli: Callable[..., Result], fixture: Path
) -> None:
    shutil.copytree(fixture, workdir / "log", ignore=shutil.ignore_patterns("transcripts"))
    result = run_cli("replay", "--store", f"jsonl://{workdir / 'log'}", "-o", str(workdir / "out"))
    assert result.exit_code == 0, result.output
    expected = sorted(p.name for p in (fixture / "transcripts").iterdir())
    written = sorted(p.name for p in (workdir / "out" / "transcripts").iterdir())
    assert written == expected
    for name in expected:
        assert (workdir / "out" / "transcripts" / name).read_bytes() == (
            fixture / "transcripts" / name
        ).read_bytes(), name
