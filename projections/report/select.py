"""Which conversations a report covers, and in which groups, from the user's words.

A word names an experiment (its name, its id or a unique id prefix), a conversation (its
id or a unique prefix) or a model pair (``MODEL_A,MODEL_B``: every conversation between
those two models, either side). Without words the report covers every conversation.
Ids are compared as lowercase text, whatever type the database stores them as.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


class SelectionError(Exception):
    """A word names nothing, or more than one thing (one line, for the user)."""


@dataclass(frozen=True)
class Group:
    label: str
    conversation_ids: tuple[str, ...]


NO_EXPERIMENT = "(no experiment)"


def resolve(
    connection: duckdb.DuckDBPyConnection, words: list[str], *, compare: bool
) -> list[Group]:
    """The groups of conversations to report on.

    ``compare``: one group per word (at least two). Otherwise the words' conversations
    together, grouped by experiment.
    """
    if compare:
        if len(words) < 2:
            raise SelectionError("--compare needs two or more experiments, pairs or conversations")
        groups = [_group(connection, word) for word in words]
        labels = [g.label for g in groups]
        duplicated = sorted({label for label in labels if labels.count(label) > 1})
        if duplicated:
            raise SelectionError(f"{duplicated[0]!r} is named twice in --compare")
        return groups
    if words:
        chosen: list[str] = []
        for word in words:
            chosen += [c for c in _group(connection, word).conversation_ids if c not in chosen]
    else:
        chosen = [row[0] for row in connection.execute(_ALL).fetchall()]
    return _by_experiment(connection, chosen)


_ID = "lower(CAST({} AS VARCHAR))"
_ALL = f"SELECT {_ID.format('conversation_id')} AS id FROM conversations ORDER BY started_at, id"


def _group(connection: duckdb.DuckDBPyConnection, word: str) -> Group:
    wanted = word.strip().lower()
    if not wanted:
        raise SelectionError("an empty name selects nothing")
    if "," in wanted:
        return _pair(connection, word)
    experiments = connection.execute(
        f"SELECT {_ID.format('experiment_id')} AS id, coalesce(name, id) FROM experiments "
        f"WHERE lower(name) = ? OR starts_with(id, ?) ORDER BY id",
        [wanted, wanted],
    ).fetchall()
    exact = [row for row in experiments if row[1].lower() == wanted or row[0] == wanted]
    experiments = exact or experiments
    conversations = connection.execute(
        f"SELECT {_ID.format('conversation_id')} AS id FROM conversations "
        "WHERE starts_with(id, ?) ORDER BY id",
        [wanted],
    ).fetchall()
    if len(experiments) + len(conversations) > 1:
        raise SelectionError(
            f"{word!r} matches {len(experiments)} experiments and "
            f"{len(conversations)} conversations: give more of the id"
        )
    if experiments:
        experiment_id, name = experiments[0]
        rows = connection.execute(
            f"SELECT {_ID.format('conversation_id')} AS id FROM conversations "
            f"WHERE {_ID.format('experiment_id')} = ? ORDER BY started_at, id",
            [experiment_id],
        ).fetchall()
        if not rows:
            raise SelectionError(f"experiment {name!r} has no conversations yet")
        return Group(str(name), tuple(row[0] for row in rows))
    if conversations:
        return Group(conversations[0][0][:8], (conversations[0][0],))
    raise SelectionError(f"no experiment, conversation or model pair matches {word!r}")


def _pair(connection: duckdb.DuckDBPyConnection, word: str) -> Group:
    parts = [part.strip() for part in word.split(",")]
    if len(parts) != 2 or not all(parts):
        raise SelectionError(f"a model pair is MODEL_A,MODEL_B, not {word!r}")
    first, second = parts
    rows = connection.execute(
        f"SELECT {_ID.format('conversation_id')} AS id FROM conversations "
        "WHERE (agent_a_model = ? AND agent_b_model = ?) OR (agent_a_model = ? AND "
        "agent_b_model = ?) ORDER BY started_at, id",
        [first, second, second, first],
    ).fetchall()
    if not rows:
        raise SelectionError(f"no conversation between {first} and {second}")
    return Group(f"{first} ↔ {second}", tuple(row[0] for row in rows))


def _by_experiment(connection: duckdb.DuckDBPyConnection, chosen: list[str]) -> list[Group]:
    """The chosen conversations, grouped by experiment in order of each group's first."""
    if not chosen:
        return []
    rows = connection.execute(
        f"SELECT {_ID.format('c.conversation_id')} AS id, "
        f"coalesce(e.name, {_ID.format('c.experiment_id')}, ?) AS label "
        "FROM conversations c LEFT JOIN experiments e "
        f"ON {_ID.format('e.experiment_id')} = {_ID.format('c.experiment_id')} "
        "WHERE id IN (SELECT unnest(?))",
        [NO_EXPERIMENT, chosen],
    ).fetchall()
    label_of = dict(rows)
    groups: dict[str, list[str]] = {}
    for conversation_id in chosen:
        groups.setdefault(label_of[conversation_id], []).append(conversation_id)
    return [Group(label, tuple(ids)) for label, ids in groups.items()]
