"""Convergence: how alike the two agents have become, from 0 to 1.

One function, :func:`conversation_convergence`, is called live by the conductor after
every turn and again by the metrics projection, with the same messages and weights, so
the recorded value and the replayed one agree. It looks at the last ``WINDOW`` messages,
balanced to the same number per agent, and combines five components (docs/metrics.md):

- ``content``: similarity of the latest message of each agent (exact, containment,
  character-set Jaccard for short texts, word-set Jaccard otherwise);
- ``structure``: paragraphs, list items, questions and code fences per message;
- ``sentences``: sentences per message;
- ``length``: characters per message;
- ``punctuation``: rates of ``!`` ``,`` ``;`` ``:`` and dashes per character.

Each of the last four is a ratio of the two agents' window averages (min/max; both zero
is 1, one zero is 0). The score is the weighted sum, rounded to 6 decimals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

WINDOW = 10
_MEANS = 11  # values averaged per message: 4 structure, 5 punctuation, sentences, length
SHORT_TEXT = 50
COMPONENTS = ("content", "structure", "sentences", "length", "punctuation")

PROFILES: dict[str, dict[str, float]] = {
    "balanced": {
        "content": 0.40,
        "structure": 0.15,
        "sentences": 0.20,
        "length": 0.15,
        "punctuation": 0.10,
    },
    "structural": {
        "content": 0.25,
        "structure": 0.35,
        "sentences": 0.20,
        "length": 0.10,
        "punctuation": 0.10,
    },
    "semantic": {
        "content": 0.60,
        "structure": 0.10,
        "sentences": 0.15,
        "length": 0.10,
        "punctuation": 0.05,
    },
    "strict": {
        "content": 0.50,
        "structure": 0.25,
        "sentences": 0.15,
        "length": 0.05,
        "punctuation": 0.05,
    },
}
DEFAULT_PROFILE = "balanced"

_LABEL = re.compile(r"^\s*\*{0,2}(?:agent\s+)?[ab]\*{0,2}\s*:\*{0,2}\s*", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# The last of a run of . ! ? followed by white space or the end: one per sentence end.
_SENTENCE_END = re.compile(r"[.!?](?![^\s])")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+", re.MULTILINE)


class WeightsError(ValueError):
    """Convergence weights that are unknown, negative or do not sum to 1."""


class MessageShape(NamedTuple):
    """What convergence needs from one message (computed once per text, cached)."""

    text: str
    length: int
    sentences: int
    structure: tuple[int, int, int, int]
    punctuation: tuple[float, float, float, float, float]
    words: frozenset[str]
    characters: frozenset[str]  # kept for short texts only, the only ones compared by them
    means: tuple[float, ...]  # structure, punctuation, sentences, length: what is averaged


@lru_cache(maxsize=512)
def message_shape(raw: str) -> MessageShape:
    """The convergence features of one message, with any "**Agent A**:" label removed."""
    return build_shape(raw)


class Counted(NamedTuple):
    """What a caller has already counted on a message's text, to spare counting twice."""

    words: frozenset[str]  # the lower-cased _WORD matches
    list_items: int  # _LIST_ITEM matches
    marks: tuple[int, int, int, int, int, int]  # occurrences of ? ! , ; : and all dashes


def build_shape(raw: str, counted: Counted | None = None) -> MessageShape:
    """:func:`message_shape` without the cache.

    ``counted``: the caller's counts on ``raw``, each used only where it cannot differ
    from this function's own: the words when ``raw`` is ASCII (lower-casing then commutes
    with matching) and carries no label; the marks when it carries no label; the list
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
    short = length < SHORT_TEXT
    if counted is not None and unlabelled:
        questions, exclamations, commas, semicolons, colons, dashes = counted.marks
        list_items = counted.list_items if length == len(raw) else _list_items(text)
        words = counted.words if raw.isascii() else frozenset(_WORD.findall(text.lower()))
    else:
        questions, exclamations, commas, semicolons, colons = map(text.count, "?!,;:")
        dashes = text.count("-") + text.count("–") + text.count("—")
        list_items = _list_items(text)
        words = frozenset(_WORD.findall(text.lower()))
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
        text=text,
        length=length,
        sentences=ends,
        structure=structure,
        punctuation=punctuation,
        words=words,
        characters=frozenset(text.lower()) if short else frozenset(),
        means=(*structure, *punctuation, ends, length),
    )


def _list_items(text: str) -> int:
    return len(_LIST_ITEM.findall(text))


def ratio(a: float, b: float) -> float:
    """min/max of two non-negative numbers; both zero is 1 (alike), one zero is 0."""
    if a == 0 and b == 0:
        return 1.0
    if a == 0 or b == 0:
        return 0.0
    return min(a, b) / max(a, b)


def content_similarity(a: MessageShape, b: MessageShape) -> float:
    """How alike two messages' contents are (see the module docstring)."""
    if a.text == b.text:
        return 1.0
    if not a.text or not b.text:
        return 0.0
    if a.text in b.text or b.text in a.text:
        return min(a.length, b.length) / max(a.length, b.length)
    if a.length < SHORT_TEXT and b.length < SHORT_TEXT:
        left, right = a.characters, b.characters
    else:
        left, right = a.words, b.words
    common = len(left & right)
    union = len(left) + len(right) - common
    return common / union if union else 1.0


def convergence_components(messages: Sequence[tuple[str, str]]) -> dict[str, float] | None:
    """The components for ``messages`` ((agent, text) in order), None until both spoke."""
    return window_components([(agent, message_shape(text)) for agent, text in messages[-WINDOW:]])


def window_components(recent: Sequence[tuple[str, MessageShape]]) -> dict[str, float] | None:
    """:func:`convergence_components` of the last ``WINDOW`` messages, already shaped."""
    shapes = [shape for _, shape in recent]
    agents = np.array([agent == "b" for agent, _ in recent], dtype=np.int64)
    parts = many_window_components(shapes, agents, np.array([0]), np.array([len(recent) - 1]))
    if parts is None:
        return None
    return {name: float(values[0]) for name, values in parts.items()}


def many_window_components(
    shapes: Sequence[MessageShape],
    agents: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
) -> dict[str, npt.NDArray[np.float64]] | None:
    """The components of many windows at once: window i is ``shapes[first[i]:last[i] + 1]``
    (its last ``WINDOW`` messages), agent 0 for a and 1 for b. None when some window lacks
    an agent.

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
    structure = (((ratios[:, 0] + ratios[:, 1]) + ratios[:, 2]) + ratios[:, 3]) / 4
    punctuation = (
        (((ratios[:, 4] + ratios[:, 5]) + ratios[:, 6]) + ratios[:, 7]) + ratios[:, 8]
    ) / 5
    content = np.array(
        [
            content_similarity(shapes[a], shapes[b])
            for a, b in zip(newest[0].tolist(), newest[1].tolist(), strict=True)
        ]
    )
    return {
        "content": content,
        "structure": structure,
        "sentences": ratios[:, 9],
        "length": ratios[:, 10],
        "punctuation": punctuation,
    }


def _ratios(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """:func:`ratio` of every pair of values."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    out = np.divide(low, high, out=np.zeros_like(low), where=high != 0)
    out[(a == 0) & (b == 0)] = 1.0
    return out


def weighted_score(parts: Mapping[str, float], weights: Mapping[str, float]) -> float:
    return round(math.fsum(weights[name] * parts[name] for name in COMPONENTS), 6)


def conversation_convergence(
    messages: Sequence[tuple[str, str]], weights: Mapping[str, float] | None = None
) -> float:
    """The convergence after the latest message; 0.0 until both agents have spoken.

    ``messages`` are the conversation's completed messages as (agent, text), agent being
    "a" or "b", oldest first. ``weights`` default to the balanced profile.
    """
    parts = convergence_components(messages)
    if parts is None:
        return 0.0
    return weighted_score(parts, weights or PROFILES[DEFAULT_PROFILE])


def parse_weights(spec: str) -> tuple[str, dict[str, float]]:
    """A profile name, or custom weights "content=0.5,structure=0.2,..." → (name, weights).

    Custom weights name every component, are non-negative and sum to 1.
    """
    spec = spec.strip()
    if spec in PROFILES:
        return spec, dict(PROFILES[spec])
    if "=" not in spec:
        names = ", ".join(PROFILES)
        raise WeightsError(f"unknown convergence profile {spec!r}; use one of {names} or weights")
    weights: dict[str, float] = {}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in COMPONENTS:
            raise WeightsError(f"unknown convergence component {name!r}; use {COMPONENTS}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise WeightsError(f"weight of {name} is not a number: {value!r}") from None
    return "custom", validate_weights(weights)


def validate_weights(weights: Mapping[str, float]) -> dict[str, float]:
    missing = [name for name in COMPONENTS if name not in weights]
    if missing:
        raise WeightsError(f"convergence weights miss {', '.join(missing)}")
    if any(not math.isfinite(w) or w < 0 for w in weights.values()):
        raise WeightsError("convergence weights must be finite and non-negative")
    if abs(math.fsum(weights.values()) - 1.0) > 1e-6:
        raise WeightsError("convergence weights must sum to 1")
    return {name: float(weights[name]) for name in COMPONENTS}


def live_convergence(text_a: str, text_b: str) -> float:
    """Convergence of two single messages (the balanced profile): a convenience."""
    return conversation_convergence([("a", text_a), ("b", text_b)])
