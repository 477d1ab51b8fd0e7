"""The runner: a failing conversation is recorded and the experiment goes on; --parallel
runs conversations side by side; the end summary counts each outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence

from eventlog import open_store
from pidgin.domain import AgentId, AgentSpec, ChatMessage, Conversation
from pidgin.domain.experiment import Experiment
from pidgin.experiments.plan import conversation_settings
from pidgin.experiments.runner import ExperimentRunner
from pidgin.experiments.spec import ExperimentSpec
from pidgin.providers.base import ProviderError
from pidgin.providers.local_test import LocalTestProvider
from tests.experiments.recording import RecordingProvider


class BrokenProvider(RecordingProvider):
    """Answers its first request, then fails every later one (as after all retries)."""

    async def stream_response(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None = None,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        if self.sent:
            self.sent.append(list(messages))
            raise ProviderError("service unavailable", status=503, retryable=True)
        async for chunk in super().stream_response(messages, temperature):
            yield chunk


def _create(log, repetitions: int, parallel: int, turns: int = 3) -> Experiment:
    spec = ExperimentSpec(turns=turns, repetitions=repetitions, parallel=parallel)
    created = Experiment.create(
        "runner", spec.model_dump(mode="json"), conversation_settings(spec), repetitions, parallel
    )
    log.save(created)
    return created


def test_a_failed_conversation_is_recorded_and_the_experiment_goes_on(tmp_path):
    made = []

    def providers_for(agents: Mapping[AgentId, AgentSpec]):
        made.append(agents)
        if len(made) == 2:  # The second conversation's agent B breaks.
            return {"a": LocalTestProvider(), "b": BrokenProvider("B")}, {}
        return {"a": LocalTestProvider(), "b": LocalTestProvider()}, {}

    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        created = _create(log, 3, 1)
        runner = ExperimentRunner(
            log, created.id, transcripts=tmp_path / "t", providers_for=providers_for
        )
        outcome = asyncio.run(runner.run())
        assert outcome.state == "completed"
        assert outcome.counts == {"completed": 2, "failed": 1, "interrupted": 0}
        experiment_events = log.aggregate_events(created.id)
        (done,) = [e for e in experiment_events if isinstance(e, Experiment.ExperimentCompleted)]
        assert (done.completed, done.failed, done.interrupted) == (2, 1, 0)
        failed_id = created.scheduled[1]
        failed = log.aggregate_events(failed_id)
        errors = [e for e in failed if isinstance(e, Conversation.ProviderErrored)]
        assert [(e.agent, e.status) for e in errors] == [("b", 503)]
        assert failed[-1].reason == "error"
        third = log.aggregate_events(created.scheduled[2])
        assert third[-1].reason == "max_turns"
    assert len(list((tmp_path / "t").glob("*.md"))) == 3


def test_parallel_runs_up_to_k_conversations_at_once(tmp_path):
    running, peak = 0, 0

    class Counting(LocalTestProvider):
        async def stream_response(self, messages, temperature=None, seed=None, max_tokens=None):  # type: ignore[override]
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            try:
                async for chunk in super().stream_response(messages, temperature):
                    await asyncio.sleep(0.001)
                    yield chunk
            finally:
                running -= 1

    def providers_for(agents: Mapping[AgentId, AgentSpec]):
        return {"a": Counting(), "b": Counting()}, {}

    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        created = _create(log, 6, 3, turns=2)
        runner = ExperimentRunner(
            log, created.id, transcripts=tmp_path / "t", providers_for=providers_for
        )
        outcome = asyncio.run(runner.run())
    assert outcome.counts["completed"] == 6
    assert peak == 3


def test_a_runner_arriving_after_completion_changes_nothing(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/events.db") as log:
        created = _create(log, 2, 1, turns=1)
        first = asyncio.run(ExperimentRunner(log, created.id, transcripts=tmp_path / "t").run())
        assert first.state == "completed" and not first.already_complete
        before = log.max_position()
        late = asyncio.run(ExperimentRunner(log, created.id, transcripts=tmp_path / "t").run())
        assert late.already_complete and late.counts["completed"] == 2
        assert log.max_position() == before  # Not even an ExperimentResumed.
        experiment = log.load(created.id)
        experiment.mark_resumed(123)  # What a runner that loaded it a moment earlier does.
        assert experiment.collect_events() == []


def test_a_conversation_that_cannot_start_fails_the_experiment_visibly(tmp_path) -> None:
    """A setting the domain refuses (here a recorded max_turns of 0, as a log written
    by another tool might hold) used to leave the experiment 'running' with no runner."""
    import asyncio

    from eventlog import open_store
    from pidgin.domain.experiment import Experiment
    from pidgin.experiments.plan import conversation_settings
    from pidgin.experiments.runner import ExperimentRunner
    from pidgin.experiments.spec import ExperimentSpec
    from tests.eventlog.stores import sqlite_url

    spec = ExperimentSpec.model_validate({"repetitions": 2, "turns": 1})
    settings = conversation_settings(spec, assume_yes=True) | {"max_turns": 0}
    experiment = Experiment.create("broken", {}, settings, 2)
    url = sqlite_url(tmp_path)
    with open_store(url) as log:
        log.save(experiment)
        runner = ExperimentRunner(log, experiment.id, transcripts=tmp_path / "t")
        outcome = asyncio.run(runner.run())
        assert outcome.state == "failed"
        failed: Experiment = log.load(experiment.id)
        assert failed.state == "failed"
