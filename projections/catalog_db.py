"""The catalog: a small SQLite projection of every conversation's headline and messages.

``pidgin list`` and ``pidgin search`` read it instead of the log, so a call on a store of
a million events reads only the events appended since the last call. Like every
projection it can be deleted (it is rebuilt from the log), remembers the log position it
has reached and applies each event exactly once: the events and the new position are
written in one transaction. It also remembers which event sits at that position, so a
store that was replaced (a new log at the same path) makes it start again from zero.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec

from eventlog.errors import DamagedEventError
from projections import catalog_events as kinds

if TYPE_CHECKING:
    from eventlog import EventLog
    from projections.costs import AgentTotals

SCHEMA_VERSION = "3"
TABLES = ("meta", "experiments", "conversations", "messages")
READ_BATCH = 20_000
BULK = 20_000
"""Events behind from which the catalog catches up through Arrow batches."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, started_at TEXT NOT NULL, name TEXT,
    experiment_id TEXT, model_a TEXT NOT NULL, model_b TEXT NOT NULL, agents TEXT NOT NULL,
    max_turns INTEGER NOT NULL, turns INTEGER NOT NULL, convergence REAL,
    end_reason TEXT, ended_at TEXT, paused_reason TEXT, errors INTEGER NOT NULL,
    tokens_in_a INTEGER NOT NULL, tokens_out_a INTEGER NOT NULL,
    tokens_in_b INTEGER NOT NULL, tokens_out_b INTEGER NOT NULL, cost REAL,
    totals TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_position ON conversations (position);
CREATE TABLE IF NOT EXISTS messages (
    position INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, turn INTEGER NOT NULL,
    agent TEXT NOT NULL, text TEXT NOT NULL
);
"""
COLUMNS = (
    "id, position, started_at, name, experiment_id, model_a, model_b, agents, max_turns, "
    "turns, convergence, end_reason, ended_at, paused_reason, errors, "
    "tokens_in_a, tokens_out_a, tokens_in_b, tokens_out_b, cost, totals"
)


@dataclass(slots=True)
class CatalogEntry:
    """One conversation as the catalog holds it (one row of ``conversations``)."""

    id: str
    position: int
    started_at: str
    name: str | None
    experiment_id: str | None
    model_a: str
    model_b: str
    agents: str
    """Both agents' settings as JSON (prices included, for the cost)."""
    max_turns: int
    turns: int
    convergence: float | None
    end_reason: str | None
    ended_at: str | None
    paused_reason: str | None
    errors: int
    tokens_in_a: int
    tokens_out_a: int
    tokens_in_b: int
    tokens_out_b: int
    cost: float | None = None
    """US dollars at the prices recorded when it started; None when a price is unknown."""
    totals: str = "{}"
    """Each agent's projections.costs.AgentTotals as JSON (cache and gateway costs)."""

    @property
    def status(self) -> str:
        """``ended``, ``paused`` or ``unfinished`` (running, or cut off by a crash)."""
        if self.end_reason is not None:
            return "ended"
        return "paused" if self.paused_reason is not None else "unfinished"

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name.strip()) for name in COLUMNS.split(","))


def connect(path: Path | None) -> sqlite3.Connection:
    """The catalog at ``path`` (created if needed), or an empty one in memory for None."""
    connection = sqlite3.connect(
        ":memory:" if path is None else str(path), timeout=30, isolation_level=None
    )
    _create_tables(connection)
    return connection


def _create_tables(connection: sqlite3.Connection) -> None:
    """The tables, dropped first when they were made by another version of this module."""
    has_meta = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if has_meta:
        found = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if found is None or found[0] != SCHEMA_VERSION:
            for table in TABLES:
                connection.execute(f"DROP TABLE IF EXISTS {table}")
    connection.executescript(SCHEMA)


def copy_to_memory(path: Path) -> sqlite3.Connection:
    """An in-memory copy of a catalog that cannot be written (read-only media)."""
    memory = sqlite3.connect(":memory:", isolation_level=None)
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as disk:
        disk.backup(memory)
    _create_tables(memory)
    return memory


def update(connection: sqlite3.Connection, log: EventLog) -> int:
    """Apply the events appended since the catalog's position; return how many were read.

    One transaction (BEGIN IMMEDIATE), so two processes updating at once apply each
    event once, and a crash leaves the catalog at its old position.
    """
    target = log.max_position()
    connection.execute("BEGIN IMMEDIATE")
    try:
        position = _position(connection)
        if position and (position > target or _anchor(log, position) != _stored_anchor(connection)):
            _reset(connection)
            position = 0
        # Read even when the store's newest position says there is nothing new: a
        # damaged file can say 0 and still hold events (one query when up to date).
        reached = [position]
        applied = _apply(connection, log, position, target, reached)
        if reached[0] > position:
            _set_meta(connection, "position", str(reached[0]))
            _set_meta(connection, "anchor", _anchor(log, reached[0]) or "")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return applied


def _position(connection: sqlite3.Connection) -> int:
    found = connection.execute("SELECT value FROM meta WHERE key = 'position'").fetchone()
    version = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if found is None or version is None or version[0] != SCHEMA_VERSION:
        _reset(connection)
        return 0
    return int(found[0])


def _stored_anchor(connection: sqlite3.Connection) -> str | None:
    found = connection.execute("SELECT value FROM meta WHERE key = 'anchor'").fetchone()
    return None if found is None else str(found[0])


def _set_meta(connection: sqlite3.Connection, key: str, value: str) -> None:
    connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _anchor(log: EventLog, position: int) -> str | None:
    """Which event sits at ``position`` (aggregate and version): the store's fingerprint."""
    for notification in log.read_notifications(position - 1, batch_size=1):
        if notification.id == position:
            return f"{notification.originator_id}:{notification.originator_version}"
        return None
    return None


def _reset(connection: sqlite3.Connection) -> None:
    for table in TABLES:
        connection.execute(f"DELETE FROM {table}")
    _set_meta(connection, "schema", SCHEMA_VERSION)
    _set_meta(connection, "position", "0")


def _apply(
    connection: sqlite3.Connection, log: EventLog, after: int, target: int, reached: list[int]
) -> int:
    """Fold the catalog events after ``after`` into the tables; ``reached[0]`` becomes
    the position read up to (see :func:`_stored`).

    Decodes only the states of the topics the catalog reads.
    """
    from projections.costs import AgentTotals, add_message, conversation_cost

    touched: dict[str, CatalogEntry] = {}
    sums: dict[str, dict[str, AgentTotals]] = {}
    messages: list[tuple[int, str, int, str, str]] = []
    ids: dict[str, str] = {}
    count = 0
    for position, raw_id, topic, state in _stored(log, after, target, reached):
        count += 1
        try:
            event = kinds.decode(topic, state)
        except msgspec.MsgspecError as error:  # checked above: only a catalog out of step
            reason = f"not readable by the catalog: {error}"
            raise DamagedEventError(log.url.redacted, f"position {position}", reason) from None
        key = ids.get(raw_id) or ids.setdefault(raw_id, str(UUID(raw_id)))
        if isinstance(event, kinds.ExperimentCreated):
            connection.execute(
                "INSERT OR REPLACE INTO experiments VALUES (?, ?)", (key, event.name)
            )
            continue
        if isinstance(event, kinds.Started):
            touched[key] = _started(key, position, event)
            continue
        entry = touched.get(key) or _load(connection, key)
        if entry is None:
            continue  # a conversation whose start is missing: nothing to list
        touched[key] = entry
        if isinstance(event, kinds.MessageCompleted):
            messages.append((position, key, event.turn, event.agent, event.text))
            agents = sums.get(key) or sums.setdefault(key, _totals(entry))
            add_message(agents.setdefault(event.agent, AgentTotals()), event)
            if len(messages) >= READ_BATCH:
                _insert_messages(connection, messages)
        _fold(entry, event)
    _insert_messages(connection, messages)
    for key, entry in touched.items():
        agents = sums.get(key) or _totals(entry)
        entry.totals = msgspec.json.encode(agents).decode()
        entry.cost = conversation_cost(msgspec.json.decode(entry.agents), agents)
    connection.executemany(
        f"INSERT OR REPLACE INTO conversations ({COLUMNS}) "
        f"VALUES ({', '.join('?' * len(COLUMNS.split(',')))})",
        [entry.row() for entry in touched.values()],
    )
    return count


def _stored(
    log: EventLog, after: int, target: int, reached: list[int]
) -> Iterator[tuple[int, str, str, bytes]]:
    """(position, aggregate id, topic, state) of the catalog's events after ``after``:
    up to ``target`` in bulk, else to the end; ``reached[0]`` is set to the last position.

    A long way behind (a first listing), the store's Arrow batches, which read a SQLite
    store's table without a Python object per event; a few events behind, the store's
    own read, which spares loading Arrow (a third of a second). Both check every event
    in the range as every reader does (checksum, else its class's fields), not only the
    catalog's: an event whose topic was damaged must not silently drop out of a listing.
    """
    if target - after > BULK:
        from eventlog.batches import event_batches

        for batch in event_batches(log, after, READ_BATCH):
            for position, raw_id, _version, topic, state in batch.rows(kinds.KINDS):
                if position > target:
                    reached[0] = target
                    return
                yield position, raw_id, topic, state
            reached[0] = min(target, batch.last()[0])
        return
    for stored in log.read_checked(after, batch_size=READ_BATCH):
        reached[0] = stored.id
        if stored.topic in kinds.KINDS:
            yield stored.id, str(stored.originator_id), stored.topic, stored.state


def _insert_messages(connection: sqlite3.Connection, messages: list[Any]) -> None:
    connection.executemany("INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?, ?)", messages)
    messages.clear()


def _totals(entry: CatalogEntry) -> dict[str, AgentTotals]:
    from projections.costs import AgentTotals

    return msgspec.json.decode(entry.totals, type=dict[str, AgentTotals])


def _started(key: str, position: int, event: Any) -> CatalogEntry:
    agents = {"a": event.agent_a, "b": event.agent_b}
    return CatalogEntry(
        id=key,
        position=position,
        started_at=event.timestamp.isoformat(),
        name=event.name,
        experiment_id=event.experiment_id,
        model_a=str(agents["a"].get("model", "")),
        model_b=str(agents["b"].get("model", "")),
        agents=msgspec.json.encode(agents).decode(),
        max_turns=event.max_turns,
        turns=0,
        convergence=None,
        end_reason=None,
        ended_at=None,
        paused_reason=None,
        errors=0,
        tokens_in_a=0,
        tokens_out_a=0,
        tokens_in_b=0,
        tokens_out_b=0,
    )


def _fold(entry: CatalogEntry, event: Any) -> None:
    if isinstance(event, kinds.MessageCompleted):
        if event.agent == "a":  # an unknown count (None) adds nothing, as in costs
            entry.tokens_in_a += event.tokens_in or 0
            entry.tokens_out_a += event.tokens_out or 0
        else:
            entry.tokens_in_b += event.tokens_in or 0
            entry.tokens_out_b += event.tokens_out or 0
    elif isinstance(event, kinds.TurnCompleted):
        if event.turn >= entry.turns:
            entry.turns, entry.convergence = event.turn, event.convergence
    elif isinstance(event, kinds.ProviderErrored):
        entry.errors += 1
    elif isinstance(event, kinds.Paused):
        entry.paused_reason = event.reason
    elif isinstance(event, kinds.Resumed):
        entry.paused_reason = None
    elif isinstance(event, kinds.Ended):
        entry.end_reason, entry.paused_reason = event.reason, None
        entry.ended_at = event.timestamp.isoformat()


def _load(connection: sqlite3.Connection, key: str) -> CatalogEntry | None:
    row = connection.execute(
        f"SELECT {COLUMNS} FROM conversations WHERE id = ?",
        (key,),
    ).fetchone()
    return None if row is None else CatalogEntry(*row)


def entries(
    connection: sqlite3.Connection,
    where: str = "",
    params: Iterable[Any] = (),
    *,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[CatalogEntry]:
    """Conversations in the order they started (or newest first), narrowed by ``where``."""
    order = "DESC" if newest_first else "ASC"
    tail = "" if limit is None else f" LIMIT {int(limit)}"
    sql = f"SELECT {COLUMNS} FROM conversations {where} ORDER BY position {order}{tail}"
    return [CatalogEntry(*row) for row in connection.execute(sql, tuple(params))]


def short_ids(
    connection: sqlite3.Connection, shown: Iterable[str], length: int = 8
) -> dict[str, str]:
    """The shortest unique prefix (at least ``length`` characters) of each shown id.

    A prefix is unique when it differs from both neighbours of the id in sorted order.
    """
    wanted = list(shown)
    if len(wanted) > 1000:  # one sorted pass over every id beats a lookup per row
        ordered = [
            str(row[0]) for row in connection.execute("SELECT id FROM conversations ORDER BY id")
        ]
        after = dict(itertools.pairwise(ordered))
        before = {later: earlier for earlier, later in after.items()}
        pairs = {cid: (before.get(cid), after.get(cid)) for cid in wanted}
    else:
        pairs = {
            cid: (
                connection.execute(
                    "SELECT max(id) FROM conversations WHERE id < ?", (cid,)
                ).fetchone()[0],
                connection.execute(
                    "SELECT min(id) FROM conversations WHERE id > ?", (cid,)
                ).fetchone()[0],
            )
            for cid in wanted
        }
    return {cid: cid[: _unique_length(cid, pair, length)] for cid, pair in pairs.items()}


def _unique_length(cid: str, neighbours: tuple[str | None, str | None], length: int) -> int:
    needed = length
    for neighbour in neighbours:
        if neighbour is not None and neighbour[:needed] == cid[:needed]:
            common = next(
                (i for i, (x, y) in enumerate(zip(cid, neighbour, strict=False)) if x != y),
                len(cid),
            )
            needed = common + 1
    return needed
