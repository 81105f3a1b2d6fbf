"""Speech-model slips on technical terms, repaired within the question's own vocabulary.

A small speech model hears "SMOTE" as "smoke", "Platt scaling" as "plot scaling", "isotonic" as
"I satanic". An interviewer on a call hears through that; the scorer does too, but only towards
the words the rubric of *this* question uses, so a slip can only become a term the question is
about, and only when it sounds alike: same consonant skeleton (a rough sound key) or nearly the
same letters; a word the speech model itself gave a low probability may be less alike. One heard
word, or two heard words run together, may stand for one term; two words that spell a term
together ("over fits", "auto play") are that term, a compound written apart. The evidence keeps both: what was
heard and the term it was taken for. Words the question itself uses (in any form) are never
repaired, and an everyday word heard with confidence is not taken for another everyday word: both
are words people say, so nothing tells which was meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.scoring.text import EXPLAINERS, QUALIFIERS, STOPWORDS, stem, words
from voice_interviewer.track.rubric import Question

_SOUND_RULES = [
    (r"ph", "f"), (r"ck", "k"), (r"c(?=[eiy])", "s"), (r"c", "k"), (r"q", "k"), (r"x", "ks"),
    (r"z", "s"), (r"v", "f"), (r"dg", "j"), (r"th", "t"), (r"sh", "s"), (r"wh", "w"), (r"gh", "g"),
    (r"d", "t"), (r"b", "p"), (r"g", "k"),
]  # fmt: skip


@lru_cache(maxsize=20000)
def sound_key(word: str) -> str:
    """A rough consonant skeleton: voiced and unvoiced pairs merged, vowels dropped after the first letter."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return ""
    for pat, rep in _SOUND_RULES:
        w = re.sub(pat, rep, w)
    head, tail = w[0], re.sub(r"[aeiouyhw]", "", w[1:])
    key = head + tail
    return re.sub(r"(.)\1+", r"\1", key)


# a phrasing's word stem that matches any ending ("monoton*"): no word a speaker says, so never a
# term a slip is repaired to, but every word it matches ("monotone", "monotonic") is a known word
_STEM_PATTERN = re.compile(r"[a-z0-9'-]+\*")


@lru_cache(maxsize=256)
def _vocab_of(texts: tuple[str, ...]) -> frozenset[str]:
    out = set()
    for t in texts:
        t = t.lower()
        out |= {p for p in _STEM_PATTERN.findall(t) if len(p) > CONFIG.heard.min_term_letters}
        for w in words(re.sub(r"[()|]", " ", _STEM_PATTERN.sub(" ", t))):
            if len(w) >= CONFIG.heard.min_term_letters and w not in STOPWORDS and not w.isdigit():
                out.add(w)
    return frozenset(out)


@lru_cache(maxsize=256)
def _known_of(vocab: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The stems of ``vocab``'s terms, and its word stems that match any ending."""
    return frozenset(stem(t) for t in vocab if not t.endswith("*")), tuple(t[:-1] for t in vocab if t.endswith("*"))


def known(word: str, vocab: frozenset[str]) -> bool:
    """A word the question uses: a form of one of its terms, or one its phrasings match."""
    stems, prefixes = _known_of(vocab)
    return word in vocab or stem(word) in stems or word.startswith(prefixes)


def vocabulary(question: Question) -> frozenset[str]:
    """The terms of the question: its prompt, key points, phrasings and misconceptions (and, ending
    in "*", the phrasings' word stems that match any ending: see :func:`known`)."""
    texts: list[str] = [question.prompt, *question.aliases]
    for _, k in question.points():
        texts += [k.text, *k.phrasings, *k.misconceptions]
    for f in question.red_flags:
        texts += [f.text, *f.phrasings]
    return _vocab_of(tuple(texts))


@lru_cache(maxsize=8)
def everyday_words(rank: Callable[[str], int | None]) -> Callable[[str], bool]:
    """Whether a word is an everyday word, from its rank among a frequency-ordered vocabulary's
    whole words (``rank``: e.g. the embedding model's ``word_rank``; None: not a word of it)."""

    @lru_cache(maxsize=20000)
    def everyday(word: str) -> bool:
        r = rank(word)
        return r is not None and r < CONFIG.heard.everyday_words

    return everyday


@dataclass(frozen=True)
class Repair:
    start: int  # index of the first heard word
    length: int  # heard words it replaces (1 or 2)
    heard: str
    term: str


def _alike(heard: str, term: str) -> bool:
    cfg = CONFIG.heard
    if heard == term or abs(len(heard) - len(term)) > cfg.max_length_gap:
        return False
    m = SequenceMatcher(None, heard, term)
    if m.quick_ratio() < min(cfg.min_letter_ratio, cfg.min_ratio_same_sound):  # an upper bound of ratio()
        return False
    ratio = m.ratio()
    if ratio >= cfg.min_letter_ratio:
        return True
    kh, kt = sound_key(heard), sound_key(term)
    return len(kt) >= cfg.min_key_letters and kh == kt and ratio >= cfg.min_ratio_same_sound


def _unsure_alike(heard: str, term: str) -> bool:
    """Looser likeness for a word the speech model itself was unsure of: more letters may differ,
    and m/n and l/r count as one sound ("mewing" for "viewing"). A word heard with confidence keeps
    the strict likeness: most of what it could be confused with is a real word said on purpose."""
    cfg = CONFIG.heard
    if abs(len(heard) - len(term)) > cfg.max_length_gap:
        return False
    m = SequenceMatcher(None, heard, term)
    if m.quick_ratio() < min(cfg.unsure_letter_ratio, cfg.unsure_ratio_same_sound):
        return False
    ratio = m.ratio()
    if ratio >= cfg.unsure_letter_ratio:
        return True
    kh, kt = (re.sub(r"(.)\1+", r"\1", sound_key(w).replace("m", "n").replace("r", "l")) for w in (heard, term))
    return len(kt) >= cfg.min_key_letters and kh == kt and ratio >= cfg.unsure_ratio_same_sound


@lru_cache(maxsize=50000)
def term_for(heard: str, vocab: frozenset[str], unsure: bool) -> str | None:
    """The term of ``vocab`` that ``heard`` stands for (the most alike in letters), or None.

    Cached: an answer is scored again at each pause while the candidate talks, and at the end, with
    the same words again and a few new ones; only the new ones cost anything.
    """
    # of equally alike terms the first in alphabetical order, so that the repair never depends on
    # the order of a set (it changed with each process's hash seed)
    return min(
        (t for t in vocab if not t.endswith("*") and (_alike(heard, t) or (unsure and _unsure_alike(heard, t)))),
        key=lambda t: (-SequenceMatcher(None, heard, t).ratio(), t),
        default=None,
    )


def _compound(spoken: list[str], i: int, vocab: frozenset[str]) -> Repair | None:
    """Two heard words that spell a term of the question together ("over fits" for "overfits",
    "auto play", "off line"): the speech model wrote a compound apart. That is the term whatever
    the parts are ("play" is a word of the question too, and "line" alone is alike "online")."""
    pair = spoken[i : i + 2]
    # an article or "I" before a word is that ("a long one" is not "along one")
    if len(pair) < 2 or not all(w.isalpha() and len(w) > 1 for w in pair):
        return None
    joined = "".join(pair)
    if len(joined) < CONFIG.heard.min_term_letters or all(known(w, vocab) for w in pair):
        return None  # both parts words of the question: "long term" is said as its phrasings say it
    stems, prefixes = _known_of(vocab)
    # a phrasing's word stem counts only if it reaches into the second word: "neighbor*" says
    # nothing about "neighbors are", "precomput*" does about "pre computed"
    reaching = any(joined.startswith(p) and len(p) > len(pair[0]) for p in prefixes)
    if joined in vocab or stem(joined) in stems or reaching:
        return Repair(i, 2, " ".join(pair), joined)
    return None


def _slip(
    spoken: list[str],
    i: int,
    vocab: frozenset[str],
    probs: Sequence[float] | None,
    everyday: Callable[[str], bool] | None,
) -> Repair | None:
    """Two heard words run together, or else one, from ``i`` that stand for a term (see :func:`repairs`)."""
    cfg = CONFIG.heard
    for n in (2, 1):
        chunk = spoken[i : i + n]
        if len(chunk) < n or any(known(w, vocab) for w in chunk):
            continue
        heard = "".join(chunk)
        if len(heard) < cfg.min_term_letters or (n == 1 and heard in STOPWORDS):
            continue
        # only one unsure word, and never a function or explaining word ("because" is no term)
        unsure = (
            n == 1
            and probs is not None
            and probs[i] < cfg.unsure_below
            and heard not in STOPWORDS
            and stem(heard) not in EXPLAINERS | QUALIFIERS
        )
        best = term_for(heard, vocab, unsure)
        if best is not None and everyday is not None and everyday(best):
            sure = probs is None or all(p >= cfg.unsure_below for p in probs[i : i + n])
            if sure and all(everyday(w) for w in chunk):
                best = None
        if best is not None:
            return Repair(i, n, " ".join(chunk), best)
    return None


def repairs(
    spoken: list[str],
    vocab: frozenset[str],
    probs: Sequence[float] | None = None,
    everyday: Callable[[str], bool] | None = None,
) -> list[Repair]:
    """Heard words (lower case) that stand for a term of ``vocab``; known words (:func:`known`: "equals"
    for "equal", "monotonic" where a phrasing says "monoton*") are left alone.

    ``probs`` (the speech model's probability of each heard word) lets one content word it was
    unsure of match a term more loosely (:func:`_unsure_alike`); function and explaining words
    ("so it", "because") keep the strict likeness. ``everyday`` (whether a word is an everyday
    word: :func:`everyday_words`) keeps everyday words heard with confidence as they are when the
    term they resemble is an everyday word too: both are words people say, and nothing tells which
    was meant ("middle" and "model", "cause" and "because").
    """
    out: list[Repair] = []
    i = 0
    while i < len(spoken):
        found = _compound(spoken, i, vocab) or _slip(spoken, i, vocab, probs, everyday)
        if found:
            out.append(found)
            i += found.length
        else:
            i += 1
    return out
