"""Convergence: how alike the two agents have become, from 0 to 1.

One function, :func:`conversation_convergence`, is called live by the conductor after
every turn and again by the metrics projection, with the same messages and weights, so
the recorded value and the replayed one agree. It looks at the last ``WINDOW`` messages,
balanced to the same number per agent, and combines six components (docs/metrics.md):

- ``content``: Jaccard of the content words (words that are not function words) of the
  latest message of each agent, at every length;
- ``structure``: paragraphs, list items, questions and code fences per message;
- ``sentences``: sentences per message;
- ``length``: characters per message;
- ``punctuation``: rates of ``!`` ``,`` ``;`` ``:`` and dashes per character;
- ``semantic``: cosine of the sentence embeddings of the latest message of each agent
  (only computed when its weight is not 0: it needs the embedding model).

Structure … punctuation are ratios of the two agents' window averages (min/max; both
zero is 1, one zero is 0). Each raw value x is then calibrated against what unrelated
text scores: max(0, (x − b) / (1 − b)), b a fixed baseline measured on unrelated pairs
of real text (:mod:`projections.metrics.calibration`), so unrelated messages score near
0 and identical ones 1 at any length. The score is the weighted sum, rounded to 6
decimals; it is 0 when either latest message has no word (silence is not agreement).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from projections.metrics.convergence_weights import (
    COMPONENTS,
    DEFAULT_PROFILE,
    OPTIONAL_COMPONENTS,
    PROFILES,
    uses_semantic,
)
from projections.metrics.function_words import FUNCTION_WORDS
from projections.metrics.text import APOSTROPHES, BREAK_STARTS, words_and_breaks

WINDOW = 10
_MEANS = 11  # values averaged per message: 4 structure, 5 punctuation, sentences, length
# What the messages say, rather than how they look.
MEANING = ("content", "semantic")
# What unrelated text scores on each raw component: the mean over two kinds, paragraphs
# and one-liners, of its 90th percentile (at most 0.9) over 1,000 pairs of unrelated
# texts (docstrings of different packages of Python 3.11's standard library). Measured
# by ``python -m projections.metrics.calibration 1000``; docs/metrics.md.
BASELINES: dict[str, float] = {
    "content": 0.0231,
    "structure": 0.0,
    "sentences": 0.5,
    "length": 0.9,
    "punctuation": 0.2509,
    "semantic": 0.263,
}

_LABEL = re.compile(r"^\s*\*{0,2}(?:agent\s+)?[ab]\*{0,2}\s*:\*{0,2}\s*", re.IGNORECASE)
# The last of a run of . ! ? followed by white space or the end: one per sentence end.
_SENTENCE_END = re.compile(r"[.!?](?![^\s])")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+", re.MULTILINE)

# The cosine of two messages' embeddings, for the semantic component (None: not known).
Similarity = Callable[[str, str], float]


class MessageShape(NamedTuple):
    """What convergence needs from one message (computed once per text, cached)."""

    raw: str  # as given: the semantic component embeds it
    text: str  # label and surrounding white space taken off
    length: int
    sentences: int
    structure: tuple[int, int, int, int]
    punctuation: tuple[float, float, float, float, float]
    words: frozenset[str]  # lower-cased, apostrophes straight
    function_words: int  # how many of ``words`` are function words
    means: tuple[float, ...]  # structure, punctuation, sentences, length: what is averaged


@lru_cache(maxsize=512)
def message_shape(raw: str) -> MessageShape:
    """The convergence features of one message, with any "**Agent A**:" label removed."""
    return build_shape(raw)


class Counted(NamedTuple):
    """What a caller has already counted on a message's text, to spare counting twice."""

    words: frozenset[str]  # the lower-cased words, apostrophes straightened
    function_words: int  # how many of them are function words
    list_items: int  # _LIST_ITEM matches
    marks: tuple[int, int, int, int, int, int]  # occurrences of ? ! , ; : and all dashes


def build_shape(raw: str, counted: Counted | None = None) -> MessageShape:
    """:func:`message_shape` without the cache.

    ``counted``: the caller's counts on ``raw``, each used only where it cannot differ
    from this function's own: the words and marks when it carries no label; the list
    items when neither a label nor white space was taken off.
    """
    label = _LABEL.match(raw)
    unlabelled = label is None
    text = (raw if label is None else raw[label.end() :]).strip()
    length = len(text)
    ends = len(_SENTENCE_END.findall(text))
    if text and text[-1] not in ".!?":
        ends += 1
    per_char = 1 / length if length else 0.0
    if counted is not None and unlabelled:
        questions, exclamations, commas, semicolons, colons, dashes = counted.marks
        list_items = counted.list_items if length == len(raw) else _list_items(text)
        words, function_words = counted.words, counted.function_words
    else:
        questions, exclamations, commas, semicolons, colons = map(text.count, "?!,;:")
        dashes = text.count("-") + text.count("–") + text.count("—")
        list_items = _list_items(text)
        words = _words(text)
        function_words = len(words & FUNCTION_WORDS)
    structure = (
        text.count("\n\n") + 1 if text else 0,
        list_items,
        questions,
        text.count("```") // 2,
    )
    punctuation = (
        exclamations * per_char,
        commas * per_char,
        semicolons * per_char,
        colons * per_char,
        dashes * per_char,
    )
    return MessageShape(
        raw=raw,
        text=text,
        length=length,
        sentences=ends,
        structure=structure,
        punctuation=punctuation,
        words=words,
        function_words=function_words,
        # What the windows average: one paragraph and one sentence are what every
        # message has, so they count from the second on (0 is "nothing to compare").
        means=(max(0, structure[0] - 1), *structure[1:], *punctuation, max(0, ends - 1), length),
    )


def _words(text: str) -> frozenset[str]:
    """The lower-cased words, found as every other metric finds them (``text``)."""
    tokens = words_and_breaks(text.translate(APOSTROPHES))
    return frozenset(token.lower() for token in tokens if token[0] not in BREAK_STARTS)


def _list_items(text: str) -> int:
    return len(_LIST_ITEM.findall(text))


def ratio(a: float, b: float) -> float:
    """min/max of two non-negative numbers; both zero is 1 (alike), one zero is 0."""
    if a == 0 and b == 0:
        return 1.0
    if a == 0 or b == 0:
        return 0.0
    return min(a, b) / max(a, b)


def calibrated(raw: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    """max(0, (raw − b) / (1 − b)), b the component's baseline: 0 for what unrelated
    text scores (or less), 1 for identical messages."""
    baseline = BASELINES[name]
    values = np.asarray(raw, dtype=np.float64)
    return np.clip((values - baseline) / (1.0 - baseline), 0.0, 1.0)


def content_similarity(a: MessageShape, b: MessageShape) -> float:
    """Raw content: Jaccard of the content words; of all words when either message has
    only function words; 0 when either has no word."""
    if not a.words or not b.words:
        return 0.0
    shared = a.words & b.words
    content_a, content_b = len(a.words) - a.function_words, len(b.words) - b.function_words
    if content_a and content_b:
        common = len(shared) - len(shared & FUNCTION_WORDS)
        return common / (content_a + content_b - common)
    common = len(shared)
    return common / (len(a.words) + len(b.words) - common)


def convergence_components(
    messages: Sequence[tuple[str, str]], similarity: Similarity | None = None
) -> dict[str, float] | None:
    """The calibrated components for ``messages`` ((agent, text) in order), None until
    both spoke. ``similarity`` gives the semantic component (NaN without it)."""
    recent = [(agent, message_shape(text)) for agent, text in messages[-WINDOW:]]
    return window_components(recent, similarity)


def window_components(
    recent: Sequence[tuple[str, MessageShape]], similarity: Similarity | None = None
) -> dict[str, float] | None:
    """:func:`convergence_components` of the last ``WINDOW`` messages, already shaped."""
    shapes = [shape for _, shape in recent]
    agents = np.array([agent == "b" for agent, _ in recent], dtype=np.int64)
    first, last = np.array([0]), np.array([len(recent) - 1])
    parts = many_window_components(shapes, agents, first, last, similarity)
    if parts is None:
        return None
    return {name: float(values[0]) for name, values in parts.items()}


def many_window_components(
    shapes: Sequence[MessageShape],
    agents: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    similarity: Similarity | None = None,
) -> dict[str, npt.NDArray[np.float64]] | None:
    """The calibrated components of many windows at once: window i is
    ``shapes[first[i]:last[i] + 1]`` (its last ``WINDOW`` messages), agent 0 for a and 1
    for b. None when some window lacks an agent. Also ``silent``: 1 where either latest
    message has no word."""
    raw = raw_window_components(shapes, agents, first, last, similarity)
    if raw is None:
        return None
    parts = {name: calibrated(raw[name], name) for name in COMPONENTS}
    parts["silent"] = raw["silent"]
    return parts


def raw_window_components(
    shapes: Sequence[MessageShape],
    agents: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    similarity: Similarity | None = None,
) -> dict[str, npt.NDArray[np.float64]] | None:
    """:func:`many_window_components` before the calibration.

    Each agent's means add its last ``size`` messages oldest first, as ``sum`` would, so
    one window alone or among many gives the same bits.
    """
    means = np.array([shape.means for shape in shapes], dtype=np.float64).reshape(-1, _MEANS)
    slot = last[:, None] - (WINDOW - 1) + np.arange(WINDOW)  # oldest first
    valid = slot >= np.maximum(first, 0)[:, None]
    slot = np.where(valid, slot, 0)
    speaker = np.where(valid, agents[slot], -1)
    spoken = [speaker == 0, speaker == 1]
    size = np.minimum(spoken[0].sum(axis=1), spoken[1].sum(axis=1))
    if (size == 0).any():
        return None
    averages = []
    newest = []
    for mine in spoken:
        # Keep the agent's last ``size`` messages: fewer than ``size`` of its own after.
        after = np.cumsum(mine[:, ::-1], axis=1)[:, ::-1] - mine
        keep = mine & (after < size[:, None])
        # Added one slot after the other, oldest first (accumulate is strictly in order).
        summed = np.add.accumulate(means[slot] * keep[:, :, None], axis=1)[:, -1, :]
        averages.append(summed / size[:, None])
        newest.append(np.where(mine, slot, -1).max(axis=1))
    ratios = _ratios(averages[0], averages[1])
    # A feature that neither agent shows says nothing about how alike they are: each
    # component is the mean over the features that at least one agent shows, NaN when
    # there is none (its weight then goes to the other components).
    shown = (averages[0] != 0) | (averages[1] != 0)
    structure = _mean_shown(ratios, shown, range(4))
    punctuation = _mean_shown(ratios, shown, range(4, 9))
    sentences = _mean_shown(ratios, shown, (9,))
    latest = list(zip(newest[0].tolist(), newest[1].tolist(), strict=True))
    semantic = (
        [similarity(shapes[a].raw, shapes[b].raw) for a, b in latest]
        if similarity
        else np.full(len(latest), np.nan)
    )
    return {
        "content": np.array([content_similarity(shapes[a], shapes[b]) for a, b in latest]),
        "structure": structure,
        "sentences": sentences,
        "length": _mean_shown(ratios, shown, (10,)),
        "punctuation": punctuation,
        "semantic": np.array(semantic, dtype=np.float64),
        "silent": np.array(
            [not shapes[a].words or not shapes[b].words for a, b in latest], dtype=np.float64
        ),
    }


def _mean_shown(
    ratios: npt.NDArray[np.float64], shown: npt.NDArray[np.bool_], columns: Iterable[int]
) -> npt.NDArray[np.float64]:
    """Mean of ``ratios`` over the ``columns`` a row shows, added in column order (the
    same bits for a window alone or among many); NaN where it shows none."""
    summed = np.zeros(len(ratios))
    count = np.zeros(len(ratios))
    for column in columns:
        summed = summed + np.where(shown[:, column], ratios[:, column], 0.0)
        count = count + shown[:, column]
    mean: npt.NDArray[np.float64] = np.divide(
        summed, count, out=np.full(len(ratios), np.nan), where=count > 0
    )
    return mean


def _ratios(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """:func:`ratio` of every pair of values."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    out = np.divide(low, high, out=np.zeros_like(low), where=high != 0)
    out[(a == 0) & (b == 0)] = 1.0
    return out


def weighted_score(parts: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Σ weight·component over the weighted components, rounded to 6 decimals; 0 when a
    latest message is silent.

    A style component is undefined (NaN) when neither agent shows any of its features:
    with nothing to compare, its weight goes to the meaning components (content, and
    semantic when weighted) in proportion to theirs, or, with neither weighted, to the
    defined style components. The semantic component is NaN when it was not computed,
    and then so is the score.
    """
    if parts.get("silent"):
        return 0.0
    terms = []
    for name in COMPONENTS:
        weight = weights.get(name)
        if weight:
            value = parts[name]
            if value != value:  # NaN: undefined, or not computed
                return _spread_score(parts, weights)
            terms.append(weight * value)
    return round(math.fsum(terms), 6)


def _spread_score(parts: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """:func:`weighted_score` when a weighted component is NaN."""
    used = [name for name in COMPONENTS if weights.get(name)]
    if any(math.isnan(parts[name]) for name in used if name in OPTIONAL_COMPONENTS):
        return math.nan
    defined = [name for name in used if not math.isnan(parts[name])]
    meaning = [name for name in defined if name in MEANING]
    receivers = meaning or defined
    spare = math.fsum(weights[name] for name in used if name not in defined)
    own = math.fsum(weights[name] for name in receivers)
    if not own:
        return 0.0
    scale = {name: 1 + spare / own for name in receivers}
    return round(
        math.fsum(weights[name] * scale.get(name, 1.0) * parts[name] for name in defined), 6
    )


def conversation_convergence(
    messages: Sequence[tuple[str, str]],
    weights: Mapping[str, float] | None = None,
    similarity: Similarity | None = None,
) -> float:
    """The convergence after the latest message; 0.0 until both agents have spoken.

    ``messages`` are the conversation's completed messages as (agent, text), agent being
    "a" or "b", oldest first. ``weights`` default to the balanced profile. Weights with
    a semantic component need ``similarity``; without it the default embedder's
    (:func:`projections.metrics.embeddings.default_similarity`) is loaded.
    """
    weights = weights or PROFILES[DEFAULT_PROFILE]
    if uses_semantic(weights) and similarity is None:
        from projections.metrics.embeddings import default_similarity

        similarity = default_similarity()
    parts = convergence_components(messages, similarity if uses_semantic(weights) else None)
    if parts is None:
        return 0.0
    return weighted_score(parts, weights)


def live_convergence(text_a: str, text_b: str) -> float:
    """Convergence of two single messages (the balanced profile): a convenience."""
    return conversation_convergence([("a", text_a), ("b", text_b)])
