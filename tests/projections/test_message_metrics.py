"""Single-message metrics against values worked out by hand on small fixed texts.

Every family of docs/metrics.md is covered: basic counts, lexical diversity, information,
symbols, markers (with the earlier tool's defects fixed), readability and sentiment.
"""

from __future__ import annotations

import math

import pytest

from projections.metrics.message import message_metrics, mtld
from projections.metrics.sentiment import LEXICON


def metrics(text: str) -> dict[str, float]:
    return message_metrics(text)[0]


def test_basic_counts_and_diversity_of_a_two_sentence_text():
    m = metrics("The cat sat. The cat ran?")
    assert m["char_count"] == 25
    assert m["word_count"] == 6
    assert m["vocabulary_size"] == 4  # the, cat, sat, ran
    assert m["sentence_count"] == 2
    assert m["paragraph_count"] == 1
    assert m["avg_sentence_length"] == 3.0
    assert m["sentence_length_sd"] == 0.0
    assert m["avg_word_length"] == 3.0
    assert m["ttr"] == pytest.approx(4 / 6)
    assert m["root_ttr"] == pytest.approx(4 / math.sqrt(6))
    assert m["hapax_ratio"] == 0.5  # sat and ran occur once, of 4 types
    assert m["yules_k"] == pytest.approx(1e4 * (10 - 6) / 36)  # Σc² = 2²+2²+1+1
    assert m["ldi"] == pytest.approx(8 / 9)  # 4 distinct of 5 bigrams, 4 of 4 trigrams
    assert m["self_repetition"] == 0.0
    assert m["repeated_bigrams"] == 1  # (the, cat)
    assert m["repeated_trigrams"] == 0


def test_information_measures():
    m = metrics("The cat sat. The cat ran?")
    # Word counts 2, 2, 1, 1 of 6: H = 2·(1/3)·log2 3 + 2·(1/6)·log2 6.
    assert m["word_entropy"] == pytest.approx(2 / 3 * math.log2(3) + 1 / 3 * math.log2(6))
    # Bigram counts 2, 1, 1, 1 of 5.
    assert m["bigram_entropy"] == pytest.approx(0.4 * math.log2(2.5) + 0.6 * math.log2(5))
    assert metrics("abab")["character_entropy"] == pytest.approx(1.0)
    assert metrics("a")["compression_ratio"] == 2.0  # zlib's 11 bytes for 1, capped at 2
    assert metrics("na " * 200)["compression_ratio"] < 0.1


def test_mtld_by_hand():
    # "a a a a": the TTR falls to 0.5 after every second word, so 2 factors per pass.
    assert mtld(["a", "a", "a", "a"]) == 2.0
    # "a b a b": one factor at word 3 (2/3 ≤ 0.72), the rest has TTR 1 (partial 0).
    assert mtld(["a", "b", "a", "b"]) == 4.0
    # Never reaching the threshold: the text's own length.
    assert mtld(["a", "b", "c"]) == 3.0
    assert math.isnan(metrics("")["mtld"])  # reported from 100 words only


def test_symbols_numbers_lists_and_capitals():
    m = metrics("x → y => z 😀😀 ∑ 3.14 and 42, NASA and the EU; I agree")
    assert m["arrow_count"] == 2
    assert m["emoji_count"] == 1  # a run of emoji counts once
    assert m["math_symbol_count"] == 1
    assert m["special_char_count"] == 4  # emoji run + 2 arrows + ∑
    assert m["number_count"] == 2
    assert m["uppercase_word_count"] == 2  # NASA, EU (not the pronoun I)
    assert metrics("- one\n- two\n1. three")["list_item_count"] == 3
    assert metrics("a\n\nb\n\n\n")["paragraph_count"] == 2
    assert metrics("a-b")["symbol_density"] == pytest.approx(1 / 3)
    assert metrics("Hi, there! Ok?")["punctuation_diversity"] == 3


def test_proper_nouns_keep_their_case():
    # The earlier tool lower-cased first, so this was always 0.
    assert metrics("We met Alice in Paris. Bob said hi.")["proper_noun_count"] == 2
    assert metrics("I think Rome is big.")["proper_noun_count"] == 1  # not "I"


def test_question_density_sees_question_marks():
    m = metrics("Is it? It is. Why not?")
    assert m["question_count"] == 2
    assert m["question_density"] == pytest.approx(2 / 3)
    assert metrics("Wow! Great!")["exclamation_count"] == 2


def test_multi_word_markers_match():
    m = metrics("Of course, I think it is sort of fine. Thank you!")
    assert m["hedge_count"] == 2  # "i think", "sort of"
    assert m["hedge_density"] == pytest.approx(2 / 11)
    assert m["agreement_markers"] == 1  # "of course"
    assert m["certainty_words"] == 1  # "of course"
    assert m["gratitude_markers"] == 1  # "thank"
    assert metrics("However, in addition, for example.")["discourse_markers"] == 3
    assert metrics("I wonder, not sure.")["tentative_words"] == 2
    assert metrics("No, I disagree, but maybe.")["disagreement_markers"] == 3
    assert metrics("Please, excuse me.")["politeness_markers"] == 2
    assert (
        metrics("What is consciousness and the meaning of existence?")["existential_language"] == 3
    )
    assert metrics("You mentioned this conversation earlier.")["meta_commentary"] == 3


def test_pronouns_negations_modals_contractions_voice():
    m = metrics("I love you and we love them")
    assert (
        m["first_person_singular"],
        m["first_person_plural"],
        m["second_person"],
        m["third_person"],
    ) == (1, 1, 1, 1)
    assert metrics("I don't know, not now, never.")["negation_count"] == 3
    assert metrics("We could, and should, go.")["modal_verb_count"] == 2
    assert metrics("It's what we're doing")["contraction_count"] == 2
    assert metrics("The cake was eaten and the door was opened.")["passive_voice"] == 2
    # 0.5 − 0.3·(1 contraction / 2 words) − 0.2·(1 "!" / 2 words)
    assert metrics("Don't go!")["formality_score"] == pytest.approx(0.25)
    assert metrics("Yes, fine.")["starts_with_acknowledgment"] == 1.0
    assert metrics("Fine, yes.")["starts_with_acknowledgment"] == 0.0


def test_readability_of_three_one_syllable_words():
    m = metrics("The cat sat.")
    assert m["syllables_per_word"] == 1.0
    assert m["flesch_reading_ease"] == pytest.approx(206.835 - 1.015 * 3 - 84.6)
    assert m["flesch_kincaid_grade"] == pytest.approx(0.39 * 3 + 11.8 - 15.59)
    assert m["complex_word_ratio"] == 0.0
    assert m["gunning_fog"] == pytest.approx(0.4 * 3)


def test_sentiment_uses_vader_valences_and_negation():
    assert LEXICON["good"] == 1.9
    m = metrics("This is good.")
    assert m["sentiment_compound"] == pytest.approx(1.9 / math.sqrt(1.9**2 + 15))
    assert m["positive_word_ratio"] == pytest.approx(1 / 3)
    assert m["negative_word_ratio"] == 0.0
    assert m["emotional_intensity"] == pytest.approx(1.9)
    negated = metrics("This is not good.")
    flipped = 1.9 * -0.74
    assert negated["sentiment_compound"] == pytest.approx(flipped / math.sqrt(flipped**2 + 15))
    assert negated["negative_word_ratio"] == pytest.approx(1 / 4)
    assert metrics("The cat sat.")["sentiment_compound"] == 0.0


def test_curly_apostrophes_are_contractions_too():
    assert metrics("It\u2019s here")["contraction_count"] == 1


def test_an_empty_message_gives_zeros_not_errors():
    m = metrics("")
    assert m["word_count"] == 0 and m["ttr"] == 0.0 and m["flesch_reading_ease"] == 0.0
