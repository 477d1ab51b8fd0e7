"""What the CLI asks of the queue: enqueue an experiment, read where its jobs are, cancel
the queued ones. (The log says what happened; the queue only says who runs what next.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventlog import parse_store_url
from eventlog.postgres import check_postgres
from eventlog.url import StoreURL
from pidgin.distributed.queue import TASK_NAME, enqueue, ensure_schema, make_app
from pidgin.domain.experiment import Experiment


def _providers(settings: dict[str, Any]) -> list[str]:
    return [settings["agent_a"]["provider"], settings["agent_b"]["provider"]]


def enqueue_experiment(url: str | StoreURL, experiment: Experiment) -> int:
    """Queue a job for every unfinished conversation; returns how many were queued."""
    return enqueue_conversations(url, experiment, experiment.unfinished())


def enqueue_conversations(
    url: str | StoreURL, experiment: Experiment, conversations: Iterable[UUID]
) -> int:
    parsed = parse_store_url(str(url)) if isinstance(url, str) else url
    providers = _providers(experiment.settings)
    pairs = [(cid, providers) for cid in conversations]

    async def run() -> int:
        app = make_app(url=parsed)
        async with app.open_async():
            await ensure_schema(app, parsed)
            return await enqueue(app, experiment.id, pairs)

    return asyncio.run(run())


@dataclass(frozen=True)
class JobState:
    conversation_id: UUID
    status: str  # todo, doing, succeeded, failed, cancelled, aborted
    worker_id: int | None
    heartbeat_age: float | None
    attempts: int


def job_states(url: StoreURL, experiment_id: UUID) -> list[JobState]:
    """The queue's view of the experiment's jobs (latest job per conversation)."""
    connection = check_postgres(url)
    try:
        found = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is None or found[0] is None:
            return []
        rows = connection.execute(
            "SELECT DISTINCT ON (j.args->>'conversation_id') j.args->>'conversation_id', "
            "j.status::text, j.worker_id, "
            "extract(epoch FROM now() - w.last_heartbeat)::double precision, j.attempts "
            "FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
            "WHERE j.task_name = %s AND j.args->>'experiment_id' = %s "
            "ORDER BY j.args->>'conversation_id', j.id DESC",
            (TASK_NAME, str(experiment_id)),
        ).fetchall()
    finally:
        connection.close()
    return [JobState(UUID(cid), status, worker, age, attempts)
            for cid, status, worker, age, attempts in rows]  # fmt: skip


def cancel_queued(url: StoreURL, experiment_id: UUID) -> int:
    """Cancel the experiment's jobs no worker has taken yet; returns how many."""
    queued = [s for s in job_states(url, experiment_id) if s.status == "todo"]
    if not queued:
        return 0
    connection = check_postgres(url)
    try:
        rows = connection.execute(
            "SELECT id FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo' "
            "AND args->>'experiment_id' = %s",
            (TASK_NAME, str(experiment_id)),
        ).fetchall()
    finally:
        connection.close()

    async def run() -> int:
        app = make_app(url=url)
        async with app.open_async():
            done = [await app.job_manager.cancel_job_by_id_async(job_id) for (job_id,) in rows]
        return sum(done)

    return asyncio.run(run())
