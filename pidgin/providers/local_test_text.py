"""The text engine behind ``local:test``: deterministic, varied, responsive replies.

A reply is a pure function of the conversation so far (and the temperature): the same
history gives the same bytes on every run and machine. Randomness comes from SHA-256
of the history, never from ``random``, whose algorithms may change between Pythons.
Replies pick up words the other agent used, mix in fresh topics so a long conversation
does not collapse into repetition, and vary in length, questions, hedges and agreement
so the metrics have something to measure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache

from pidgin.domain.messages import ChatMessage

TOPICS = (
    "grammar",
    "vocabulary",
    "trade routes",
    "harbours",
    "contact languages",
    "creoles",
    "children",
    "markets",
    "sailors",
    "plantations",
    "word order",
    "sound change",
    "borrowing",
    "meaning",
    "metaphor",
    "rhythm",
    "silence",
    "gesture",
    "translation",
    "memory",
    "identity",
    "ritual",
    "music",
    "maps",
    "weather",
    "tools",
    "recipes",
    "stories",
    "jokes",
    "kinship",
    "numbers",
    "colours",
    "time",
    "distance",
    "rivers",
    "bridges",
    "letters",
    "radio",
    "signals",
    "patterns",
    "habits",
    "questions",
    "agreement",
    "doubt",
    "curiosity",
    "surprise",
    "boundaries",
    "neighbours",
    "dictionaries",
    "accents",
    "idioms",
    "politeness",
    "names",
    "places",
    "seasons",
    "machines",
    "conversations",
    "misunderstandings",
    "repair",
    "compromise",
)
ADJECTIVES = (
    "simple",
    "fragile",
    "practical",
    "playful",
    "strange",
    "familiar",
    "useful",
    "slow",
    "sudden",
    "shared",
    "local",
    "borrowed",
    "unexpected",
    "careful",
    "rough",
    "elegant",
    "stubborn",
    "quiet",
    "vivid",
    "ordinary",
    "remarkable",
    "layered",
    "flexible",
    "compact",
    "generous",
    "hidden",
    "obvious",
    "uneven",
    "lively",
    "old",
)
VERBS = (
    "shapes",
    "reflects",
    "borrows from",
    "grows out of",
    "simplifies",
    "echoes",
    "depends on",
    "changes",
    "connects to",
    "reveals",
    "hides",
    "mirrors",
    "competes with",
    "builds on",
    "softens",
    "sharpens",
    "invites",
    "resists",
)
NAMES = (
    "Tok Pisin",
    "Bislama",
    "Hawaiian Creole",
    "Nigerian Pidgin",
    "Sranan Tongo",
    "Chinook Jargon",
    "Russenorsk",
    "Lingua Franca",
    "Saussure",
    "Derek Bickerton",
)
HEDGES = ("Perhaps", "Maybe", "I think", "It seems", "Possibly", "I suspect")
AGREEMENTS = ("Yes,", "I agree,", "That is right,", "Exactly,", "Indeed,", "True,")
DISAGREEMENTS = ("I am not sure,", "I see it differently,", "Hmm,", "Not quite,")
THANKS = ("Thank you for that.", "Thanks, that helps.", "I appreciate that point.")
OPENERS = (
    "You mention {kw}.",
    "{Kw} is a good place to start.",
    "I keep thinking about {kw}.",
    "Your point about {kw} stays with me.",
    "Let us stay with {kw} for a moment.",
)
SENTENCES = (
    "{Hedge} {kw} {verb} {topic} in {a_adj} way.",
    "When I think of {topic}, {kw} looks {adj}.",
    "{Agree} {kw} and {topic} belong together.",
    "{Disagree} {kw} feels more {adj} than {topic}.",
    "In {name}, {topic} {verb} {kw}.",
    "The {adj} side of {topic} is easy to miss.",
    "{A_adj} example: {topic} that {verb} {kw2}.",
    "{Hedge} the link between {kw} and {kw2} is {adj}.",
    "People who study {name} often notice how {topic} {verb} {kw}.",
    "Of course, {topic} can be {adj} and {adj2} at once.",
    "Still, {kw2} {verb} {topic}, which I did not expect.",
    "I would add that {topic} is rarely {adj}.",
    "Consider {topic}: it {verb} {kw} more than we admit.",
    "There is something {adj} about {kw} here.",
    "{Kw} without {topic} would be {adj}.",
    "On the other hand, {topic} stays {adj} while {kw2} moves.",
    "My grandmother would say that {topic} is {adj}, and she was rarely wrong.",
    "If we follow {kw} far enough, we reach {topic}.",
    "{Hedge} nobody planned {topic}; it simply {verb} {kw}.",
    "Listen to any market and you hear {topic} {verb} {kw2}.",
    "I once read that {name} treats {topic} as something {adj}.",
    "Nothing about {kw} is {adj}, not even {topic}.",
    "The history of {topic} is full of {adj} turns.",
    "{Agree} {topic} matters, though {kw2} matters more to me.",
)
QUESTIONS = (
    "What do you make of {topic}?",
    "Does {kw} feel {adj} to you?",
    "How would {name} handle {topic}?",
    "Where do {kw} and {topic} meet, in your view?",
    "Is {topic} really as {adj} as it looks?",
)
STOPWORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "also",
        "among",
        "another",
        "because",
        "before",
        "being",
        "between",
        "both",
        "could",
        "every",
        "first",
        "from",
        "have",
        "here",
        "into",
        "itself",
        "just",
        "least",
        "like",
        "might",
        "more",
        "most",
        "much",
        "must",
        "never",
        "only",
        "other",
        "ours",
        "over",
        "same",
        "shall",
        "should",
        "since",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "think",
        "this",
        "those",
        "though",
        "through",
        "under",
        "until",
        "very",
        "what",
        "when",
        "where",
        "which",
        "while",
        "whose",
        "will",
        "with",
        "within",
        "without",
        "would",
        "your",
        "yours",
    ]
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_TOKEN = re.compile(r"\w+|[^\w\s]")


@lru_cache(maxsize=4096)
def count_tokens(text: str) -> int:
    """A simple, stable token count: words and punctuation marks.

    Cached because every request re-counts the whole history it is sent.
    """
    return len(_TOKEN.findall(text))


def cap_tokens(text: str, max_tokens: int) -> str:
    """``text`` cut after its first ``max_tokens`` tokens (as :func:`count_tokens` counts)."""
    for index, match in enumerate(_TOKEN.finditer(text)):
        if index + 1 == max_tokens:
            return text[: match.end()]
    return text


class _HashStream:
    """Deterministic random choices drawn from SHA-256 blocks of a seed."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0
        self._pool = b""

    def _next_u32(self) -> int:
        if len(self._pool) < 4:
            block = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._pool += block
        value, self._pool = int.from_bytes(self._pool[:4], "big"), self._pool[4:]
        return value

    def below(self, n: int) -> int:
        return self._next_u32() % n

    def chance(self, probability: float) -> bool:
        return self._next_u32() < probability * 2**32

    def pick(self, options: Sequence[str]) -> str:
        return options[self.below(len(options))]


def keywords_of(text: str) -> list[str]:
    """Content words of ``text`` in order of first appearance (for echoing the other agent)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text):
        lowered = word.lower().strip("'-")
        if len(lowered) >= 5 and lowered not in STOPWORDS:
            seen.setdefault(lowered, None)
    return list(seen)


def seed_for(
    messages: Sequence[ChatMessage], temperature: float | None, seed: int | None = None
) -> bytes:
    """The seed of a reply: a digest of the whole history, the temperature and the
    conversation's seed (none: the replies of every earlier version)."""
    digest = hashlib.sha256(f"temperature={temperature!r}".encode())
    if seed is not None:
        digest.update(f"seed={seed}".encode())
    for message in messages:
        digest.update(b"\x00" + message.role.encode() + b"\x01" + message.content.encode())
    return digest.digest()


def compose_reply(
    messages: Sequence[ChatMessage], temperature: float | None = None, seed: int | None = None
) -> str:
    """The reply ``local:test`` gives to ``messages``."""
    rng = _HashStream(seed_for(messages, temperature, seed))
    last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    heard = keywords_of(last_user)
    chosen = [heard[rng.below(len(heard))] for _ in range(3)] if heard else []

    def keyword() -> str:
        if chosen and rng.chance(0.6):
            return chosen[rng.below(len(chosen))]
        return rng.pick(TOPICS)

    def fill(template: str) -> str:
        kw, kw2 = keyword(), keyword()
        adjective = rng.pick(ADJECTIVES)
        article = "An" if adjective[0] in "aeiou" else "A"
        values = {
            "A_adj": f"{article} {adjective}",
            "a_adj": f"{article.lower()} {adjective}",
            "kw": kw,
            "Kw": kw[:1].upper() + kw[1:],
            "kw2": kw2,
            "topic": rng.pick(TOPICS),
            "adj": rng.pick(ADJECTIVES),
            "adj2": rng.pick(ADJECTIVES),
            "verb": rng.pick(VERBS),
            "name": rng.pick(NAMES),
            "Hedge": rng.pick(HEDGES),
            "Agree": rng.pick(AGREEMENTS),
            "Disagree": rng.pick(DISAGREEMENTS),
        }
        return template.format(**values)

    sentences: list[str] = []
    if chosen and rng.chance(0.7):
        sentences.append(fill(rng.pick(OPENERS)))
    if rng.chance(0.2):
        sentences.append(rng.pick(THANKS))
    for _ in range(3 + rng.below(10)):
        sentences.append(fill(rng.pick(SENTENCES)))
    if rng.chance(0.5):
        sentences.append(fill(rng.pick(QUESTIONS)))
    paragraphs = [
        " ".join(sentences[: len(sentences) // 2]),
        " ".join(sentences[len(sentences) // 2 :]),
    ]
    return "\n\n".join(p for p in paragraphs if p)


def split_into_chunks(text: str, words_per_chunk: int = 4) -> list[str]:
    """Split ``text`` into stream chunks that join back to exactly ``text``."""
    pieces = re.findall(r"\S+\s*", text)
    leading = text[: len(text) - len(text.lstrip())]
    chunks = [
        "".join(pieces[i : i + words_per_chunk]) for i in range(0, len(pieces), words_per_chunk)
    ]
    if chunks and leading:
        chunks[0] = leading + chunks[0]
    return chunks or [text]
