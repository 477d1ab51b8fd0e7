"""Folding one batch of stored events into table rows (columns of plain Python values).

Append-only tables (events, messages, turns, errors) get new rows. Conversations and
experiments are one row each, changed by later events: the batch starts from the rows
already in the database (``existing``) and the projector replaces them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from pidgin.domain.pricing import cost_in_dollars
from projections.analysis.source import RawEvent

CONVERSATION = "pidgin.domain.conversation:Conversation."
EXPERIMENT = "pidgin.domain.experiment:Experiment."
EVENT_COLUMNS = ("position", "aggregate_id", "version", "type", "topic", "data")
MESSAGE_COLUMNS = (
    "conversation_id",
    "turn",
    "agent",
    "model",
    "text",
    "thinking",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "time_to_first_token",
    "duration",
    "stop_reason",
    "completed_at",
    "position",
)
TURN_COLUMNS = ("conversation_id", "turn", "convergence", "completed_at", "position")
ERROR_COLUMNS = (
    "conversation_id",
    "type",
    "agent",
    "provider",
    "status",
    "message",
    "retryable",
    "attempt",
    "wait_seconds",
    "occurred_at",
    "position",
)

Row = dict[str, Any]
_decode = msgspec.json.Decoder().decode


def _columns(names: Iterable[str]) -> dict[str, list[Any]]:
    return {name: [] for name in names}


@dataclass
class Batch:
    """The rows one batch of events adds or changes."""

    events: dict[str, list[Any]] = field(default_factory=lambda: _columns(EVENT_COLUMNS))
    messages: dict[str, list[Any]] = field(default_factory=lambda: _columns(MESSAGE_COLUMNS))
    turns: dict[str, list[Any]] = field(default_factory=lambda: _columns(TURN_COLUMNS))
    errors: dict[str, list[Any]] = field(default_factory=lambda: _columns(ERROR_COLUMNS))
    conversations: dict[str, Row] = field(default_factory=dict)
    experiments: dict[str, Row] = field(default_factory=dict)
    completed_turns: dict[str, set[int]] = field(default_factory=dict)
    last_position: int = 0


def ids_needing_rows(raw: list[RawEvent]) -> tuple[set[str], set[str]]:
    """Conversation and experiment ids with events in ``raw`` but no start event in it."""
    conversations: set[str] = set()
    experiments: set[str] = set()
    started: set[str] = set()
    for _, aggregate_id, version, topic, _ in raw:
        if version == 1:
            started.add(aggregate_id)
        elif topic.startswith(CONVERSATION):
            conversations.add(aggregate_id)
        elif topic.startswith(EXPERIMENT):
            experiments.add(aggregate_id)
    return conversations - started, experiments - started


def fold_batch(
    raw: list[RawEvent],
    existing_conversations: Mapping[str, Row],
    existing_experiments: Mapping[str, Row],
) -> Batch:
    """Rows for every event of ``raw`` (in order)."""
    batch = Batch(
        conversations={k: dict(v) for k, v in existing_conversations.items()},
        experiments={k: dict(v) for k, v in existing_experiments.items()},
    )
    events = batch.events
    positions, ids, versions, types, topics, data = (events[c] for c in EVENT_COLUMNS)
    conversation_handlers = _CONVERSATION_HANDLERS
    experiment_handlers = _EXPERIMENT_HANDLERS
    for position, aggregate_id, version, topic, state in raw:
        name = topic.rpartition(".")[2]
        positions.append(position)
        ids.append(aggregate_id)
        versions.append(version)
        types.append(name)
        topics.append(topic)
        data.append(state)
        if topic.startswith(CONVERSATION):
            handler = conversation_handlers.get(name)
            if handler is not None:
                row = batch.conversations.get(aggregate_id)
                if row is not None or name == "ConversationStarted":
                    handler(batch, aggregate_id, position, _decode(state), row)
                    batch.conversations[aggregate_id]["last_position"] = position
        elif topic.startswith(EXPERIMENT):
            handler = experiment_handlers.get(name)
            if handler is not None:
                row = batch.experiments.get(aggregate_id)
                if row is not None or name == "ExperimentCreated":
                    handler(batch, aggregate_id, position, _decode(state), row)
                    batch.experiments[aggregate_id]["last_position"] = position
    if raw:
        batch.last_position = raw[-1][0]
    return batch


# -- conversations ------------------------------------------------------------------------


def _started(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    a, b = s.get("agent_a") or {}, s.get("agent_b") or {}
    batch.conversations[cid] = {
        "conversation_id": cid,
        "name": s.get("name"),
        "experiment_id": s.get("experiment_id"),
        "parent_conversation_id": s.get("parent_conversation_id"),
        "branch_turn": s.get("branch_turn"),
        "seed": s.get("seed"),
        "started_at": s.get("timestamp"),
        "ended_at": None,
        "status": "running",
        "end_reason": None,
        "prompt": s.get("prompt"),
        "max_turns": s.get("max_turns"),
        "first_speaker": s.get("first_speaker"),
        "agent_a_name": a.get("display_name"),
        "agent_a_model": a.get("model"),
        "agent_a_provider": a.get("provider"),
        "agent_a_temperature": a.get("temperature"),
        "agent_a_input_price": a.get("input_price_per_million"),
        "agent_a_output_price": a.get("output_price_per_million"),
        "agent_b_name": b.get("display_name"),
        "agent_b_model": b.get("model"),
        "agent_b_provider": b.get("provider"),
        "agent_b_temperature": b.get("temperature"),
        "agent_b_input_price": b.get("input_price_per_million"),
        "agent_b_output_price": b.get("output_price_per_million"),
        "convergence_threshold": s.get("convergence_threshold"),
        "convergence_profile": "balanced",
        "convergence_weights": None,
        "convergence_action": "stop",
        "turns": 0,
        "messages": 0,
        "tokens_in": 0,
        "tokens_out": 0,
        "cost_usd": 0.0,
        "final_convergence": None,
        "errors": 0,
        "last_position": position,
    }


def _policy(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["convergence_profile"] = s.get("profile")
    weights = s.get("weights")
    row["convergence_weights"] = json.dumps(weights, sort_keys=True) if weights else None
    row["convergence_action"] = s.get("action")


def _message(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    agent = s.get("agent", "")
    tokens_in, tokens_out = s.get("tokens_in") or 0, s.get("tokens_out") or 0
    cost = cost_in_dollars(
        tokens_in,
        tokens_out,
        row.get(f"agent_{agent}_input_price"),
        row.get(f"agent_{agent}_output_price"),
    )
    m = batch.messages
    m["conversation_id"].append(cid)
    m["turn"].append(s.get("turn"))
    m["agent"].append(agent)
    m["model"].append(s.get("model"))
    m["text"].append(s.get("text", ""))
    m["thinking"].append(s.get("thinking"))
    m["tokens_in"].append(tokens_in)
    m["tokens_out"].append(tokens_out)
    m["cost_usd"].append(cost)
    m["time_to_first_token"].append(s.get("time_to_first_token"))
    m["duration"].append(s.get("duration"))
    m["stop_reason"].append(s.get("stop_reason"))
    m["completed_at"].append(s.get("timestamp"))
    m["position"].append(position)
    row["messages"] += 1
    row["tokens_in"] += tokens_in
    row["tokens_out"] += tokens_out
    if cost is None or row["cost_usd"] is None:
        row["cost_usd"] = None
    else:
        row["cost_usd"] = round(row["cost_usd"] + cost, 9)


def _turn(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    t = batch.turns
    turn = s.get("turn")
    t["conversation_id"].append(cid)
    t["turn"].append(turn)
    t["convergence"].append(s.get("convergence"))
    t["completed_at"].append(s.get("timestamp"))
    t["position"].append(position)
    row["turns"] = turn
    row["final_convergence"] = s.get("convergence")
    if isinstance(turn, int):
        batch.completed_turns.setdefault(cid, set()).add(turn)


def _error(batch: Batch, cid: str, position: int, s: Row, row: Row | None, kind: str) -> None:
    assert row is not None
    e = batch.errors
    e["conversation_id"].append(cid)
    e["type"].append(kind)
    e["agent"].append(s.get("agent"))
    e["provider"].append(s.get("provider"))
    e["status"].append(s.get("status"))
    e["message"].append(s.get("message") or s.get("reason"))
    e["retryable"].append(s.get("retryable"))
    e["attempt"].append(s.get("attempt"))
    e["wait_seconds"].append(s.get("wait_seconds"))
    e["occurred_at"].append(s.get("timestamp"))
    e["position"].append(position)
    if kind == "ProviderErrored":
        row["errors"] += 1


def _provider_error(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    _error(batch, cid, position, s, row, "ProviderErrored")


def _rate_limited(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    _error(batch, cid, position, s, row, "RateLimited")


def _paused(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["status"] = "paused"


def _resumed(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["status"] = "running"


def _ended(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["status"] = "ended"
    row["end_reason"] = s.get("reason")
    row["ended_at"] = s.get("timestamp")


def _named(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    if s.get("agent") in ("a", "b"):
        row[f"agent_{s['agent']}_name"] = s.get("name")


Handler = Callable[[Batch, str, int, Row, Row | None], None]

_CONVERSATION_HANDLERS: dict[str, Handler] = {
    "ConversationStarted": _started,
    "ConvergencePolicyChosen": _policy,
    "MessageCompleted": _message,
    "TurnCompleted": _turn,
    "ProviderErrored": _provider_error,
    "RateLimited": _rate_limited,
    "ConversationPaused": _paused,
    "ConversationResumed": _resumed,
    "ConversationEnded": _ended,
    "NameChosen": _named,
}


# -- experiments ------------------------------------------------------------------------


def _experiment_created(batch: Batch, eid: str, position: int, s: Row, row: Row | None) -> None:
    batch.experiments[eid] = {
        "experiment_id": eid,
        "name": s.get("name"),
        "created_at": s.get("timestamp"),
        "status": "running",
        "parallel": s.get("parallel"),
        "scheduled": 0,
        "finished": 0,
        "completed": None,
        "failed": None,
        "interrupted": None,
        "spec": json.dumps(s.get("spec"), sort_keys=True),
        "last_position": position,
    }


def _scheduled(batch: Batch, eid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["scheduled"] += 1


def _finished(batch: Batch, eid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["finished"] += 1


def _closing(status: str) -> Handler:
    def handler(batch: Batch, eid: str, position: int, s: Row, row: Row | None) -> None:
        assert row is not None
        row["status"] = status
        for key in ("completed", "failed", "interrupted"):
            if key in s:
                row[key] = s[key]

    return handler


def _resumed_experiment(batch: Batch, eid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["status"] = "running"


_EXPERIMENT_HANDLERS: dict[str, Handler] = {
    "ExperimentCreated": _experiment_created,
    "ConversationScheduled": _scheduled,
    "ConversationFinished": _finished,
    "ExperimentResumed": _resumed_experiment,
    "ExperimentCompleted": _closing("completed"),
    "ExperimentStopped": _closing("stopped"),
    "ExperimentFailed": _closing("failed"),
}
