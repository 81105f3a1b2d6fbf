"""Tokens, sentences, light stemming and the phrasing matcher the rubrics are written for.

Phrasing syntax (used in rubric ``phrasings`` and red flag ``phrasings``):

- ``false positives``: the words in order, next to each other.
- ``overfit*``: a word that starts with ``overfit`` (overfits, overfitting).
- ``high variance ... overfit*``: every part in the same sentence, in any order, within
  ``WINDOW`` words of each other.
- ``(model|estimator*) complex*``: one of the alternatives at that place (one word each).

Words are compared after lower-casing and light stemming, so ``models`` matches ``model`` and
``trained`` matches ``train``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WINDOW = 16  # words that the parts of a "... " phrasing may span

_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?(?:\.[0-9]+)?%?|%")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
# Singular words ending in "s": without them "bias" would stem to "bia" while "biases" and
# "biased" stem to "bias", and "this" would miss the stop words.
_SINGULAR_S = frozenset({"bias", "alias", "atlas", "canvas", "this"})


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
    for suffix in ("ies", "ied"):
        if w.endswith(suffix) and len(w) > 4:
            return w[:-3] + "y"
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) >= 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            return w
    if w.endswith("es") and len(w) > 4 and w[-3] in "sxz":
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and not w.endswith("us") and len(w) > 3:
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case word tokens as spoken (no stemming)."""
    return _WORD_RE.findall(text.lower().replace("’", "'"))


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def sentences(text: str) -> list[str]:
    """Split a transcript into sentences; long run-on speech is cut at about 40 words."""
    out: list[str] = []
    for part in _SENTENCE_RE.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        toks = part.split()
        while len(toks) > 45:
            cut = _soft_cut(toks)
            out.append(" ".join(toks[:cut]))
            toks = toks[cut:]
        if toks:
            out.append(" ".join(toks))
    return out


def _soft_cut(toks: list[str]) -> int:
    for i in range(40, 20, -1):
        if toks[i - 1].endswith((",", ";", ":")) or toks[i].lower() in {"and", "so", "but"}:
            return i
    return 40


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


_ALT = r"[a-z0-9'%]+(?:\.[0-9]+%?)?\*?"  # "0.5" and "2.5%" are one word, as in words()
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


def _part_positions(part: tuple[Token, ...], toks: list[str]) -> list[int]:
    n = len(part)
    return [i for i in range(len(toks) - n + 1) if all(part[k].matches(toks[i + k]) for k in range(n))]


def match_phrasing(phrasing: Phrasing, toks: list[str]) -> list[int] | None:
    """Indices of the matched stems in ``toks`` (one sentence), or None when it does not match."""
    spans: list[list[int]] = []
    for part in phrasing.parts:
        pos = _part_positions(part, toks)
        if not pos:
            return None
        spans.append(pos)
    if len(spans) == 1:
        return list(range(spans[0][0], spans[0][0] + len(phrasing.parts[0])))
    # choose one position per part so that the whole span fits in the window
    best: list[int] | None = None
    best_width = WINDOW + 1

    def walk(i: int, chosen: list[int]) -> None:
        nonlocal best, best_width
        if i == len(spans):
            lo = min(chosen)
            hi = max(c + len(phrasing.parts[k]) for k, c in enumerate(chosen))
            if hi - lo <= WINDOW and hi - lo < best_width:
                best, best_width = list(chosen), hi - lo
            return
        for p in spans[i][:12]:
            walk(i + 1, [*chosen, p])

    walk(0, [])
    if best is None:
        return None
    idx: list[int] = []
    for k, start in enumerate(best):
        idx.extend(range(start, start + len(phrasing.parts[k])))
    return sorted(set(idx))


# Words that show an answer explains rather than lists: causes, contrasts, conditions, numbers.
EXPLAINERS = frozenset(
    stem(w)
    for w in [
        "because",
        "so",
        "since",
        "therefore",
        "thus",
        "which",
        "means",
        "mean",
        "meaning",
        "leads",
        "lead",
        "causes",
        "cause",
        "if",
        "when",
        "whereas",
        "while",
        "but",
        "instead",
        "than",
        "versus",
        "vs",
        "trade",
        "tradeoff",
        "cost",
        "costs",
        "reduce",
        "reduces",
        "increase",
        "increases",
        "decrease",
        "decreases",
        "more",
        "less",
        "fewer",
        "lower",
        "higher",
        "better",
        "worse",
        "by",
        "then",
        "otherwise",
        "unless",
        "until",
        "would",
        "could",
        "should",
        "depends",
        "depend",
        "example",
        "instance",
        "like",
        "such",
        "whether",
        "how",
        "why",
        "where",
        "rather",
        "only",
        "too",
        "enough",
    ]
)

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "we",
        "i",
        "you",
        "he",
        "she",
        "our",
        "my",
        "your",
        "me",
        "us",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "not",
        "no",
        "but",
        "so",
        "if",
        "then",
        "than",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "why",
        "when",
        "where",
        "can",
        "could",
        "would",
        "should",
        "will",
        "just",
        "also",
        "very",
        "really",
        "about",
        "into",
        "over",
        "under",
        "more",
        "most",
        "less",
        "some",
        "any",
        "all",
        "each",
        "other",
        "such",
        "only",
        "own",
        "same",
        "too",
        "s",
        "t",
        "don",
        "doesn",
        "isn",
        "wasn",
        "aren",
        "um",
        "uh",
        "like",
        "know",
        "basically",
    ]
)


def content_stems(text: str) -> set[str]:
    return {s for s in stems(text) if s not in STOPWORDS and len(s) > 2}
