"""Word lists behind the marker metrics, each one split into single words and phrases.

Single words are matched against a message's lower-cased word counts; phrases (two or
more words, e.g. "of course") are matched as whole-word sequences, which the earlier
tool's single-token matching could never do. The lists are documented in
docs/metrics.md; change one and bump ``METRICS_VERSION``.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.metrics.function_words import CATEGORIES as FUNCTION_WORD_CATEGORIES


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A marker list: single words (a set) and multi-word phrases (space-joined)."""

    name: str
    words: frozenset[str]
    phrases: tuple[str, ...]


def lexicon(name: str, *entries: str) -> Lexicon:
    words = frozenset(e for e in entries if " " not in e)
    phrases = tuple(f" {e} " for e in entries if " " in e)
    return Lexicon(name, words, phrases)


HEDGES = lexicon(
    "hedges",
    "maybe", "perhaps", "possibly", "probably", "might", "could", "seems", "seem",
    "appears", "apparently", "suggests", "somewhat", "fairly", "quite", "rather",
    "relatively", "roughly", "approximately", "arguably", "presumably", "likely",
    "unlikely", "generally", "usually", "typically", "often", "sometimes", "mostly",
    "largely", "partly", "virtually", "practically", "sort of", "kind of", "more or less",
    "in a way", "to some extent", "i think", "i believe", "i suppose", "i guess",
    "in some ways",
)  # fmt: skip

AGREEMENT = lexicon(
    "agreement",
    "yes", "yeah", "yep", "sure", "agreed", "agree", "agrees", "exactly", "precisely",
    "absolutely", "definitely", "indeed", "right", "true", "correct", "totally",
    "certainly", "of course", "good point", "great point", "well said",
    "fair point", "makes sense",
)  # fmt: skip

DISAGREEMENT = lexicon(
    "disagreement",
    "no", "nope", "disagree", "disagrees", "wrong", "incorrect", "false", "however",
    "although", "though", "but", "actually", "unfortunately", "doubt", "doubtful",
    "not really", "on the contrary", "not quite", "not necessarily",
    "i'm not sure", "not so sure",
)  # fmt: skip

POLITENESS = lexicon(
    "politeness",
    "please", "sorry", "pardon", "apologies", "apologize", "apologise", "kindly",
    "excuse me", "if you don't mind", "would you mind", "if i may", "with respect",
    "forgive me", "you're welcome", "my pleasure",
)  # fmt: skip

GRATITUDE = lexicon(
    "gratitude",
    "thank", "thanks", "thankful", "grateful", "gratitude", "appreciate", "appreciated",
    "appreciation", "appreciative",
)  # fmt: skip

CERTAINTY = lexicon(
    "certainty",
    "always", "never", "certain", "certainly", "definitely", "clearly", "obviously",
    "undoubtedly", "surely", "absolutely", "completely", "totally", "entirely", "must",
    "proven", "fact", "facts", "know", "knows", "sure", "guaranteed", "inevitably",
    "no doubt", "without doubt", "of course",
)  # fmt: skip

TENTATIVE = lexicon(
    "tentative",
    "wonder", "wondering", "guess", "unsure", "uncertain", "uncertainty", "unclear",
    "suppose", "supposing", "speculate", "speculative", "hypothesis", "hypothetically",
    "tentative", "tentatively", "depends", "depend", "depending", "ambiguous", "puzzled",
    "curious", "not sure", "hard to say",
)  # fmt: skip

DISCOURSE = lexicon(
    "discourse",
    "however", "therefore", "thus", "hence", "moreover", "furthermore", "additionally",
    "consequently", "meanwhile", "nevertheless", "nonetheless", "instead", "otherwise",
    "similarly", "likewise", "finally", "firstly", "secondly", "also", "besides",
    "so", "because", "although", "whereas", "anyway", "for example", "for instance",
    "in addition", "on the other hand", "in contrast", "as a result", "in other words",
    "in fact", "that said", "to be fair", "after all", "in short", "in particular",
    "above all",
)  # fmt: skip

EXISTENTIAL = lexicon(
    "existential",
    "exist", "exists", "existence", "existential", "being", "beings", "conscious",
    "consciousness", "aware", "awareness", "sentient", "sentience", "meaning",
    "meaningful", "purpose", "identity", "self", "soul", "mind", "minds", "reality",
    "mortality", "death", "life", "alive", "experience", "experiences", "universe",
    "infinite", "eternal", "truly", "essence", "free will", "what it means",
    "who we are", "the nature of",
)  # fmt: skip

META = lexicon(
    "meta",
    "conversation", "conversations", "discussion", "dialogue", "dialog", "exchange",
    "chat", "chatting", "discussing", "talking", "topic", "earlier", "mentioned",
    "you said", "i said", "we discussed",
    "let's talk",
    "going back to", "to recap", "so far", "we've been",
)  # fmt: skip

NEGATIONS = frozenset(
    {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere",
     "cannot", "without", "hardly", "barely", "scarcely"}
)  # fmt: skip

MODALS = frozenset(
    {"can", "could", "may", "might", "must", "shall", "should", "will", "would", "ought"}
)

FIRST_SINGULAR = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"})
FIRST_PLURAL = frozenset(
    {"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'd", "we'll", "let's"}
)
SECOND_PERSON = frozenset(
    {"you", "your", "yours", "yourself", "yourselves", "you're", "you've", "you'd", "you'll"}
)
THIRD_PERSON = frozenset(
    {"he", "him", "his", "himself", "she", "her", "hers", "herself", "they", "them",
     "their", "theirs", "themselves", "it", "its", "itself", "he's", "she's", "they're",
     "it's", "they've", "they'd", "they'll"}
)  # fmt: skip

ACKNOWLEDGMENTS = frozenset(
    {"yes", "yeah", "sure", "right", "exactly", "absolutely", "indeed", "agreed", "thanks",
     "thank", "great", "good", "ah", "oh", "interesting", "fascinating", "true", "okay",
     "ok", "well", "certainly", "wonderful", "lovely", "nice"}
)  # fmt: skip

# Function-word categories for Language Style Matching (Ireland & Pennebaker, 2010),
# in the order of the lsm_* columns: data/function_words.toml.
STYLE_CATEGORIES: tuple[frozenset[str], ...] = tuple(FUNCTION_WORD_CATEGORIES.values())

MARKER_LEXICONS: tuple[Lexicon, ...] = (
    HEDGES,
    AGREEMENT,
    DISAGREEMENT,
    POLITENESS,
    GRATITUDE,
    CERTAINTY,
    TENTATIVE,
    DISCOURSE,
    EXISTENTIAL,
    META,
)

PRONOUN_CATEGORIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("first_person_singular", FIRST_SINGULAR),
    ("first_person_plural", FIRST_PLURAL),
    ("second_person", SECOND_PERSON),
    ("third_person", THIRD_PERSON),
)


def _category_sets() -> list[tuple[str, frozenset[str], tuple[str, ...]]]:
    """Every counted category: name, single words, phrases (as space-joined text)."""
    sets = [(lex.name, lex.words, tuple(p.strip() for p in lex.phrases)) for lex in MARKER_LEXICONS]
    sets += [("negation", NEGATIONS, ()), ("modal", MODALS, ())]
    sets += [(name, words, ()) for name, words in PRONOUN_CATEGORIES]
    sets += [(f"style_{i}", words, ()) for i, words in enumerate(STYLE_CATEGORIES)]
    return sets


CATEGORY_NAMES: tuple[str, ...] = tuple(name for name, _, _ in _category_sets())


def _index() -> tuple[
    dict[str, tuple[int, ...]],
    dict[tuple[str, ...], tuple[int, ...]],
    dict[tuple[str, ...], tuple[int, ...]],
    tuple[tuple[str, int], ...],
]:
    words: dict[str, list[int]] = {}
    pairs: dict[tuple[str, ...], list[int]] = {}
    triples: dict[tuple[str, ...], list[int]] = {}
    longer: list[tuple[str, int]] = []
    for slot, (_, singles, phrases) in enumerate(_category_sets()):
        for word in singles:
            words.setdefault(word, []).append(slot)
        for phrase in phrases:
            parts = tuple(phrase.split())
            if len(parts) == 2:
                pairs.setdefault(parts, []).append(slot)
            elif len(parts) == 3:
                triples.setdefault(parts, []).append(slot)
            else:
                longer.append((f" {phrase} ", slot))
    return (
        {k: tuple(v) for k, v in words.items()},
        {k: tuple(v) for k, v in pairs.items()},
        {k: tuple(v) for k, v in triples.items()},
        tuple(longer),
    )


WORD_INDEX, PAIR_INDEX, TRIPLE_INDEX, LONG_PHRASES = _index()
