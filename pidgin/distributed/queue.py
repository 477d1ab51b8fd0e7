"""The procrastinate app: one task, ``pidgin.run_conversation``, one job per conversation.

Jobs go to a queue named after the providers the conversation needs (``pidgin:local``,
``pidgin:anthropic+openai``), so a worker started with ``--providers`` listens only to
the queues it can serve. Each job carries a lock (its conversation id): two jobs of one
conversation never run at once, and a queueing lock keeps one of them queued at most.
The store URL (and its password) is never in a job: each worker has its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import TYPE_CHECKING
from uuid import UUID

from eventlog.url import StoreURL
from pidgin.errors import PidginError

if TYPE_CHECKING:
    import procrastinate

QUEUE_PREFIX = "pidgin:"
TASK_NAME = "pidgin.run_conversation"
SCHEMA_LOCK_KEY = 7_246_371_012
"""Advisory lock key held while a process creates procrastinate's tables."""


def queue_for(providers: Iterable[str]) -> str:
    """The queue of a conversation whose agents use ``providers``."""
    return QUEUE_PREFIX + "+".join(sorted(set(providers)))


def queues_for_worker(providers: Sequence[str] | None) -> list[str] | None:
    """Every queue a worker serving ``providers`` can take work from (None: all)."""
    if not providers:
        return None
    names = sorted(set(providers))
    return [
        queue_for(subset)
        for size in range(1, len(names) + 1)
        for subset in combinations(names, size)
    ]


def conninfo(url: StoreURL) -> str:
    import psycopg.conninfo

    return psycopg.conninfo.make_conninfo(
        host=url.host or "",
        port=url.port or 5432,
        user=url.user or "",
        password=url.password or "",
        dbname=url.database or "",
    )


def make_app(
    connector: procrastinate.BaseConnector | None = None, url: StoreURL | None = None
) -> procrastinate.App:
    """The app with the conversation task, on ``connector`` (tests: InMemoryConnector)
    or a psycopg connector to ``url``'s database."""
    try:
        import procrastinate
    except ImportError:
        raise PidginError(
            "distributed experiments need procrastinate: pip install 'pidgin[postgres]'"
        ) from None

    from pidgin.distributed.job import run_conversation

    if connector is None:
        assert url is not None
        connector = procrastinate.PsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=4)
    app = procrastinate.App(connector=connector)
    app.task(name=TASK_NAME, pass_context=True)(run_conversation)
    return app


async def ensure_schema(app: procrastinate.App, url: StoreURL) -> None:
    """Create procrastinate's tables once per database (under an advisory lock)."""
    from eventlog.postgres import check_postgres

    connection = check_postgres(url)
    try:
        connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        found = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is None or found[0] is None:
            await app.schema_manager.apply_schema_async()
    finally:
        connection.close()


async def enqueue(
    app: procrastinate.App,
    experiment_id: UUID,
    conversations: Sequence[tuple[UUID, Iterable[str]]],
) -> int:
    """Defer one job per (conversation, providers); a conversation already queued is
    skipped (its queueing lock). Returns how many jobs were deferred."""
    from procrastinate.exceptions import AlreadyEnqueued

    task = app.tasks[TASK_NAME]
    deferred = 0
    for conversation_id, providers in conversations:
        key = str(conversation_id)
        try:
            await task.configure(
                queue=queue_for(providers), lock=key, queueing_lock=key
            ).defer_async(experiment_id=str(experiment_id), conversation_id=key)
        except AlreadyEnqueued:
            continue
        deferred += 1
    return deferred
