"""Measure what unrelated text scores on each convergence component.

The corpus is real prose no one here wrote: the docstrings of Python modules. Pairs are
drawn from two different top-level packages (different sources, no shared topic), in
two kinds: paragraphs (200–1,500 characters) and one-liners (a docstring's summary line,
10–80 characters). The baseline of a component is the mean over the two kinds of its
90th percentile over the pairs (at most 0.9), so about nine unrelated pairs in ten score
0 on it.

``python -m projections.metrics.calibration`` measures the baselines on Python's
standard library (the numbers in ``convergence.BASELINES``); the tests check the
calibrated score on other packages' docstrings (tests/projections/test_calibration.py).
"""

from __future__ import annotations

import ast
import random
import re
import sys
import sysconfig
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from projections.metrics.convergence import MessageShape, message_shape, raw_window_components
from projections.metrics.convergence_weights import COMPONENTS

PARAGRAPH = (200, 1500)
ONE_LINER = (10, 80)
QUANTILE = 90
# A component that a tenth of unrelated pairs score 1 on (sentences: equal counts are
# common) keeps this much range above its baseline.
CEILING = 0.9
Texts = dict[str, list[str]]  # source (top-level package) → its texts
Pair = tuple[str, str]
_SPACES = re.compile(r"\s+")
_PROSE = re.compile(r"[A-Za-z ,.;'()-]")


def docstrings(root: Path, packages: Iterable[str] | None = None) -> Iterable[tuple[str, str]]:
    """(top-level package, docstring) of every module, class and function under ``root``
    (only in ``packages`` when given), in a fixed order; tests and installed
    third-party packages (``site-packages``) left out."""
    if packages is None:
        paths = sorted(root.rglob("*.py"))
    else:
        paths = [path for package in packages for path in sorted((root / package).rglob("*.py"))]
    for path in paths:
        parts = path.relative_to(root).parts
        if parts[0] == "site-packages" or "test" in path.relative_to(root).as_posix():
            continue
        try:
            tree = ast.parse(path.read_text("utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                text = ast.get_docstring(node)
                if text:
                    yield parts[0].removesuffix(".py"), text


def _prose(text: str) -> bool:
    """Mostly words and ordinary punctuation: no code, tables or markup."""
    return ">>>" not in text and len(_PROSE.findall(text)) >= 0.95 * len(text)


def corpus(pieces: Iterable[tuple[str, str]]) -> tuple[Texts, Texts]:
    """(paragraphs, one-liners) by source, each text once."""
    paragraphs: Texts = {}
    one_liners: Texts = {}
    seen: set[str] = set()
    for source, text in pieces:
        blocks = [_SPACES.sub(" ", block).strip() for block in text.split("\n\n")]
        first_line = (text.strip().splitlines() or [""])[0].strip()
        short = ONE_LINER[0] <= len(first_line) <= ONE_LINER[1]
        if short and first_line not in seen and _prose(first_line):
            seen.add(first_line)
            one_liners.setdefault(source, []).append(first_line)
        for block in blocks:
            long = PARAGRAPH[0] <= len(block) <= PARAGRAPH[1]
            if long and block not in seen and _prose(block):
                seen.add(block)
                paragraphs.setdefault(source, []).append(block)
    return paragraphs, one_liners


def unrelated_pairs(texts: Texts, count: int, seed: int = 13) -> list[Pair]:
    """``count`` pairs of texts from two different sources, drawn at random."""
    sources = sorted(texts)
    if len(sources) < 2:
        return []
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        left, right = rng.sample(sources, 2)
        pairs.append((rng.choice(texts[left]), rng.choice(texts[right])))
    return pairs


def raw_scores(
    pairs: Sequence[Pair], similarity: Callable[[str, str], float] | None = None
) -> dict[str, np.ndarray]:
    """Each raw component over the pairs, each pair a conversation of two messages."""
    shapes: list[MessageShape] = []
    for left, right in pairs:
        shapes += [message_shape(left), message_shape(right)]
    agents = np.tile(np.array([0, 1], dtype=np.int64), len(pairs))
    first = np.arange(len(pairs), dtype=np.int64) * 2
    raw = raw_window_components(shapes, agents, first, first + 1, similarity)
    assert raw is not None
    return raw


def baselines(
    kinds: Sequence[Sequence[Pair]], similarity: Callable[[str, str], float] | None = None
) -> dict[str, float]:
    """Each component's baseline: the mean over the kinds of its QUANTILE-th percentile
    among the pairs where it is defined (a kind where it never is counts 0), at most
    CEILING."""
    measured = [raw_scores(pairs, similarity) for pairs in kinds]
    result = {}
    for name in COMPONENTS:
        if name == "semantic" and similarity is None:
            continue
        levels = []
        for raw in measured:
            defined = raw[name][~np.isnan(raw[name])]
            levels.append(float(np.percentile(defined, QUANTILE)) if len(defined) else 0.0)
        result[name] = round(min(CEILING, float(np.mean(levels))), 4)
    return result


def standard_library() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def main() -> None:
    from projections.metrics.embeddings import EmbedderUnavailable, default_similarity

    paragraphs, one_liners = corpus(docstrings(standard_library()))
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    kinds = [unrelated_pairs(paragraphs, count), unrelated_pairs(one_liners, count)]
    try:
        similarity = default_similarity()
    except EmbedderUnavailable as error:
        print(f"semantic: {error}")
        similarity = None
    print(f"{sum(map(len, paragraphs.values()))} paragraphs, "
          f"{sum(map(len, one_liners.values()))} one-liners, {count} pairs of each")  # fmt: skip
    for name, value in baselines(kinds, similarity).items():
        print(f'    "{name}": {value},')


if __name__ == "__main__":
    main()
