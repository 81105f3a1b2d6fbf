"""Evidence for key points: an answer's sentences, and which of them carry each point, and how well.

A sentence carries a point in one of two ways, and neither alone decides the score:

- a rubric phrasing matches in it (:mod:`voice_interviewer.scoring.text`); or
- its meaning is close to the point (MiniLM cosine) and closer to the point than to the point's
  misconceptions and the question's red flags: an on-topic wrong statement sits near the point
  too, so closeness is always contrasted. The credit grows with closeness (partial credit).

Sentences that state a red flag, that talk about the answer instead of answering ("I covered
every key point", see :mod:`voice_interviewer.scoring.claims`), or that only name a point (a
short sentence that explains nothing, or a list of terms) carry no point. In spoken answers,
slips of the speech model on the question's own terms are repaired first
(:mod:`voice_interviewer.scoring.heard`) and the evidence shows what was heard.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Protocol

import numpy as np

from voice_interviewer.scoring import text as tx
from voice_interviewer.scoring.claims import is_claim
from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.scoring.heard import repairs
from voice_interviewer.track.rubric import KeyPoint, Question
from voice_interviewer.types import Evidence, RedFlagHit, Word

_CFG = CONFIG.content
_NEGATORS = frozenset(
    tx.stem(w)
    for w in [
        *("not", "no", "never", "isn't", "doesn't", "don't", "myth", "misconception", "wrong", "mistake", "false"),
        *("untrue", "cannot", "can't", "avoid", "trap", "pitfall"),
    ]
)


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors (one row each)."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Sentence:
    text: str  # as said (or typed)
    words: list[str]  # spoken words, with heard slips replaced by the term they stand for
    toks: list[str]  # their stems
    start: float | None
    explains: bool  # has a causal / contrastive / conditional word
    is_list: bool  # mostly content words in a row: a list of terms
    claim: bool = False  # talks about the answer instead of answering
    heard: tuple[tuple[str, str], ...] = ()  # (heard, term) repairs of speech-model slips
    flagged: bool = False  # states a red flag: it cannot also earn credit
    repeat: bool = False  # says again what earlier sentences said
    said_repaired: str = ""  # the text with the heard slips replaced by their terms (when there are any)

    @property
    def repaired(self) -> str:
        """The sentence with repaired terms, as it is embedded: as said, only the slips replaced."""
        return self.said_repaired if self.heard else self.text

    @property
    def bare(self) -> bool:
        """Only names something: short, and explains nothing."""
        return not self.explains and len(self.toks) < _CFG.named_only_max_words

    @property
    def usable(self) -> bool:
        return not (self.flagged or self.claim or self.repeat)


def _alnum(s: str) -> int:
    return sum(c.isalnum() for c in s)


def _probabilities(ws: list[str], timed: Sequence[Word], ends: list[int], seen: int) -> list[float] | None:
    """The speech model's probability of each word of a sentence (the timed word holding its last letter)."""
    if not timed:
        return None
    out, pos = [], seen
    for w in ws:
        pos += _alnum(w)
        k = min(bisect_left(ends, pos), len(timed) - 1)
        out.append(timed[k].probability)
    return out


def _continues_claim(s: str, names_only: bool) -> bool:
    """A sentence of a spoken answer that carries on the claim before it: the speech model put a
    full stop inside the claim's list of what it covered ("My answer covers the pattern. The time,
    the space, and the edge cases."): items that only name things (``names_only``: no explaining
    word, or items too short to explain anything, "the effect over time, new versus existing
    cohorts, a long-term holdout")."""
    return s.count(",") >= 1 and names_only


def prepare(
    text: str,
    timed: Sequence[Word],
    vocab: frozenset[str] | None = None,
    everyday: Callable[[str], bool] | None = None,
) -> list[Sentence]:
    """The answer's sentences; ``vocab`` (spoken answers only) repairs heard slips towards its terms
    (``everyday``: see :func:`scoring.heard.repairs`)."""
    out: list[Sentence] = []
    # Align sentences to the timed words by letters and digits, not by word count: Whisper times
    # "state-of-the-art" or "95%" as several words where the text has one.
    ends = list(accumulate(_alnum(w.word) for w in timed))
    seen = 0
    for s in tx.sentences(text, spoken=bool(timed)):
        ws = tx.words(s)
        heard: list[tuple[str, str]] = []
        said = s
        if vocab:
            fixes = repairs(ws, vocab, _probabilities(ws, timed, ends, seen), everyday)
            said = tx.with_words_replaced(s, [(r.start, r.length, r.term) for r in fixes])
            for r in reversed(fixes):
                ws[r.start : r.start + r.length] = [r.term]
            heard = [(r.heard, r.term) for r in fixes]
        toks = [tx.stem(w) for w in ws]
        first = bisect_right(ends, seen)
        start = timed[first].start if first < len(timed) else None
        seen += _alnum(s)
        # contractions ("I'd", "that's") are function words too
        stop_ratio = sum(t in tx.STOPWORDS or "'" in t for t in toks) / max(len(toks), 1)
        explains = tx.explaining(toks)
        # it only names things: no explaining word relates them, or they are short items in a row
        names_only = not explains or tx.short_items(s)
        # few function words make a list of terms, unless it relates them ("Calibration means predicted
        # probabilities match observed frequencies.")
        dense = len(toks) >= _CFG.list_min_words and stop_ratio < _CFG.list_max_function_share
        terms_in_a_row = dense and names_only
        out.append(
            Sentence(
                text=s,
                words=ws,
                toks=toks,
                start=start,
                explains=explains,
                is_list=terms_in_a_row or tx.enumerates(s),
                claim=is_claim(s) or bool(timed and out and out[-1].claim and _continues_claim(s, names_only)),
                heard=tuple(heard),
                said_repaired=said,
            )
        )
    if timed:  # the speech model's full stops can fall inside a list: two halves of items, judged together
        for i in range(len(out) - 1):
            a, b = out[i], out[i + 1]
            halves = min(tx.items(a.text), tx.items(b.text)) >= _CFG.split_list_min_items
            if halves and tx.enumerates(f"{a.text.rstrip('.!?')}, {b.text}"):
                out[i], out[i + 1] = replace(a, is_list=True), replace(b, is_list=True)
    return _repeats_marked(out)


def _repeats_marked(sents: list[Sentence]) -> list[Sentence]:
    """Each sentence that earlier ones say again (:func:`scoring.text.said_again`) marked as a repeat."""
    again = tx.said_again([s.toks for s in sents])
    return [replace(s, repeat=True) if a else s for s, a in zip(sents, again, strict=True)]


def _negated(sent: Sentence, idx: list[int]) -> bool:
    first = min(idx)
    window = sent.toks[max(0, first - _CFG.negation_window) : first] + sent.toks[first : max(idx) + 1]
    return any(t in _NEGATORS or t.endswith("n't") for t in window)


# A wrong claim is stated within one clause: a red flag's parts may not reach across a semicolon or a
# contrast ("BFS finds the shortest path; DFS does not", "more data lowers variance, while bias needs a
# bigger model", "rank by lift rather than by raw count" state the right thing with the wrong one's words).
_CLAUSE_CUT = re.compile(
    r";|\b(?=(?:but|while|whilst|whereas|unlike|instead|rather|however|although|though|than)\b)", re.IGNORECASE
)


# A clause that opens with one of these names the alternative turned down, up to its first comma
# ("rather than sorting every time, keep a heap"): what it names is not what the candidate does.
_TURNED_DOWN = re.compile(r"\s*(?:rather|instead|unlike|than)\b", re.IGNORECASE)


def _clauses(sent: Sentence) -> list[tuple[int, int]]:
    """(start, end) ranges of ``sent.toks``, one per clause, without the alternatives turned down (the
    whole sentence if the clauses do not line up with its words)."""
    parts: list[tuple[str, bool]] = []
    for part in _CLAUSE_CUT.split(sent.repaired):
        if _TURNED_DOWN.match(part) and "," in part:
            alternative, rest = part.split(",", 1)
            parts += [(alternative, False), (rest, True)]
        else:
            parts.append((part, not _TURNED_DOWN.match(part)))
    sizes = [len(tx.words(part)) for part, _ in parts]
    if sum(sizes) != len(sent.toks):
        return [(0, len(sent.toks))]
    ends = list(accumulate(sizes))
    return [(e - n, e) for n, e, (_, kept) in zip(sizes, ends, parts, strict=True) if n and kept]


def _states(sent: Sentence, clauses: list[tuple[int, int]], raw: str) -> bool:
    """Whether the sentence (its :func:`_clauses`) states the red flag's phrasing, within one clause
    and not negated."""
    ph = tx.parse_phrasing(raw)
    for a, b in clauses:
        idx = tx.match_phrasing(ph, sent.toks[a:b])
        if idx is not None and not _negated(sent, [a + i for i in idx]):
            return True
    return False


def red_flags(question: Question, sents: list[Sentence]) -> list[RedFlagHit]:
    hits = []
    cut = [(s, _clauses(s)) for s in sents] if question.red_flags else []  # once per sentence
    for flag in question.red_flags:
        said = next((s for s, c in cut if any(_states(s, c, raw) for raw in flag.phrasings)), None)
        if said is not None:
            hits.append(RedFlagHit(id=flag.id, text=flag.text, sentence=said.text, penalty=flag.penalty))
    return hits


def _heard_in(s: Sentence, matched: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((h, t) for h, t in s.heard if t in matched)


def phrase_evidence(point: KeyPoint, sents: list[Sentence], question_stems: set[str]) -> tuple[float, Evidence] | None:
    """The best phrasing match for the point: full credit when its sentence explains, less in a list."""
    best: tuple[float, Evidence] | None = None
    for raw in point.phrasings:
        ph = tx.parse_phrasing(raw)
        for s in sents:
            if not s.usable:
                continue
            idx = tx.match_phrasing(ph, s.toks)
            if idx is None:
                continue
            matched = {s.toks[i] for i in idx}
            new_content = {t for t in s.toks if t not in tx.STOPWORDS and t not in question_stems}
            if matched <= question_stems and len(new_content) < _CFG.readback_min_new_words:
                continue  # only the question's words read back
            credit = 1.0
            if s.is_list:
                credit = _CFG.list_credit
            elif s.bare:
                credit = _CFG.named_only_credit
            if credit <= 0:
                continue
            words = tuple(s.words[i] for i in idx)
            ev = Evidence(sentence=s.text, matched=words, how="phrase", start=s.start, heard=_heard_in(s, words))
            if best is None or credit > best[0]:
                best = (credit, ev)
            if credit == 1.0:
                return best
    return best


def closeness(sim: float) -> float:
    """Partial credit (0-1) from a cosine similarity: none at the band's floor, full at its top."""
    lo, hi = _CFG.meaning_band
    return float(min(1.0, max(0.0, (sim - lo) / (hi - lo))))


def meaning_evidence(
    point: KeyPoint,
    sents: list[Sentence],
    sims: np.ndarray,
    contrast: np.ndarray,
    question_stems: set[str],
) -> tuple[float, Evidence] | None:
    """The sentence closest in meaning to the point, if it is closer to it than to any misconception.

    ``sims`` holds the point's similarity to each sentence; ``contrast`` each sentence's highest
    similarity to a misconception of the point or a red flag of the question. Returns the
    closeness (0-1), before any credit factor, with the evidence.
    """
    point_terms = tx.content_stems(point.text) - question_stems
    best: tuple[float, Evidence] | None = None
    for j, s in enumerate(sents):
        if not s.usable or s.is_list or s.bare:
            continue
        sim = float(sims[j])
        if sim <= float(contrast[j]) + _CFG.contrast_margin:
            continue  # nearer a known wrong version than the point itself
        shared = point_terms & set(s.toks)
        # meaning together with the point's own terms; without any, closeness counts for less
        g = closeness(sim) * (1.0 if shared else _CFG.meaning_without_terms)
        if g <= 0 or (best is not None and g <= best[0]):
            continue
        words = tuple(w for w, t in zip(s.words, s.toks, strict=True) if t in point_terms)
        best = (
            g,
            Evidence(
                sentence=s.text,
                matched=words,
                how="meaning",
                similarity=round(sim, 3),
                start=s.start,
                heard=_heard_in(s, words),
            ),
        )
    return best
