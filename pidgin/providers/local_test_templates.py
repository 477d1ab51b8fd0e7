"""Sentence templates of ``local:test`` (filled by ``local_test_text``).

Slots: {n} {n2} a noun, {ns} {ns2} its plural, {a_n} with "a"/"an" ({fn}, {fns}, {a_fn}:
the same from the reply's digression topic), {adj} {adj2}, {a_adj},
{verb} {verb2} (a base form that takes an object), {part} a past participle, {adv},
{name}, {place}, {num} (2–12 in words), {digits} (a number), {year}, {pct}, {acr} (an
acronym), {echo} (a word the other agent used), {emoji}. A sentence's first letter is
capitalised after filling. Contractions are written out; a reply that avoids them
expands them all (``local_test_text.EXPANSIONS``).
"""

from __future__ import annotations

STATEMENTS = (
    "{ns} {verb} {ns2} more than people expect.",
    "I think the {n} is {adj}, but the {n2} is {adj2}.",
    "there's something {adj} about the {n}.",
    "it's {adj} how {ns} can {verb} the {n}.",
    "we don't often notice how {adj} the {n} is.",
    "in {place}, people {verb} {ns} every day.",
    "the {n} is often {part} by {ns}, and that's {adj}.",
    "perhaps {ns} and {ns2} belong together.",
    "I'm not sure the {n} can {verb} the {n2} on its own.",
    "of course, the {n} matters more than the {n2}.",
    "maybe it's the {adj} {n} that makes the difference.",
    "about {pct} percent of {ns} are {adj}, or so I've read.",
    "in {year}, {name} described the {n} as {a_adj} {n2}.",
    "{name} once told me that {ns} {verb} {ns2}.",
    "honestly, the {n} feels {adj} to me.",
    "the meaning of the {n} isn't fixed; it depends on the {n2}.",
    "this conversation keeps returning to {ns}, which I like.",
    "however, {ns} rarely {verb} {ns2} without help.",
    "for example, {a_n} can {verb} {a_n2} in {num} different ways.",
    "clearly, the {n} is {adj}, and nobody would deny it.",
    "I wonder whether {ns} could {verb} {ns2} at all.",
    "we've all seen {ns} {verb} the {n}.",
    "{a_n} that was {part} in {year} can still {verb} the {n2}.",
    "the {n} was {part} long before anyone wrote it down.",
    "{num} {ns} and {a_adj} {n2}: that's the whole picture.",
    "it seems that {ns} {adv} {verb} the {n}.",
    "you can't {verb} {a_n} without {a_n2}.",
    "{ns} are {adj}; {ns2} are {adj2}.",
    "a report by the {acr} once counted {digits} {ns} in {place}.",
    "the purpose of {ns} feels {adj} to me.",
    "in other words, the {n} is {a_adj} kind of {n2}.",
    "it's true that {ns} {verb} {ns2}, although not always.",
    "my guess is that the {n} will {verb} the {n2} eventually.",
    "people in {place} {adv} {verb} their {ns}.",
    "the difference between {a_n} and {a_n2} is {adj}.",
    "as a result, {ns} {verb} {ns2} more slowly than before.",
    "we discussed the {n} earlier, and it's still {adj}.",
    "that said, the {adj} {n} is easy to miss.",
    "I'd add that {ns} are rarely {adj}.",
    "even {a_adj} {n} can {verb} {ns}.",
    "sorry, I meant {ns}, not {ns2}.",
    "if I may, the {n} is more {adj} than it looks.",
    "excuse me for repeating myself, but {ns} {verb} {ns2}.",
    "the {n} is really, really {adj}.",
    "no, no, the {n} isn't {adj} at all.",
    "it's good that you raised the {echo}; it's {adj}.",
)
DIGRESSIONS = (  # {fn} {fns} {a_fn}: nouns of a topic drawn for this reply alone
    "it reminds me of {fns}, oddly enough.",
    "a friend in {place} compares it to {a_fn}.",
    "somewhere, {digits} {fns} are doing the same thing.",
    "{name} would bring up {fns} here, and {fns2} too.",
    "it's a bit like {a_fn} and {a_fn2}.",
    "think of {fns} in {year}.",
)
SHORT = (
    "yes, exactly.",
    "I agree with that.",
    "good point about the {echo}.",
    "fair point.",
    "not quite, I think.",
    "hmm, maybe.",
    "right, the {echo}.",
    "that makes sense.",
    "I'm not so sure.",
    "well said.",
    "that helps.",
)
ECHOES = (
    "you mentioned the {echo}, and it stays with me.",
    "your point about the {echo} is {adj}.",
    "the {echo} is a good place to start.",
    "I keep thinking about the {echo} you described.",
    "thank you for bringing up the {echo}.",
    "when you say {echo}, I think of {ns}.",
    "you said {echo}; I'd say {ns}.",
)
QUESTIONS = (
    "what makes the {n} so {adj}?",
    "do you think {ns} can {verb} {ns2}?",
    "how would {name} describe the {n}?",
    "isn't the {n} a bit {adj}?",
    "where do {ns} and {ns2} meet, in your view?",
    "why do we {verb} {ns} at all?",
    "what would you {verb} first: the {n} or the {n2}?",
    "could you tell me more about the {echo}, please?",
    "have you ever seen {a_adj} {n}?",
    "is it the {n} or the {n2} that matters more?",
)
EXCLAMATIONS = (
    "what {a_adj} idea!",
    "I love that!",
    "that's {adj}!",
    "wow, {ns}!",
    "exactly right!",
    "oh, the {n} again!",
    "how {adj}!",
)
SYMBOLS = (
    "the {n} → the {n2} → {a_adj} {n2}: that's how I see it.",
    "{ns} ≈ {ns2}, more or less.",
    "if x ≥ {digits}, the {n} wins; otherwise the {n2} does.",
    "roughly {digits} × {num} {ns}, give or take.",
    "{ns} -> {ns2} -> {ns}: the loop closes.",
    "from the {n} ← to the {n2}, step by step.",
)
LIST_OPENERS = (
    "{num} things about {ns}:",
    "here's how I'd sort it:",
    "a few {adj} {ns}, in no particular order:",
    "my short list:",
)
LIST_ITEMS = (
    "{a_adj} {n}",
    "{ns} that {verb} the {n2}",
    "the {n} of {name}",
    "{digits} {ns}",
    "the {adj} {n} in {place}",
    "{ns} and {ns2}",
)
ACKNOWLEDGMENTS = ("Yes, ", "Ah, ", "Interesting. ", "Right. ", "Well, ", "Oh, ", "Sure, ")
