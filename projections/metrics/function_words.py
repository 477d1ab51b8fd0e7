"""The function-word categories of Language Style Matching, read from a data file.

``data/function_words.toml`` documents where the lists come from. Convergence uses their
union to tell content words from function words, so this module stays light (the
conductor imports it on every turn).
"""

from __future__ import annotations

import tomllib
from importlib.resources import files

_TABLE = tomllib.loads(
    files("projections.metrics").joinpath("data/function_words.toml").read_text("utf-8")
)
# Category name → its words, in the file's order (the order of the lsm_* columns).
CATEGORIES: dict[str, frozenset[str]] = {
    name: frozenset(entry["words"]) for name, entry in _TABLE.items()
}
FUNCTION_WORDS: frozenset[str] = frozenset().union(*CATEGORIES.values())
