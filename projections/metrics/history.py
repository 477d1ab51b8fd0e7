"""Where each message of a batch sits, and what its conversation said before it.

:class:`Layout` places every message (conversation, agent, position) and finds the turn
rows; :class:`History` keeps running totals over each conversation in message order: each
agent's vocabulary, the words both agents have used, the document frequency of every word
(for TF-IDF), and from them the history metrics of each message (docs/metrics.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from projections.metrics.columnar import (
    Floats,
    Ints,
    chains,
    factorize,
    first_appearances,
    running_total,
    safe_divide,
    shifted,
    total,
)
from projections.metrics.message_batch import MessageBatch

REPETITION_WINDOW = 5
TOPIC_WINDOW = 4
HISTORY_METRICS = (
    "turn_repetition",
    "new_words",
    "new_word_ratio",
    "cumulative_vocabulary",
    "topic_consistency",
)
Message = tuple[int, str, str]  # (turn, agent "a" or "b", text)


@dataclass
class Layout:
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


def layout_of(conversations: Sequence[tuple[Sequence[Message], object]]) -> Layout:
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
    return Layout(
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


class History:
    """Running totals over each conversation: vocabularies, document frequencies."""

    def __init__(self, batch: MessageBatch, layout: Layout) -> None:
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
        # How often the word occurs in the d messages before the entry's own (d = 0…4):
        # the s-th entry back in the chain is at least s messages back, so s ≤ d.
        gaps = [
            np.where(chain.follows(s), message - shifted(message, s), window + 1)
            for s in range(1, window + 1)
        ]
        counts = [np.where(chain.follows(s), shifted(count, s), 0.0) for s in range(1, window + 1)]
        within = [np.zeros(len(message))]
        for d in range(1, window + 1):
            within.append(
                sum((counts[s] * (gaps[s] <= d) for s in range(d)), np.zeros(len(message)))
            )
        targets, own, context, frequency = [], [], [], []
        for k in range(window + 1):
            owned = np.flatnonzero(reach >= k)
            # Target = own message + k: the window is the k messages from the entry's own
            # (its own count when k > 0) and the window − k before it.
            recent = within[window - k][owned] + (count[owned] if k else 0.0)
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
