"""VADER sentiment (Hutto & Gilbert, 2014), computed on arrays for many messages at once.

The word valences, the emoji descriptions, the negation and booster lists and every
constant come from the vaderSentiment package. Applied as VADER applies them: booster
words and "kind" before "of" score nothing; "no" before a lexicon word scores nothing
and turns that word (and the one after) around; up to three words before a lexicon
word add their booster value (× 1, 0.95, 0.9 by distance) and each negation among them
turns it around (× N_SCALAR); words before the first "but" count half, words after it
one and a half; "!" (up to 4) and "??"… add emphasis; emoticons are scored as VADER's
lexicon scores them and each emoji as the words of its description. Not applied: the
capital-letter emphasis, the "least" rule and VADER's handful of idioms. URLs are one
token each (``projections.metrics.text``) and never scored. See docs/metrics.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files

import numpy as np
from vaderSentiment.vaderSentiment import BOOSTER_DICT, N_SCALAR, NEGATE

from projections.metrics.columnar import Floats, Ints, safe_divide, segment_sums, total
from projections.metrics.text import WORD

NORMALISATION_ALPHA = 15.0
NEGATION_WINDOW = 3
BOOSTER_DAMPING = (1.0, 0.95, 0.9)  # by distance 1, 2, 3 before the lexicon word
EXCLAMATION_EMPHASIS, QUESTION_EMPHASIS, QUESTION_CAP = 0.292, 0.18, 0.96
# A word's role in VADER's rules (Vocabulary.sentiment_role).
ROLE_NO, ROLE_KIND, ROLE_OF, ROLE_BUT, ROLE_OR = 1, 2, 3, 4, 5
_ROLES = {"no": ROLE_NO, "kind": ROLE_KIND, "of": ROLE_OF, "but": ROLE_BUT, "or": ROLE_OR}
_ROLES["nor"] = ROLE_OR


def _load_lexicon() -> dict[str, float]:
    text = (files("vaderSentiment") / "vader_lexicon.txt").read_text(encoding="utf-8")
    lexicon: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0]:
            lexicon[parts[0].lower()] = float(parts[1])
    return lexicon


ALL_ENTRIES = _load_lexicon()
# Words are what the tokeniser can find; the other entries are emoticons (":)", "</3").
LEXICON = {w: v for w, v in ALL_ENTRIES.items() if WORD.fullmatch(w)}
EMOTICONS = {w: v for w, v in ALL_ENTRIES.items() if w not in LEXICON}
BOOSTERS = {w: v for w, v in BOOSTER_DICT.items() if " " not in w}
_NEGATIONS = frozenset(w.lower() for w in NEGATE)


def _emoji_valences() -> dict[int, tuple[float, ...]]:
    """Each single-character emoji: the valences of its description's lexicon words."""
    text = (files("vaderSentiment") / "emoji_utf8_lexicon.txt").read_text(encoding="utf-8")
    emoji: dict[int, tuple[float, ...]] = {}
    for line in text.rstrip("\n").split("\n"):
        character, description = line.strip().split("\t")[:2]
        valences = tuple(ALL_ENTRIES[w] for w in description.lower().split() if w in ALL_ENTRIES)
        if len(character) == 1 and valences:
            emoji[ord(character)] = valences
    return emoji


EMOJI_VALENCES = _emoji_valences()


def is_negation(word: str) -> bool:
    return word in _NEGATIONS or "n't" in word


def valence(word: str) -> float:
    """A word's own valence (booster words and unknown words: 0)."""
    return LEXICON.get(word, 0.0)


def sentiment_role(word: str) -> int:
    return _ROLES.get(word, 0)


@dataclass(frozen=True, slots=True)
class Sentiment:
    compound: float
    positive_ratio: float
    negative_ratio: float
    intensity: float


@dataclass(frozen=True)
class Extras:
    """Per message, the scored items that are not words: emoji and emoticons."""

    summed: Floats
    magnitude: Floats
    positive: Floats
    negative: Floats
    count: Floats

    @staticmethod
    def none(size: int) -> Extras:
        return Extras(*(np.zeros(size) for _ in range(5)))


def extras(texts: Sequence[str], owner: Ints, code: Ints, count: Floats) -> Extras:
    """Emoji (from each message's code point counts: ``owner``, ``code``, ``count``)
    and emoticons (whitespace-separated tokens, as VADER splits them) of each text."""
    size = len(texts)
    found: list[tuple[int, tuple[float, ...], float]] = []  # message, valences, times
    for message, point, many in zip(owner.tolist(), code.tolist(), count.tolist(), strict=True):
        if point in EMOJI_VALENCES:
            found.append((message, EMOJI_VALENCES[point], many))
    for message, text in enumerate(texts):
        tokens = text.split()
        hits = EMOTICONS.keys() & tokens
        if hits:
            counted = Counter(t for t in tokens if t in hits)
            found += [(message, (EMOTICONS[t],), many) for t, many in counted.items()]
    result = Extras.none(size)
    for message, valences, many in found:
        result.summed[message] += many * sum(valences)
        result.magnitude[message] += many * sum(map(abs, valences))
        result.positive[message] += many * sum(v > 0 for v in valences)
        result.negative[message] += many * sum(v < 0 for v in valences)
        result.count[message] += many * len(valences)
    return result


@dataclass(frozen=True)
class WordFeatures:
    """What the rules need of each word position (all messages one after another)."""

    valence: Floats
    negation: np.ndarray  # bool
    booster: Floats
    role: Ints


def features_of(words: Sequence[str]) -> WordFeatures:
    """The features of plain lower-case words (the vocabulary keeps them by word id)."""
    return WordFeatures(
        valence=np.array([valence(w) for w in words], dtype=np.float64),
        negation=np.array([is_negation(w) for w in words], dtype=bool),
        booster=np.array([BOOSTERS.get(w, 0.0) for w in words], dtype=np.float64),
        role=np.array([sentiment_role(w) for w in words], dtype=np.int64),
    )


def sentiment_columns(
    words: WordFeatures,
    starts: Ints,
    extra: Extras,
    exclamations: Floats,
    questions: Floats,
) -> dict[str, Floats]:
    """sentiment_compound, positive/negative_word_ratio, emotional_intensity per message.

    ``starts``: where each message's words begin in ``words`` (and the end).
    """
    size = len(starts) - 1
    n = np.diff(starts).astype(np.float64)
    owner = np.repeat(np.arange(size, dtype=np.int64), np.diff(starts))
    plain, role = words.valence, words.role
    scored = plain != 0
    same_next = np.zeros(len(plain), dtype=bool)
    same_next[:-1] = owner[:-1] == owner[1:]
    silent = np.zeros(len(plain), dtype=bool)  # "kind" before "of", "no" before a scored word
    silent[:-1] = same_next[:-1] & (
        ((role[:-1] == ROLE_KIND) & (role[1:] == ROLE_OF)) | ((role[:-1] == ROLE_NO) & scored[1:])
    )
    scored &= ~silent
    index = np.flatnonzero(scored)
    start = starts[owner[index]]
    value = plain[index].copy()

    def before(distance: int) -> tuple[np.ndarray, Ints]:
        """Which scored positions have a word ``distance`` before them in their message."""
        inside = index - distance >= start
        return inside, np.where(inside, index - distance, 0)

    after_no = np.zeros(len(index), dtype=bool)
    for distance in (1, 2, 3):
        inside, earlier = before(distance)
        is_no = inside & (role[earlier] == ROLE_NO)
        if distance == 3:
            _, last = before(1)
            is_no &= role[last] == ROLE_OR
        after_no |= is_no
    value[after_no] *= N_SCALAR
    for distance, damping in zip((1, 2, 3), BOOSTER_DAMPING, strict=True):
        inside, earlier = before(distance)
        free = inside & (plain[earlier] == 0)  # VADER skips preceding lexicon words
        value += np.where(free, words.booster[earlier] * damping * np.sign(value), 0.0)
        value = np.where(free & words.negation[earlier], value * N_SCALAR, value)
    but = role == ROLE_BUT
    seen = np.cumsum(but)
    seen -= np.concatenate([[0], seen])[starts[:-1]][owner]
    has_but = total(owner, but, size) > 0
    value *= np.where(has_but[owner[index]], np.where(seen[index] == 0, 0.5, 1.5), 1.0)
    columns = np.column_stack([value, np.abs(value), value > 0, value < 0, np.ones_like(value)])
    per_message = np.zeros((size, 5))
    if len(index):
        sub_starts = np.searchsorted(index, starts)
        per_message = segment_sums(columns.astype(np.float64), sub_starts)
    summed = per_message[:, 0] + extra.summed
    emphasis = np.minimum(exclamations, 4) * EXCLAMATION_EMPHASIS + np.where(
        questions > 1, np.where(questions <= 3, questions * QUESTION_EMPHASIS, QUESTION_CAP), 0.0
    )
    summed += np.sign(summed) * emphasis
    count = per_message[:, 4] + extra.count
    has = (count > 0) & (n + extra.count > 0)
    return {
        "sentiment_compound": np.where(
            has, summed / np.sqrt(summed * summed + NORMALISATION_ALPHA), 0.0
        ),
        "positive_word_ratio": np.where(has, safe_divide(per_message[:, 2] + extra.positive, n), 0),
        "negative_word_ratio": np.where(has, safe_divide(per_message[:, 3] + extra.negative, n), 0),
        "emotional_intensity": np.where(
            has, safe_divide(per_message[:, 1] + extra.magnitude, count), 0.0
        ),
    }


def sentiments(texts: Sequence[str], words: Sequence[list[str]]) -> list[Sentiment]:
    """The sentiment of a few messages: each text (for emoji, emoticons, "!" and "?")
    with its lower-case words in order; the same rules and arithmetic as the batch."""
    owners: list[int] = []
    codes: list[int] = []
    counts: list[float] = []
    for message, text in enumerate(texts):
        counted = Counter(map(ord, text))
        owners += [message] * len(counted)
        codes += counted.keys()
        counts += counted.values()
    extra = extras(texts, np.array(owners, np.int64), np.array(codes, np.int64), np.array(counts))
    columns = sentiment_columns(
        features_of([w for message in words for w in message]),
        np.concatenate([[0], np.cumsum([len(w) for w in words])]).astype(np.int64),
        extra,
        np.array([float(t.count("!") + t.count("！")) for t in texts]),
        np.array([float(sum(map(t.count, "?？؟"))) for t in texts]),
    )
    return [
        Sentiment(*(float(columns[name][i]) for name in SENTIMENT_METRICS))
        for i in range(len(texts))
    ]


SENTIMENT_METRICS = (
    "sentiment_compound",
    "positive_word_ratio",
    "negative_word_ratio",
    "emotional_intensity",
)
