"""The ``turn_metrics`` rows of the turns a folded part completes, computed from the
conversation's messages as the database holds them (this transaction's included), in
worker processes when there are enough of them."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from projections.analysis.fold import Batch, Row
from projections.analysis.writes import load_arrow
from projections.metrics.turn import COLUMNS, METRICS_VERSION, conversation_turn_rows

POOL_MIN_TURNS = 2_000


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
            self._pool = ProcessPoolExecutor(self._workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


@contextmanager
def metric_pool(workers: int) -> Iterator[MetricPool]:
    pool = MetricPool(workers)
    try:
        yield pool
    finally:
        pool.close()


def _conversation_rows(
    job: tuple[list[tuple[int, str, str]], dict[str, float] | None, list[int]],
) -> list[tuple[int, dict[str, float | None]]]:
    """Metric rows of the wanted turns of one conversation (runs in a worker process too)."""
    messages, weights, wanted = job
    keep = set(wanted)
    return [(turn, row) for turn, row in conversation_turn_rows(messages, weights) if turn in keep]


def insert_turn_metrics(
    connection: duckdb.DuckDBPyConnection, batch: Batch, pools: MetricPool
) -> int:
    """Compute the rows of the turns completed in this batch from the messages table."""
    if not batch.completed_turns:
        return 0
    wanted = pa.table({"conversation_id": sorted(batch.completed_turns)})
    connection.register("metric_conversations", wanted)
    try:
        messages = connection.execute(
            "SELECT CAST(conversation_id AS VARCHAR), turn, agent, text FROM messages "
            "WHERE conversation_id IN "
            "(SELECT CAST(conversation_id AS UUID) FROM metric_conversations) "
            "ORDER BY conversation_id, position"
        ).fetchall()
    finally:
        connection.unregister("metric_conversations")
    by_conversation: dict[str, list[tuple[int, str, str]]] = {}
    for conversation_id, turn, agent, text in messages:
        by_conversation.setdefault(conversation_id, []).append((turn, agent, text))
    ids = sorted(by_conversation)
    jobs = [
        (
            by_conversation[cid],
            _weights(batch.conversations.get(cid)),
            sorted(batch.completed_turns[cid]),
        )
        for cid in ids
    ]
    pool = pools.for_turns(sum(len(turns) for turns in batch.completed_turns.values()))
    results = (
        list(pool.map(_conversation_rows, jobs, chunksize=8))
        if pool
        else map(_conversation_rows, jobs)
    )
    columns: dict[str, list[Any]] = {"conversation_id": [], "turn": [], "metrics_version": []}
    columns.update({name: [] for name in COLUMNS})
    for cid, rows in zip(ids, results, strict=True):
        for turn, row in rows:
            columns["conversation_id"].append(cid)
            columns["turn"].append(turn)
            columns["metrics_version"].append(METRICS_VERSION)
            for name in COLUMNS:
                columns[name].append(row[name])
    count = len(columns["turn"])
    if count:
        schema = pa.schema(
            [
                ("conversation_id", pa.string()),
                ("turn", pa.int32()),
                ("metrics_version", pa.string()),
            ]
            + [(name, pa.float64()) for name in COLUMNS]
        )
        load_arrow(
            connection,
            "turn_metrics",
            "INSERT INTO turn_metrics BY NAME SELECT * FROM {source}",
            pa.table(columns, schema=schema),
        )
    return count


def _weights(row: Row | None) -> dict[str, float] | None:
    if row is None or not row.get("convergence_weights"):
        return None
    weights = json.loads(row["convergence_weights"])
    return {str(k): float(v) for k, v in weights.items()}
