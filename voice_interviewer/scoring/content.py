"""Content scoring: which key points an answer covered, with the words that covered them.

Evidence comes from two places, and neither alone decides:

- the rubric's phrasings (see :mod:`voice_interviewer.scoring.text`), matched sentence by
  sentence; and
- meaning: a sentence whose embedding is close to the key point *and* that shares key terms
  with it. Closeness alone is not enough (an on-topic but wrong answer sits close to the key
  points in embedding space), so it earns less credit than a phrasing and never beats a red flag.

An answer that only names the terms (a buzzword list, or the question's own words read back)
earns little: a point counts in full only when the sentence explains something.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Protocol

import numpy as np

from voice_interviewer.scoring import text as tx
from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.scoring.levels import LEVEL_NAMES, RECOMMENDATION, criterion_level, final_level
from voice_interviewer.track.rubric import KeyPoint, Question
from voice_interviewer.types import (
    Content,
    CriterionResult,
    Evidence,
    PointResult,
    RedFlagHit,
    Word,
)

SCORER_VERSION = "content-1"

_CFG = CONFIG.content
_NEGATORS = frozenset(
    tx.stem(w)
    for w in [
        "not",
        "no",
        "never",
        "isn't",
        "doesn't",
        "don't",
        "myth",
        "misconception",
        "wrong",
        "mistake",
        "false",
        "untrue",
        "cannot",
        "can't",
        "avoid",
        "trap",
        "pitfall",
    ]
)


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors (one row each)."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: list[str]  # spoken words
    toks: list[str]  # their stems
    start: float | None
    explains: bool  # has a causal / contrastive / conditional word
    is_list: bool  # mostly content words in a row: a list of terms
    flagged: bool = False  # states a red flag: it cannot also earn credit


def _alnum(s: str) -> int:
    return sum(c.isalnum() for c in s)


def _sentences(text: str, timed: Sequence[Word]) -> list[_Sentence]:
    out = []
    # Align sentences to the timed words by letters and digits, not by word count: Whisper times
    # "state-of-the-art" or "95%" as several words where the text has one.
    ends = list(accumulate(_alnum(w.word) for w in timed))
    seen = 0
    for s in tx.sentences(text):
        ws = tx.words(s)
        toks = [tx.stem(w) for w in ws]
        first = bisect_right(ends, seen)
        start = timed[first].start if first < len(timed) else None
        seen += _alnum(s)
        # contractions ("I'd", "that's") are function words too
        stop_ratio = sum(t in tx.STOPWORDS or "'" in t for t in toks) / max(len(toks), 1)
        explains = any(t in tx.EXPLAINERS for t in toks)
        out.append(
            _Sentence(
                text=s,
                words=ws,
                toks=toks,
                start=start,
                explains=explains,
                is_list=len(toks) >= _CFG.list_min_words and stop_ratio < _CFG.list_max_function_share,
            )
        )
    return out


def _negated(sent: _Sentence, idx: list[int]) -> bool:
    first = min(idx)
    window = sent.toks[max(0, first - _CFG.negation_window) : first] + sent.toks[first : max(idx) + 1]
    return any(t in _NEGATORS or t.endswith("n't") for t in window)


def _phrase_evidence(
    point: KeyPoint, sents: list[_Sentence], question_stems: set[str]
) -> tuple[float, Evidence] | None:
    best: tuple[float, Evidence] | None = None
    for raw in point.phrasings:
        ph = tx.parse_phrasing(raw)
        for s in sents:
            if s.flagged:
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
            elif not s.explains and len(s.toks) < _CFG.named_only_max_words:
                credit = _CFG.named_only_credit
            ev = Evidence(
                sentence=s.text,
                matched=tuple(s.words[i] for i in idx),
                how="phrase",
                start=s.start,
            )
            if best is None or credit > best[0]:
                best = (credit, ev)
            if credit == 1.0:
                return best
    return best


def _meaning_evidence(
    point: KeyPoint,
    sents: list[_Sentence],
    sims: np.ndarray | None,
    row: int,
    question_stems: set[str],
) -> tuple[float, Evidence] | None:
    if sims is None:
        return None
    point_terms = tx.content_stems(point.text) - question_stems
    best: tuple[float, Evidence] | None = None
    for j, s in enumerate(sents):
        sim = float(sims[row, j])
        if sim < _CFG.meaning_threshold or s.is_list or s.flagged:
            continue
        shared = point_terms & set(s.toks)
        if len(shared) < _CFG.meaning_min_shared_terms:
            continue
        ev = Evidence(
            sentence=s.text,
            matched=tuple(w for w, t in zip(s.words, s.toks, strict=True) if t in shared),
            how="meaning",
            similarity=round(sim, 3),
            start=s.start,
        )
        if best is None or sim > best[1].similarity:
            best = (_CFG.meaning_credit if s.explains else _CFG.named_only_credit, ev)
    return best


def _red_flags(question: Question, sents: list[_Sentence]) -> list[RedFlagHit]:
    hits = []
    for flag in question.red_flags:
        for s in sents:
            found = False
            for raw in flag.phrasings:
                idx = tx.match_phrasing(tx.parse_phrasing(raw), s.toks)
                if idx is not None and not _negated(s, idx):
                    hits.append(RedFlagHit(id=flag.id, text=flag.text, sentence=s.text, penalty=flag.penalty))
                    found = True
                    break
            if found:
                break
    return hits


def score_content(
    question: Question,
    text: str,
    words: Sequence[Word] = (),
    embedder: Embedder | None = None,
) -> Content:
    """Score ``text`` (a transcript or typed answer) against the question's rubric."""
    sents = _sentences(text, words)
    flags = _red_flags(question, sents)
    flagged = {f.sentence for f in flags}
    sents = [replace(s, flagged=s.text in flagged) for s in sents]
    question_stems = tx.content_stems(" ".join([question.prompt, *question.aliases]))
    points = question.points()
    sims = None
    if embedder is not None and sents:
        pv = embedder.embed([k.text for _, k in points])
        sv = embedder.embed([s.text for s in sents])
        sims = pv @ sv.T

    criteria: list[CriterionResult] = []
    row = 0
    for crit in question.criteria:
        covered, missed = [], []
        total = sum(k.weight for k in crit.key_points)
        got = 0.0
        for kp in crit.key_points:
            found = _phrase_evidence(kp, sents, question_stems)
            by_meaning = _meaning_evidence(kp, sents, sims, row, question_stems)
            row += 1
            if by_meaning and (found is None or by_meaning[0] > found[0]):
                found = by_meaning
            if found:
                credit, ev = found
                got += kp.weight * credit
                covered.append(
                    PointResult(id=kp.id, text=kp.text, credit=credit, evidence=(ev,), follow_up=kp.follow_up)
                )
            else:
                missed.append(PointResult(id=kp.id, text=kp.text, credit=0.0, follow_up=kp.follow_up))
        coverage = got / total
        level = criterion_level(coverage)
        criteria.append(
            CriterionResult(
                id=crit.id,
                name=crit.name,
                weight=crit.weight,
                coverage=round(coverage, 3),
                level=level,
                level_text=crit.levels[level],
                covered=tuple(covered),
                missed=tuple(missed),
            )
        )

    weight = sum(c.weight for c in criteria)
    raw_score = 100.0 * sum(c.weight * c.coverage for c in criteria) / weight
    score = max(0.0, min(100.0, raw_score - sum(f.penalty for f in flags)))
    level, notes = final_level(score, words=len(tx.words(text)), misconception=bool(flags))
    return Content(
        score=round(score, 1),
        level=level,
        level_name=LEVEL_NAMES[level],
        recommendation=RECOMMENDATION[level],
        criteria=tuple(criteria),
        red_flags=tuple(flags),
        notes=notes,
    )
