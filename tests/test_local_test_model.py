"""local:test: deterministic across processes, streamed in chunks, varied over long chats."""

from __future__ import annotations

import asyncio
import itertools
import re

from pidgin.domain import ChatMessage
from pidgin.providers.local_test import LocalTestProvider
from pidgin.providers.local_test_text import compose_reply, keywords_of, split_into_chunks
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
