"""Benchmark: the report of a 200-conversation × 50-turn experiment.

Writes one experiment's conversations through the domain API (each message is
``local:test``'s real reply to the history, so texts and measures look like a run's),
projects them into DuckDB, builds the report, and opens it in headless Chromium (the
network off) until every chart is drawn. Prints the file's size and what it is made of,
and each time beside the same for a one-conversation report made in the same run (the
baseline: the fixed cost of Chromium, the Vega libraries and the page).

Run: python benchmarks/bench_report.py [--conversations 200] [--turns 50]
Needs chromium (apt-get install chromium) and playwright (the dev extra).
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path
from uuid import uuid4

from eventlog import open_store
from pidgin.domain import AgentSpec, Conversation
from pidgin.providers.local_test_text import compose_reply, count_tokens
from projections.analysis import project_to_duckdb
from projections.report import build_report
from tests.report.browser import visit


def conversation(index: int, turns: int, experiment: str, rng: random.Random) -> Conversation:
    spec = AgentSpec(model="local:test", provider="local", display_name="Test")
    talk = Conversation.start(
        spec, spec, "What makes a word stick?", turns, seed=index, experiment_id=experiment
    )
    for turn in range(1, turns + 1):
        talk.start_turn(turn)
        for agent in ("a", "b"):
            history = talk.history_for(agent)
            reply = compose_reply(history, None, index)
            talk.request_message(agent, turn)
            talk.complete_message(
                agent,
                turn,
                reply,
                tokens_in=sum(count_tokens(m.content) for m in history),
                tokens_out=count_tokens(reply),
                time_to_first_token=0.01,
                duration=0.2,
                model="local:test",
                stop_reason="end_turn",
            )
        drift = min(1.0, 0.3 + 0.01 * turn + rng.gauss(0, 0.08))
        talk.complete_turn(turn, round(max(0.0, drift), 6))
    talk.end("max_turns")
    return talk


def build(directory: Path, conversations: int, turns: int) -> tuple[Path, float]:
    """A store and its analysis database; return the database and the projection time."""
    rng = random.Random(7)
    experiment = str(uuid4())
    store = f"sqlite:///{str(directory / 'events.db').lstrip('/')}"
    with open_store(store) as log:
        for start in range(0, conversations, 20):
            batch = range(start, min(conversations, start + 20))
            log.save(*[conversation(i, turns, experiment, rng) for i in batch])
        database = directory / "pidgin.duckdb"
        started = time.perf_counter()
        project_to_duckdb(log, database)
        return database, time.perf_counter() - started


def measure(
    database: Path, name: str, directory: Path, screenshot: Path | None = None
) -> dict[str, float]:
    started = time.perf_counter()
    html = build_report(database, [])
    built = time.perf_counter() - started
    path = directory / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    seen = visit(path, screenshot)
    drawn = sum(1 for state in seen.charts.values() if state["rendered"] == "true")
    assert drawn == len(seen.charts) and not seen.page_errors and not seen.requests
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S)
    return {
        "bytes": len(html.encode()),
        "data": len(scripts[0].encode()),
        "vega": len(scripts[1].encode()),
        "build": built,
        "open": seen.seconds_to_charts,
        "busy": seen.busy_seconds.get("task", 0.0),
        "layout": seen.busy_seconds.get("layout", 0.0) + seen.busy_seconds.get("recalcstyle", 0.0),
        "charts": len(seen.charts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--screenshot", type=Path, help="keep a screenshot of the big report")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        (root / "small").mkdir()
        (root / "big").mkdir()
        small_db, _ = build(root / "small", 1, args.turns)
        started = time.perf_counter()
        big_db, projected = build(root / "big", args.conversations, args.turns)
        print(
            f"store: {args.conversations} × {args.turns} turns written and projected in "
            f"{time.perf_counter() - started:.1f} s (projection {projected:.1f} s)"
        )
        measure(small_db, "warm-up", root)  # Vega's bundle is made once per process.
        baseline = measure(small_db, "baseline", root)
        big = measure(big_db, "big", root, args.screenshot)
    for label, row in (
        (f"1 × {args.turns}", baseline),
        (f"{args.conversations} × {args.turns}", big),
    ):
        print(
            f"{label:>10}: {row['bytes'] / 1e6:5.1f} MB (data {row['data'] / 1e3:,.0f} kB, "
            f"Vega {row['vega'] / 1e3:,.0f} kB), {row['charts']:.0f} charts, built in "
            f"{row['build']:.1f} s, opened with every chart drawn in {row['open']:.2f} s "
            f"(Chromium busy {row['busy']:.2f} s, layout and style {row['layout']:.2f} s)"
        )
    print(
        f"ratios to the baseline: size {big['bytes'] / baseline['bytes']:.1f}x, "
        f"build {big['build'] / baseline['build']:.1f}x, "
        f"open {big['open'] / baseline['open']:.1f}x, busy {big['busy'] / baseline['busy']:.1f}x"
    )


if __name__ == "__main__":
    main()
