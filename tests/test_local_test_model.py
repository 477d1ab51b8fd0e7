"""local:test: deterministic across processes, streamed in chunks, varied over long chats."""

from __future__ import annotations

import asyncio
import itertools
import re
import statistics

import duckdb

from pidgin.domain import ChatMessage
from pidgin.domain.messages import RecordedMessage, history_for
from pidgin.providers.local_test import LocalTestProvider
from pidgin.providers.local_test_text import compose_reply, keywords_of, split_into_chunks
from pidgin.providers.local_test_words import lexicon
from projections.metrics.history import Message
from projections.metrics.turn import conversation_turn_rows
from tests.conftest import run_pidgin
from tests.helpers import completed_messages


def test_two_processes_record_the_same_conversation(tmp_path):
    texts = []
    for name in ("first", "second"):
        directory = tmp_path / name
        directory.mkdir()
        result = run_pidgin("chat", "-q", "-t", "5", "-p", "What is a pidgin?", cwd=directory)
        assert result.returncode == 0, result.stderr
        texts.append([m.text for m in completed_messages(directory)])
    assert len(texts[0]) == 10
    assert texts[0] == texts[1]


def test_temperature_and_history_change_the_reply():
    history = [ChatMessage("user", "Tell me about harbours and sailors.")]
    assert compose_reply(history) == compose_reply(list(history))
    assert compose_reply(history, 0.5) != compose_reply(history, 0.9)
    assert compose_reply(history) != compose_reply([ChatMessage("user", "Tell me about rivers.")])


def test_the_conversation_seed_varies_the_reply_and_none_keeps_it():
    history = [ChatMessage("user", "Tell me about harbours and sailors.")]
    assert compose_reply(history, None, 7) == compose_reply(history, None, 7)
    assert len({compose_reply(history, None, seed) for seed in range(5)}) == 5
    assert compose_reply(history, None, None) == compose_reply(history)


def test_chats_with_different_seeds_differ_and_the_same_seed_repeats(tmp_path):
    texts = {}
    for name, seed in (("first", "1"), ("again", "1"), ("other", "2")):
        directory = tmp_path / name
        directory.mkdir()
        args = ("chat", "-q", "-t", "3", "-p", "What is a pidgin?", "--seed", seed)
        result = run_pidgin(*args, cwd=directory)
        assert result.returncode == 0, result.stderr
        texts[name] = [m.text for m in completed_messages(directory)]
    assert texts["first"] == texts["again"]
    assert len(texts["first"]) == 6
    assert all(a != b for a, b in zip(texts["first"], texts["other"], strict=True))


def test_reply_streams_in_several_chunks_that_join_to_the_reply():
    history = [ChatMessage("user", "What is a pidgin language?")]
    provider = LocalTestProvider()

    async def collect() -> list[str]:
        return [chunk async for chunk in provider.stream_response(history)]

    chunks = asyncio.run(collect())
    assert len(chunks) > 3
    assert "".join(chunks) == compose_reply(history)
    assert provider.last_usage is not None and provider.last_usage.tokens_out > 0
    assert split_into_chunks("  two words") == ["  two words"]


def test_fifty_turns_stay_varied_and_responsive(run_cli, workdir):
    result = run_cli("chat", "-q", "-t", "50", "-p", "What makes a language simple?")
    assert result.exit_code == 0, result.output
    texts = [m.text for m in completed_messages(workdir)]
    assert len(texts) == 100
    assert len(set(texts)) == 100  # No reply repeats another.

    sentences = [s for text in texts for s in re.split(r"(?<=[.?!])\s+", text)]
    assert len(set(sentences)) / len(sentences) > 0.9
    vocabulary = {word.lower() for text in texts for word in re.findall(r"[A-Za-z]+", text)}
    assert len(vocabulary) > 250
    lengths = {len(text.split()) for text in texts}
    assert max(lengths) - min(lengths) >= 40

    # Replies pick up what the other agent just said.
    echoed = sum(
        1
        for before, reply in itertools.pairwise(texts)
        if set(keywords_of(before)) & set(keywords_of(reply))
    )
    assert echoed / 99 > 0.6


def conversation(prompt: str, turns: int, seed: int | None = None) -> list[Message]:
    """A conversation of local:test with itself, as the conductor would feed it."""
    messages: list[RecordedMessage] = []
    for turn in range(1, turns + 1):
        for agent in ("a", "b"):
            reply = compose_reply(history_for(agent, prompt, messages), None, seed)
            messages.append(RecordedMessage(agent=agent, turn=turn, text=reply))
    return [(m.turn, m.agent, m.text) for m in messages]


def test_no_metric_column_is_constant_over_fifty_turns(run_cli, workdir):
    result = run_cli("chat", "-q", "-t", "50", "-p", "What makes a language simple?")
    assert result.exit_code == 0, result.output
    assert run_cli("project", "-q").exit_code == 0
    database = str(workdir / "pidgin_output" / "pidgin.duckdb")
    with duckdb.connect(database, read_only=True) as connection:
        kinds = connection.execute("DESCRIBE turn_metrics").fetchall()
        metrics = [name for name, kind, *_ in kinds if kind in ("DOUBLE", "FLOAT", "REAL")]
        assert len(metrics) >= 150
        cursor = connection.execute(f"SELECT {', '.join(metrics)} FROM turn_metrics")
        rows = cursor.fetchall()
    assert len(rows) == 50
    constant = [name for index, name in enumerate(metrics) if len({r[index] for r in rows}) == 1]
    assert constant == []


def test_the_prompt_topic_is_taken_up():
    texts = [text for _, _, text in conversation("Why do colours feel warm or cold?", 20)]
    topic = lexicon().topics["colour"]
    colour = {form for pair in topic.nouns for form in pair} | set(topic.adjectives)
    talking = [t for t in texts if colour & {w.lower() for w in re.findall(r"[a-zA-Z]+", t)}]
    assert len(talking) >= 0.75 * len(texts)
    assert not any("pidgin" in text.lower() for text in texts)


def test_replies_vary_in_form():
    texts = [text for _, _, text in conversation("What makes a language simple?", 50)]
    words = [len(text.split()) for text in texts]
    assert min(words) <= 12 and max(words) >= 100  # one-liners and long answers
    paragraphs = {len([p for p in text.split("\n\n") if p.strip()]) for text in texts}
    assert {1, 2, 3, 4} <= paragraphs
    every = "\n".join(texts)
    assert re.search(r"^(?:- |\d+\. )", every, re.MULTILINE)  # lists
    assert re.search(r"\d", every) and "?" in every and "!" in every
    assert re.search(r"\b(?:it's|don't|I'm|that's)\b", every)  # contractions
    assert re.search(r"[\U0001f300-\U0001faff]", every)  # emoji, now and then
    names = {"Ada", "Marco", "Priya", "Kenji", "Amara", "Sofia", "Lisbon", "Osaka", "Lima"}
    assert names & set(re.findall(r"[A-Z][a-z]+", every))
    # Grammar holds: no template slot is left unfilled, every sentence starts with a capital.
    assert "{" not in every
    assert all(p[0].isupper() or p[0] in "-0123456789" for p in re.split(r"\n+", every) if p)


def test_the_agents_drift_toward_each_other():
    rises = []
    for seed in (None, 1, 2, 3, 4):
        rows = conversation_turn_rows(conversation("What makes a language simple?", 45, seed))
        score = [row["convergence"] for _, row in rows]
        shared = [row["vocabulary_overlap"] for _, row in rows]
        # Upward with noise: the last 15 turns above the first 15, on every path.
        assert statistics.mean(score[-15:]) > statistics.mean(score[:15]), seed
        assert statistics.mean(shared[-15:]) > statistics.mean(shared[:15]), seed
        rises.append(statistics.mean(score[-15:]) - statistics.mean(score[:15]))
    assert statistics.mean(rises) >= 0.04  # measured: 0.07
    paths = {tuple(conversation("Hello", 3, seed)) for seed in (1, 2)}
    assert len(paths) == 2  # a seed changes the path
