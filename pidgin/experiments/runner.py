"""Runs an experiment's conversations (one after another, or up to K at once).

The same code starts a new experiment and resumes one: conversations the log shows as
ended are left alone, one cut off mid-way is rebuilt from the log and continued, and the
ones not started yet are created with their scheduled ids. When two runners work on one
experiment, the log's optimistic concurrency decides who runs each conversation: the
loser's first commit conflicts, before it calls any provider, and it moves on.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import structlog

from eventlog import ConcurrencyConflictError, EventLog
from pidgin.bus import EventBus
from pidgin.conductor import Conductor
from pidgin.domain import AgentId, AgentSpec, Conversation
from pidgin.domain.experiment import Experiment
from pidgin.experiments.plan import new_conversation
from pidgin.providers.base import Provider
from pidgin.providers.pacing import Pacing

logger = structlog.get_logger("pidgin.experiments")

STOP_REASON = "experiment_stopped"
Notify = Callable[[str], None]
ProvidersFor = Callable[
    [Mapping[AgentId, AgentSpec]], tuple[Mapping[AgentId, Provider], Mapping[AgentId, Pacing]]
]


@dataclass
class RunOutcome:
    """What one runner did; ``state`` is the experiment's state in the log afterwards."""

    state: str
    ran: list[UUID] = field(default_factory=list)
    left_to_others: list[UUID] = field(default_factory=list)
    already_complete: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def load_conversation(log: EventLog, conversation_id: UUID) -> Conversation | None:
    """The conversation as the log has it, or None if it was never started."""
    if not log.aggregate_events(conversation_id):
        return None
    conversation: Conversation = log.load(conversation_id)
    return conversation


def update_experiment(
    log: EventLog,
    experiment_id: UUID,
    command: Callable[[Experiment], None],
    attempts: int = 50,
    current: Experiment | None = None,
) -> Experiment:
    """Apply ``command`` to the experiment and save; on a conflict, reload and retry.

    ``current`` is a copy this runner already holds (saves a load); a stale copy only
    costs a conflict and a reload. Experiment commands are idempotent, so a retry never
    records a fact twice.
    """
    experiment = current
    for _ in range(attempts):
        if experiment is None:
            experiment = log.load(experiment_id)
        command(experiment)
        events = experiment.collect_events()
        if not events:
            return experiment
        try:
            log.save(*events)
        except ConcurrencyConflictError:
            experiment = None
            continue
        return experiment
    raise ConcurrencyConflictError(f"experiment {experiment_id} kept changing; gave up")


class ExperimentRunner:
    """Runs (or resumes) one experiment in this process."""

    def __init__(
        self,
        log: EventLog,
        experiment_id: UUID,
        *,
        transcripts: Path,
        bus: EventBus | None = None,
        notify: Notify | None = None,
        providers_for: ProvidersFor | None = None,
    ) -> None:
        """``providers_for`` makes each conversation's providers from its recorded agents
        (default: the model registry's)."""
        self._log = log
        self._providers_for = providers_for
        self._experiment_id = experiment_id
        self._transcripts = transcripts
        self._bus = bus or EventBus()
        self._notify = notify or (lambda _message: None)
        self._conductors: dict[UUID, Conductor] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._immediate = False
        self._outcome = RunOutcome(state="running")
        self._experiment: Experiment | None = None  # This runner's latest copy.

    def request_stop(self, immediate: bool = False) -> None:
        """Graceful: every running conversation pauses after its current message and no new
        one starts. Immediate: running conversations are cancelled (recorded as interrupted)."""
        self._stopping = True
        if immediate:
            self._immediate = True
            for task in self._tasks:
                task.cancel()
            return
        for conductor in self._conductors.values():
            conductor.request_pause(STOP_REASON)

    async def run(self) -> RunOutcome:
        experiment: Experiment = self._log.load(self._experiment_id)
        if experiment.started or experiment.state != "running":
            experiment = update_experiment(
                self._log, self._experiment_id, lambda e: e.mark_resumed(os.getpid())
            )
        self._catch_up_transcripts(experiment)
        if experiment.state == "completed":
            self._outcome = RunOutcome(state="completed", already_complete=True)
            self._outcome.counts = experiment.counts()
            return self._outcome
        self._reconcile()
        experiment = self._log.load(self._experiment_id)
        limit = asyncio.Semaphore(experiment.parallel)
        self._tasks = [
            asyncio.create_task(self._run_one(experiment, cid, limit))
            for cid in experiment.unfinished()
        ]
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        self._finish(_first_failure(results))
        return self._outcome

    async def run_conversation(self, cid: UUID) -> str:
        """Run one scheduled conversation (a distributed job) and, if it was the last one
        unfinished, complete the experiment; returns the experiment's state after.

        Nothing happens once the experiment is over (a stopped experiment's queued jobs).
        """
        experiment: Experiment = self._log.load(self._experiment_id)
        if experiment.is_over:
            return experiment.state
        task = asyncio.create_task(self._run_one(experiment, cid, asyncio.Semaphore(1)))
        self._tasks = [task]
        (result,) = await asyncio.gather(task, return_exceptions=True)
        failure = _first_failure([result])
        if failure is not None:
            raise failure  # the job is marked failed, and the queue shows it
        experiment = self._log.load(self._experiment_id)
        if not self._stopping and not experiment.unfinished():
            experiment = update_experiment(self._log, self._experiment_id, Experiment.complete)
        return experiment.state

    async def _run_one(self, experiment: Experiment, cid: UUID, limit: asyncio.Semaphore) -> None:
        async with limit:
            if self._stopping:
                return
            conversation = load_conversation(self._log, cid)
            if conversation is None:
                if self._budget_spent(experiment):
                    return
                index = experiment.scheduled.index(cid)
                conversation = new_conversation(
                    experiment.settings, cid, experiment.id, index, experiment.name
                )
                if not await self._save_new(conversation):
                    self._outcome.left_to_others.append(cid)
                    return
            if not conversation.is_ended:
                self._update(lambda e: e.mark_conversation_started(cid, os.getpid()))
                if not await self._conduct(cid, conversation):
                    return
            self._record_finished(cid, conversation if conversation.is_ended else None)

    def _budget_spent(self, experiment: Experiment) -> bool:
        """Whether the experiment's budget is spent (recorded the first time); the spend
        is summed from its conversations in the log, so it survives a crash."""
        max_cost, max_tokens = experiment.budget()
        if max_cost is None and max_tokens is None:
            return False
        tokens, cost = 0, 0.0
        for cid in experiment.scheduled:
            conversation = load_conversation(self._log, cid)
            if conversation is not None:
                tokens += conversation.spent.tokens
                cost += conversation.spent.cost or 0.0
        if max_tokens is not None and tokens >= max_tokens:
            crossed = ("tokens", float(max_tokens), float(tokens))
        elif max_cost is not None and cost >= max_cost:
            crossed = ("cost", max_cost, cost)
        else:
            return False
        self._update(lambda e: e.reach_budget(*crossed))
        self._notify(f"experiment budget reached ({crossed[0]}): no more conversations start")
        return True

    def _update(self, command: Callable[[Experiment], None]) -> None:
        self._experiment = update_experiment(
            self._log, self._experiment_id, command, current=self._experiment
        )

    async def _save_new(self, conversation: Conversation) -> bool:
        events = conversation.collect_events()
        try:
            self._log.save(*events)
        except ConcurrencyConflictError:
            return False  # Another runner created it first and runs it.
        for event in events:
            await self._bus.publish(event)
        return True

    async def _conduct(self, cid: UUID, conversation: Conversation) -> bool:
        """Run one conversation; False if another runner holds it or it was paused."""
        from pidgin.agents_setup import providers_for

        providers, pacing = (self._providers_for or providers_for)(conversation.agents)
        conductor = Conductor(self._log, self._bus, providers, pacing)
        self._conductors[cid] = conductor
        if self._stopping:
            conductor.request_pause(STOP_REASON)
        self._notify(f"conversation {cid} running")
        try:
            await conductor.run(conversation)
        except ConcurrencyConflictError:
            self._outcome.left_to_others.append(cid)
            self._notify(f"conversation {cid} is being continued by another runner")
            return False
        except asyncio.CancelledError:
            if not self._immediate:
                raise
        except Exception as error:  # A bug in one conversation must not stop the others.
            logger.exception("conversation_failed", conversation_id=str(cid))
            self._end_with_error(cid, repr(error))
        finally:
            del self._conductors[cid]
        self._outcome.ran.append(cid)
        self._write_transcripts(cid)
        return not conversation.is_paused

    def _end_with_error(self, cid: UUID, message: str) -> None:
        fresh = load_conversation(self._log, cid)
        if fresh is not None and not fresh.is_ended:
            fresh.record_provider_error("a", "pidgin", message)
            fresh.end("error")
            self._log.save(fresh)

    def _record_finished(self, cid: UUID, ended: Conversation | None = None) -> None:
        """Record in the experiment that ``cid`` ended (``ended``: as this runner left it)."""
        conversation = ended or load_conversation(self._log, cid)
        if conversation is None or not conversation.is_ended:
            return
        reason, turns = conversation.end_reason or "", conversation.completed_turns
        self._update(lambda e: e.mark_conversation_finished(cid, reason, turns))
        self._notify(f"conversation {cid} ended: {reason}, {turns} turns")

    def _reconcile(self) -> None:
        """Record conversations that ended after their runner last wrote to the experiment."""
        experiment: Experiment = self._log.load(self._experiment_id)
        for cid in experiment.unfinished():
            self._record_finished(cid)

    def _finish(self, failure: BaseException | None = None) -> None:
        """Record how the run ended: stopped, completed, or failed when a conversation
        could not even start (a bug or a setting the log refuses), which would otherwise
        leave the experiment "running" with nobody to run it."""
        if self._stopping:
            experiment = update_experiment(
                self._log, self._experiment_id, lambda e: e.stop(self._immediate)
            )
        else:
            self._reconcile()
            experiment = self._log.load(self._experiment_id)
            if not experiment.unfinished():
                experiment = update_experiment(self._log, self._experiment_id, Experiment.complete)
            elif failure is not None:
                logger.error("conversation_not_started", error=repr(failure))
                message = f"a conversation could not start: {failure}"
                experiment = update_experiment(
                    self._log, self._experiment_id, lambda e: e.fail(message)
                )
        self._outcome.state = experiment.state
        self._outcome.counts = experiment.counts()

    def _catch_up_transcripts(self, experiment: Experiment) -> None:
        """Write the transcripts of every ended conversation that differ from the log.

        A runner killed between a conversation's end and its transcript left them
        behind; a resume must not leave a completed experiment that ``replay --check``
        fails on. Files already equal to the log are not touched.
        """
        from projections.conversation_view import read_conversations
        from projections.transcripts import differing_files, transcript_files, write_files

        files: dict[str, str] = {}
        for view in read_conversations(self._log, experiment.scheduled):
            if view.end_reason is not None:
                files.update(transcript_files(view))
        stale = {path.name for path in differing_files(files, self._transcripts)}
        if stale:
            write_files({name: files[name] for name in stale}, self._transcripts)

    def _write_transcripts(self, cid: UUID) -> None:
        from projections.transcripts import rebuild_transcripts, write_files

        write_files(rebuild_transcripts(self._log, [cid]), self._transcripts)


def _first_failure(results: Sequence[object]) -> BaseException | None:
    """The first exception a conversation's task ended with (cancellations aside)."""
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            return result
    return None
