"""A worker process: procrastinate's worker running conversation jobs, plus the two
things a queue of conversations needs beyond it: limits shared through PostgreSQL, and
taking up the jobs of a worker that died (its heartbeat stopped)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from eventlog import open_store
from eventlog.url import StoreURL
from pidgin.distributed.job import CONTEXT_KEY, WorkerContext
from pidgin.distributed.queue import TASK_NAME, ensure_schema, make_app, queues_for_worker
from pidgin.distributed.shared_limit import SharedLimits
from pidgin.providers.rate_limit import WINDOW_SECONDS

HEARTBEAT_SECONDS = 10.0
STALLED_AFTER_HEARTBEATS = 3
"""A worker whose heartbeat is this many intervals old is taken for dead: its running
jobs are queued again, and continue from their last completed message."""


@dataclass(frozen=True)
class WorkerOptions:
    url: StoreURL
    output: Path
    concurrency: int = 1
    providers: tuple[str, ...] = ()
    until_idle: bool = False
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    rate_window_seconds: float = WINDOW_SECONDS

    @property
    def stalled_after(self) -> float:
        return self.heartbeat_seconds * STALLED_AFTER_HEARTBEATS

    @property
    def name(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}"


async def serve(options: WorkerOptions) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM), or until the queues are empty."""
    from pidgin.agents_setup import providers_for

    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    app = make_app(url=options.url)
    limits = SharedLimits(options.url, options.rate_window_seconds)
    queues = queues_for_worker(options.providers)
    try:
        with open_store(options.url) as log:
            context = WorkerContext(
                log,
                options.output,
                providers_for=partial(providers_for, make_limiter=limits.limiter),
            )
            async with app.open_async():
                await ensure_schema(app, options.url)
                reaper = asyncio.create_task(_retry_stalled(app, options, queues))
                try:
                    await app.run_worker_async(
                        # None is every queue (as documented), though the type says Iterable.
                        queues=queues,  # type: ignore[arg-type]
                        concurrency=options.concurrency,
                        wait=not options.until_idle,
                        name=options.name,
                        additional_context={CONTEXT_KEY: context},
                        update_heartbeat_interval=options.heartbeat_seconds,
                        stalled_worker_timeout=options.stalled_after,
                        fetch_job_polling_interval=min(5.0, options.heartbeat_seconds),
                    )
                finally:
                    reaper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reaper
    finally:
        limits.close()


async def _retry_stalled(app: object, options: WorkerOptions, queues: list[str] | None) -> None:
    """Queue again the jobs of workers whose heartbeat stopped (procrastinate finds them;
    retrying them is left to the application)."""
    import procrastinate

    assert isinstance(app, procrastinate.App)
    while True:
        await asyncio.sleep(options.heartbeat_seconds)
        stalled = await app.job_manager.get_stalled_jobs(
            task_name=TASK_NAME, seconds_since_heartbeat=options.stalled_after
        )
        for job in stalled:
            if queues is None or job.queue in queues:
                await app.job_manager.retry_job(job)
