"""Per-turn metrics of conversations: one wide row per turn where both agents spoke.

All conversations of a batch are computed together on arrays: each message on its own
(``message_batch``), against what its conversation said before (``history``), against
the other message of its turn (``cross``, ``ngrams``), and the conductor's convergence
over each turn's window. A row depends only on its own conversation up to that turn.
Row keys: ``a_*`` and ``b_*`` for each agent's metrics, unprefixed cross-agent ones.
Definitions: docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from projections.gc_pause import cycle_collector_paused
from projections.metrics.alignment import ALIGNMENT_METRICS, alignment_metrics
from projections.metrics.columnar import Floats, Ints, total
from projections.metrics.convergence import (
    Counted,
    MessageShape,
    build_shape,
    many_window_components,
    weighted_score,
)
from projections.metrics.convergence_weights import COMPONENTS, DEFAULT_PROFILE, PROFILES
from projections.metrics.cross import LSM_METRICS, cross_metrics
from projections.metrics.history import HISTORY_METRICS, History, Layout, Message, layout_of
from projections.metrics.message_batch import MESSAGE_METRICS, MessageBatch
from projections.metrics.semantic import (
    SEMANTIC_METRICS,
    Semantics,
    semantic_metrics,
    turn_similarity,
)

METRICS_VERSION = "3"
AGENT_METRICS: tuple[str, ...] = (
    MESSAGE_METRICS + HISTORY_METRICS + ALIGNMENT_METRICS + SEMANTIC_METRICS
)
CROSS_METRICS: tuple[str, ...] = (
    "vocabulary_overlap",
    "cumulative_convergence",
    "cross_repetition",
    "mimicry_a_to_b",
    "mimicry_b_to_a",
    "bigram_overlap",
    "trigram_overlap",
    "tfidf_similarity",
    "semantic_similarity",
    "length_convergence",
    "structural_similarity",
    "style_matching",
    *LSM_METRICS,
    "rhythm_convergence",
    "sentiment_convergence",
    "formality_convergence",
    "readability_convergence",
    "lexical_diversity_convergence",
    "pronoun_convergence",
    "marker_alignment",
    "entropy_similarity",
    "turn_taking_balance",
    "entrainment_a_from_b",
    "entrainment_b_from_a",
    "convergence_content",
    "convergence_structure",
    "convergence_sentences",
    "convergence_length",
    "convergence_punctuation",
    "convergence_semantic",
    "convergence",
    "convergence_velocity",
    "convergence_acceleration",
)
COLUMNS: tuple[str, ...] = (
    tuple(f"a_{name}" for name in AGENT_METRICS)
    + tuple(f"b_{name}" for name in AGENT_METRICS)
    + CROSS_METRICS
)
Row = dict[str, float | None]


@dataclass(frozen=True)
class TurnTable:
    """The rows of a batch as one array: row i is turn ``turn[i]`` of conversation
    ``conversation[i]`` (an index into the batch); None values are NaN."""

    conversation: Ints
    turn: Ints
    values: Floats  # one column per name of COLUMNS


def batch_turn_table(
    conversations: Sequence[tuple[Sequence[Message], Mapping[str, float] | None]],
    semantics: Semantics | None = None,
) -> TurnTable:
    """Every complete turn of each conversation, computed in one batch.

    Each conversation is its messages ((turn, agent, text) in order) and its convergence
    weights (None: the balanced profile). Rows come in conversation and turn order.
    ``semantics``: the embeddings of the messages and opening prompts; without them the
    semantic columns are NaN.
    """
    with cycle_collector_paused():
        return _batch_turn_table(conversations, semantics)


def _batch_turn_table(
    conversations: Sequence[tuple[Sequence[Message], Mapping[str, float] | None]],
    semantics: Semantics | None,
) -> TurnTable:
    texts = [text for messages, _ in conversations for _, _, text in messages]
    layout = layout_of(conversations)
    batch = MessageBatch(texts)
    own = batch.metrics()
    history = History(batch, layout)
    own.update(history.message_metrics())
    own.update(alignment_metrics(batch, layout, history))
    own.update(semantic_metrics(texts, layout, semantics))
    agents = np.column_stack([own[name] for name in AGENT_METRICS])
    cross = cross_metrics(batch, layout, own, history)
    cross["semantic_similarity"] = turn_similarity(texts, layout.row_a, layout.row_b, semantics)
    cross.update(_convergence(conversations, batch, layout, own, semantics))
    values = np.column_stack(
        [agents[layout.row_a], agents[layout.row_b]]
        + [cross[name][:, None] for name in CROSS_METRICS]
    )
    return TurnTable(conversation=layout.row_conversation, turn=layout.row_turn, values=values)


def batch_turn_rows(
    conversations: Sequence[tuple[Sequence[Message], Mapping[str, float] | None]],
    semantics: Semantics | None = None,
) -> list[list[tuple[int, Row]]]:
    """:func:`batch_turn_table` as (turn, row) lists, one per conversation."""
    table = batch_turn_table(conversations, semantics)
    result: list[list[tuple[int, Row]]] = [[] for _ in conversations]
    for conversation, turn, values in zip(
        table.conversation.tolist(), table.turn.tolist(), table.values.tolist(), strict=True
    ):
        # NaN: nothing to compare (yet), or no embedding model.
        row: Row = {name: None if v != v else v for name, v in zip(COLUMNS, values, strict=True)}
        result[conversation].append((turn, row))
    return result


def conversation_turn_rows(
    messages: Sequence[Message],
    weights: Mapping[str, float] | None = None,
    semantics: Semantics | None = None,
) -> list[tuple[int, Row]]:
    """(turn, row) for every complete turn of ``messages`` ((turn, agent, text) in order)."""
    return batch_turn_rows([(messages, weights)], semantics)[0]


def _convergence(
    conversations: Sequence[tuple[Sequence[Message], Mapping[str, float] | None]],
    batch: MessageBatch,
    layout: Layout,
    own: dict[str, Floats],
    semantics: Semantics | None,
) -> dict[str, Floats]:
    """The conductor's convergence function over each turn's window, and its changes.

    The shapes reuse the batch's word sets and list-item counts where they are the same.
    """
    texts = (text for messages, _ in conversations for _, _, text in messages)
    function_words = total(
        batch.pair_message, batch.vocabulary.function_word[batch.pair_word], batch.size
    )
    counted = map(
        Counted,
        batch.word_sets(),
        function_words.astype(np.int64).tolist(),
        own["list_item_count"].astype(np.int64).tolist(),
        map(tuple, batch.marks.tolist()),
    )
    shapes: list[MessageShape] = [
        build_shape(text, known) for text, known in zip(texts, counted, strict=True)
    ]
    end = layout.row_end
    similarity = semantics.similarity if semantics is not None else None
    parts = many_window_components(
        shapes, layout.agent, layout.conversation_start[end], end, similarity
    )
    assert parts is not None  # a turn row has a message of each agent in its window
    score: list[float] = []
    velocity: list[float | None] = []
    acceleration: list[float | None] = []
    trail: list[float] = []
    previous_conversation = -1
    names = (*COMPONENTS, "silent")
    columns = [parts[name].tolist() for name in names]
    for conversation, *values in zip(layout.row_conversation.tolist(), *columns, strict=True):
        if conversation != previous_conversation:
            trail, previous_conversation = [], conversation
        weights = conversations[conversation][1] or PROFILES[DEFAULT_PROFILE]
        current = weighted_score(dict(zip(names, values, strict=True)), weights)
        velocity.append(current - trail[-1] if trail else None)
        acceleration.append(
            (current - trail[-1]) - (trail[-1] - trail[-2]) if len(trail) >= 2 else None
        )
        trail.append(current)
        score.append(current)
    out = {f"convergence_{name}": parts[name] for name in COMPONENTS}
    out["convergence"] = np.array(score, dtype=np.float64)
    out["convergence_velocity"] = _floats(velocity)
    out["convergence_acceleration"] = _floats(acceleration)
    return out


def _floats(values: Sequence[float | None]) -> Floats:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
