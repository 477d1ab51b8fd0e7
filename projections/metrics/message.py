"""Metrics of one message on its own (no history): text in, numbers out.

Every function here reads a :class:`MessageText`, so a message is tokenised once and
the counts are shared. Definitions, ranges and references: docs/metrics.md.
"""

from __future__ import annotations

import math
import operator
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import compress, pairwise, repeat
from operator import eq, itemgetter, mul
from typing import Any

from projections.metrics import lexicons as lx
from projections.metrics.readability import (
    flesch_kincaid_grade,
    flesch_reading_ease,
    gunning_fog,
    syllables,
)
from projections.metrics.sentiment import sentiment
from projections.metrics.text import MessageText, tokenise

MTLD_THRESHOLD = 0.72
COMPRESSION_CAP = 2.0

EMOJI_RUN = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2300-\u23ff\ufe0f\u200d]+")
ARROWS = re.compile("<=>|<->|->|<-|=>|<=|[→←↔⇒⇐⇔➜➡⬅↑↓⬆⬇↖↗↘↙]")
MATH_SYMBOLS = frozenset("∑∏√∞≈≠≡≤≥±×÷∫∂∆∇∈∉⊂⊃∪∩∀∃∝∴∵′″")
BOX_AND_BULLETS = frozenset("•◦▪▫■□●○◆◇★☆│─┌┐└┘├┤┬┴┼═║╔╗╚╝")
NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+", re.MULTILINE)
# The lookahead (the auxiliaries' first letters) only lets the engine skip ahead faster.
PASSIVE = re.compile(
    r"(?=[abgiw])\b(?:am|is|are|was|were|be|been|being|get|gets|got|gotten)\s+(?:\w+ly\s+)?"
    r"(?:\w+ed|born|built|done|given|known|made|seen|shown|taken|written|found|told|"
    r"said|thought|understood|brought|held|kept|left|lost|meant|paid|put|read|run|set|"
    r"spoken|chosen|driven|forgotten|broken|hidden|eaten|fallen)\b"
)

_XLOGX = [0.0] + [n * math.log2(n) for n in range(1, 4097)]


def _xlogx(n: int) -> float:
    return n * math.log2(n)


def shannon_entropy(counts: Counter[Any]) -> float:
    """Entropy in bits of a frequency table: log2 N − Σ c·log2 c / N."""
    total = counts.total()
    if total == 0:
        return 0.0
    table = _XLOGX.__getitem__ if total < len(_XLOGX) else _xlogx
    return max(0.0, math.log2(total) - float(sum(map(table, counts.values()))) / total)


def mtld(words: list[str]) -> float:
    """MTLD (McCarthy & Jarvis, 2010): mean of the forward and backward passes."""
    if not words:
        return 0.0
    return (_mtld_pass(words) + _mtld_pass(words[::-1])) / 2


def _mtld_pass(words: list[str]) -> float:
    factors = 0.0
    seen: set[str] = set()
    add = seen.add
    count = types = 0
    for word in words:
        count += 1
        if word not in seen:
            add(word)  # A new word never lowers the TTR: no check needed.
            types += 1
        elif types <= MTLD_THRESHOLD * count:
            factors += 1
            seen.clear()
            count = types = 0
    if count:
        factors += (1 - types / count) / (1 - MTLD_THRESHOLD)
    return len(words) / factors if factors else float(len(words))


def yules_k(counts: Counter[str]) -> float:
    """Yule's K = 10⁴·(Σ c² − N) / N² (0 when every word occurs once)."""
    total = counts.total()
    if total == 0:
        return 0.0
    squares: int = sum(map(mul, counts.values(), counts.values()))
    return 1e4 * (squares - total) / (total * total)


def category_counts(
    message: MessageText, bigrams: Counter[tuple[str, ...]], trigrams: Counter[tuple[str, ...]]
) -> list[int]:
    """Occurrences of every category of lexicons.CATEGORY_NAMES (words and whole phrases)."""
    tally = [0] * len(lx.CATEGORY_NAMES)
    counts = message.counts
    for word in counts.keys() & lx.WORD_INDEX.keys():
        count = counts[word]
        for slot in lx.WORD_INDEX[word]:
            tally[slot] += count
    for pair in bigrams.keys() & lx.PAIR_INDEX.keys():
        count = bigrams[pair]
        for slot in lx.PAIR_INDEX[pair]:
            tally[slot] += count
    for triple in trigrams.keys() & lx.TRIPLE_INDEX.keys():
        count = trigrams[triple]
        for slot in lx.TRIPLE_INDEX[triple]:
            tally[slot] += count
    for phrase, slot in lx.LONG_PHRASES:
        tally[slot] += message.joined.count(phrase)
    tally[NEGATION_SLOT] += message.joined.count("n't ")
    return tally


NEGATION_SLOT = lx.CATEGORY_NAMES.index("negation")
SLOT = {name: slot for slot, name in enumerate(lx.CATEGORY_NAMES)}


@dataclass(frozen=True, slots=True)
class AnalysedMessage:
    """A message with its tokenisation, n-gram counts, category counts and metrics."""

    text: MessageText
    bigrams: Counter[tuple[str, ...]]
    trigrams: Counter[tuple[str, ...]]
    categories: list[int]
    metrics: dict[str, float]


def analyse(raw: str) -> AnalysedMessage:
    """Tokenise ``raw`` once and compute every single-message metric from the pieces."""
    message = tokenise(raw)
    words = message.words
    bigrams: Counter[tuple[str, ...]] = Counter(pairwise(words))
    trigrams: Counter[tuple[str, ...]] = Counter(zip(words, words[1:], words[2:], strict=False))
    categories = category_counts(message, bigrams, trigrams)
    metrics = message_metrics(message, bigrams, trigrams, categories)
    return AnalysedMessage(message, bigrams, trigrams, categories, metrics)


def message_metrics(
    message: MessageText,
    bigrams: Counter[tuple[str, ...]],
    trigrams: Counter[tuple[str, ...]],
    categories: list[int],
) -> dict[str, float]:
    """Every single-message metric, by name (definitions in docs/metrics.md)."""
    text = message.text
    words = message.words
    tokens = message.tokens
    counts = message.counts
    n = len(words)
    unique = len(counts)
    chars = Counter(text)
    length = len(text)
    sentences = len(message.sentences)
    lengths = message.sentence_lengths
    syllable_counts = list(map(syllables, words))
    syllable_total = sum(syllable_counts)
    complex_words = n - syllable_counts.count(1) - syllable_counts.count(2)
    letter_keys = list(filter(str.isalpha, chars))
    space_keys = list(filter(str.isspace, chars))
    alphanumeric = sum(map(str.isalnum, chars))
    letters = sum(map(chars.__getitem__, letter_keys))
    spaces = sum(map(chars.__getitem__, space_keys))
    punctuation = len(chars) - alphanumeric - len(space_keys) - ("_" in chars)
    digits = alphanumeric > len(letter_keys)
    rare = bool(chars) and max(chars) >= "\u2190"
    # The regular expressions run only when a character they need is present.
    emoji = len(EMOJI_RUN.findall(text)) if rare else 0
    arrows = len(ARROWS.findall(text)) if rare or "<" in chars or ">" in chars else 0
    math_symbols = sum(chars[ch] for ch in chars.keys() & MATH_SYMBOLS)
    boxes = sum(chars[ch] for ch in chars.keys() & BOX_AND_BULLETS)
    contractions = sum(map(operator.contains, words, repeat("'")))
    long_words = sum(map((7).__lt__, map(len, words)))
    hedges = categories[SLOT["hedges"]]
    questions = chars["?"]
    exclamations = chars["!"]
    mood = sentiment(words, counts)
    firsts = message.sentence_first_tokens
    proper = sum(
        1
        for i in compress(range(n), map(str.isupper, map(itemgetter(0), tokens)))
        if i not in firsts and words[i] not in lx.FIRST_SINGULAR
    )
    mean_length = n / sentences if sentences else 0.0
    bi_total = max(0, n - 1)
    tri_total = max(0, n - 2)
    per_word = 1 / n if n else 0.0
    formality = (
        0.5
        - 0.3 * contractions * per_word
        - 0.2 * exclamations * per_word
        - 0.1 * text.count("??") * per_word
        + 0.3 * long_words * per_word
    )
    raw = text.encode("utf-8")
    compressed = len(zlib.compress(raw)) if raw else 0
    return {
        "char_count": length,
        "word_count": n,
        "vocabulary_size": unique,
        "sentence_count": sentences,
        "paragraph_count": sum(1 for block in text.split("\n\n") if block.strip()),
        "avg_sentence_length": mean_length,
        "sentence_length_sd": (
            math.sqrt(sum((x - mean_length) ** 2 for x in lengths) / sentences)
            if sentences
            else 0.0
        ),
        "avg_word_length": sum(map(len, words)) * per_word,
        "list_item_count": len(LIST_ITEM.findall(text)),
        "ttr": unique * per_word,
        "root_ttr": unique / math.sqrt(n) if n else 0.0,
        "hapax_ratio": list(counts.values()).count(1) / unique if unique else 0.0,
        "mtld": mtld(words),
        "yules_k": yules_k(counts),
        "ldi": (len(bigrams) + len(trigrams)) / (bi_total + tri_total) if n >= 3 else 0.0,
        "self_repetition": sum(map(eq, words, words[1:])) / bi_total if bi_total else 0.0,
        "repeated_bigrams": len(bigrams) - list(bigrams.values()).count(1),
        "repeated_trigrams": len(trigrams) - list(trigrams.values()).count(1),
        "word_entropy": shannon_entropy(counts),
        "character_entropy": shannon_entropy(chars),
        "bigram_entropy": shannon_entropy(bigrams),
        "compression_ratio": min(COMPRESSION_CAP, compressed / len(raw)) if raw else 0.0,
        "symbol_density": (length - letters - spaces) / length if length else 0.0,
        "emoji_count": emoji,
        "arrow_count": arrows,
        "math_symbol_count": math_symbols,
        "punctuation_diversity": punctuation,
        "special_char_count": emoji + arrows + math_symbols + boxes,
        "number_count": len(NUMBER.findall(text)) if digits else 0,
        "proper_noun_count": proper,
        "uppercase_word_count": (
            sum(map(str.isupper, tokens)) - tokens.count("I") - tokens.count("A")
        ),
        "question_count": questions,
        "exclamation_count": exclamations,
        "question_density": (
            sum(map(str.endswith, message.sentences, repeat("?"))) / sentences if sentences else 0.0
        ),
        "hedge_count": hedges,
        "hedge_density": hedges * per_word,
        "agreement_markers": categories[SLOT["agreement"]],
        "disagreement_markers": categories[SLOT["disagreement"]],
        "politeness_markers": categories[SLOT["politeness"]],
        "gratitude_markers": categories[SLOT["gratitude"]],
        "certainty_words": categories[SLOT["certainty"]],
        "tentative_words": categories[SLOT["tentative"]],
        "discourse_markers": categories[SLOT["discourse"]],
        "existential_language": categories[SLOT["existential"]],
        "meta_commentary": categories[SLOT["meta"]],
        "negation_count": categories[NEGATION_SLOT],
        "modal_verb_count": categories[SLOT["modal"]],
        "first_person_singular": categories[SLOT["first_person_singular"]],
        "first_person_plural": categories[SLOT["first_person_plural"]],
        "second_person": categories[SLOT["second_person"]],
        "third_person": categories[SLOT["third_person"]],
        "contraction_count": contractions,
        "passive_voice": len(PASSIVE.findall(message.joined)),
        "formality_score": min(1.0, max(0.0, formality)),
        "starts_with_acknowledgment": 1.0 if words and words[0] in lx.ACKNOWLEDGMENTS else 0.0,
        "syllables_per_word": syllable_total * per_word,
        "complex_word_ratio": complex_words * per_word,
        "flesch_reading_ease": flesch_reading_ease(n, sentences, syllable_total),
        "flesch_kincaid_grade": flesch_kincaid_grade(n, sentences, syllable_total),
        "gunning_fog": gunning_fog(n, sentences, complex_words),
        "sentiment_compound": mood.compound,
        "positive_word_ratio": mood.positive_ratio,
        "negative_word_ratio": mood.negative_ratio,
        "emotional_intensity": mood.intensity,
    }


MESSAGE_METRICS: tuple[str, ...] = tuple(analyse("A message. Another one?").metrics)
