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
from uuid import UUID

import msgspec

from eventlog.batches import RawEvent
from pidgin.domain.pricing import cost_in_dollars

CONVERSATION = "pidgin.domain.conversation:Conversation."
EXPERIMENT = "pidgin.domain.experiment:Experiment."
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

    message_items: list[tuple[str, int, MessageState, float | None]] = field(default_factory=list)
    turn_items: list[tuple[str, int, TurnState]] = field(default_factory=list)
    errors: dict[str, list[Any]] = field(default_factory=lambda: _columns(ERROR_COLUMNS))
    conversations: dict[str, Row] = field(default_factory=dict)
    experiments: dict[str, Row] = field(default_factory=dict)
    completed_turns: dict[str, set[int]] = field(default_factory=dict)
    existing: dict[str, set[str]] = field(
        default_factory=lambda: {"conversation": set(), "experiment": set()}
    )  # ids whose rows were already in the database (to be replaced)


_CANONICAL: dict[str, str] = {}


def canonical_id(raw_id: str) -> str:
    """The dashed lower-case form of a UUID (SQLite stores ids as 32 hex digits)."""
    known = _CANONICAL.get(raw_id)
    if known is None:
        if len(_CANONICAL) > 200_000:
            _CANONICAL.clear()
        known = _CANONICAL[raw_id] = str(UUID(raw_id))
    return known


Loader = Callable[[str, set[str]], Mapping[str, Row]]
"""Reads the current rows of ("conversation" | "experiment", ids) from the database."""


def fold_batch(raw: list[RawEvent], load: Loader) -> Batch:
    """Rows for every event of ``raw`` (events of other topics than HANDLED_TOPICS may be
    left out: they change no row).

    One pass applies the events of aggregates started in this batch; events of aggregates
    started earlier wait until their current rows are loaded (one query per kind), then
    are applied in their order. Each aggregate's events still apply in log order.
    """
    batch = Batch()
    handlers = _HANDLERS
    tables = {"conversation": batch.conversations, "experiment": batch.experiments}
    waiting: list[tuple[int, str, str, bytes]] = []
    for position, raw_id, _, topic, state in raw:
        entry = handlers.get(topic)
        if entry is None:
            continue
        kind, handler, creates = entry
        aggregate_id = canonical_id(raw_id)
        rows = tables[kind]
        row = rows.get(aggregate_id)
        if row is None and not creates:
            waiting.append((position, aggregate_id, topic, state))
            continue
        handler(batch, aggregate_id, position, state, row)
        rows[aggregate_id]["last_position"] = position
    if waiting:
        for kind, rows in tables.items():
            ids = {a for _, a, t, _ in waiting if handlers[t][0] == kind}
            if ids:
                loaded = {k: dict(v) for k, v in load(kind, ids).items()}
                rows.update(loaded)
                batch.existing[kind] = set(loaded)
        for position, aggregate_id, topic, state in waiting:
            kind, handler, _ = handlers[topic]
            row = tables[kind].get(aggregate_id)
            if row is None:
                continue  # An aggregate whose start is not in the log: nothing to update.
            handler(batch, aggregate_id, position, state, row)
            row["last_position"] = position
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


class MessageState(msgspec.Struct):
    """The stored fields of MessageCompleted that the tables need (others are ignored)."""

    agent: str = ""
    turn: int = 0
    text: str = ""
    thinking: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    time_to_first_token: float | None = None
    duration: float | None = None
    stop_reason: str | None = None
    model: str | None = None
    timestamp: str | None = None


class TurnState(msgspec.Struct):
    turn: int = 0
    convergence: float | None = None
    timestamp: str | None = None


_decode_message = msgspec.json.Decoder(MessageState).decode
_decode_turn = msgspec.json.Decoder(TurnState).decode


def _message(batch: Batch, cid: str, position: int, state: bytes, row: Row | None) -> None:
    assert row is not None
    m = _decode_message(state)
    prices = (row.get(f"agent_{m.agent}_input_price"), row.get(f"agent_{m.agent}_output_price"))
    cost = cost_in_dollars(m.tokens_in, m.tokens_out, *prices)
    batch.message_items.append((cid, position, m, cost))
    row["messages"] += 1
    row["tokens_in"] += m.tokens_in
    row["tokens_out"] += m.tokens_out
    total = row["cost_usd"]
    # Added in log order, whether in one run or many: the same float every time.
    row["cost_usd"] = None if cost is None or total is None else total + cost


def _turn(batch: Batch, cid: str, position: int, state: bytes, row: Row | None) -> None:
    assert row is not None
    t = _decode_turn(state)
    batch.turn_items.append((cid, position, t))
    row["turns"] = t.turn
    row["final_convergence"] = t.convergence
    batch.completed_turns.setdefault(cid, set()).add(t.turn)


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
RawHandler = Callable[[Batch, str, int, bytes, Row | None], None]


def _decoded(handler: Handler) -> RawHandler:
    def run(batch: Batch, aggregate_id: str, position: int, state: bytes, row: Row | None) -> None:
        handler(batch, aggregate_id, position, _decode(state), row)

    return run


_CONVERSATION_HANDLERS: dict[str, RawHandler] = {
    "ConversationStarted": _decoded(_started),
    "ConvergencePolicyChosen": _decoded(_policy),
    "MessageCompleted": _message,
    "TurnCompleted": _turn,
    "ProviderErrored": _decoded(_provider_error),
    "RateLimited": _decoded(_rate_limited),
    "ConversationPaused": _decoded(_paused),
    "ConversationResumed": _decoded(_resumed),
    "ConversationEnded": _decoded(_ended),
    "NameChosen": _decoded(_named),
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


_HANDLERS: dict[str, tuple[str, RawHandler, bool]] = {
    **{
        CONVERSATION + name: ("conversation", handler, name == "ConversationStarted")
        for name, handler in _CONVERSATION_HANDLERS.items()
    },
    **{
        EXPERIMENT + name: ("experiment", _decoded(handler), name == "ExperimentCreated")
        for name, handler in _EXPERIMENT_HANDLERS.items()
    },
}


def message_columns(batch: Batch) -> dict[str, list[Any]]:
    """The messages table's new rows, column by column."""
    items = batch.message_items
    states = [item[2] for item in items]
    return {
        "conversation_id": [item[0] for item in items],
        "turn": [m.turn for m in states],
        "agent": [m.agent for m in states],
        "model": [m.model for m in states],
        "text": [m.text for m in states],
        "thinking": [m.thinking for m in states],
        "tokens_in": [m.tokens_in for m in states],
        "tokens_out": [m.tokens_out for m in states],
        "cost_usd": [item[3] for item in items],
        "time_to_first_token": [m.time_to_first_token for m in states],
        "duration": [m.duration for m in states],
        "stop_reason": [m.stop_reason for m in states],
        "completed_at": [m.timestamp for m in states],
        "position": [item[1] for item in items],
    }


def turn_columns(batch: Batch) -> dict[str, list[Any]]:
    """The turns table's new rows, column by column."""
    items = batch.turn_items
    return {
        "conversation_id": [item[0] for item in items],
        "turn": [item[2].turn for item in items],
        "convergence": [item[2].convergence for item in items],
        "completed_at": [item[2].timestamp for item in items],
        "position": [item[1] for item in items],
    }


HANDLED_TOPICS = frozenset(_HANDLERS)
"""The topics that change a row of a table other than ``events``."""
