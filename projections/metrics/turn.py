"""Per-turn metrics of conversations: one wide row per turn where both agents spoke.

All conversations of a batch are computed together on arrays (``message_batch``): the
history metrics (what an agent said before, the TF-IDF document frequencies, the shared
vocabulary) are running totals over each conversation's messages in order, so a row
depends only on its own conversation up to that turn. Row keys: ``a_*`` and ``b_*`` for
each agent's metrics, unprefixed cross-agent ones. Definitions: docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from projections.metrics import lexicons as lx
from projections.metrics.columnar import (
    Bools,
    Floats,
    Ints,
    chains,
    closeness,
    cosine_rows,
    factorize,
    first_appearances,
    jaccard,
    matched,
    ranges,
    running_total,
    safe_divide,
    shifted,
    total,
)
from projections.metrics.convergence import (
    DEFAULT_PROFILE,
    PROFILES,
    WINDOW,
    MessageShape,
    build_shape,
    weighted_score,
    window_components,
)
from projections.metrics.message_batch import MAX_NGRAM, MESSAGE_METRICS, MessageBatch

METRICS_VERSION = "1"
REPETITION_WINDOW = 5
TOPIC_WINDOW = 4

HISTORY_METRICS = (
    "turn_repetition",
    "new_words",
    "new_word_ratio",
    "cumulative_vocabulary",
    "topic_consistency",
)
AGENT_METRICS: tuple[str, ...] = MESSAGE_METRICS + HISTORY_METRICS
CROSS_METRICS: tuple[str, ...] = (
    "vocabulary_overlap",
    "cumulative_convergence",
    "cross_repetition",
    "mimicry_a_to_b",
    "mimicry_b_to_a",
    "bigram_overlap",
    "trigram_overlap",
    "tfidf_similarity",
    "length_convergence",
    "structural_similarity",
    "style_matching",
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
    "convergence",
    "convergence_velocity",
    "convergence_acceleration",
)
COLUMNS: tuple[str, ...] = (
    tuple(f"a_{name}" for name in AGENT_METRICS)
    + tuple(f"b_{name}" for name in AGENT_METRICS)
    + CROSS_METRICS
)
# Columns that are None (stored as NaN in the arrays) when there is nothing to compare.
_OPTIONAL = [
    i
    for i, name in enumerate(COLUMNS)
    if name.endswith(("turn_repetition", "topic_consistency"))
    or name in ("convergence_velocity", "convergence_acceleration")
]
_PRONOUN_SLOTS = [lx.CATEGORY_NAMES.index(name) for name, _ in lx.PRONOUN_CATEGORIES]
_MARKER_SLOTS = [lx.CATEGORY_NAMES.index(lex.name) for lex in lx.MARKER_LEXICONS]
_STYLE_SLOTS = [i for i, name in enumerate(lx.CATEGORY_NAMES) if name.startswith("style_")]

Row = dict[str, float | None]
Message = tuple[int, str, str]  # (turn, agent "a" or "b", text)


@dataclass
class _Layout:
    """Where every message sits: its conversation, agent, position, and the turn rows."""

    conversation: Ints
    agent: Ints  # 0 for a, 1 for b
    position: Ints  # index within its conversation
    conversation_start: Ints  # index of its conversation's first message
    conversation_end: Ints  # index of its conversation's last message
    row_conversation: Ints
    row_turn: Ints
    row_a: Ints  # the latest message of each agent when the turn completed
    row_b: Ints
    row_end: Ints  # the message that completed the turn


@dataclass(frozen=True)
class TurnTable:
    """The rows of a batch as one array: row i is turn ``turn[i]`` of conversation
    ``conversation[i]`` (an index into the batch); None values are NaN."""

    conversation: Ints
    turn: Ints
    values: Floats  # one column per name of COLUMNS


def batch_turn_table(
    conversations: Sequence[tuple[Sequence[Message], Mapping[str, float] | None]],
) -> TurnTable:
    """Every complete turn of each conversation, computed in one batch.

    Each conversation is its messages ((turn, agent, text) in order) and its convergence
    weights (None: the balanced profile). Rows come in conversation and turn order.
    """
    texts = [text for messages, _ in conversations for _, _, text in messages]
    layout = _layout(conversations)
    batch = MessageBatch(texts)
    own = batch.metrics()
    history = _History(batch, layout)
    own.update(history.message_metrics())
    agents = np.column_stack([own[name] for name in AGENT_METRICS])
    cross = _cross_metrics(batch, layout, own, history)
    cross.update(_convergence(conversations, batch, layout, own))
    values = np.column_stack(
        [agents[layout.row_a], agents[layout.row_b]]
        + [cross[name][:, None] for name in CROSS_METRICS]
    )
    return TurnTable(conversation=layout.row_conversation, turn=layout.row_turn, values=values)


def batch_turn_rows(
    conversations: Sequence[tuple[Sequence[Message], Mapping[str, float] | None]],
) -> list[list[tuple[int, Row]]]:
    """:func:`batch_turn_table` as (turn, row) lists, one per conversation."""
    table = batch_turn_table(conversations)
    result: list[list[tuple[int, Row]]] = [[] for _ in conversations]
    for conversation, turn, values in zip(
        table.conversation.tolist(), table.turn.tolist(), table.values.tolist(), strict=True
    ):
        row: Row = dict(zip(COLUMNS, values, strict=True))
        for index in _OPTIONAL:
            if values[index] != values[index]:  # NaN: nothing to compare yet
                row[COLUMNS[index]] = None
        result[conversation].append((turn, row))
    return result


def conversation_turn_rows(
    messages: Sequence[Message], weights: Mapping[str, float] | None = None
) -> list[tuple[int, Row]]:
    """(turn, row) for every complete turn of ``messages`` ((turn, agent, text) in order)."""
    return batch_turn_rows([(messages, weights)])[0]


def _layout(conversations: Sequence[tuple[Sequence[Message], object]]) -> _Layout:
    conversation: list[int] = []
    agent: list[int] = []
    position: list[int] = []
    start: list[int] = []
    end: list[int] = []
    rows: list[tuple[int, int, int, int, int]] = []
    for number, (messages, _) in enumerate(conversations):
        first = len(conversation)
        latest: dict[str, int] = {}
        spoken: dict[int, set[str]] = {}
        for offset, (turn, speaker, _) in enumerate(messages):
            if speaker not in ("a", "b"):
                raise ValueError(f"agent must be 'a' or 'b', not {speaker!r}")
            index = first + offset
            conversation.append(number)
            agent.append(speaker == "b")
            position.append(offset)
            start.append(first)
            latest[speaker] = index
            seen = spoken.setdefault(turn, set())
            seen.add(speaker)
            if len(seen) == 2:
                rows.append((number, turn, latest["a"], latest["b"], index))
        end += [len(conversation) - 1] * len(messages)
    columns = np.array(rows, dtype=np.int64).reshape(len(rows), 5)
    return _Layout(
        conversation=np.array(conversation, dtype=np.int64),
        agent=np.array(agent, dtype=np.int64),
        position=np.array(position, dtype=np.int64),
        conversation_start=np.array(start, dtype=np.int64),
        conversation_end=np.array(end, dtype=np.int64),
        row_conversation=columns[:, 0],
        row_turn=columns[:, 1],
        row_a=columns[:, 2],
        row_b=columns[:, 3],
        row_end=columns[:, 4],
    )


class _History:
    """Running totals over each conversation: vocabularies, document frequencies."""

    def __init__(self, batch: MessageBatch, layout: _Layout) -> None:
        self.batch, self.layout = batch, layout
        size, width = batch.size, batch.width
        message, word = batch.pair_message, batch.pair_word
        conversation = layout.conversation[message]
        speaker = layout.agent[message]
        # Each agent's vocabulary: the first time (conversation, agent, word) appears.
        agent_codes, _ = factorize((conversation * 2 + speaker) * width + word)
        self.agent_words = chains(agent_codes)
        first = first_appearances(agent_codes)
        self.new_words = total(message[first], None, size)
        self.vocabulary = [
            running_total(
                np.where(layout.agent == x, self.new_words, 0.0), layout.conversation_start
            )
            for x in (0, 1)
        ]
        # Shared vocabulary: a word counts from the message where the second agent uses it.
        first_message, first_word, first_speaker = message[first], word[first], speaker[first]
        words_of, distinct = factorize(conversation[first] * width + first_word)
        never = np.iinfo(np.int64).max
        first_use = [np.full(distinct, never, dtype=np.int64) for _ in (0, 1)]
        for x in (0, 1):
            mine = first_speaker == x
            first_use[x][words_of[mine]] = first_message[mine]
        both = (first_use[0] != never) & (first_use[1] != never)
        shared_from = np.maximum(first_use[0], first_use[1])[both]
        self.shared = running_total(total(shared_from, None, size), layout.conversation_start)
        other_first = np.where(first_speaker == 0, first_use[1][words_of], first_use[0][words_of])
        self.entrained = total(first_message[other_first < first_message], None, size)
        # Each word's occurrences in its conversation, in message order; the document
        # frequency of a word at a message is its occurrence number there.
        word_codes, _ = factorize(conversation * width + word)
        self.words = chains(word_codes)
        self.word_codes = word_codes
        self.document_frequency = np.empty(len(word_codes), dtype=np.int64)
        self.document_frequency[self.words.order] = self.words.occurrence
        self.base = np.log(1.0 + (layout.position + 1.0)) + 1.0  # ln(1 + N) + 1

    def frequency_at(self, pairs: Ints, message: Ints) -> Ints:
        """The document frequency of each pair's word at a later ``message``."""
        chain, size = self.words, self.batch.size
        keys = chain.code * size + self.batch.pair_message[chain.order]
        latest = np.searchsorted(keys, self.word_codes[pairs] * size + message, side="right") - 1
        return chain.occurrence[latest]

    def message_metrics(self) -> dict[str, Floats]:
        layout, unique = self.layout, total(self.batch.pair_message, None, self.batch.size)
        spoken = np.where(layout.agent == 0, self.vocabulary[0], self.vocabulary[1])
        return {
            "turn_repetition": self._turn_repetition(unique),
            "new_words": self.new_words,
            "new_word_ratio": safe_divide(self.new_words, unique),
            "cumulative_vocabulary": spoken,
            "topic_consistency": self._topic_consistency(),
        }

    def _turn_repetition(self, unique: Floats) -> Floats:
        """Mean share of each of the agent's last 5 messages' words found in this one.

        Along each (agent, word) chain, an earlier entry d messages of that agent back
        means the word is in the agent's d-th previous message.
        """
        batch, layout, chain = self.batch, self.layout, self.agent_words
        size, window = batch.size, REPETITION_WINDOW
        group = layout.conversation * 2 + layout.agent
        spoken = chains(group)  # each agent's messages in order
        number = np.empty(size, dtype=np.int64)  # index among the agent's messages
        number[spoken.order] = spoken.occurrence - 1
        message = batch.pair_message[chain.order]
        hits = np.zeros(size * (window + 1))
        for shift in range(1, window + 1):
            distance = number[message] - number[shifted(message, shift)]
            near = chain.follows(shift) & (distance <= window)
            hits += total(message[near] * (window + 1) + distance[near], None, len(hits))
        common = hits.reshape(size, window + 1)
        summed = np.zeros(size)
        counted = np.zeros(size)
        for back in range(window, 0, -1):  # oldest first, as a running sum
            before = np.full(size, -1, dtype=np.int64)
            earlier = spoken.follows(back)
            before[spoken.order[earlier]] = shifted(spoken.order, back)[earlier]
            has = before >= 0
            share = safe_divide(common[:, back], unique[np.maximum(before, 0)])
            summed = summed + np.where(has, share, 0.0)
            counted += has
        return np.where(counted > 0, safe_divide(summed, counted), np.nan)

    def _topic_consistency(self) -> Floats:
        """TF-IDF cosine of each message with the previous 4 messages taken together.

        Each (message, word) of that comparison is owned by the word's latest occurrence
        at or before the message: its chain entry has the document frequency then, and
        the entries just before it in the chain hold the counts in the window.
        """
        batch, layout, chain = self.batch, self.layout, self.words
        size, window = batch.size, TOPIC_WINDOW
        message = batch.pair_message[chain.order]
        count = batch.pair_count[chain.order].astype(np.float64)
        # An entry owns the messages from its own up to the next occurrence of its word
        # (or the conversation's end): ``reach`` messages after its own.
        last = layout.conversation_end[message]
        next_same = chain.follows(-1)
        reach = np.where(next_same, np.minimum(shifted(message, -1) - 1, last), last) - message
        # The same word in the window: the 1st…4th entries before in the chain, with
        # how many messages back they are.
        gaps, counts = [], []
        for s in range(1, window + 1):
            same = chain.follows(s)
            gaps.append(np.where(same, message - shifted(message, s), window + 1))
            counts.append(np.where(same, shifted(count, s), 0.0))
        targets, own, context, frequency = [], [], [], []
        for k in range(window + 1):
            owned = np.flatnonzero(reach >= k)
            recent = count[owned] if k else np.zeros(len(owned))
            # The s-th entry back is at least s messages back: only s ≤ window − k can count.
            for gap, before in zip(gaps[: window - k], counts[: window - k], strict=True):
                recent = recent + before[owned] * (gap[owned] <= window - k)
            targets.append(message[owned] + k)
            own.append(count[owned] if k == 0 else np.zeros(len(owned)))
            context.append(recent)
            frequency.append(chain.occurrence[owned])
        target = np.concatenate(targets)
        idf = self.base[target] - np.log(1.0 + np.concatenate(frequency))
        left, right = np.concatenate(own) * idf, np.concatenate(context) * idf
        dot = total(target, left * right, size)
        norms = np.sqrt(total(target, left * left, size)) * np.sqrt(
            total(target, right * right, size)
        )
        return np.where(layout.position == 0, np.nan, safe_divide(dot, norms))


def _cross_metrics(
    batch: MessageBatch, layout: _Layout, own: dict[str, Floats], history: _History
) -> dict[str, Floats]:
    a, b, end = layout.row_a, layout.row_b, layout.row_end
    rows = len(a)
    n = own["word_count"]
    na, nb = n[a], n[b]
    unique = own["vocabulary_size"]
    owner, count_a, count_b, idf = _turn_words(batch, layout, history)
    weight_a, weight_b = count_a * idf, count_b * idf
    norms = np.sqrt(total(owner, weight_a * weight_a, rows)) * np.sqrt(
        total(owner, weight_b * weight_b, rows)
    )
    common = total(owner, (count_a > 0) & (count_b > 0), rows)
    shared, vocab_a, vocab_b = (
        history.shared[end],
        history.vocabulary[0][end],
        history.vocabulary[1][end],
    )
    overlaps = _ngram_overlaps(batch, a, b)
    sentences_a, sentences_b = own["sentence_count"][a], own["sentence_count"][b]
    average_a, average_b = own["avg_sentence_length"][a], own["avg_sentence_length"][b]
    rhythm = batch.rhythm()
    categories = batch.categories
    per_word_a = safe_divide(np.ones(rows), na)[:, None] * categories[a][:, _STYLE_SLOTS]
    per_word_b = safe_divide(np.ones(rows), nb)[:, None] * categories[b][:, _STYLE_SLOTS]
    style = 1 - np.abs(per_word_a - per_word_b) / (per_word_a + per_word_b + 0.0001)
    return {
        "vocabulary_overlap": jaccard(common, unique[a], unique[b]),
        "cumulative_convergence": safe_divide(shared, vocab_a + vocab_b - shared, default=1.0),
        "cross_repetition": safe_divide(
            2 * total(owner, np.minimum(count_a, count_b), rows), na + nb
        ),
        "mimicry_a_to_b": _mimicry(overlaps, "a", na, nb),
        "mimicry_b_to_a": _mimicry(overlaps, "b", na, nb),
        "bigram_overlap": jaccard(*overlaps[2]),
        "trigram_overlap": jaccard(*overlaps[3]),
        "tfidf_similarity": safe_divide(total(owner, weight_a * weight_b, rows), norms),
        "length_convergence": safe_divide(np.minimum(na, nb), np.maximum(na, nb), default=1.0),
        "structural_similarity": 0.5 * closeness(sentences_a, sentences_b)
        + 0.5 * closeness(average_a, average_b),
        "style_matching": style.sum(axis=1) / len(_STYLE_SLOTS),
        "rhythm_convergence": cosine_rows(rhythm[a], rhythm[b]),
        "sentiment_convergence": 1
        - np.abs(own["sentiment_compound"][a] - own["sentiment_compound"][b]) / 2,
        "formality_convergence": 1 - np.abs(own["formality_score"][a] - own["formality_score"][b]),
        "readability_convergence": 1
        - np.minimum(
            1.0, np.abs(own["flesch_reading_ease"][a] - own["flesch_reading_ease"][b]) / 100
        ),
        "lexical_diversity_convergence": closeness(own["mtld"][a], own["mtld"][b]),
        "pronoun_convergence": cosine_rows(
            categories[a][:, _PRONOUN_SLOTS], categories[b][:, _PRONOUN_SLOTS]
        ),
        "marker_alignment": cosine_rows(
            categories[a][:, _MARKER_SLOTS], categories[b][:, _MARKER_SLOTS]
        ),
        "entropy_similarity": closeness(own["word_entropy"][a], own["word_entropy"][b]),
        "turn_taking_balance": safe_divide(na, na + nb, default=0.5),
        "entrainment_a_from_b": history.entrained[a],
        "entrainment_b_from_a": history.entrained[b],
    }


def _turn_words(
    batch: MessageBatch, layout: _Layout, history: _History
) -> tuple[Ints, Floats, Floats, Floats]:
    """Every distinct word of each turn's two messages: (turn row, count in A, in B, idf).

    The idf is the one when the turn completed: a word of the later message has its own
    document frequency; one only in the earlier message has the frequency of its latest
    occurrence up to the later message (the earlier message itself when they are next to
    each other, as they are when each agent speaks once a turn).
    """
    a, b, end = layout.row_a, layout.row_b, layout.row_end
    starts = np.searchsorted(batch.pair_message, np.arange(batch.size + 1))
    earlier = np.where(end == a, b, a)
    index_e, row_e = ranges(starts[earlier], starts[earlier + 1])
    index_l, row_l = ranges(starts[end], starts[end + 1])
    # Matched in word order, summed in text order (the bits then do not hang on word ids):
    # each message's pairs in word order are the same block of batch.text_index.
    sorted_e, where_e = _in_word_order(batch, index_e)
    sorted_l, where_l = _in_word_order(batch, index_l)
    width = batch.width
    found_sorted_e, found_sorted_l = matched(
        row_e * width + batch.pair_word[sorted_e], row_l * width + batch.pair_word[sorted_l]
    )
    found_e = np.zeros(len(index_e), dtype=bool)
    found_e[where_e[found_sorted_e]] = True
    partner = np.zeros(len(index_l))
    partner[where_l[found_sorted_l]] = batch.pair_count[sorted_e[found_sorted_e]]
    count_l = batch.pair_count[index_l].astype(np.float64)
    alone = index_e[~found_e]
    alone_row = row_e[~found_e]
    frequency = history.document_frequency
    alone_frequency = frequency[alone]
    apart = end[alone_row] - earlier[alone_row] > 1
    if apart.any():
        alone_frequency[apart] = history.frequency_at(alone[apart], end[alone_row[apart]])
    row = np.concatenate([row_l, alone_row])
    later_count = np.concatenate([count_l, np.zeros(len(alone))])
    earlier_count = np.concatenate([partner, batch.pair_count[alone].astype(np.float64)])
    idf = history.base[end[row]] - np.log(
        1.0 + np.concatenate([frequency[index_l], alone_frequency])
    )
    later_is_a = end[row] == a[row]
    count_a = np.where(later_is_a, later_count, earlier_count)
    count_b = np.where(later_is_a, earlier_count, later_count)
    return row, count_a, count_b, idf


def _in_word_order(batch: MessageBatch, index: Ints) -> tuple[Ints, Ints]:
    """Blocks of whole messages' pairs (text order) rearranged in word order.

    Returns the pairs in word order and, for each, its place in ``index``. A message's
    pairs fill the same span in both orders, so the rearranging is a lookup.
    """
    in_word_order = batch.text_index[index]
    return in_word_order, in_word_order - index + np.arange(len(index))


def _ngram_overlaps(
    batch: MessageBatch, a: Ints, b: Ints
) -> dict[int, tuple[Floats, Floats, Floats]]:
    """For n = 2…6: (shared distinct n-grams, A's distinct n-grams, B's) of each turn."""
    rows = len(a)
    overlaps: dict[int, tuple[Floats, Floats, Floats]] = {}
    shared = np.zeros(len(batch.words), dtype=bool)
    for n in (2, 3):
        sets = batch.ngrams[n]
        sizes = total(sets.message, None, batch.size)
        starts = np.searchsorted(sets.message, np.arange(batch.size + 1))
        index_a, row_a = ranges(starts[a], starts[a + 1])
        index_b, row_b = ranges(starts[b], starts[b + 1])
        found_a, found_b = matched(
            row_a * sets.width + sets.gram[index_a], row_b * sets.width + sets.gram[index_b]
        )
        overlaps[n] = (total(row_a[found_a], None, rows), sizes[a], sizes[b])
        if n == 3:
            in_turn = np.zeros(len(sets.message), dtype=bool)
            in_turn[index_a[found_a]] = True
            in_turn[index_b[found_b]] = True
            placed = sets.pair_at >= 0
            shared[placed] = in_turn[sets.pair_at[placed]]
    overlaps.update(_long_ngram_overlaps(batch, a, b, shared))
    return overlaps


def _long_ngram_overlaps(
    batch: MessageBatch, a: Ints, b: Ints, shared: Bools
) -> dict[int, tuple[Floats, Floats, Floats]]:
    """:func:`_ngram_overlaps` for n = 4…6, coding only the n-grams that can matter.

    ``shared``: whether the trigram at each word position is in the other message of its
    turn. An n-gram at position p recurs in its message, or is shared with the other
    message of its turn, only if the (n−1)-grams at p and p + 1 do or are. Every other n-gram is
    unique in its message and not shared, so each step codes just the candidates (a small
    share of the positions) and counts the rest.
    """
    rows = len(a)
    words, owner = batch.words, batch.message_of
    row_of = np.full(batch.size, -1, dtype=np.int64)
    side = np.zeros(batch.size, dtype=np.int64)
    row_of[a] = np.arange(rows)
    row_of[b], side[b] = np.arange(rows), 1
    codes, recurs = batch.ngrams[3].at, batch.ngrams[3].recurs
    n_words = batch.word_count.astype(np.float64)
    result: dict[int, tuple[Floats, Floats, Floats]] = {}
    for n in range(4, MAX_NGRAM + 1):
        span = max(0, len(words) - n + 1)
        wanted = shared | recurs
        candidate = np.flatnonzero(
            wanted[:span] & wanted[1 : span + 1] & (owner[:span] == owner[n - 1 : n - 1 + span])
        )
        local, distinct = factorize(codes[candidate] * batch.width + words[candidate + n - 1])
        message = owner[candidate]
        # Recurring in its message: every occurrence after the first leaves the count.
        in_message, pairs = factorize(message * max(1, distinct) + local)
        repeats = np.bincount(in_message, minlength=pairs)
        later = total(message[~first_appearances(in_message)], None, batch.size)
        sizes = np.maximum(0.0, n_words - n + 1) - later
        # Shared with the other message of its turn: present on both sides.
        rowed = row_of[message] >= 0
        keys = np.where(rowed, row_of[message], 0) * max(1, distinct) + local
        key_codes, keyed = factorize(keys)
        seen_on = np.zeros((2, keyed), dtype=bool)
        seen_on[side[message][rowed], key_codes[rowed]] = True
        both = (seen_on[0] & seen_on[1])[key_codes] & rowed
        common = total(row_of[message][both & first_appearances(key_codes)], None, rows)
        result[n] = (common, sizes[a], sizes[b])
        codes = np.full(len(words), -1, dtype=np.int64)
        codes[candidate] = local
        shared = np.zeros(len(words), dtype=bool)
        shared[candidate] = both
        recurs = np.zeros(len(words), dtype=bool)
        recurs[candidate] = repeats[in_message] > 1
    return result


def _mimicry(
    overlaps: dict[int, tuple[Floats, Floats, Floats]], source: str, na: Floats, nb: Floats
) -> Floats:
    """Share of the source's n-grams (n = 2…6) found in the other's, weighted by n − 1.

    Only n up to the shorter message's word count take part (the earlier tool's rule).
    """
    longest = np.minimum(MAX_NGRAM, np.minimum(na, nb))
    summed = np.zeros(len(na))
    for n in range(2, MAX_NGRAM + 1):
        common, size_a, size_b = overlaps[n]
        share = safe_divide(common, size_a if source == "a" else size_b)
        summed = summed + np.where(n <= longest, (n - 1) * share, 0.0)
    return np.where(longest >= 2, safe_divide(summed, longest * (longest - 1) / 2), 0.0)


def _convergence(
    conversations: Sequence[tuple[Sequence[Message], Mapping[str, float] | None]],
    batch: MessageBatch,
    layout: _Layout,
    own: dict[str, Floats],
) -> dict[str, Floats]:
    """The conductor's convergence function over each turn's window, and its changes.

    The shapes reuse the batch's word sets and list-item counts where they are the same.
    """
    texts = (text for messages, _ in conversations for _, _, text in messages)
    list_items = own["list_item_count"].astype(np.int64).tolist()
    shapes: list[MessageShape] = [
        build_shape(text, words, items)
        for text, words, items in zip(texts, batch.word_sets(), list_items, strict=True)
    ]
    names = ("content", "structure", "sentences", "length", "punctuation")
    values: dict[str, list[float | None]] = {name: [] for name in names}
    score: list[float] = []
    velocity: list[float | None] = []
    acceleration: list[float | None] = []
    trail: list[float] = []
    previous_conversation = -1
    spoken = list(
        zip(["b" if agent else "a" for agent in layout.agent.tolist()], shapes, strict=True)
    )
    starts = layout.conversation_start.tolist()
    for conversation, end in zip(
        layout.row_conversation.tolist(), layout.row_end.tolist(), strict=True
    ):
        if conversation != previous_conversation:
            trail, previous_conversation = [], conversation
        weights = conversations[conversation][1] or PROFILES[DEFAULT_PROFILE]
        window = spoken[max(starts[end], end - WINDOW + 1) : end + 1]
        parts = window_components(window)
        assert parts is not None
        for name in names:
            values[name].append(parts[name])
        current = weighted_score(parts, weights)
        velocity.append(current - trail[-1] if trail else None)
        acceleration.append(
            (current - trail[-1]) - (trail[-1] - trail[-2]) if len(trail) >= 2 else None
        )
        trail.append(current)
        score.append(current)
    out = {f"convergence_{name}": _floats(values[name]) for name in names}
    out["convergence"] = _floats(score)
    out["convergence_velocity"] = _floats(velocity)
    out["convergence_acceleration"] = _floats(acceleration)
    return out


def _floats(values: Sequence[float | None]) -> Floats:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
