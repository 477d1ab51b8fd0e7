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
import pyarrow as pa
import pyarrow.compute as pc

from eventlog.batches import EventBatch
from pidgin.domain.pricing import cost_in_dollars
from projections.analysis.column_values import check_numbers

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

MESSAGE_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("position", pa.int64()),
        ("cost_usd", pa.float64()),
        ("state", pa.binary()),
    ]
)
"""The messages' rows as the fold leaves them: the projection takes the other columns
from each stored state itself (the Python side only needs agents and token counts)."""
TURN_COLUMNS = ("conversation_id", "turn", "convergence", "completed_at", "position")
MESSAGE_TOPIC = CONVERSATION + "MessageCompleted"
TURN_TOPIC = CONVERSATION + "TurnCompleted"

Row = dict[str, Any]
_decode = msgspec.json.Decoder().decode


def _columns(names: Iterable[str]) -> dict[str, list[Any]]:
    return {name: [] for name in names}


@dataclass
class Batch:
    """The rows one batch of events adds or changes."""

    messages: pa.Table = field(default_factory=lambda: MESSAGE_SCHEMA.empty_table())
    turns: dict[str, list[Any]] = field(default_factory=lambda: _columns(TURN_COLUMNS))
    errors: dict[str, list[Any]] = field(default_factory=lambda: _columns(ERROR_COLUMNS))
    conversations: dict[str, Row] = field(default_factory=dict)
    experiments: dict[str, Row] = field(default_factory=dict)
    completed_turns: dict[str, set[int]] = field(default_factory=dict)
    existing: dict[str, set[str]] = field(
        default_factory=lambda: {"conversation": set(), "experiment": set()}
    )  # ids whose rows were already in the database (to be replaced)
    problems: list[str] = field(default_factory=list)
    """Values the tables cannot hold, by position (projected as NULL: see column_values)."""


_CANONICAL: dict[str, str] = {}


def canonical_id(raw_id: str) -> str:
    """The dashed lower-case form of a UUID (SQLite stores ids as 32 hex digits)."""
    known = _CANONICAL.get(raw_id)
    if known is None:
        if len(_CANONICAL) > 200_000:
            _CANONICAL.clear()
        known = _CANONICAL[raw_id] = str(UUID(raw_id))
    return known


def _optional_id(raw_id: str | None) -> str | None:
    """An id another event names (experiment, parent), in the same form as every id
    (kept as it is if it is not a UUID: the projection never fails on a value)."""
    if raw_id is None:
        return None
    try:
        return canonical_id(raw_id)
    except ValueError:
        return raw_id


Loader = Callable[[str, set[str]], Mapping[str, Row]]
"""Reads the current rows of ("conversation" | "experiment", ids) from the database."""


def fold_batch(events: EventBatch, load: Loader) -> Batch:
    """Rows for every event of the batch (events of topics other than HANDLED_TOPICS
    change no row).

    The frequent MessageCompleted and TurnCompleted events are decoded all at once and
    applied column by column (they only add rows and update their conversation's
    counters, which no other event touches); the others pass through one handler each.
    One pass applies the events of aggregates started in this batch; events of aggregates
    started earlier wait until their current rows are loaded (one query per kind), then
    are applied in their order. Each aggregate's events still apply in log order.
    """
    batch = Batch()
    handlers = _HANDLERS
    tables = {"conversation": batch.conversations, "experiment": batch.experiments}
    messages = _Completed.of(events.table, MESSAGE_TOPIC, _decode_messages)
    turns = _Completed.of(events.table, TURN_TOPIC, _decode_turns)
    waiting: list[tuple[int, str, str, bytes]] = []
    for position, raw_id, _, topic, state in events.rows(_ROW_TOPICS):
        kind, handler, creates = handlers[topic]
        aggregate_id = canonical_id(raw_id)
        rows = tables[kind]
        row = rows.get(aggregate_id)
        if row is None and not creates:
            waiting.append((position, aggregate_id, topic, state))
            continue
        handler(batch, aggregate_id, position, state, row)
        rows[aggregate_id]["last_position"] = position
    unknown = (messages.aggregates | turns.aggregates) - batch.conversations.keys()
    if waiting or unknown:
        for kind, rows in tables.items():
            ids = {a for _, a, t, _ in waiting if handlers[t][0] == kind}
            if kind == "conversation":
                ids |= unknown
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
    _add_messages(batch, messages)
    _add_turns(batch, turns)
    return batch


@dataclass(frozen=True)
class _Completed:
    """The events of one topic, decoded at once: canonical aggregate ids, positions, states."""

    ids: list[str]
    positions: list[int]
    states: list[Any]
    aggregates: frozenset[str]
    stored: pa.Array  # the states still encoded

    @staticmethod
    def of(table: pa.Table, topic: str, decode: Callable[[bytearray], list[Any]]) -> _Completed:
        part = table.filter(pc.equal(table["topic"], topic))
        raw_ids = part["aggregate_id"].to_pylist()
        canonical = {raw: canonical_id(raw) for raw in set(raw_ids)}
        stored = part["state"].combine_chunks()
        return _Completed(
            ids=list(map(canonical.__getitem__, raw_ids)),
            positions=part["position"].to_pylist(),
            states=decode(_json_list(stored)) if len(stored) else [],
            aggregates=frozenset(canonical.values()),
            stored=stored,
        )

    def known(self, rows: Mapping[str, Row]) -> _Completed:
        """Only the events of aggregates that have a row (a start in the log)."""
        if self.aggregates <= rows.keys():
            return self
        keep = [i for i, cid in enumerate(self.ids) if cid in rows]
        return _Completed(
            ids=[self.ids[i] for i in keep],
            positions=[self.positions[i] for i in keep],
            states=[self.states[i] for i in keep],
            aggregates=frozenset(a for a in self.aggregates if a in rows),
            stored=self.stored.take(pa.array(keep, pa.int64())),
        )


def _json_list(states: pa.Array) -> bytearray:
    """The stored JSON objects as one JSON list (one decode call for the whole batch),
    joined by Arrow rather than through a Python bytes object per state."""
    nothing, comma = pa.scalar(b"", states.type), pa.scalar(b",", states.type)
    followed = pc.binary_join_element_wise(states, nothing, comma)  # each state, then a comma
    _, offsets, data = followed.buffers()
    width = pa.int64() if pa.types.is_large_binary(followed.type) else pa.int32()
    bounds = pa.Array.from_buffers(
        width, len(followed) + 1, [None, offsets], offset=followed.offset
    )
    start, end = bounds[0].as_py(), bounds[-1].as_py() - 1  # without the last comma
    joined = bytearray(b"[")
    joined += memoryview(data)[start:end]
    joined += b"]"
    return joined


# -- conversations ------------------------------------------------------------------------


def _started(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    a, b = s.get("agent_a") or {}, s.get("agent_b") or {}
    batch.conversations[cid] = {
        "conversation_id": cid,
        "name": s.get("name"),
        "experiment_id": _optional_id(s.get("experiment_id")),
        "parent_conversation_id": _optional_id(s.get("parent_conversation_id")),
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
        "agent_a_max_tokens": a.get("max_tokens"),
        "agent_a_input_price": a.get("input_price_per_million"),
        "agent_a_output_price": a.get("output_price_per_million"),
        "agent_a_cache_read_price": a.get("cache_read_price_per_million"),
        "agent_a_cache_write_price": a.get("cache_write_price_per_million"),
        "agent_b_name": b.get("display_name"),
        "agent_b_model": b.get("model"),
        "agent_b_provider": b.get("provider"),
        "agent_b_temperature": b.get("temperature"),
        "agent_b_max_tokens": b.get("max_tokens"),
        "agent_b_input_price": b.get("input_price_per_million"),
        "agent_b_output_price": b.get("output_price_per_million"),
        "agent_b_cache_read_price": b.get("cache_read_price_per_million"),
        "agent_b_cache_write_price": b.get("cache_write_price_per_million"),
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
    check_numbers(batch.problems, position, batch.conversations[cid])


def _policy(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["convergence_profile"] = s.get("profile")
    weights = s.get("weights")
    row["convergence_weights"] = json.dumps(weights, sort_keys=True) if weights else None
    row["convergence_action"] = s.get("action")


def _policy_changed(batch: Batch, cid: str, position: int, s: Row, row: Row | None) -> None:
    assert row is not None
    row["convergence_threshold"] = s.get("threshold")
    row["convergence_action"] = s.get("action")


class MessageState(msgspec.Struct):
    """The stored fields of MessageCompleted that the counters and the cost need (the
    projection reads the others, text included, from the stored state in DuckDB)."""

    agent: str = ""
    tokens_in: int | None = 0
    tokens_out: int | None = 0
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reported_cost_usd: float | None = None


class TurnState(msgspec.Struct):
    turn: int = 0
    convergence: float | None = None
    timestamp: str | None = None


_decode_messages = msgspec.json.Decoder(list[MessageState]).decode
_decode_turns = msgspec.json.Decoder(list[TurnState]).decode


def _add_messages(batch: Batch, completed: _Completed) -> None:
    """The messages' rows, and their conversations' counters updated in log order."""
    rows = batch.conversations
    completed = completed.known(rows)
    states: list[MessageState] = completed.states
    agents = [m.agent for m in states]
    tokens_in = [m.tokens_in or 0 for m in states]
    tokens_out = [m.tokens_out or 0 for m in states]
    speakers = set(agents)
    prices = {
        (cid, agent): tuple(
            rows[cid].get(f"agent_{agent}_{kind}_price")
            for kind in ("input", "output", "cache_read", "cache_write")
        )
        for cid in completed.aggregates
        for agent in speakers
    }
    pairs = list(map(prices.__getitem__, zip(completed.ids, agents, strict=True)))
    costs = [_cost(m, p) for m, p in zip(states, pairs, strict=True)]
    for cid, position, t_in, t_out, cost in zip(
        completed.ids, completed.positions, tokens_in, tokens_out, costs, strict=True
    ):
        row = rows[cid]
        row["messages"] += 1
        row["tokens_in"] += t_in
        row["tokens_out"] += t_out
        total = row["cost_usd"]
        # Added in log order, whether in one run or many: the same float every time.
        row["cost_usd"] = None if cost is None or total is None else total + cost
        if position > row["last_position"]:
            row["last_position"] = position
    batch.messages = pa.table(
        [
            pa.array(completed.ids, pa.string()),
            pa.array(completed.positions, pa.int64()),
            pa.array(costs, pa.float64()),
            completed.stored,
        ],
        schema=MESSAGE_SCHEMA,
    )


def _cost(message: MessageState, prices: tuple[Any, ...]) -> float | None:
    """What one reply cost: a gateway's reported cost, else its tokens at the prices."""
    if message.reported_cost_usd is not None:
        return message.reported_cost_usd
    price_in, price_out, price_read, price_write = prices
    if message.cache_read_tokens is None and message.cache_write_tokens is None:
        return cost_in_dollars(message.tokens_in or 0, message.tokens_out or 0, price_in, price_out)
    return cost_in_dollars(
        message.tokens_in or 0,
        message.tokens_out or 0,
        price_in,
        price_out,
        cache_read=message.cache_read_tokens or 0,
        cache_write=message.cache_write_tokens or 0,
        cache_read_price_per_million=price_read,
        cache_write_price_per_million=price_write,
    )


def _add_turns(batch: Batch, completed: _Completed) -> None:
    """The turns' rows; each conversation's turn count and final convergence is its last."""
    rows = batch.conversations
    completed = completed.known(rows)
    states: list[TurnState] = completed.states
    for cid, position, t in zip(completed.ids, completed.positions, states, strict=True):
        row = rows[cid]
        row["turns"] = t.turn
        row["final_convergence"] = t.convergence
        if position > row["last_position"]:
            row["last_position"] = position
        batch.completed_turns.setdefault(cid, set()).add(t.turn)
    columns = batch.turns
    columns["conversation_id"] += completed.ids
    columns["turn"] += [t.turn for t in states]
    columns["convergence"] += [t.convergence for t in states]
    columns["completed_at"] += [t.timestamp for t in states]
    columns["position"] += completed.positions


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
    "ConvergenceSettingsChanged": _decoded(_policy_changed),
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
        "seed": (s.get("settings") or {}).get("seed"),
        "parallel": s.get("parallel"),
        "scheduled": 0,
        "finished": 0,
        "completed": None,
        "failed": None,
        "interrupted": None,
        "spec": json.dumps(s.get("spec"), sort_keys=True),
        "last_position": position,
    }
    check_numbers(batch.problems, position, batch.experiments[eid])


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


HANDLED_TOPICS = frozenset(_HANDLERS) | {MESSAGE_TOPIC, TURN_TOPIC}
"""The topics that change a row of a table other than ``events``."""
_ROW_TOPICS = frozenset(_HANDLERS)
"""The topics applied one event at a time."""
