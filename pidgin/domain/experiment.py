"""The Experiment aggregate: a batch of conversations run in the background, as events.

The conversations' ids are scheduled when the experiment is created, so any runner (the
first daemon, or a ``resume`` after a crash) creates or continues exactly those
conversations, and two runners racing for one conversation collide in the log instead
of both running it. Commands are idempotent (starting or finishing a conversation twice
records it once), so a runner can retry them after a concurrency conflict.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from pidgin.domain.boundary import check_agent, check_number, check_seed, recordable
from pidgin.domain.conversation import END_REASON_OUTCOMES

EXPERIMENT_END_STATES = ("completed", "stopped", "failed")


def outcome_of(end_reason: str) -> str:
    """How an ended conversation counts in an experiment: completed, failed or interrupted
    (END_REASON_OUTCOMES says it for every reason; an unknown one counts as completed)."""
    return END_REASON_OUTCOMES.get(end_reason, "completed")


class ExperimentRuleError(Exception):
    """A command the experiment's state does not allow."""


class Experiment(Aggregate):
    """N conversations with the same settings, resumable from the log."""

    class ExperimentCreated(Aggregate.Created):
        name: str
        spec: dict[str, Any]
        """The spec as the user gave it (validated), for the record."""
        settings: dict[str, Any]
        """What every conversation starts with (agents with resolved prompts, turns, ...)."""
        parallel: int

    class ConversationScheduled(Aggregate.Event):
        conversation_id: str
        index: int

    class ConversationStarted(Aggregate.Event):
        conversation_id: str
        pid: int

    class ConversationFinished(Aggregate.Event):
        conversation_id: str
        end_reason: str
        turns: int

    class ExperimentResumed(Aggregate.Event):
        pid: int

    class ExperimentCompleted(Aggregate.Event):
        completed: int
        failed: int
        interrupted: int

    class ExperimentStopped(Aggregate.Event):
        immediate: bool
        completed: int
        failed: int
        interrupted: int

    class ExperimentFailed(Aggregate.Event):
        message: str

    class ExperimentBudgetReached(Aggregate.Event):
        """The experiment spent its budget (``kind`` cost or tokens): conversations not
        started yet will not be; ``not_started`` says how many."""

        kind: str
        limit: float
        spent: float
        not_started: int

    @event(ExperimentCreated)
    def __init__(
        self, name: str, spec: dict[str, Any], settings: dict[str, Any], parallel: int
    ) -> None:
        self.name = name
        self.spec = spec
        self.settings = settings
        self.parallel = parallel
        self.scheduled: list[UUID] = []
        self.started: set[UUID] = set()
        self.finished: dict[UUID, str] = {}
        self.state = "running"
        self.budget_reached: tuple[str, float, float] | None = None
        self.stopped_immediately = False

    @classmethod
    def create(
        cls,
        name: str,
        spec: dict[str, Any],
        settings: dict[str, Any],
        repetitions: int,
        parallel: int = 1,
    ) -> Experiment:
        """A new experiment with ``repetitions`` conversations scheduled (not yet started)."""
        if repetitions < 1:
            raise ExperimentRuleError("an experiment needs at least one conversation")
        if parallel < 1:
            raise ExperimentRuleError("parallel must be at least 1")
        check_seed(settings.get("seed"))
        check_number(settings.get("convergence_threshold"), "the convergence threshold", 0, 1)
        for agent_id in ("a", "b"):
            check_agent(settings.get(f"agent_{agent_id}") or {}, agent_id.upper())
        experiment = cls(
            name=recordable(name),
            spec=recordable(spec),
            settings=recordable(settings),
            parallel=parallel,
        )
        for index in range(repetitions):
            experiment._on_scheduled(conversation_id=str(uuid4()), index=index)
        return experiment

    # -- queries ---------------------------------------------------------------------------

    @property
    def is_over(self) -> bool:
        """Completed, stopped or failed: no runner is expected to work on it."""
        return self.state in EXPERIMENT_END_STATES

    def counts(self) -> dict[str, int]:
        """Finished conversations by outcome."""
        counts = {"completed": 0, "failed": 0, "interrupted": 0}
        for reason in self.finished.values():
            counts[outcome_of(reason)] += 1
        return counts

    def unfinished(self) -> list[UUID]:
        """Scheduled conversations not recorded as finished, in schedule order (once the
        budget is spent, only those already started)."""
        return [
            cid
            for cid in self.scheduled
            if cid not in self.finished and (self.budget_reached is None or cid in self.started)
        ]

    def budget(self) -> tuple[float | None, int | None]:
        """(US dollars, tokens) the whole experiment may spend (None: no limit)."""
        return (
            self.settings.get("experiment_max_cost_usd"),
            self.settings.get("experiment_max_total_tokens"),
        )

    def not_started(self) -> list[UUID]:
        return [cid for cid in self.scheduled if cid not in self.started]

    # -- commands (idempotent) -------------------------------------------------------------

    def mark_resumed(self, pid: int) -> None:
        """Record that a runner took the experiment up again (nothing once it completed:
        another runner may have finished it a moment ago)."""
        if self.state != "completed":
            self._on_resumed(pid=pid)

    def mark_conversation_started(self, conversation_id: UUID, pid: int) -> None:
        self._require_scheduled(conversation_id)
        if conversation_id not in self.started:
            self._on_conversation_started(conversation_id=str(conversation_id), pid=pid)

    def mark_conversation_finished(
        self, conversation_id: UUID, end_reason: str, turns: int
    ) -> None:
        self._require_scheduled(conversation_id)
        if conversation_id not in self.finished:
            self._on_conversation_finished(
                conversation_id=str(conversation_id), end_reason=end_reason, turns=turns
            )

    def complete(self) -> None:
        """Record completion once every scheduled conversation has finished."""
        if self.state == "completed":
            return
        if self.unfinished():
            raise ExperimentRuleError(f"{len(self.unfinished())} conversations are unfinished")
        self._on_completed(**self.counts())

    def reach_budget(self, kind: str, limit: float, spent: float) -> None:
        """Start no more conversations: the experiment spent its budget (recorded once)."""
        if self.budget_reached is None:
            self._on_budget_reached(
                kind=kind, limit=limit, spent=spent, not_started=len(self.not_started())
            )

    def stop(self, immediate: bool) -> None:
        if self.state == "running":
            self._on_stopped(immediate=immediate, **self.counts())

    def fail(self, message: str) -> None:
        if self.state == "running":
            self._on_failed(message=message)

    def _require_scheduled(self, conversation_id: UUID) -> None:
        if conversation_id not in self.scheduled:
            raise ExperimentRuleError(f"conversation {conversation_id} is not in this experiment")

    # -- applying events -------------------------------------------------------------------

    @event(ConversationScheduled)
    def _on_scheduled(self, conversation_id: str, index: int) -> None:
        self.scheduled.append(UUID(conversation_id))

    @event(ConversationStarted)
    def _on_conversation_started(self, conversation_id: str, pid: int) -> None:
        self.started.add(UUID(conversation_id))

    @event(ConversationFinished)
    def _on_conversation_finished(self, conversation_id: str, end_reason: str, turns: int) -> None:
        self.finished[UUID(conversation_id)] = end_reason

    @event(ExperimentResumed)
    def _on_resumed(self, pid: int) -> None:
        self.state = "running"

    @event(ExperimentCompleted)
    def _on_completed(self, completed: int, failed: int, interrupted: int) -> None:
        self.state = "completed"

    @event(ExperimentStopped)
    def _on_stopped(self, immediate: bool, completed: int, failed: int, interrupted: int) -> None:
        self.state = "stopped"
        self.stopped_immediately = immediate

    @event(ExperimentBudgetReached)
    def _on_budget_reached(self, kind: str, limit: float, spent: float, not_started: int) -> None:
        self.budget_reached = (kind, limit, spent)

    @event(ExperimentFailed)
    def _on_failed(self, message: str) -> None:
        self.state = "failed"
