"""The text engine behind ``local:test``: deterministic, varied, responsive replies.

A reply is a pure function of the conversation so far, the temperature and the seed: the
same history gives the same bytes on every run and machine. Randomness comes from
SHA-256 of the history, never from ``random``, whose algorithms may change between
Pythons.

What it writes: grammatical sentences from templates (``local_test_templates``) filled
from a vocabulary of about 1,200 words in 26 topics (``local_test_words.toml``). The
prompt picks the topic; the other agent's words come back. Replies vary in form: one to
four paragraphs, lists, numbers, names, questions, exclamations, contractions, now and
then an emoji, an arrow or a maths symbol; from one line to over a hundred words.

Dynamics: each agent has a persona (its favourite side topic, length, habits), drawn from
the conversation's opening as it sees it and the seed. Over the conversation an agent
aligns with the other: the share of its words taken from the other's last message, and
how far its length, paragraphs, lists, questions and emoji follow the other's, grow with
the number of its replies (with noise), so convergence trends upward; another seed takes
another path.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pidgin.domain.messages import ChatMessage
from pidgin.providers import local_test_templates as t
from pidgin.providers.local_test_words import Topic, lexicon

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_EIGHT_WORDS = struct.Struct(">8I")  # a SHA-256 block as eight 32-bit draws
_SLOT = re.compile(r"\{(\w+)\}")
_LIST_LINE = re.compile(r"^(?:- |\d+\. )", re.MULTILINE)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
EXPANSIONS = {
    "there's": "there is", "it's": "it is", "don't": "do not", "I'm": "I am",
    "that's": "that is", "isn't": "is not", "we've": "we have", "can't": "cannot",
    "I've": "I have", "I'd": "I would", "Here's": "Here is", "here's": "here is",
    "There's": "There is", "It's": "It is", "That's": "That is", "We've": "We have",
}  # fmt: skip
_CONTRACTION = re.compile(r"\b(?:" + "|".join(map(re.escape, EXPANSIONS)) + r")\b")
_STOPWORDS = """about above after again also among another because before being between both could
    every first from have here into itself just least like might more most much must never
    only other ours over same shall should since some such than that their them then there
    these they thing think this those though through under until very what when where
    which while whose will with within without would your yours"""
STOPWORDS = frozenset(_STOPWORDS.split())
_NOT_NOUN_ENDINGS = ("ly", "ed", "ing", "s", "ever", "ful", "ous", "ive", "al")
NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve")


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
        self._pool: list[int] = []

    def _next_u32(self) -> int:
        if not self._pool:
            block = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._pool = list(_EIGHT_WORDS.unpack(block))[::-1]
        return self._pool.pop()

    def below(self, n: int) -> int:
        return self._next_u32() % n

    def chance(self, probability: float) -> bool:
        return self._next_u32() < probability * 2**32

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._next_u32() / 2**32

    def pick(self, options: Sequence[str]) -> str:
        return options[self.below(len(options))]


def keywords_of(text: str) -> list[str]:
    """Content words of ``text`` in order of first appearance (for echoing the other agent)."""
    return [w for w in _distinct_words(text) if len(w) >= 5 and w not in STOPWORDS]


def _distinct_words(text: str) -> list[str]:
    """The lower-case words of ``text``, each once, in order of first appearance."""
    return [w.strip("'-") for w in dict.fromkeys(_WORD.findall(text.lower()))]


def seed_for(
    messages: Sequence[ChatMessage], temperature: float | None, seed: int | None = None
) -> bytes:
    """The seed of a reply: a digest of the whole history, the temperature and the
    conversation's seed (none: the replies of every earlier version)."""
    digest = hashlib.sha256(f"temperature={temperature!r}".encode())
    if seed is not None:
        digest.update(f"seed={seed}".encode())
    for message in messages:
        digest.update(_message_digest(message.role, message.content))
    return digest.digest()


@lru_cache(maxsize=4096)
def _message_digest(role: str, content: str) -> bytes:
    """A message's own digest: each reply re-reads the whole history, so each message
    is hashed once, not once per later reply."""
    return hashlib.sha256(role.encode() + b"\x01" + content.encode()).digest()


@dataclass(frozen=True)
class Style:
    """What a reply aims at; an agent's own, the other's as observed, or a mix."""

    words: float
    paragraphs: float
    lists: float
    questions: float
    exclamations: float
    emoji: float


MAX_WORDS = 300.0
"""The longest reply aimed at: lengths follow each other's, and without a ceiling they
random-walk upwards (30,000-word messages by turn 3,000 made a long run crawl)."""


@lru_cache(maxsize=256)  # one per agent and conversation: asked again on every reply
def _persona(opening: str, seed: int | None) -> tuple[Style, str, float]:
    """An agent's own style, favourite side topic and contraction habit, fixed for the
    whole conversation (its opening message as it sees it, and the seed)."""
    rng = _HashStream(hashlib.sha256(f"persona:{seed!r}:{opening}".encode()).digest())
    length = rng.pick(("short", "medium", "medium", "long"))
    words = {"short": 20.0, "medium": 60.0, "long": 130.0}[length] * rng.uniform(0.7, 1.3)
    style = Style(
        words=words,
        paragraphs=rng.uniform(1.0, 4.2),
        lists=rng.uniform(0.0, 0.35),
        questions=rng.uniform(0.2, 0.8),
        exclamations=rng.uniform(0.0, 0.5),
        emoji=rng.uniform(0.0, 0.3),
    )
    topics = sorted(lexicon().topics)
    return style, topics[rng.below(len(topics))], rng.uniform(0.2, 0.9)


def observe(text: str) -> Style:
    """The style of a message as another agent would see it."""
    return Style(
        words=float(len(text.split())),
        paragraphs=float(max(1, len([p for p in text.split("\n\n") if p.strip()]))),
        lists=1.0 if _LIST_LINE.search(text) else 0.0,
        questions=1.0 if "?" in text else 0.0,
        exclamations=1.0 if "!" in text else 0.0,
        emoji=1.0 if _EMOJI.search(text) else 0.0,
    )


def _blend(own: Style, other: Style, align: float) -> Style:
    def mix(a: float, b: float) -> float:
        return (1 - align) * a + align * b

    return Style(
        *(mix(a, b) for a, b in zip(vars(own).values(), vars(other).values(), strict=True))
    )


@lru_cache(maxsize=256)
def prompt_topic(prompt: str) -> str:
    """The topic whose words the prompt uses most (ties: the first used), else one drawn
    from the prompt's digest."""
    lex = lexicon()
    votes: dict[str, int] = {}
    for word in _WORD.findall(prompt.lower()):
        for name in lex.keys.get(word, ()):
            votes[name] = votes.get(name, 0) + 1
    if votes:
        return max(votes, key=lambda name: votes[name])
    topics = sorted(lex.topics)
    return topics[_HashStream(prompt.encode()).below(len(topics))]


class _Writer:
    """Fills templates for one reply."""

    def __init__(self, rng: _HashStream, topics: list[Topic], other: str, align: float):
        self.rng, self.topics, self.align = rng, topics, align
        lex = lexicon()
        said = _distinct_words(other)
        echoes = [w for w in said if len(w) >= 5 and w not in STOPWORDS]
        self.heard = [lex.noun_forms[w] for w in echoes if w in lex.noun_forms]
        self.heard_adjectives = [w for w in said if w in lex.adjectives]
        self.heard_verbs = [w for w in said if w in lex.verbs]
        # What "the {echo}" can name: a noun heard, or a word not known as anything else.
        self.echoes = [
            lex.noun_forms[w][0] if w in lex.noun_forms else w
            for w in echoes
            if w in lex.noun_forms
            or (len(w) >= 6 and w not in lex.not_nouns and not w.endswith(_NOT_NOUN_ENDINGS))
        ]
        self.pools = lex.pools
        self.makers = self._makers()

    def _topic(self) -> Topic:
        """The prompt's topic, the persona's side topic (fading as it aligns), or any."""
        roll = self.rng.uniform(0, 1)
        side = 0.3 * (1 - self.align)
        return self.topics[0 if roll < 0.6 - side else 1 if roll < 0.7 else 2 if roll < 0.85 else 3]

    def _heard(self, words: list[str], fallback: tuple[str, ...]) -> str:
        if words and self.rng.chance(0.7 * self.align):
            return self.rng.pick(words)
        return self.rng.pick(fallback)

    def noun(self, fresh: bool = False) -> tuple[str, str]:
        if fresh:
            nouns = self.topics[3].nouns
            return nouns[self.rng.below(len(nouns))]
        if self.heard and self.rng.chance(0.15 + 0.75 * self.align):
            return self.heard[self.rng.below(len(self.heard))]
        nouns = self._topic().nouns
        return nouns[self.rng.below(len(nouns))]

    def _makers(self) -> dict[str, Callable[[], str]]:
        """How each slot other than the nouns is filled."""
        rng, pools = self.rng, self.pools
        return {
            "adj": lambda: self._heard(self.heard_adjectives, self._topic().adjectives),
            "verb": lambda: self._heard(self.heard_verbs, self._topic().verbs),
            "part": lambda: rng.pick(pools["participles"]),
            "adv": lambda: rng.pick(pools["adverbs"]),
            "name": lambda: rng.pick(pools["names"]),
            "place": lambda: rng.pick(pools["places"]),
            "acr": lambda: rng.pick(pools["acronyms"]),
            "emoji": lambda: rng.pick(pools["emoji"]),
            "num": lambda: rng.pick(NUMBERS),
            "digits": lambda: str(2 + rng.below(998)),
            "year": lambda: str(1850 + rng.below(175)),
            "pct": lambda: str(5 + 5 * rng.below(19)),
            "echo": lambda: rng.pick(self.echoes) if self.echoes else self.noun()[0],
            "a_adj": lambda: _article(self.makers["adj"]()),
        }

    def fill(self, template: str) -> str:
        """``template`` with every slot filled; a slot named twice gets the same word,
        and {n2}, {ns2} and {a_n2} name the same noun."""
        values: dict[str, str] = {}
        nouns: dict[str, tuple[str, str]] = {}  # by the slot's digits

        def slot(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            base = name.rstrip("0123456789")
            if base in ("n", "ns", "a_n", "fn", "fns", "a_fn"):
                fresh = "f" in base
                suffix = ("f" if fresh else "") + name[len(base) :]
                if suffix not in nouns:
                    nouns[suffix] = self.noun(fresh)
                singular, plural = nouns[suffix]
                kind = base.replace("f", "")
                return singular if kind == "n" else plural if kind == "ns" else _article(singular)
            values[name] = self.makers[base]()
            return values[name]

        text = _SLOT.sub(slot, template)
        return text[0].upper() + text[1:]


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def compose_reply(
    messages: Sequence[ChatMessage], temperature: float | None = None, seed: int | None = None
) -> str:
    """The reply ``local:test`` gives to ``messages``."""
    rng = _HashStream(seed_for(messages, temperature, seed))
    users = [m.content for m in messages if m.role == "user"]
    opening, last = (users[0], users[-1]) if users else ("", "")
    replies = sum(1 for m in messages if m.role == "assistant")
    own, favourite, contracting = _persona(opening, seed)
    drift = 0.05 + 0.85 * replies / (replies + 8)
    align = min(0.95, max(0.0, drift + rng.uniform(-0.15, 0.15)))
    style = _blend(own, observe(last), align) if replies else own
    lex = lexicon()
    main = prompt_topic(opening)
    names = sorted(lex.topics)
    fresh = lex.topics[names[rng.below(len(names))]]  # a digression: new words keep coming
    writer = _Writer(
        rng, [lex.topics[main], lex.topics[favourite], lex.general, fresh], last, align
    )
    spread = 0.4 * (1 - align / 2)  # an aligned agent also keeps its length steadier
    target = min(MAX_WORDS, max(3.0, style.words * rng.uniform(1 - spread, 1 + spread)))
    if rng.chance(0.12 * (1 - align / 2)):  # now and then a one-liner, whatever the style
        if rng.chance(0.5):
            return writer.fill(rng.pick(t.QUESTIONS if rng.chance(0.5) else t.ECHOES))
        reaction = writer.fill(rng.pick(t.SHORT + t.EXCLAMATIONS))
        return reaction + " " + writer.fill(rng.pick(t.QUESTIONS))
    if rng.chance(0.06 * (1 - align / 2)):  # or a long answer
        target = max(target, 100.0 + rng.below(80))
    paragraphs = max(1, min(4, round(style.paragraphs + rng.uniform(-0.7, 0.7))))
    if target < 20:
        paragraphs = 1
    sentences = _sentences(writer, rng, style, target)
    blocks = _paragraphs(sentences, paragraphs)
    if rng.chance(0.08 + 0.6 * style.lists) and target >= 15:
        blocks.insert(rng.below(len(blocks) + 1), _list(writer, rng))
    text = "\n\n".join(blocks)
    if not rng.chance(contracting):
        text = _CONTRACTION.sub(lambda m: EXPANSIONS[m.group(0)], text)
    return text


def _sentences(writer: _Writer, rng: _HashStream, style: Style, target: float) -> list[str]:
    """Sentences of about ``target`` words: maybe an echo or a short reaction first,
    statements (now and then an exclamation, a symbol, an emoji), maybe a question."""
    sentences: list[str] = []
    if writer.echoes and rng.chance(0.5):
        sentences.append(writer.fill(rng.pick(t.ECHOES)))
    elif rng.chance(0.3):
        sentences.append(writer.fill(rng.pick(t.SHORT)))
    count = sum(len(s.split()) for s in sentences)
    while count < target:
        roll = rng.uniform(0, 1)
        exclaiming = 0.05 + 0.12 * style.exclamations
        pool = t.SYMBOLS if roll < 0.05 else t.EXCLAMATIONS if roll < exclaiming else t.STATEMENTS
        sentence = writer.fill(rng.pick(pool))
        if rng.chance(0.08 * style.emoji + 0.02):
            sentence += " " + writer.fill("{emoji}")
        sentences.append(sentence)
        count += len(sentence.split())
    for _ in range(1 + int(target) // 35):  # new words keep coming, as in any conversation
        sentences.insert(rng.below(len(sentences) + 1), writer.fill(rng.pick(t.DIGRESSIONS)))
    if rng.chance(0.25 + 0.6 * style.questions):
        sentences.append(writer.fill(rng.pick(t.QUESTIONS)))
    if rng.chance(0.15):
        first = sentences[0]
        acknowledgment = rng.pick(t.ACKNOWLEDGMENTS)
        if acknowledgment.endswith(", ") and not first.startswith(("I ", "I'")):
            first = first[0].lower() + first[1:]  # "Yes, the …"; after "Right. " it stays
        sentences[0] = acknowledgment + first
    return sentences


def _paragraphs(sentences: list[str], count: int) -> list[str]:
    """``sentences`` in ``count`` paragraphs (fewer if there are fewer sentences)."""
    count = min(count, len(sentences))
    size, extra = divmod(len(sentences), count)
    blocks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        blocks.append(" ".join(sentences[start:end]))
        start = end
    return blocks


def _list(writer: _Writer, rng: _HashStream) -> str:
    numbered = rng.chance(0.4)
    items = [writer.fill(rng.pick(t.LIST_ITEMS)) for _ in range(2 + rng.below(4))]
    lines = [f"{i}. {item}" if numbered else f"- {item}" for i, item in enumerate(items, 1)]
    return writer.fill(rng.pick(t.LIST_OPENERS)) + "\n" + "\n".join(lines)


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
