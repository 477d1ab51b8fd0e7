"""Calibrated convergence on real text: identical messages score 1, unrelated ones near 0
at any length; symmetric; silence never converges; live equals projected."""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path

import click
import duckdb
import pytest

from projections.metrics import PROFILES, conversation_convergence, parse_weights
from projections.metrics.calibration import Texts, corpus, docstrings, unrelated_pairs
from projections.metrics.embeddings import default_similarity
from projections.metrics.turn import conversation_turn_rows

# Installed third-party packages (not the standard library, which the baselines were
# measured on): documentation no one here wrote, from sources with different topics.
PACKAGES = ("click", "rich", "aiohttp", "pydantic", "structlog", "eventsourcing", "yaml")
SAMPLE = [
    "Short.",
    "I don't think so, but that's fine with me, honestly speaking.",
    "First point:\n\n- one item\n- another item\n\nAnd a question? Yes! 42 of them.",
    "A longer message, with several sentences. It talks about colours; it lists a few "
    "of them — red, green and blue — and asks what the other agent thinks about it?",
]


@cache
def third_party() -> tuple[Texts, Texts]:
    root = Path(click.__file__).parent.parent
    present = [name for name in PACKAGES if (root / name).is_dir()]
    assert len(present) >= 5, present
    return corpus(docstrings(root, present))


def mean_score(pairs: list[tuple[str, str]], profile: str) -> float:
    weights = PROFILES[profile]
    similarity = default_similarity() if weights["semantic"] else None
    scores = [
        conversation_convergence([("a", left), ("b", right)], weights, similarity)
        for left, right in pairs
    ]
    return sum(scores) / len(scores)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_identical_messages_converge_fully(profile):
    for text in SAMPLE:
        assert conversation_convergence([("a", text), ("b", text)], PROFILES[profile]) == 1.0
    # Whole windows of identical exchanges too.
    window = [(agent, text) for text in SAMPLE for agent in "ab"]
    assert conversation_convergence(window, PROFILES[profile]) == 1.0


def test_unrelated_paragraphs_and_one_liners_score_near_zero():
    paragraphs, one_liners = third_party()
    assert mean_score(unrelated_pairs(paragraphs, 300), "balanced") <= 0.15
    assert mean_score(unrelated_pairs(one_liners, 300), "balanced") <= 0.2
    # The examples: no shared word, short.
    assert (
        conversation_convergence(
            [("a", "The cat sat on the mat today."), ("b", "Stocks fell sharply in Tokyo.")]
        )
        < 0.2
    )
    assert conversation_convergence([("a", "Yes."), ("b", "No.")]) < 0.2


def test_semantic_profile_on_unrelated_text():
    paragraphs, one_liners = third_party()
    assert mean_score(unrelated_pairs(paragraphs, 40), "semantic") <= 0.15
    assert mean_score(unrelated_pairs(one_liners, 40), "semantic") <= 0.2


def test_convergence_is_symmetric():
    paragraphs, one_liners = third_party()
    for profile in ("balanced", "semantic"):
        weights = PROFILES[profile]
        for left, right in unrelated_pairs(paragraphs, 10) + unrelated_pairs(one_liners, 10):
            forward = conversation_convergence([("a", left), ("b", right)], weights)
            backward = conversation_convergence([("a", right), ("b", left)], weights)
            assert forward == backward


def test_typographic_apostrophes_are_straightened():
    straight = SAMPLE[1]
    curly = straight.replace("'", "\u2019")
    assert conversation_convergence([("a", straight), ("b", curly)]) == 1.0


def test_silence_never_converges():
    for a, b in (("", ""), ("", "Hello."), ("...", "!!!"), ("   ", "\n")):
        assert conversation_convergence([("a", a), ("b", b)]) == 0.0
        assert conversation_convergence([("a", a), ("b", b)], PROFILES["semantic"]) == 0.0


def test_old_weights_without_the_semantic_component_still_parse():
    _, weights = parse_weights(
        "content=0.4,structure=0.15,sentences=0.2,length=0.15,punctuation=0.1"
    )
    assert weights["semantic"] == 0.0
    assert weights == PROFILES["balanced"]


def test_live_equals_projected_with_the_semantic_profile(run_cli):
    chat = ("chat", "-q", "-t", "4", "--convergence-profile", "semantic")
    assert run_cli(*chat).exit_code == 0
    result = run_cli("project", "-q")
    assert result.exit_code == 0, result.output
    database = Path("pidgin_output") / "pidgin.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        live = connection.execute("SELECT turn, convergence FROM turns ORDER BY 1").fetchall()
        projected = connection.execute(
            "SELECT turn, convergence, convergence_semantic, embedding_model "
            "FROM turn_metrics ORDER BY 1"
        ).fetchall()
    assert [turn for turn, _ in live] == [1, 2, 3, 4]
    for (turn, recorded), (_, value, semantic, model) in zip(live, projected, strict=True):
        assert value == recorded, turn
        assert semantic is not None and model == "all-MiniLM-L6-v2-onnx-int8"


def test_content_component_is_no_longer_a_copy_of_vocabulary_overlap():
    ((_, row),) = conversation_turn_rows(
        [(1, "a", "the cat and the dog"), (1, "b", "the sun and the moon")]
    )
    assert row["vocabulary_overlap"] == pytest.approx(2 / 6)  # the, and of 6 words
    assert row["convergence_content"] == 0.0  # content words: cat, dog / sun, moon


def test_the_conductors_function_equals_the_projection_on_awkward_text():
    texts = [
        "**Agent A**: Café au lait? Naïve—but fine.",
        "I don\u2019t think so; well-known facts aren\u2019t enough!",
        "- one\n- two\n\n```code```\n\nÉTÉ à Paris 😀 ✓",
        "",
        "Straße, ÆON and İstanbul: UPPER and lower.",
        "B: A label, then words.",
    ]
    messages = [
        (turn, agent, text)
        for turn, pair in enumerate(pairwise(texts), 1)
        for agent, text in zip("ab", pair, strict=True)
    ]
    for profile in ("balanced", "strict"):
        weights = PROFILES[profile]
        rows = conversation_turn_rows(messages, weights)
        for turn, row in rows:
            so_far = [(agent, text) for t, agent, text in messages if t <= turn]
            assert row["convergence"] == conversation_convergence(so_far, weights), turn
