"""The analysis database takes prompt-cache counts and prices, and unknown token counts,
from a log written with them (tests/fixtures/round2_log), and prices them as the
transcripts do."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
from click.testing import Result

FIXTURE = Path(__file__).parents[1] / "fixtures" / "round2_log"


def test_cache_tokens_prices_and_unknown_counts_reach_duckdb(
    workdir: Path, run_cli: Callable[..., Result]
) -> None:
    shutil.copytree(FIXTURE, workdir / "log", ignore=shutil.ignore_patterns("transcripts"))
    store = f"jsonl://{workdir / 'log'}"
    result = run_cli("project", "-q", "--no-metrics", "--store", store, "-o", str(workdir))
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(workdir / "pidgin.duckdb"), read_only=True) as connection:
        messages = connection.execute(
            "SELECT agent, tokens_in, tokens_out, cache_read_tokens, cache_write_tokens, "
            "cost_usd FROM messages ORDER BY position"
        ).fetchall()
        conversation = connection.execute(
            "SELECT end_reason, tokens_in, tokens_out, cost_usd, agent_a_cache_read_price, "
            "agent_a_cache_write_price FROM conversations"
        ).fetchone()
    # Agent A (Claude): 16 input tokens, 12 read from the cache at $0.30/M and 4 written at
    # $3.75/M, 27 output at $15/M: 12 × 0.3 + 4 × 3.75 + 27 × 15 = 423.6 → $0.0004236.
    # Agent B's server sent no usage: unknown (NULL), never 0; it is free (price 0).
    assert messages == [("a", 16, 27, 12, 4, 0.0004236), ("b", None, None, None, None, 0.0)]
    assert conversation == ("budget", 16, 27, 0.0004236, 0.3, 3.75)
    (transcript,) = (FIXTURE / "transcripts").glob("*.json")
    assert json.loads(transcript.read_text())["cost_usd"] == 0.0004236
