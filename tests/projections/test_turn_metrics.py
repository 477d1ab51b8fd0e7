"""History, cross-agent and convergence metrics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from projections.metrics import PROFILES, WeightsError, conversation_convergence, parse_weights
from projections.metrics.convergence import BASELINES
from projections.metrics.turn import COLUMNS, conversation_turn_rows


def two_turns() -> list[dict[str, float | None]]:
    pairs = (("apple banana cherry", "apple banana date"), ("apple egg", "fig"))
    messages = [
        (turn, agent, text)
        for turn, pair in enumerate(pairs, 1)
        for agent, text in zip("ab", pair, strict=True)
    ]
    return [row for _, row in conversation_turn_rows(messages)]


def test_at_least_150_distinct_columns():
    assert len(COLUMNS) >= 150
    assert len(set(COLUMNS)) == len(COLUMNS)


def test_history_metrics_by_hand():
    first, second = two_turns()
    assert first["a_turn_repetition"] is None  # no earlier message of A
    assert (first["a_new_words"], first["a_new_word_ratio"]) == (3, 1.0)
    assert first["a_topic_consistency"] is None  # nothing said before
    # A's second message shares "apple" with the 3 words of its first one.
    assert second["a_turn_repetition"] == pytest.approx(1 / 3)
    assert (second["a_new_words"], second["a_new_word_ratio"]) == (1, 0.5)
    assert second["a_cumulative_vocabulary"] == 4
    assert second["b_turn_repetition"] == 0.0


def test_topic_consistency_is_tfidf_cosine_with_previous_messages():
    # B's first message against A's: N = 2 messages; df(apple) = df(banana) = 2, cherry and
    # date 1, so idf = ln(3/3) + 1 = 1 for the shared words and ln(3/2) + 1 for the others.
    rare = math.log(3 / 2) + 1
    expected = 2 / (2 + rare**2)
    first, _ = two_turns()
    assert first["b_topic_consistency"] == pytest.approx(expected)
    assert first["tfidf_similarity"] == pytest.approx(expected)


def test_cross_agent_metrics_by_hand():
    first, second = two_turns()
    assert first["vocabulary_overlap"] == 0.5  # {apple, banana} of 4 words
    assert first["cumulative_convergence"] == 0.5
    assert first["cross_repetition"] == pytest.approx(2 * 2 / 6)
    # Bigrams: 1 of A's 2 found in B; trigrams: 0 of 1. Weighted (1·½ + 2·0) / (1 + 2).
    assert first["mimicry_a_to_b"] == pytest.approx(0.5 / 3)
    assert first["mimicry_b_to_a"] == pytest.approx(0.5 / 3)
    assert first["bigram_overlap"] == pytest.approx(1 / 3)
    assert first["trigram_overlap"] == 0.0
    assert first["length_convergence"] == 1.0
    assert first["turn_taking_balance"] == 0.5
    assert (first["entrainment_a_from_b"], first["entrainment_b_from_a"]) == (0, 2)
    assert first["convergence_velocity"] is None
    # Turn 2: vocabularies {apple, banana, cherry, egg} and {apple, banana, date, fig}.
    assert second["cumulative_convergence"] == pytest.approx(2 / 6)
    assert second["vocabulary_overlap"] == 0.0
    assert second["turn_taking_balance"] == pytest.approx(2 / 3)
    assert second["convergence_velocity"] == pytest.approx(
        second["convergence"] - first["convergence"]  # type: ignore[operator]
    )
    assert second["convergence_acceleration"] is None


def test_style_rhythm_and_closeness_measures():
    same_text = "We like the sea. We like the sky."
    (_, same), (_, apart) = conversation_turn_rows(
        [
            (1, "a", same_text),
            (1, "b", same_text),
            (2, "a", "Short one."),
            (2, "b", "This sentence has exactly eleven words in it, as you see."),
        ]
    )
    for name in (
        "style_matching",
        "rhythm_convergence",
        "sentiment_convergence",
        "formality_convergence",
        "readability_convergence",
        "lexical_diversity_convergence",
        "pronoun_convergence",
        "marker_alignment",
        "entropy_similarity",
        "structural_similarity",
    ):
        assert same[name] == pytest.approx(1.0, abs=1e-3), name
    # Sentence lengths 2 and 11 fall in different 5-word bins: orthogonal histograms.
    assert apart["rhythm_convergence"] == 0.0
    # 0.5·(1 − 0/1) + 0.5·(1 − |2 − 11| / 11)
    assert apart["structural_similarity"] == pytest.approx(0.5 + 0.5 * (2 / 11))


def calibrated(raw: float, name: str) -> float:
    baseline = BASELINES[name]
    return max(0.0, (raw - baseline) / (1 - baseline))


def test_convergence_components_by_hand():
    messages = [
        ("a", "**Agent A**: I like red apples, and pears."),
        ("b", "You like green apples!"),
    ]
    # content words (not function words): {red, apples, pears} and {green, apples}.
    content = calibrated(1 / 4, "content")
    # 29 and 22 characters (the label is not counted); "," and "!" each in one message
    # only (0); one paragraph and one sentence each, nothing else: structure and
    # sentences show nothing.
    length = calibrated(22 / 29, "length")
    expected = {"content": content, "length": length, "punctuation": 0.0}
    for name, weights in PROFILES.items():
        if weights["semantic"]:
            continue
        # The weights of structure and sentences go to content.
        spare = weights["structure"] + weights["sentences"]
        score = (weights["content"] + spare) * content + sum(
            weights[k] * expected[k] for k in ("length", "punctuation")
        )
        assert conversation_convergence(messages, weights) == round(score, 6), name
    _, custom = parse_weights("content=1,structure=0,sentences=0,length=0,punctuation=0")
    assert conversation_convergence(messages, custom) == round(content, 6)
    assert conversation_convergence([("a", "same words"), ("b", "same words")]) == 1.0
    assert conversation_convergence([("a", "only one agent")]) == 0.0


def test_bad_weights_are_refused():
    for spec in ("loud", "content=1", "content=2,structure=-1,sentences=0,length=0,punctuation=0"):
        with pytest.raises(WeightsError):
            parse_weights(spec)


def test_rows_only_for_turns_where_both_spoke():
    rows = conversation_turn_rows([(1, "a", "hi there"), (1, "b", "hello"), (2, "a", "more")])
    assert [turn for turn, _ in rows] == [1]
    assert set(rows[0][1]) == set(COLUMNS)


def test_every_metric_is_documented():
    from pathlib import Path

    from projections.metrics.turn import AGENT_METRICS, CROSS_METRICS

    docs = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8")
    missing = [name for name in AGENT_METRICS + CROSS_METRICS if f"| `{name}` |" not in docs]
    assert missing == []
