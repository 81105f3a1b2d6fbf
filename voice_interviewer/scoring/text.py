"""Tokens, sentences and the matcher for rubric phrasings (parsed in :mod:`voice_interviewer.track.phrasing`).

A phrasing's parts must all fall in one sentence, within ``CONFIG.text.window`` words of each
other; words are compared as stems (:func:`stem`), on both sides.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.track.phrasing import Phrasing, Token, parse_phrasing, stem

__all__ = ["Phrasing", "Token", "parse_phrasing", "stem"]

WINDOW = CONFIG.text.window  # words that the parts of a "... " phrasing may span

_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?(?:\.[0-9]+)?%?|%")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")  # within a line: a new line always ends a sentence


# A spelled-out acronym with dots ("B.F.S.", "A.B. test", "e.g."): speech models write letters said
# one by one this way. Read as one word; otherwise its dots cut the sentence ("D.F.S. | is the other
# one") and its letters match no term.
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NEXT_SENTENCE = re.compile(r"\s+[A-Z]")


def undotted(text: str) -> str:
    """``text`` with every dotted acronym written as one word; its last dot is kept where a sentence
    starts after it ("the B.F.S. Yeah," -> "the BFS. Yeah,", "D.F.S. is" -> "DFS is")."""

    def one_word(m: re.Match[str]) -> str:
        ends = _NEXT_SENTENCE.match(m.string, m.end()) is not None
        return m.group(0).replace(".", "") + ("." if ends else "")

    return _DOTTED.sub(one_word, text)


def _normal(text: str) -> str:
    """Lower case, curly apostrophes straight, dotted acronyms one word: the text words are read from."""
    return undotted(text).lower().replace("’", "'")


def words(text: str) -> list[str]:
    """Lower-case word tokens as spoken (no stemming)."""
    return _WORD_RE.findall(_normal(text))


def with_words_replaced(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with runs of its words (first index, how many, as :func:`words` counts them) replaced
    by other text; everything else (case, punctuation) as it was."""
    normal = _normal(text)
    if len(normal) != len(text):  # a letter whose lower case is longer ("İ"): the places would not line up
        ws = words(text)
        for first, n, new in sorted(spans, reverse=True):
            ws[first : first + n] = [new]
        return " ".join(ws)
    found = list(_WORD_RE.finditer(normal))  # the words of :func:`words`, with their places
    out, at = [], 0
    for first, n, new in sorted(spans):
        out += [text[at : found[first].start()], new]
        at = found[first + n - 1].end()
    return "".join([*out, text[at:]])


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


# Words that continue the sentence before them. A speech model writes a full stop at every pause,
# so "..., that's where most problems come from. Because in my experience ..." is one thought
# cut in two (tiny.en puts half again as many full stops in the development set's answers as
# their writers did), and the reason lands in a sentence of its own. Spoken, "that's", "like",
# "where" and "while" carry on the thought as often ("... on its own training data. That's high
# bias."). Not "so" or "then": they start the next step as often as they continue ("Then check the
# features."), and joined, "so" sentences diluted the meaning of the ones before them (on the
# development set's espeak-ng transcripts, Spearman 0.861 without it, 0.852 with it).
_JOINING = ("because", "whether", "which", "and", "but", "or", "since", "although", "though", "unless")
CONTINUING = frozenset([*_JOINING, "like", "that's", "where", "while"])


def _joined(parts: list[str]) -> list[str]:
    """Parts that start with a continuing word joined to the part before them (up to the run-on limit)."""
    out: list[str] = []
    for part in parts:
        first = words(part[:20])
        fits = out and len(out[-1].split()) + len(part.split()) <= CONFIG.text.run_on_words
        if fits and first and first[0] in CONTINUING:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def sentences(text: str, spoken: bool = False) -> list[str]:
    """Split a transcript into sentences; long run-on speech is cut at about ``CONFIG.text.cut_at`` words.

    ``spoken``: a part that starts with a continuing word (:data:`CONTINUING`) joins the one before it
    on the same line (a new line is a new answer: an exchange's answers are joined by new lines).
    """
    out: list[str] = []
    parts: list[str] = []
    for line in undotted(text).strip().split("\n"):
        line_parts = [p.strip() for p in _SENTENCE_RE.split(line.strip()) if p.strip()]
        parts += _joined(line_parts) if spoken else line_parts
    for part in parts:
        toks = part.split()
        while len(toks) > CONFIG.text.run_on_words:
            cut = _soft_cut(toks)
            out.append(" ".join(toks[:cut]))
            toks = toks[cut:]
        if toks:
            out.append(" ".join(toks))
    return out


def _soft_cut(toks: list[str]) -> int:
    for i in range(CONFIG.text.cut_at, CONFIG.text.earliest_cut, -1):
        if toks[i - 1].endswith((",", ";", ":")) or toks[i].lower() in {"and", "so", "but"}:
            return i
    return CONFIG.text.cut_at


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


_ITEM_SPLIT = re.compile(r"[,;:]")
HESITATIONS = frozenset(["um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm"])


_ITEM_OPENERS = frozenset({"and", "or", "a", "an", "the"})


def _item_words(item: str) -> list[str]:
    """An item's words after the conjunction and article that open it."""
    ws = words(item)
    while ws and ws[0] in _ITEM_OPENERS:
        ws = ws[1:]
    return ws


def _items(sentence: str) -> list[str]:
    return [p for p in _ITEM_SPLIT.split(sentence) if p.strip()]


def enumerates(sentence: str) -> bool:
    """Whether a sentence is a long enumeration of bare items: at least
    ``CONFIG.content.enumeration_min_items`` parts between commas, semicolons and colons, whose
    parts after the first (the lead-in, "For the design I'd think about ...", is not counted) hold
    fewer than ``enumeration_max_function_share`` function words. Hesitation sounds are not words here,
    nor are the words that open an item of any list ("and a vector database", "the heap")."""
    cfg = CONFIG.content
    parts = _items(sentence)
    if len(parts) < cfg.enumeration_min_items:
        return False
    toks = [t for item in parts[1:] for t in _item_words(item) if t not in HESITATIONS]
    share = sum(stem(t) in STOPWORDS or "'" in t for t in toks) / max(len(toks), 1)
    return share < cfg.enumeration_max_function_share


def items(sentence: str) -> int:
    """The parts of a sentence between commas, semicolons and colons."""
    return len(_items(sentence))


_AND = re.compile(r"\band\b", re.IGNORECASE)


def short_items(sentence: str) -> bool:
    """Whether a sentence is three or more items (between commas, semicolons, colons and "and") that
    name things: none after the first longer than ``CONFIG.content.short_item_max_words`` words once
    its opening "and" and article are dropped, and none opening with an explaining word ("because it
    shrinks the weights")."""
    parts = _items(sentence)
    named = [_item_words(w) for item in parts[1:] for w in _AND.split(item) if w.strip()]
    named = [[t for t in n if t not in HESITATIONS] for n in named]
    longest = CONFIG.content.short_item_max_words
    return len(parts) >= 3 and all(len(n) <= longest and not (n and stem(n[0]) in EXPLAINERS) for n in named)


def _wordlist(text: str) -> list[str]:
    return text.split()


# Words that relate one idea to another, so that a sentence with one explains rather than lists or
# asserts: a cause, a consequence, a contrast, a condition, a comparison ("than"), an example.
EXPLAINERS = frozenset(
    stem(w)
    for w in _wordlist(
        "because so since therefore thus which means mean meaning leads lead causes cause if when whereas "
        "while but instead than versus vs trade tradeoff cost costs reduce reduces increase increases "
        "decrease decreases by then otherwise unless until depends depend example instance like such "
        "whether how why where rather only too enough"
    )
)
# "versus" relates two things only within a clause, one with a subject: "I look at training versus
# validation error" compares them, "Training versus validation error." names the comparison.
_COMPARING = frozenset(stem(w) for w in ("versus", "vs"))
_SUBJECTS = frozenset(stem(w) for w in _wordlist("i we you it they he she this that there one"))


def explaining(toks: Sequence[str]) -> bool:
    """Whether a sentence (its stems) relates what it says: it has an explaining word, or in a short
    sentence (fewer than ``CONFIG.content.named_only_max_words``) a "versus" with a subject."""
    found = {t for t in toks if t in EXPLAINERS}
    if not found or not found <= _COMPARING or len(toks) >= CONFIG.content.named_only_max_words:
        return bool(found)
    return any(t.split("'")[0] in _SUBJECTS for t in toks)


def said_again(sentences: Sequence[Sequence[str]]) -> list[bool]:
    """For each sentence (its stems), whether earlier ones said it already: ``repeat_share`` of its
    pairs of words in a row are theirs, and it has ``repeat_min_words`` content words or more. Said
    again, a sentence carries nothing more (a point, reasoning, length, an event of a story). Pairs,
    not words: a sentence that draws a conclusion from an earlier one's terms uses its words, not its
    pairs."""
    cfg = CONFIG.content
    seen: set[tuple[str, str]] = set()
    out = []
    for toks in sentences:
        pairs = set(pairwise(toks))
        content = sum(t not in STOPWORDS for t in toks)
        out.append(content >= cfg.repeat_min_words and len(pairs & seen) >= cfg.repeat_share * len(pairs))
        seen |= pairs
    return out


# Words that qualify a statement without relating it to anything: modal verbs and comparatives
# without their "than". "More data helps." and "It would be scalable and real-time." assert; they
# do not explain (as explaining words they let buzzword sentences pass for reasoning: leave-one-
# question-out typed Spearman 0.896 -> 0.900, Piper 0.869 -> 0.874, espeak-ng 0.858 -> 0.861
# without them). Not terms either: the speech-model repairs leave them alone.
QUALIFIERS = frozenset(stem(w) for w in _wordlist("would could should more less fewer lower higher better worse"))

_STOP = _wordlist(
    "a an the and or of to in on for with at by from as is are was were be been being it its this "
    "that these those there their they them we i you he she our my your me us do does did have has "
    "had not no but so if then than what which who whom how why when where can could would should "
    "will just also very really about into over under more most less some any all each other such "
    "only own same too s t don doesn isn wasn aren um uh like know basically"
)
STOPWORDS = frozenset([*_STOP, *map(stem, _STOP)])  # as said and as stems: both are looked up


def content_terms(text: str) -> list[str]:
    """The stems of the content words, in order (repeats kept)."""
    return [s for s in stems(text) if s not in STOPWORDS and len(s) > 2]


def content_stems(text: str) -> set[str]:
    return set(content_terms(text))


def top_terms_share(text: str, k: int = 3) -> tuple[float, int]:
    """(the share of the content words taken by the ``k`` most frequent of them, how many content words)."""
    terms = content_terms(text)
    if not terms:
        return 0.0, 0
    return sum(n for _, n in Counter(terms).most_common(k)) / len(terms), len(terms)
