"""The tokeniser's fast paths (ASCII text, text without "_") must find exactly what the
general pattern finds: every metric is computed on these tokens."""

from __future__ import annotations

import random

from projections.metrics.text import WORD_OR_BREAK, words_and_breaks

# Characters where the paths could part: word characters and "_", apostrophes, sentence
# ends and what may close them, ASCII white space including \v and \x1c-\x1f (white space
# to Python's str but not to an ASCII class), and non-ASCII letters, digits and spaces.
# URL openings, and the sentence ends of other scripts.
TRICKY = [*"ab Z09_'.!?\")] \t\n\v\f\r\x1c\x1f,-", "https://", "www."]
TRICKY += ["é", "ß", "²", "\u00a0", "\u2019", "—", "。", "？"]


def test_the_fast_paths_find_what_the_general_pattern_finds() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        alphabet = TRICKY[:-8] if rng.random() < 0.6 else TRICKY  # mostly ASCII
        if rng.random() < 0.5:
            alphabet = [c for c in alphabet if c != "_"]
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert words_and_breaks(text) == WORD_OR_BREAK.findall(text), repr(text)


def test_ascii_white_space_beyond_the_usual_ends_a_sentence() -> None:
    assert words_and_breaks("One.\x1cTwo") == ["One", ".\x1c", "Two"]
    assert words_and_breaks("It's_ok? Yes") == ["It's", "ok", "? ", "Yes"]
