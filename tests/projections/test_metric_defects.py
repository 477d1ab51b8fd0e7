"""The metric defects of issue 13, each on the repro that showed it (metrics version 3).

Expected values are worked out by hand, or are what VADER's full analyser gives.
"""

from __future__ import annotations

import math
import string

import pytest

from projections.metrics.headline import headline_metrics
from projections.metrics.message import message_metrics
from projections.metrics.mtld import mattr
from projections.metrics.readability import syllables


def metrics(text: str) -> dict[str, float]:
    return message_metrics(text)[0]


def compound(valences: list[float], emphasis: float = 0.0) -> float:
    total = sum(valences)
    total += math.copysign(emphasis, total) if total else 0.0
    return total / math.sqrt(total * total + 15)


def test_mtld_is_null_below_100_words_and_mattr_is_defined_at_every_length():
    twenty = " ".join(string.ascii_lowercase[:20])
    # Before: 20 distinct words → 20, the same plus one repeated "a" → 123.5.
    assert math.isnan(metrics(twenty)["mtld"])
    assert math.isnan(metrics(twenty + " a")["mtld"])
    assert metrics(twenty)["mattr"] == 1.0
    assert metrics(twenty + " a")["mattr"] == pytest.approx(20 / 21)  # one window: its TTR
    # 120 words cycling through 70: every 50-word window holds 50 distinct words.
    cycling = " ".join(f"w{i % 70}" for i in range(120))
    assert metrics(cycling)["mattr"] == 1.0
    assert metrics(cycling)["mtld"] == 120.0  # the TTR never falls to 0.72
    # 100 words cycling through 25: each window of 50 holds 25 types.
    assert metrics(" ".join(f"w{i % 25}" for i in range(100)))["mattr"] == 0.5
    assert mattr(["a", "b", "a"], window=2) == pytest.approx((1 + 1) / 2)


def test_vader_no_and_kind_of_rules():
    # VADER's full analyser: +0.3716, +0.3089, −0.3412, +0.4404.
    assert metrics("No problem!")["sentiment_compound"] == pytest.approx(0.3716, abs=1e-4)
    assert metrics("I have no complaints.")["sentiment_compound"] == pytest.approx(0.3089, abs=1e-4)
    assert metrics("That is no good.")["sentiment_compound"] == pytest.approx(-0.3412, abs=1e-4)
    assert metrics("Kind of good.")["sentiment_compound"] == pytest.approx(0.4404, abs=1e-4)
    # "no" alone keeps its own valence (−1.2).
    assert metrics("No.")["sentiment_compound"] == pytest.approx(compound([-1.2]))


def test_vader_boosters_but_and_punctuation():
    # "very" (+0.293) boosts "good" (1.9); "!!" adds 2 × 0.292.
    assert metrics("Very good!!")["sentiment_compound"] == pytest.approx(
        compound([1.9 + 0.293], 2 * 0.292)
    )
    # Before "but" × 0.5, after × 1.5: good 1.9, bad −2.5.
    assert metrics("Good but bad.")["sentiment_compound"] == pytest.approx(
        compound([0.5 * 1.9, 1.5 * -2.5])
    )


def test_emoji_and_emoticons_are_scored_and_urls_are_not():
    assert metrics("I love it 😍😍")["sentiment_compound"] == pytest.approx(0.8807, abs=1e-4)
    assert metrics("Fine :)")["sentiment_compound"] > metrics("Fine")["sentiment_compound"]
    assert metrics("See https://badge.fury.io/py/joblib")["sentiment_compound"] == 0.0
    url = metrics("See https://badge.fury.io/py/joblib.")
    assert url["word_count"] == 2 and url["sentence_count"] == 1
    # The live headline scores the same way.
    headline = headline_metrics("No problem!", "I love it 😍😍")
    assert headline["sentiment_a"] == pytest.approx(0.3716, abs=1e-4)
    assert headline["sentiment_b"] == pytest.approx(0.8807, abs=1e-4)


def test_syllables_come_from_the_cmu_dictionary():
    # pyphen's hyphenation points gave 1 for each of these.
    assert [syllables(w) for w in ("about", "even", "easy", "enough", "study")] == [2] * 5
    assert syllables("fire") == 2 and syllables("the") == 1
    assert syllables("pidginesque") >= 2  # unknown: pyphen's hyphenation points + 1
    m = metrics("Even so, it is easy enough to study.")
    # 8 words: even 2, so 1, it 1, is 1, easy 2, enough 2, to 1, study 2 = 12 syllables.
    assert m["syllables_per_word"] == pytest.approx(12 / 8)
    assert m["flesch_reading_ease"] == pytest.approx(206.835 - 1.015 * 8 - 84.6 * 12 / 8)


def test_blank_lines_of_spaces_and_crlf_separate_paragraphs():
    assert metrics("A.\n   \nB.")["paragraph_count"] == 2
    assert metrics("A.\r\n\r\nB.")["paragraph_count"] == 2
    assert metrics("A.\r\nB.")["paragraph_count"] == 1


def test_symbol_categories_are_disjoint():
    m = metrics("★ ☆ ✓")
    assert (m["special_char_count"], m["emoji_count"]) == (3, 0)
    arrows = metrics("go ➜ there ➡️ now")
    assert (arrows["arrow_count"], arrows["emoji_count"], arrows["special_char_count"]) == (2, 0, 2)
    compare = metrics("a <= b, c >= d, e != f, g => h")
    assert (compare["math_symbol_count"], compare["arrow_count"]) == (3, 1)
    assert metrics("abc 123")["symbol_density"] == 0.0  # digits are not symbols
    assert metrics("ab 1!")["symbol_density"] == pytest.approx(1 / 5)


def test_a_matched_phrase_consumes_its_words_for_every_list():
    m = metrics("I'm not sure about that.")
    counted = (
        m["agreement_markers"],
        m["certainty_words"],
        m["disagreement_markers"],
        m["tentative_words"],
    )
    assert counted == (0, 0, 1, 0)  # before: 1, 1, 1, 1
    assert m["negation_count"] == 1 and m["first_person_singular"] == 1
    assert metrics("Not quite.")["hedge_count"] == 0  # "quite" belongs to "not quite"
    assert metrics("I'm sure.")["certainty_words"] == 1


def test_passive_voice_needs_a_real_participle():
    assert metrics("That is indeed a good point.")["passive_voice"] == 0  # before: 1
    assert metrics("We need seed. It is a hundred.")["passive_voice"] == 0
    assert metrics("The door was closed and the book was written.")["passive_voice"] == 2
    assert metrics("It was quickly made.")["passive_voice"] == 1


def test_non_english_sentence_ends_and_marks():
    m = metrics("你好吗？我很好！谢谢。")
    assert (m["sentence_count"], m["question_count"], m["exclamation_count"]) == (3, 1, 1)
    assert m["question_density"] == pytest.approx(1 / 3)
    arabic = metrics("كيف حالك؟ بخير")
    assert (arabic["sentence_count"], arabic["question_count"]) == (2, 1)
    assert metrics("Really？")["question_density"] == 1.0
