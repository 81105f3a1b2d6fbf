"""The phrasing syntax of the rubrics: how a phrasing is parsed and how its words are normalized.

Phrasing syntax (used in rubric ``phrasings`` and red flag ``phrasings``):

- ``false positives``: the words in order, next to each other.
- ``overfit*``: a word that starts with ``overfit`` (overfits, overfitting).
- ``high variance ... overfit*``: every part in the same sentence, in any order, within a
  window of words of each other (the window is part of the scoring configuration).
- ``(model|estimator*) complex*``: one of the alternatives at that place (one word each).

Words are compared after lower-casing and light stemming (:func:`stem`), so ``models`` matches
``model``, ``trained`` matches ``train`` and ``remove`` matches ``removing``. The rubric loader
validates every phrasing with :func:`parse_phrasing`; scoring matches the parsed form against an
answer's sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
# Singular words ending in "s": without them "bias" would stem to "bia" while "biases" and
# "biased" stem to "bias", and "this" would miss the stop words.
_SINGULAR_S = frozenset({"bias", "alias", "atlas", "canvas", "this"})
# Words the rules below would take to another word: "note" and "noted" to the negation "not", "here"
# to the pronoun "her"; words that only end like "-ed" kept with their other forms ("embeds",
# "hundreds"), and "agreed" with "agree" (a word in "-eed" keeps its ending: "speed", "exceed").
_IRREGULAR = {"note": "note", "notes": "note", "noted": "note", "noting": "note", "here": "here"}
_IRREGULAR |= {"embed": "embed", "hundred": "hundred", "agreed": "agre", "disagreed": "disagre"}


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """A light, deterministic suffix stripper; both sides of every match use it."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
    w = _NUMBER_WORDS.get(w, w)  # "ten" and "10" are the same word, in rubrics and in answers
    if len(w) <= 3 or w in _SINGULAR_S:
        return w
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    for suffix in ("ies", "ied"):
        if w.endswith(suffix) and len(w) > 4:
            return w[:-3] + "y"
    if w.endswith("ings"):  # "embeddings", "settings": the plural of the "-ing" word
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("eed"):  # not "exceed", "speed"
            w = w[: -len(suffix)]
            if len(w) >= 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            return w
    if w.endswith("es") and len(w) > 4 and w[-3] in "sxz":
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and not w.endswith("us") and len(w) > 3:
        w = w[:-1]
    return _without_final_e(w)


def _without_final_e(w: str) -> str:
    """A final silent "e" dropped, as the suffixes above drop it ("removing" and "removed" are "remov",
    so "remove" and "removes" must be too; "cases" is "cas", so "case" is), and "movie" like "movies"."""
    if len(w) < 4 or not w.endswith("e"):
        return w
    return w[:-2] + "y" if w.endswith("ie") else w[:-1]


@dataclass(frozen=True)
class Token:
    """One word of a part of a phrasing: alternatives, each exact (stemmed) or a prefix."""

    options: tuple[tuple[str, bool], ...]  # (stem or prefix, is_prefix)

    def matches(self, s: str) -> bool:
        return any(s.startswith(o) if pre else s == o for o, pre in self.options)


@dataclass(frozen=True)
class Phrasing:
    raw: str
    parts: tuple[tuple[Token, ...], ...]  # each part: consecutive words


_ALT = r"[a-z0-9'%]+(?:\.[0-9]+%?)?\*?"  # "0.5" and "2.5%" are one word, as in scoring.text.words()
_TOKEN_RE = re.compile(rf"^(\({_ALT}(\|{_ALT})+\)|{_ALT})$")


def _parse_token(tok: str) -> Token:
    tok = tok.lower()
    if not _TOKEN_RE.match(tok):
        raise ValueError(
            f"bad word {tok!r}: use plain words, 'prefix*' or '(a|b*|c)'; "
            "no hyphens, spaces inside brackets or other marks"
        )
    alts = tok[1:-1].split("|") if tok.startswith("(") else [tok]
    options = []
    for alt in alts:
        if alt.endswith("*"):
            prefix = alt[:-1]
            if len(prefix) >= 5 and prefix.endswith("e"):
                prefix = prefix[:-1]  # stems drop the e: "reduce*" must match "reduced" (stem "reduc")
            word = stem(alt[:-1])
            if not word.startswith(prefix):
                # a prefix that is a word must match that word and its forms: "embedding*" matches
                # "embedding" (stem "embed"), "care*" matches "cared" (stem "car"); "car*" would
                # match "career" and "embed*" "embeddable"
                options.append((word, False))
            options.append((prefix, True))
        else:
            options.append((stem(alt), False))
    return Token(tuple(options))


@lru_cache(maxsize=4096)
def parse_phrasing(raw: str) -> Phrasing:
    """Parse a phrasing (see the module docstring); raises ValueError with the reason."""
    parts = []
    for chunk in raw.split("..."):
        toks = chunk.split()
        if not toks:
            raise ValueError(f"phrasing {raw!r} has an empty part")
        parts.append(tuple(_parse_token(t) for t in toks))
    return Phrasing(raw, tuple(parts))
