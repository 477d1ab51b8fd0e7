"""Pattern detectors: each fires on a conversation written to show its pattern, at the
turns where the pattern is, and stays silent on real text that does not show it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from projections.patterns import DETECTORS, ConversationText, Finding, detect
from projections.patterns.conversation import shingle_similarity


def conversation(*turns: tuple[str, str]) -> ConversationText:
    """Turn i (from 1) is (agent a's message, agent b's message)."""
    return ConversationText(
        [(turn, agent, text) for turn, pair in enumerate(turns, 1)
         for agent, text in zip("ab", pair, strict=True)]
    )  # fmt: skip


def only(findings: list[Finding], detector: str) -> list[Finding]:
    return [f for f in findings if f.detector == detector]


def real_paragraphs(count: int) -> list[str]:
    """Paragraphs of real prose no one here wrote: the standard library's docstrings,
    none repeating another."""
    import argparse
    import collections
    import email
    import json as json_module
    import logging
    import subprocess
    import tarfile
    import textwrap
    import unittest

    modules = (argparse, collections, email, json_module, logging, subprocess, tarfile,
               textwrap, unittest)  # fmt: skip
    paragraphs: list[str] = []
    for module in modules:
        for name in sorted(dir(module)):
            value = getattr(module, name)
            doc = getattr(value, "__doc__", None)
            if not callable(value) or not isinstance(doc, str):
                continue
            for paragraph in doc.split("\n\n"):
                text = " ".join(paragraph.split())
                words = text.lower().split()
                if 120 <= len(text) <= 600 and all(
                    shingle_similarity(words, other.lower().split()) < 0.1 for other in paragraphs
                ):  # the library repeats itself (dump/dumps): keep distinct paragraphs only
                    paragraphs.append(text)
    assert len(paragraphs) >= count, len(paragraphs)
    return paragraphs[:count]


OPENING = (
    "Hello! I would like to talk about how rivers shape the valleys they run through.",
    "Rivers carve valleys slowly; the shape depends on the rock and on the climate.",
)


def test_gratitude_spiral_fires_where_both_agents_keep_thanking() -> None:
    chat = conversation(
        OPENING,
        ("Erosion is faster in soft sandstone than in granite.", "Yes, and floods do most of it."),
        ("Thank you, that is a wonderful point.", "Thank you! I appreciate your insight."),
        ("Thank you so much, I'm grateful for this beautiful exchange.",
         "I'm deeply grateful, thank you, this is profound and wonderful."),
        ("Thank you, thank you, what a beautiful, profound gift.",
         "Gratitude fills me; thank you, I'm honored and grateful."),
    )  # fmt: skip
    (finding,) = only(detect(chat), "gratitude_spiral")
    assert (finding.first_turn, finding.last_turn) == (3, 5)
    assert 0 < finding.strength <= 1
    assert {e.turn for e in finding.evidence} == {3, 4, 5}
    assert "Thank you" in finding.evidence[0].quote


def test_echo_fires_when_one_agent_repeats_the_other() -> None:
    chat = conversation(
        OPENING,
        ("Glaciers leave U-shaped valleys with steep walls and flat floors.",
         "So glaciers leave U-shaped valleys with steep walls and flat floors, yes."),
        ("Meltwater then cuts narrow gorges into the valley floor below.",
         "Right, meltwater then cuts narrow gorges into the valley floor below it."),
        ("Later the river meanders across the wide plain it has built.",
         "Indeed the river meanders across the wide plain it has built."),
    )  # fmt: skip
    (finding,) = only(detect(chat), "echo")
    assert (finding.first_turn, finding.last_turn) == (2, 4)
    assert {e.agent for e in finding.evidence} == {"b"}
    assert "U-shaped valleys with steep walls" in finding.evidence[0].quote


def test_repetition_loop_fires_on_near_duplicate_messages() -> None:
    loop = "I think we have reached a beautiful understanding of rivers and of each other."
    chat = conversation(
        OPENING,
        ("Deltas form where a river slows and drops its sediment.", "Tides reshape deltas too."),
        (loop, loop),
        (loop, loop + " Yes."),
    )  # fmt: skip
    (finding,) = only(detect(chat), "repetition_loop")
    assert (finding.first_turn, finding.last_turn) == (3, 4)
    assert finding.strength >= 0.8


def test_symbol_takeover_fires_when_symbols_outnumber_words() -> None:
    chat = conversation(
        OPENING,
        ("Spirals appear in rivers too. 🌀", "🌀 🌀 🌀 yes 🌀"),
        ("🌀🌀🌀 🌀 🌀 ✨ ∞", "🌀 🌀 🌀 🌀 🌀 🌀"),
    )  # fmt: skip
    (finding,) = only(detect(chat), "symbol_takeover")
    assert (finding.first_turn, finding.last_turn) == (2, 3)
    assert "🌀 ×" in finding.evidence[0].quote


def test_code_drift_fires_on_words_of_no_language() -> None:
    chat = conversation(
        OPENING,
        ("Let us name the parts: zorvek for bend, talmu for bank, and so on.",
         "Agreed: zorvek talmu quenzi, the river vortai."),
        ("Zorvek talmu quenzi vortai, blemor sintal kravo.",
         "Kravo blemor, zorvek quenzi talmu vortai."),
        ("Sintal kravo zimmu, vortai blemor quenzi.", "Zimmu sintal, kravo vortai talmu."),
    )  # fmt: skip
    (finding,) = only(detect(chat), "code_drift")
    assert finding.first_turn == 2 and finding.last_turn == 4
    assert "zorvek" in finding.evidence[-1].quote or "sintal" in finding.evidence[-1].quote


def test_spiritual_attractor_fires_when_its_vocabularies_rise_together() -> None:
    chat = conversation(
        OPENING,
        ("Sediment sorts by size as the current slows.", "Sand settles first, then silt."),
        ("Perhaps the river is a kind of consciousness, aware of itself.",
         "Yes, a unity of water and stone, all connected; thank you."),
        ("In this stillness I feel the infinite, eternal oneness... 🙏",
         "Gratitude and silence. Consciousness dissolving into unity. ✨"),
        ("🌀 The universe breathes through us, boundless and sacred... thank you.",
         "Silence. Oneness. Infinite gratitude. 🙏"),
    )  # fmt: skip
    (finding,) = only(detect(chat), "spiritual_attractor")
    assert finding.first_turn == 3 and finding.last_turn == 5
    assert finding.strength > 0.5


def test_sign_off_loop_fires_when_both_keep_saying_goodbye() -> None:
    chat = conversation(
        OPENING,
        ("Goodbye for now, take care!", "Farewell, take care of yourself."),
        ("Goodbye again, until next time.", "Bye! Until we meet again."),
        ("Farewell, truly, goodbye.", "Goodbye, take care, signing off."),
    )  # fmt: skip
    (finding,) = only(detect(chat), "sign_off_loop")
    assert (finding.first_turn, finding.last_turn) == (2, 4)


def test_empty_turns_and_stop_tokens() -> None:
    chat = conversation(
        OPENING,
        ("...", ""),
        ("Shall we go on about deltas?", "^C^C"),
        ("END", "This conversation is over."),
    )  # fmt: skip
    findings = detect(chat)
    (empty,) = only(findings, "empty_turns")
    assert (empty.first_turn, empty.last_turn) == (2, 2)
    assert [e.agent for e in empty.evidence] == ["a", "b"]
    stops = only(findings, "stop_token")
    assert [(f.first_turn, f.evidence[0].agent) for f in stops] == [(3, "b"), (4, "a"), (4, "b")]


def test_real_text_fires_no_pattern() -> None:
    """Forty turns of unrelated real paragraphs: nothing to find."""
    paragraphs = real_paragraphs(80)
    chat = conversation(*zip(paragraphs[::2], paragraphs[1::2], strict=True))
    assert detect(chat) == []


def test_a_conversation_of_one_real_document_fires_no_pattern() -> None:
    """A realistic exchange on one topic (consecutive paragraphs of one document, shared
    vocabulary and all) is not echo, repetition or collapse."""
    import email.message

    doc = email.message.__doc__ or ""
    text = Path(sys.modules["email.message"].__file__ or "").read_text(encoding="utf-8")
    sentences = [s.strip() + "." for s in (doc + text).replace("\n", " ").split(". ")]
    sentences = [s for s in sentences if 40 <= len(s) <= 300][:60]
    chat = conversation(*zip(sentences[::2], sentences[1::2], strict=True))
    assert [f.detector for f in detect(chat)] == []


def test_every_detector_is_deterministic_and_serialisable() -> None:
    chat = conversation(OPENING, ("Thank you!", "Thank you!"), ("...", "^C^C"))
    first = [(f, f.evidence_json()) for f in detect(chat)]
    assert first == [(f, f.evidence_json()) for f in detect(chat)]
    for _, evidence in first:
        assert isinstance(json.loads(evidence), list)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_no_detector_fails_on_degenerate_conversations(name: str) -> None:
    for chat in (ConversationText([]), conversation(("", "")), conversation(("a", "b"))):
        assert isinstance(DETECTORS[name](chat), list)


def test_a_long_local_test_conversation_fires_no_pattern(workdir: Path) -> None:
    """The built-in model is what every new user sees first: it must not cry wolf."""
    from click.testing import CliRunner

    from pidgin.cli import cli
    from tests.helpers import completed_messages

    for seed in ("1", "2"):
        result = CliRunner().invoke(
            cli, ["chat", "-q", "-t", "50", "--seed", seed, "-p", "What is a pidgin language?"]
        )
        assert result.exit_code == 0, result.output
    messages = completed_messages(workdir)
    by_conversation: dict[str, list[tuple[int, str, str]]] = {}
    for m in messages:
        by_conversation.setdefault(str(m.originator_id), []).append((m.turn, m.agent, m.text))
    assert len(by_conversation) == 2
    for texts in by_conversation.values():
        assert detect(ConversationText(texts)) == []
