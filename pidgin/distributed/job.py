"""The job: run one scheduled conversation of an experiment with the runner's own code."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventlog import EventLog

if TYPE_CHECKING:
    from procrastinate import JobContext

    from pidgin.experiments.runner import ProvidersFor

CONTEXT_KEY = "pidgin"
STOP_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class WorkerContext:
    """What a worker's jobs share: its open store, where transcripts go, how conversations
    get their providers (with limits shared by every worker), how often to look for a
    stop recorded in the log."""

    log: EventLog
    output: Path
    providers_for: ProvidersFor | None = None
    stop_poll_seconds: float = STOP_POLL_SECONDS


async def run_conversation(context: JobContext, experiment_id: str, conversation_id: str) -> None:
    """The task: run (or continue) one conversation; nothing if the experiment is over."""
    worker: WorkerContext = context.additional_context[CONTEXT_KEY]
    await run_scheduled_conversation(worker, UUID(experiment_id), UUID(conversation_id))


async def run_scheduled_conversation(
    worker: WorkerContext, experiment_id: UUID, conversation_id: UUID
) -> str:
    """Run ``conversation_id`` through the experiment runner; returns the experiment's
    state afterwards. A stop recorded in the log (``experiment stop``) pauses the
    conversation after its current message, as it does for a local runner."""
    from pidgin.experiments.runner import ExperimentRunner

    runner = ExperimentRunner(
        worker.log,
        experiment_id,
        transcripts=worker.output / "transcripts",
        providers_for=worker.providers_for,
    )
    watcher = asyncio.create_task(_watch_for_stop(worker, runner, experiment_id))
    try:
        return await runner.run_conversation(conversation_id)
    finally:
        watcher.cancel()


async def _watch_for_stop(worker: WorkerContext, runner: Any, experiment_id: UUID) -> None:
    from pidgin.domain.experiment import Experiment

    while True:
        await asyncio.sleep(worker.stop_poll_seconds)
        experiment: Experiment = worker.log.load(experiment_id)
        if experiment.state == "stopped":
            runner.request_stop(immediate=experiment.stopped_immediately)
            return
