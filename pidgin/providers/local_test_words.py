"""The vocabulary of ``local:test``, read once from ``local_test_words.toml``.

Topics (each with the words that pick it from a prompt, and its nouns, adjectives and
verbs) and general pools (participles, adverbs, names, places, acronyms, emoji).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Topic:
    nouns: tuple[tuple[str, str], ...]  # (singular, plural)
    adjectives: tuple[str, ...]
    verbs: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    general: Topic
    topics: dict[str, Topic]
    keys: dict[str, tuple[str, ...]]  # a prompt word → the topics it points to
    noun_forms: dict[str, tuple[str, str]]  # singular or plural → (singular, plural)
    pools: dict[str, tuple[str, ...]]  # participles, adverbs, names, places, …
    not_nouns: frozenset[str]  # the adjectives, verbs, participles and adverbs
    adjectives: frozenset[str]
    verbs: frozenset[str]


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
        return noun[:-1] + "ies"
    return noun + "s"


def _topic(table: dict[str, list[str]]) -> Topic:
    nouns = tuple(
        (entry.split("|")[0], entry.split("|")[1] if "|" in entry else _plural(entry))
        for entry in dict.fromkeys(table["nouns"])
    )
    return Topic(nouns, tuple(table["adjectives"]), tuple(table["verbs"]))


@cache
def lexicon() -> Lexicon:
    """The vocabulary file, read once."""
    data = tomllib.loads(
        (files("pidgin.providers") / "local_test_words.toml").read_text(encoding="utf-8")
    )
    topics = {name: _topic(table) for name, table in data["topics"].items()}
    keys: dict[str, tuple[str, ...]] = {}
    for name, table in data["topics"].items():
        for key in table["keys"]:
            keys[key] = (*keys.get(key, ()), name)
    general = _topic(data["general"])
    forms = {
        form: pair for topic in [general, *topics.values()] for pair in topic.nouns for form in pair
    }
    pools = {name: tuple(values) for name, values in data["general"].items()}
    others = {w for topic in [general, *topics.values()] for w in topic.adjectives + topic.verbs}
    others |= {w.lower() for w in pools["participles"] + pools["adverbs"]}
    every = [general, *topics.values()]
    adjectives = frozenset(w for topic in every for w in topic.adjectives)
    verbs = frozenset(w for topic in every for w in topic.verbs)
    return Lexicon(
        general, topics, keys, forms, pools, frozenset(others - forms.keys()), adjectives, verbs
    )
