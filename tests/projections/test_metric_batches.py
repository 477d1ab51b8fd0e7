"""The array implementation of the metrics against its own definitions and invariants.

The metrics of many conversations are computed together on word ids. These tests check
what that must never change: a row depends only on its own conversation (not on the
batch, nor on the word ids a process happened to hand out), the pruned n-gram
comparison equals the plain set definition, and the live view's sentiment is the
projection's.
"""

from __future__ import annotations

import gc
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from projections.metrics.headline import headline_metrics
from projections.metrics.message import message_metrics, mtld
from projections.metrics.mtld import mattr
from projections.metrics.text import WORD, lower_words
from projections.metrics.turn import batch_turn_rows, conversation_turn_rows

ROOT = Path(__file__).parents[2]
SMALL_VOCABULARY = ["the", "cat", "sat", "on", "a", "mat", "and", "the", "dog", "ran", "to", "it"]


def random_text(rng: random.Random, words: list[str], size: int) -> str:
    """Sentences from a small vocabulary, so n-grams recur and are shared."""
    out = []
    for _ in range(size):
        out.append(rng.choice(words))
        if rng.random() < 0.15:
            out[-1] += rng.choice([".", "?", "!", ","])
    return " ".join(out)


def random_conversation(rng: random.Random, turns: int) -> list[tuple[int, str, str]]:
    """Messages that often echo a stretch of the message before them."""
    messages: list[tuple[int, str, str]] = []
    for turn in range(1, turns + 1):
        for agent in ("a", "b"):
            text = random_text(rng, SMALL_VOCABULARY, rng.randint(0, 40))
            if messages and rng.random() < 0.5:
                before = messages[-1][2].split()
                start = rng.randint(0, len(before))
                text = f"{text} {' '.join(before[start : start + rng.randint(0, 9)])}"
            messages.append((turn, agent, text.strip()))
    return messages


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = [w.strip(".?!,").lower() for w in text.split()]
    words = [w for w in words if w]
    return set(zip(*(words[i:] for i in range(n)), strict=False))


def plain_mimicry(source: str, target: str) -> float:
    """The definition of docs/metrics.md with Python sets, for n = 2…6."""
    weights = shares = 0.0
    for n in range(2, 7):
        mine, theirs = ngrams(source, n), ngrams(target, n)
        if not mine or not theirs:
            break
        weights += n - 1
        shares += (n - 1) * len(mine & theirs) / len(mine)
    return shares / weights if weights else 0.0


def test_mimicry_and_ngram_overlaps_equal_the_set_definitions():
    rng = random.Random(5)
    conversation = random_conversation(rng, 40)
    rows = conversation_turn_rows(conversation)
    texts = {(turn, agent): text for turn, agent, text in conversation}
    checked = 0
    for turn, row in rows:
        a, b = texts[turn, "a"], texts[turn, "b"]
        assert row["mimicry_a_to_b"] == pytest.approx(plain_mimicry(a, b), abs=1e-12)
        assert row["mimicry_b_to_a"] == pytest.approx(plain_mimicry(b, a), abs=1e-12)
        bigrams_a, bigrams_b = ngrams(a, 2), ngrams(b, 2)
        union = bigrams_a | bigrams_b
        expected = len(bigrams_a & bigrams_b) / len(union) if union else 1.0
        assert row["bigram_overlap"] == pytest.approx(expected, abs=1e-12)
        checked += bool(ngrams(a, 6) & ngrams(b, 6))
    assert checked >= 3, "the fixture should share some 6-grams"


def test_repeated_ngrams_in_one_message_are_counted_once():
    text = "the cat sat on the mat the cat sat on the mat the cat sat"
    (metrics,) = message_metrics(text)
    assert metrics["repeated_bigrams"] == len(
        [g for g in ngrams(text, 2) if text.count(" ".join(g)) > 1]
    )
    ((_, row),) = conversation_turn_rows([(1, "a", text), (1, "b", "the cat sat on the mat")])
    # B's 4-, 5- and 6-grams all occur in A: mimicry B→A is 1.
    assert row["mimicry_b_to_a"] == pytest.approx(1.0)


def test_a_conversation_gets_the_same_rows_alone_or_in_a_batch():
    rng = random.Random(11)
    conversations = [random_conversation(rng, rng.randint(1, 12)) for _ in range(6)]
    alone = [conversation_turn_rows(c) for c in conversations]
    together = batch_turn_rows([(c, None) for c in conversations])
    assert together == alone  # exact: not one bit may differ


SCRIPT = """
import json, random, sys
from projections.metrics.turn import batch_turn_rows, conversation_turn_rows
sys.path.insert(0, {tests!r})
from test_metric_batches import random_conversation
rng = random.Random(3)
conversation = random_conversation(rng, 15)
if sys.argv[1] == "after-other-text":
    # Other words first: every word of the conversation gets a different id.
    batch_turn_rows([(random_conversation(random.Random(9), 30), None)])
print(json.dumps(conversation_turn_rows(conversation)))
"""


def test_rows_do_not_depend_on_the_word_ids_a_process_hands_out():
    script = SCRIPT.format(tests=str(Path(__file__).parent))
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, mode],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout
        for mode in ("fresh", "after-other-text")
    ]
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])


def test_turns_whose_messages_are_not_next_to_each_other():
    # B answers twice in turn 1 (an imported log may hold that): the row uses the latest
    # message of each agent, with the document frequencies at the turn's last message.
    messages = [(1, "a", "apple pie"), (1, "b", "banana pie"), (1, "b", "cherry apple")]
    rows = conversation_turn_rows([*messages, (2, "a", "apple"), (2, "b", "pie apple")])
    assert [t for t, _ in rows] == [1, 1, 2]
    # Turn 2: A "apple", B "pie apple"; 5 messages: df(apple) = 4, df(pie) = 3.
    idf = {"apple": math.log(6 / 5) + 1, "pie": math.log(6 / 4) + 1}
    expected = idf["apple"] ** 2 / (idf["apple"] * math.hypot(idf["apple"], idf["pie"]))
    assert rows[2][1]["tfidf_similarity"] == pytest.approx(expected)
    # Second row of turn 1: A "apple pie" (message 1) against B "cherry apple" (message
    # 3), N = 3 with "banana pie" between them: df(apple) = 2, df(pie) = 2, df(cherry) = 1.
    idf = {"apple": math.log(4 / 3) + 1, "pie": math.log(4 / 3) + 1, "cherry": math.log(4 / 2) + 1}
    expected = idf["apple"] ** 2 / (
        math.hypot(idf["apple"], idf["pie"]) * math.hypot(idf["cherry"], idf["apple"])
    )
    assert rows[1][1]["tfidf_similarity"] == pytest.approx(expected)


def test_mtld_of_many_messages_side_by_side_equals_one_by_one():
    rng = random.Random(4)
    texts = [random_text(rng, SMALL_VOCABULARY, rng.randint(100, 160)) for _ in range(250)]
    texts += [random_text(rng, SMALL_VOCABULARY, rng.randint(0, 99)) for _ in range(30)]
    texts.append(random_text(rng, SMALL_VOCABULARY, 900))  # longer: done on its own
    many = [metrics["mtld"] for metrics in message_metrics(*texts)]
    words = [lower_words(WORD.findall(text)) for text in texts]
    one_by_one = [mtld(w) if len(w) >= 100 else None for w in words]
    # The same arithmetic: not one bit may differ; NaN (NULL) below 100 words.
    assert [None if math.isnan(m) else m for m in many] == one_by_one


def test_mattr_of_many_messages_equals_the_plain_definition():
    rng = random.Random(5)
    texts = [random_text(rng, SMALL_VOCABULARY, rng.randint(0, 160)) for _ in range(60)]
    many = [metrics["mattr"] for metrics in message_metrics(*texts)]
    plain = [mattr(lower_words(WORD.findall(text))) for text in texts]
    assert many == pytest.approx(plain, abs=1e-12)


def test_the_live_headline_sentiment_is_the_projections():
    rng = random.Random(2)
    words = [
        "not",
        "good",
        "never",
        "bad",
        "no",
        "great",
        "isn't",
        "happy",
        "love",
        "hate",
        "very",
        "the",
        "it",
        "was",
    ]
    for _ in range(50):
        a = random_text(rng, words, rng.randint(0, 25))
        b = random_text(rng, words, rng.randint(0, 25))
        headline = headline_metrics(a, b)
        full_a, full_b = message_metrics(a, b)
        assert headline["sentiment_a"] == pytest.approx(full_a["sentiment_compound"], abs=1e-6)
        assert headline["sentiment_b"] == pytest.approx(full_b["sentiment_compound"], abs=1e-6)
        assert headline["words_a"] == full_a["word_count"]


def test_the_cycle_collector_is_left_as_it_was():
    # The batch pauses the cycle collector while it runs; it must not leave it changed.
    messages = [(1, "a", "hi there"), (1, "b", "hello")]
    assert gc.isenabled()
    conversation_turn_rows(messages)
    assert gc.isenabled()
    gc.disable()
    try:
        conversation_turn_rows(messages)
        assert not gc.isenabled()
    finally:
        gc.enable()
