"""The ``turn_metrics`` rows of the turns a folded part completes, computed from the
conversation's messages as the database holds them (this transaction's included), in
worker processes when there are enough of them."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from projections.analysis.embedding_cache import cached_vectors
from projections.analysis.fold import Batch, Row
from projections.analysis.writes import load_arrow
from projections.metrics.embeddings import Vector, default_embedder, embedder_available
from projections.metrics.semantic import Semantics
from projections.metrics.turn import COLUMNS, METRICS_VERSION, batch_turn_table

POOL_MIN_TURNS = 2_000
CONVERSATIONS_PER_JOB = 20
PARENT_POLL_SECONDS = 0.2


class MetricPool:
    """Worker processes for the metrics, started on the first batch that is worth it.

    ``workers`` 0 means automatic: every core, but only for batches with at least
    POOL_MIN_TURNS turns to compute (starting the processes costs about a second).
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers or (os.cpu_count() or 1)
        self._minimum = POOL_MIN_TURNS if workers == 0 else 1
        self._pool: ProcessPoolExecutor | None = None

    def for_turns(self, turns: int) -> Executor | None:
        if self._workers <= 1 or turns < self._minimum:
            return self._pool
        if self._pool is None:
            # Spawned, not forked: a fork would copy DuckDB's and SQLite's threads and locks.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


def _start_worker(parent: int) -> None:
    """Workers ignore Ctrl+C: the projection stops them when it stops, so the terminal
    shows one line from the parent and not a traceback from every worker. And they die
    with the parent: a parent killed outright (kill -9) cannot shut its pool down, and
    its workers would otherwise run on for ever, holding its stdout open."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """Poll the parent's pid (a worker is reparented when it dies), then exit at once.

    Not PR_SET_PDEATHSIG: that follows the parent *thread* that started the worker, and
    the pool starts workers from whichever thread submits the first job."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


@contextmanager
def metric_pool(workers: int) -> Iterator[MetricPool]:
    pool = MetricPool(workers)
    try:
        yield pool
    finally:
        pool.close()


Messages = list[tuple[int, str, str]]
# A few conversations (messages, weights, wanted turns, opening prompt) and, with the
# embedding model, the vectors of their texts and the model's name.
Job = tuple[
    list[tuple[Messages, dict[str, float] | None, list[int], str | None]],
    dict[str, Vector] | None,
    str | None,
]


def _job_table(
    job: Job,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The wanted turns of a few conversations: (conversation index in the job, turn,
    values with NaN for None); runs in a worker process too."""
    conversations, vectors, model = job
    semantics = None
    if vectors is not None and model is not None:
        prompts = [prompt for _, _, _, prompt in conversations]
        semantics = Semantics(vectors=vectors, prompts=prompts, model=model)
    table = batch_turn_table(
        [(messages, weights) for messages, weights, _, _ in conversations], semantics
    )
    wanted = {
        (index, turn) for index, (_, _, turns, _) in enumerate(conversations) for turn in turns
    }
    keep = np.fromiter(
        (
            (c, t) in wanted
            for c, t in zip(table.conversation.tolist(), table.turn.tolist(), strict=True)
        ),
        bool,
        len(table.turn),
    )
    return table.conversation[keep], table.turn[keep], table.values[keep]


def insert_turn_metrics(
    connection: duckdb.DuckDBPyConnection,
    batch: Batch,
    pools: MetricPool,
    jobs_done: Callable[[int, int], None] | None = None,
) -> int:
    """Compute the rows of the turns completed in this batch from the messages table.

    Conversations are computed CONVERSATIONS_PER_JOB at a time: the metrics work on
    arrays, and bigger batches spread the cost of each array operation. ``jobs_done``
    hears (jobs finished, jobs) as they finish, for a progress bar.
    """
    if not batch.completed_turns:
        return 0
    wanted = pa.table({"conversation_id": sorted(batch.completed_turns)})
    connection.register("metric_conversations", wanted)
    try:
        messages = connection.execute(
            "SELECT conversation_id, turn, agent, text FROM messages "
            "WHERE conversation_id IN (SELECT conversation_id FROM metric_conversations) "
            "ORDER BY conversation_id, position"
        ).fetchall()
    finally:
        connection.unregister("metric_conversations")
    by_conversation: dict[str, Messages] = {}
    for conversation_id, turn, agent, text in messages:
        by_conversation.setdefault(conversation_id, []).append((turn, agent, text))
    ids = sorted(by_conversation)
    parts = [
        [
            (
                by_conversation[cid],
                _weights(batch.conversations.get(cid)),
                sorted(batch.completed_turns[cid]),
                (batch.conversations.get(cid) or {}).get("prompt"),
            )
            for cid in ids[start : start + CONVERSATIONS_PER_JOB]
        ]
        for start in range(0, len(ids), CONVERSATIONS_PER_JOB)
    ]
    pool = pools.for_turns(sum(len(turns) for turns in batch.completed_turns.values()))
    model: str | None = None
    vectors: dict[str, Vector] | None = None
    if embedder_available():
        model = default_embedder().name
        texts = [text for _, _, _, text in messages]
        texts += [prompt for part in parts for *_, prompt in part if prompt]
        vectors = cached_vectors(connection, texts, pool)
    jobs: list[Job] = [
        (part, _job_vectors(part, vectors) if vectors is not None else None, model)
        for part in parts
    ]
    results = []
    for result in pool.map(_job_table, jobs) if pool else map(_job_table, jobs):
        results.append(result)
        if jobs_done is not None:
            jobs_done(len(results), len(jobs))
    names = np.array(ids, dtype=object)
    offsets = range(0, len(ids), CONVERSATIONS_PER_JOB)
    conversation = np.concatenate(
        [offset + index for offset, (index, _, _) in zip(offsets, results, strict=True)]
    )
    count = len(conversation)
    if count:
        values = np.concatenate([table for _, _, table in results])
        columns: dict[str, pa.Array] = {
            "conversation_id": pa.array(names[conversation], type=pa.string()),
            "turn": pa.array(np.concatenate([turn for _, turn, _ in results]), type=pa.int32()),
            "metrics_version": pa.array([METRICS_VERSION] * count, type=pa.string()),
            "embedding_model": pa.array([model] * count, type=pa.string()),
        }
        for index, name in enumerate(COLUMNS):
            # NaN marks a value with nothing to compare yet: NULL in the table.
            columns[name] = pa.array(values[:, index], type=pa.float64(), from_pandas=True)
        load_arrow(
            connection,
            "turn_metrics",
            "INSERT INTO turn_metrics BY NAME SELECT * FROM {source}",
            pa.table(columns),
        )
    return count


def _job_vectors(
    part: list[tuple[Messages, dict[str, float] | None, list[int], str | None]],
    vectors: dict[str, Vector],
) -> dict[str, Vector]:
    """The vectors of one job's messages and prompts (what a worker is sent)."""
    texts = [text for messages, *_ in part for _, _, text in messages]
    texts += [prompt for *_, prompt in part if prompt]
    return {text: vectors[text] for text in texts}


def _weights(row: Row | None) -> dict[str, float] | None:
    if row is None or not row.get("convergence_weights"):
        return None
    weights = json.loads(row["convergence_weights"])
    return {str(k): float(v) for k, v in weights.items()}
