"""The job code, through procrastinate's in-memory connector and a real SQLite store:
jobs run conversations with the runner's own code, once each, and complete the
experiment; queues follow the providers a conversation needs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import pytest

from eventlog import open_store
from pidgin.distributed.job import CONTEXT_KEY, WorkerContext
from pidgin.distributed.queue import TASK_NAME, enqueue, make_app, queue_for, queues_for_worker
from pidgin.domain import Conversation
from pidgin.domain.experiment import Experiment
from pidgin.experiments.plan import conversation_settings
from pidgin.experiments.spec import ExperimentSpec
from tests.eventlog.stores import sqlite_url


def test_a_worker_serves_every_queue_of_its_providers_and_no_other() -> None:
    assert queue_for(["openai", "anthropic", "openai"]) == "pidgin:anthropic+openai"
    queues = queues_for_worker(("ollama", "anthropic"))
    assert queues == ["pidgin:anthropic", "pidgin:ollama", "pidgin:anthropic+ollama"]
    assert queue_for(["anthropic", "openai"]) not in queues
    assert queues_for_worker(()) is None  # every queue


def record_experiment(url: str, repetitions: int) -> Experiment:
    spec = ExperimentSpec.model_validate({"repetitions": repetitions, "turns": 2, "seed": 5})
    settings = conversation_settings(spec, assume_yes=True)
    record = spec.model_dump(mode="json") | {"distributed": True}
    experiment = Experiment.create("jobs", record, settings, repetitions)
    with open_store(url) as log:
        log.save(experiment)
    return experiment


def test_jobs_run_each_conversation_once_and_complete_the_experiment(tmp_path: Path) -> None:
    from procrastinate.testing import InMemoryConnector

    url = sqlite_url(tmp_path)
    experiment = record_experiment(url, 3)
    connector = InMemoryConnector()
    app = make_app(connector)

    async def main() -> tuple[int, int]:
        async with app.open_async():
            pairs = [(cid, ["local"]) for cid in experiment.scheduled]
            first = await enqueue(app, experiment.id, pairs)
            again = await enqueue(app, experiment.id, pairs)  # queueing lock: not twice
            with open_store(url) as log:
                context = WorkerContext(log, tmp_path / "out", stop_poll_seconds=0.05)
                await app.run_worker_async(
                    queues=[queue_for(["local"])],
                    wait=False,
                    concurrency=2,
                    additional_context={CONTEXT_KEY: context},
                    install_signal_handlers=False,
                )
        return first, again

    first, again = asyncio.run(main())
    assert (first, again) == (3, 0)
    jobs = list(connector.jobs.values())
    assert [j["task_name"] for j in jobs] == [TASK_NAME] * 3
    assert {j["status"] for j in jobs} == {"succeeded"}
    assert {j["args"]["conversation_id"] for j in jobs} == {str(c) for c in experiment.scheduled}
    with open_store(url, create=False) as log:
        done: Experiment = log.load(experiment.id)
        assert done.state == "completed" and not done.unfinished()
        for cid in experiment.scheduled:
            conversation: Conversation = log.load(cid)
            assert conversation.end_reason == "max_turns"
            assert [(m.turn, m.agent) for m in conversation.messages] == [
                (1, "a"),
                (1, "b"),
                (2, "a"),
                (2, "b"),
            ]
    transcripts = sorted(p.stem for p in (tmp_path / "out" / "transcripts").glob("*.md"))
    assert transcripts == sorted(str(c) for c in experiment.scheduled)


def test_a_job_of_a_stopped_experiment_runs_nothing(tmp_path: Path) -> None:
    from pidgin.distributed.job import run_scheduled_conversation

    url = sqlite_url(tmp_path)
    experiment = record_experiment(url, 1)
    with open_store(url) as log:
        stopped: Experiment = log.load(experiment.id)
        stopped.stop(immediate=False)
        log.save(stopped)
        context = WorkerContext(log, tmp_path / "out")
        state = asyncio.run(
            run_scheduled_conversation(context, experiment.id, experiment.scheduled[0])
        )
        assert state == "stopped"
        assert log.aggregate_events(UUID(str(experiment.scheduled[0]))) == []


@pytest.mark.parametrize("immediate", [False, True])
def test_a_stop_recorded_in_the_log_reaches_a_running_job(tmp_path: Path, immediate: bool) -> None:
    """Workers on other machines learn of `experiment stop` from the log: the running
    conversation pauses after its current message (or ends at once, interrupted)."""
    from pidgin.distributed.job import run_scheduled_conversation

    url = sqlite_url(tmp_path)
    spec = ExperimentSpec.model_validate({"turns": 400})
    settings = conversation_settings(spec, assume_yes=True)
    experiment = Experiment.create("long", spec.model_dump(mode="json"), settings, 1)
    cid = experiment.scheduled[0]
    with open_store(url) as log:
        log.save(experiment)
        context = WorkerContext(log, tmp_path / "out", stop_poll_seconds=0.02)

        async def main() -> str:
            job = asyncio.create_task(run_scheduled_conversation(context, experiment.id, cid))
            while len(log.aggregate_events(cid)) < 20:  # under way
                await asyncio.sleep(0.01)
            current: Experiment = log.load(experiment.id)
            current.stop(immediate=immediate)
            log.save(current)
            return await job

        assert asyncio.run(main()) == "stopped"
        conversation: Conversation = log.load(cid)
    if immediate:
        assert conversation.end_reason == "interrupted"
    else:
        assert conversation.is_paused and conversation.end_reason is None
    assert conversation.completed_turns < 400
