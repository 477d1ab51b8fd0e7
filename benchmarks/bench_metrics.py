"""Benchmark: per-turn metrics, turns per second, against the earlier tool's calculator.

Builds realistic conversations (40–160-word messages from the local:test text engine),
then times, in one run and on the same turns:
  - the reference: pidgin-ai 1.1.0's FlatMetricsCalculator (fetched with pip into a cache
    directory the first time; pass --reference DIR to use an unpacked copy), one core;
  - ours, one core: projections.metrics.turn.batch_turn_table, BATCH conversations at a
    time (as the DuckDB projection calls it);
  - ours, both cores: the same batches spread over a process pool;
  - ours with the semantic columns, their vectors taken from the cache (as a --rebuild);
  - the embedding step alone (sentence embeddings, MiniLM int8 ONNX), messages/s on one
    core and on both, and the embedding cache's effect on a --rebuild: the first
    projection embeds every text, a rebuild reads the vectors from the DuckDB cache.

Run: python benchmarks/bench_metrics.py [--conversations 200] [--turns 50] [--embed 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from pidgin.domain.messages import ChatMessage
from pidgin.providers.local_test_text import compose_reply
from projections.metrics.embeddings import embedder_available
from projections.metrics.semantic import Semantics
from projections.metrics.turn import COLUMNS, batch_turn_table

REFERENCE_PACKAGE = "pidgin-ai==1.1.0"
QUOTED_REFERENCE = 950  # turns/s per core, as the issue quotes the reference
BATCH = 20  # conversations per call, as projections.analysis computes them


def prompt_of(conversation: int) -> str:
    return f"Conversation {conversation}: what is a pidgin?"


Conversation = list[tuple[int, str, str]]

REFERENCE_RUNNER = """
import json, sys, time, types
root = sys.argv[1]
package = types.ModuleType("pidgin")
package.__path__ = [root + "/pidgin"]
sys.modules["pidgin"] = package
from pidgin.metrics.flat_calculator import FlatMetricsCalculator
conversations = json.load(open(sys.argv[2]))
start, cpu = time.perf_counter(), time.process_time()
turns = 0
for conversation in conversations:
    calculator = FlatMetricsCalculator()
    for index, (a, b) in enumerate(conversation):
        calculator.calculate_turn_metrics(index, a, b)
        turns += 1
print(json.dumps({"turns": turns, "seconds": time.perf_counter() - start,
                  "cpu": time.process_time() - cpu}))
"""


def realistic_conversations(count: int, turns: int, seed: int = 7) -> list[Conversation]:
    """Conversations whose messages have 40–160 words (uniform), from local:test replies."""
    rng = random.Random(seed)
    conversations = []
    for c in range(count):
        history = [ChatMessage(role="user", content=prompt_of(c))]
        messages: Conversation = []
        for turn in range(1, turns + 1):
            for agent in ("a", "b"):
                target = rng.randint(40, 160)
                words: list[str] = []
                while len(words) < target:
                    reply = compose_reply(history)
                    words += reply.split(" ")
                    history = [*history, ChatMessage(role="assistant", content=reply)]
                text = " ".join(words[:target])
                messages.append((turn, agent, text))
        conversations.append(messages)
    return conversations


def reference_root(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    cache = Path(tempfile.gettempdir()) / "pidgin-bench-reference"
    if not (cache / "pidgin" / "metrics" / "flat_calculator.py").is_file():
        cache.mkdir(exist_ok=True)
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache),
             REFERENCE_PACKAGE],
            capture_output=True,
        )  # fmt: skip
        wheels = list(cache.glob("pidgin_ai-*.whl"))
        if fetched.returncode != 0 or not wheels:
            return None
        import zipfile

        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(cache)
    return cache


def time_reference(root: Path, conversations: list[Conversation]) -> tuple[float, float]:
    pairs = [
        [(a, b) for (_, _, a), (_, _, b) in zip(conv[::2], conv[1::2], strict=True)]
        for conv in conversations
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(pairs, handle)
    try:
        out = subprocess.run(
            [sys.executable, "-c", REFERENCE_RUNNER, str(root), handle.name],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    result = json.loads(out.stdout)
    turns = float(result["turns"])
    return turns / float(result["seconds"]), turns / float(result["cpu"])


def rows_of(conversations: list[Conversation], semantics: Semantics | None = None) -> int:
    return len(batch_turn_table([(c, None) for c in conversations], semantics).turn)


def time_ours(
    conversations: list[Conversation], workers: int, vectors: dict[str, Any] | None = None
) -> tuple[float, float]:
    """(turns per wall second, turns per CPU second of this process — 1 worker only).

    ``vectors``: every text's embedding (as read from the cache): the semantic columns
    are computed too.
    """
    batches = [conversations[i : i + BATCH] for i in range(0, len(conversations), BATCH)]
    # Other conversations first: loading the lexicons is not part of the rate, and the
    # measured turns must not find their words already seen.
    warm_up = realistic_conversations(BATCH, 5, seed=99)
    if workers == 1:
        rows_of(warm_up)
        start, cpu = time.perf_counter(), time.process_time()
        if vectors is None:
            turns = sum(map(rows_of, batches))
        else:
            turns = 0
            for number, batch in enumerate(batches):
                prompts = [prompt_of(number * BATCH + i) for i in range(len(batch))]
                turns += rows_of(batch, Semantics(vectors, prompts, "cached"))
        return turns / (time.perf_counter() - start), turns / (time.process_time() - cpu)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(rows_of, [warm_up] * workers))  # start the workers first
        start = time.perf_counter()
        turns = sum(pool.map(rows_of, batches, chunksize=1))
        return turns / (time.perf_counter() - start), 0.0


def time_embeddings(texts: list[str]) -> None:
    """The embedding step: messages/s on one core and on both, and with the cache."""
    import duckdb

    from projections.analysis.embedding_cache import CACHE_TABLE, cached_vectors, embed_texts
    from projections.metrics.embeddings import default_embedder

    default_embedder().embed("warm up")
    start = time.perf_counter()
    embed_texts(texts)
    one = len(texts) / (time.perf_counter() - start)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(embed_texts, [["warm up"], ["warm up"]]))  # load the model in both
        start = time.perf_counter()
        embed_texts(texts, pool)
        two = len(texts) / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as directory:
        connection = duckdb.connect(str(Path(directory) / "cache.duckdb"))
        connection.execute(CACHE_TABLE)
        start = time.perf_counter()
        cached_vectors(connection, texts)  # the first projection: every text embedded
        first = len(texts) / (time.perf_counter() - start)
        start = time.perf_counter()
        cached_vectors(connection, texts)  # a --rebuild: every vector from the cache
        again = len(texts) / (time.perf_counter() - start)
        connection.close()
    print(f"embedding, 1 core:              {one:8.1f} messages/s")
    print(f"embedding, 2 cores:             {two:8.1f} messages/s  ({two / one:.2f}x)")
    print(f"first projection (embed+store): {first:8.1f} messages/s")
    print(f"rebuild (read from the cache):  {again:8.0f} messages/s  ({again / first:.0f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--reference", help="directory with an unpacked pidgin-ai wheel")
    parser.add_argument("--embed", type=int, default=200, help="messages to embed")
    args = parser.parse_args()
    conversations = realistic_conversations(args.conversations, args.turns)
    words = [len(t.split()) for c in conversations for _, _, t in c]
    total = args.conversations * args.turns
    mean = sum(words) / len(words)
    print(f"{total} turns, {len(words)} messages of {min(words)}–{max(words)} words")
    print(f"(mean {mean:.0f}); {len(COLUMNS)} metric columns per turn")
    root = reference_root(args.reference)
    reference, reference_cpu = time_reference(root, conversations) if root else (None, None)
    ours_one, ours_one_cpu = time_ours(conversations, 1)
    ours_two, _ = time_ours(conversations, 2)
    if reference:
        print(f"reference, 1 core:              {reference:8.0f} turns/s  (pidgin-ai 1.1.0)")
    else:
        print("reference: not available (pip could not fetch pidgin-ai); the issue quotes ~950")
    versus = f"  ({ours_one / reference:.2f}x reference; target 5x)" if reference else ""
    print(f"ours, 1 core:                   {ours_one:8.0f} turns/s{versus}")
    if reference_cpu:
        print(f"reference, per CPU second:      {reference_cpu:8.0f} turns/s")
        print(f"ours, per CPU second:           {ours_one_cpu:8.0f} turns/s  "
              f"({ours_one_cpu / reference_cpu:.2f}x reference)")  # fmt: skip
    print(f"ours, 2 cores (process pool):   {ours_two:8.0f} turns/s  (target 10,000)")
    if embedder_available():
        from projections.metrics.embeddings import default_embedder

        texts = [t for c in conversations for _, _, t in c]
        # Stand-in unit vectors: the rate of the metrics given cached vectors, not of
        # embedding (measured below).
        rng = np.random.default_rng(1)
        vectors = {}
        for text in [*texts, *map(prompt_of, range(len(conversations)))]:
            vector = rng.standard_normal(384).astype(np.float32)
            vectors[text] = vector / np.linalg.norm(vector)
        with_semantic, _ = time_ours(conversations, 1, vectors)
        versus = f"  ({with_semantic / reference:.2f}x reference)" if reference else ""
        print(f"ours + semantic columns, 1 core: {with_semantic:7.0f} turns/s{versus}")
        default_embedder()
        time_embeddings(list(dict.fromkeys(texts))[: args.embed])
    else:
        print("embedding: not installed (pip install 'pidgin[semantic]')")
    if reference:
        # The 10,000 is 10.5x the ~950 turns/s it quotes for the reference per core.
        scale = 10_000 / QUOTED_REFERENCE
        print(f"  = {ours_two / reference:.1f}x the reference on 1 core here "
              f"(10,000 is {scale:.1f}x the quoted {QUOTED_REFERENCE})")  # fmt: skip


if __name__ == "__main__":
    main()
