"""An experiment's status, read from the log (the truth) plus the PID files (is a runner
alive?). A log that says "running" with no live runner means the runner died:
the experiment is shown as ``interrupted`` and ``resume`` finishes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from uuid import UUID

from eventlog import EventLog
from pidgin.domain.experiment import Experiment
from pidgin.experiments.pidfiles import experiment_dir, live_runners
from projections.conversation_view import ConversationView, read_conversations
from projections.transcripts import total_cost


@dataclass
class ConversationStatus:
    conversation_id: UUID
    index: int
    state: str
    """pending, running, interrupted, paused or ended."""
    end_reason: str | None = None
    turns: int = 0
    max_turns: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None
    errors: int = 0
    convergence: float | None = None
    worker: str | None = None
    """Distributed experiments: the queue's worker running it (``worker 3``)."""


@dataclass
class ExperimentStatus:
    experiment_id: UUID
    name: str
    state: str
    """running, interrupted, completed, stopped or failed."""
    created_at: datetime
    total: int
    counts: dict[str, int]
    models: tuple[str, str]
    parallel: int
    output: Path
    runners: list[int] = field(default_factory=list)
    conversations: list[ConversationStatus] = field(default_factory=list)
    budget: str | None = None
    """The experiment's budget and, once reached, that no more conversations start."""
    queue: dict[str, int] | None = None
    """Distributed experiments: the jobs by state (queued, running, stalled, done, failed)."""

    @property
    def finished(self) -> int:
        return sum(self.counts.values())

    @property
    def tokens(self) -> tuple[int, int]:
        return (
            sum(c.tokens_in for c in self.conversations),
            sum(c.tokens_out for c in self.conversations),
        )

    @property
    def cost(self) -> float | None:
        costs = [c.cost for c in self.conversations if c.state != "pending"]
        return None if None in costs else sum(c for c in costs if c is not None)

    @property
    def errors(self) -> int:
        return sum(c.errors for c in self.conversations)


def experiment_ids(log: EventLog) -> list[UUID]:
    """Every experiment in the store, oldest first."""
    created = log.read(event_types=[Experiment.ExperimentCreated])
    return [recorded.originator_id for recorded in created]


def find_experiment(log: EventLog, reference: str) -> UUID:
    """The experiment named by a full id, a unique id prefix or its exact name."""
    wanted = reference.strip().lower()
    ids = experiment_ids(log)
    hits = [eid for eid in ids if str(eid).startswith(wanted)]
    if not hits:
        hits = [eid for eid in ids if log.load(eid).name.lower() == wanted]
    if not hits:
        raise LookupError(f"no experiment in the store matches {reference!r}")
    if len(hits) > 1:
        listed = ", ".join(str(eid)[:8] for eid in hits[:10])
        more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
        raise LookupError(
            f"{len(hits)} experiments match {reference!r}: {listed}{more}; give one of these ids"
        )
    return hits[0]


def output_of(experiment: Experiment, default: Path) -> Path:
    """Where the experiment's PID files and transcripts live (recorded at creation)."""
    recorded = experiment.spec.get("output")
    return Path(recorded) if recorded else default


def read_status(
    log: EventLog, experiment_id: UUID, default_output: Path, *, conversations: bool = True
) -> ExperimentStatus:
    experiment: Experiment = log.load(experiment_id)
    output = output_of(experiment, default_output)
    directory = experiment_dir(output, experiment_id)
    runners = live_runners(directory) if directory.is_dir() else []
    jobs = queue_view(log, experiment) if experiment.spec.get("distributed") else None
    state = experiment.state
    if state == "running" and not runners and jobs is None:
        state = "interrupted"
    settings = experiment.settings
    status = ExperimentStatus(
        experiment_id=experiment_id,
        name=experiment.name,
        state=state,
        created_at=experiment.created_on,
        total=len(experiment.scheduled),
        counts=experiment.counts(),
        models=(settings["agent_a"]["model"], settings["agent_b"]["model"]),
        parallel=experiment.parallel,
        output=output,
        runners=runners,
        budget=_budget_text(experiment),
        queue=jobs.counts if jobs is not None else None,
    )
    if conversations:
        views = {v.conversation_id: v for v in read_conversations(log, experiment.scheduled)}
        for index, cid in enumerate(experiment.scheduled):
            conversation = _conversation_status(cid, index, views.get(cid), runners)
            if jobs is not None:
                jobs.apply(conversation)
            status.conversations.append(conversation)
    return status


@dataclass
class QueueView:
    """Where a distributed experiment's jobs are, from procrastinate's tables."""

    counts: dict[str, int]
    by_conversation: dict[UUID, tuple[str, str | None]]  # state, worker

    def apply(self, conversation: ConversationStatus) -> None:
        """A conversation not ended or paused in the log is as its job says."""
        found = self.by_conversation.get(conversation.conversation_id)
        if found is None or conversation.state in ("ended", "paused"):
            return
        conversation.state, conversation.worker = found


def queue_view(log: EventLog, experiment: Experiment) -> QueueView:
    from pidgin.distributed.client import job_states
    from pidgin.distributed.worker import HEARTBEAT_SECONDS, STALLED_AFTER_HEARTBEATS

    stalled_after = HEARTBEAT_SECONDS * STALLED_AFTER_HEARTBEATS
    counts = dict.fromkeys(("queued", "running", "stalled", "done", "failed"), 0)
    by_conversation: dict[UUID, tuple[str, str | None]] = {}
    for job in job_states(log.url, experiment.id):
        if job.status == "doing":
            stalled = job.heartbeat_age is None or job.heartbeat_age > stalled_after
            state = "stalled" if stalled else "running"
        else:
            state = {"todo": "queued", "succeeded": "done"}.get(job.status, "failed")
        counts[state] += 1
        worker = f"worker {job.worker_id}" if job.worker_id is not None else None
        by_conversation[job.conversation_id] = (state, worker if state == "running" else None)
    return QueueView(counts, by_conversation)


def _conversation_status(
    cid: UUID, index: int, view: ConversationView | None, runners: list[int]
) -> ConversationStatus:
    if view is None:
        return ConversationStatus(cid, index, "pending")
    if view.end_reason is not None:
        state = "ended"
    elif view.paused_reason is not None:
        state = "paused"
    else:
        state = "running" if runners else "interrupted"
    tokens_in, tokens_out = view.tokens()
    return ConversationStatus(
        conversation_id=cid,
        index=index,
        state=state,
        end_reason=view.end_reason,
        turns=view.completed_turns,
        max_turns=view.max_turns,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost=total_cost(view),
        errors=len(view.errors),
        convergence=view.final_convergence,
    )


def _budget_text(experiment: Experiment) -> str | None:
    max_cost, max_tokens = experiment.budget()
    limits = [f"${max_cost:,.2f}" if max_cost is not None else ""]
    limits.append(f"{max_tokens:,} tokens" if max_tokens is not None else "")
    given = " and ".join(limit for limit in limits if limit)
    if not given:
        return None
    if experiment.budget_reached is None:
        return given
    kind, _limit, spent = experiment.budget_reached
    used = f"${spent:,.6f}" if kind == "cost" else f"{int(spent):,} tokens"
    left = len(experiment.not_started())
    return f"{given}: reached ({used} spent); {left} conversations not started"
