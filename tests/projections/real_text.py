"""Real English text no one here wrote: passages from installed packages.

Docstrings of click, rich and PyYAML (base dependencies, so always installed) and the
descriptions and licence files of every installed distribution, split into paragraphs
of prose (lines of code, lists, tables, markup and URLs left out). Sorted and
de-duplicated, so a machine with the same packages gives the same corpus.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

DOCSTRING_PACKAGES = ("click", "rich", "yaml")
_NOT_PROSE_LINE = ("#", "|", "..", ">>>", "$", "```", "-", "*", "=", "+")
_NOT_PROSE = re.compile(r"[<>{}=`\[\]]|::|https?:")


def _paragraphs(text: str, shortest: int, longest: int) -> Iterator[str]:
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or any(line.lstrip().startswith(_NOT_PROSE_LINE) for line in lines):
            continue
        flat = " ".join(" ".join(lines).split())
        if shortest <= len(flat.split()) <= longest and not _NOT_PROSE.search(flat):
            yield flat


def _docstrings(package: str) -> Iterator[str]:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    for path in sorted(Path(spec.origin).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            if isinstance(node, kinds) and (doc := ast.get_docstring(node)):
                yield doc


def _package_documents() -> Iterator[str]:
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: d.metadata["Name"]):
        yield dist.metadata.get_payload() or ""  # type: ignore[attr-defined]
        for file in dist.files or []:
            if file.name.upper().startswith(("LICEN", "COPYING")):
                try:
                    yield Path(str(file.locate())).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue


@cache
def passages(shortest: int = 15, longest: int = 400) -> tuple[str, ...]:
    """Paragraphs of ``shortest`` to ``longest`` words, each once, in a fixed order."""
    found: dict[str, None] = {}
    for package in DOCSTRING_PACKAGES:
        for doc in _docstrings(package):
            found.update(dict.fromkeys(_paragraphs(doc, shortest, longest)))
    for document in _package_documents():
        found.update(dict.fromkeys(_paragraphs(document, shortest, longest)))
    return tuple(found)
