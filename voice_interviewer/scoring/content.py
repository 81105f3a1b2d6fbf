"""Content scoring: which key points an answer carries, with the words that carry them, and its score.

Evidence per key point comes from :mod:`voice_interviewer.scoring.evidence` (phrasings, and
meaning contrasted with misconceptions); the score comes from a few features of that evidence
combined by the fitted model of :mod:`voice_interviewer.scoring.model`, and the level from
:func:`voice_interviewer.scoring.levels.final_level` (which applies every cap, once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from voice_interviewer.scoring import text as tx
from voice_interviewer.scoring.claims import tells_about_story
from voice_interviewer.scoring.config import CONFIG
from voice_interviewer.scoring.evidence import (
    Embedder,
    Sentence,
    meaning_evidence,
    phrase_evidence,
    prepare,
    red_flags,
)
from voice_interviewer.scoring.heard import everyday_words, vocabulary
from voice_interviewer.scoring.levels import (
    LEVEL_NAMES,
    RECOMMENDATION,
    criterion_level,
    final_level,
    repeats_terms,
    score_level,
)
from voice_interviewer.scoring.model import Features, ScoreModel, fitted_model
from voice_interviewer.track.rubric import KeyPoint, Question
from voice_interviewer.types import Behavioral, Content, CriterionResult, Evidence, PointResult, RedFlagHit, Word

__all__ = ["SCORER_VERSION", "Analysis", "Embedder", "analyse", "score_content"]

SCORER_VERSION = "content-2"
_CFG = CONFIG.content


@dataclass(frozen=True)
class Analysis:
    """Everything the score is built from, before the model turns it into a number."""

    criteria: tuple[CriterionResult, ...]
    red_flags: tuple[RedFlagHit, ...]
    features: Features
    words: int
    behavioral: Behavioral | None = None
    developed: int = 0  # words in sentences on the key points (see _developed)
    repeated: bool = False  # most of the content words are a few terms said again and again


@dataclass
class _Point:
    kp: KeyPoint
    phrase: tuple[float, Evidence] | None = None
    meaning: tuple[float, Evidence] | None = None

    @property
    def phrase_credit(self) -> float:
        return self.phrase[0] if self.phrase else 0.0

    @property
    def closeness(self) -> float:
        return self.meaning[0] if self.meaning else 0.0

    def shown(self) -> tuple[float, Evidence] | None:
        """The credit and evidence shown on the card: the phrasing, or meaning if it is worth more."""
        by_meaning = (round(_CFG.meaning_credit * self.closeness, 3), self.meaning[1]) if self.meaning else None
        if by_meaning and by_meaning[0] > 0 and (self.phrase is None or by_meaning[0] > self.phrase[0]):
            return by_meaning
        return self.phrase


def _similarities(
    question: Question, sents: list[Sentence], embedder: Embedder | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """(points x sentences) similarities, and per point x sentence the closest wrong or empty version's:
    the point's misconceptions, the question's red flags, and the question read back."""
    if embedder is None or not sents:
        return None
    points = [k for _, k in question.points()]
    flags = [f.text for f in question.red_flags]
    sv = embedder.embed([s.repaired for s in sents])
    pv = embedder.embed([k.text for k in points])
    sims = pv @ sv.T
    contrast = np.full(sims.shape, -1.0)
    for i, k in enumerate(points):
        # the question itself too: a sentence that only restates the topic is near every point
        wrong = [*k.misconceptions, *flags, question.prompt]
        if wrong:
            contrast[i] = (embedder.embed(wrong) @ sv.T).max(axis=0)
    return sims, contrast


def _point_terms(question: Question, question_stems: set[str]) -> set[str]:
    return set().union(*(tx.content_stems(k.text) for _, k in question.points())) - question_stems


def _on_points(s: Sentence, terms: set[str]) -> bool:
    """A sentence about the key points: usable, not a list, with a term of theirs."""
    return s.usable and not s.is_list and bool(terms & set(s.toks))


def _developed(sents: list[Sentence], terms: set[str]) -> int:
    """The words said in sentences on the key points (``terms``: :func:`_point_terms`): how far the
    answer develops them (see scoring.model)."""
    return sum(len(s.words) for s in sents if _on_points(s, terms))


def _reasoning(sents: list[Sentence], terms: set[str]) -> float:
    """The share (0-1, capped) of a full answer's worth of sentences that reason about the topic:
    they explain, use a term of the question's key points that the question itself does not use
    (reading the question back is not reasoning), and are neither lists, claims about the answer,
    nor red flags (see scoring.model). ``terms``: :func:`_point_terms`."""
    n = sum(1 for s in sents if s.explains and _on_points(s, terms))
    return round(min(1.0, n / _CFG.reasoning_full_sentences), 4)


def _align_story(question: Question, text: str, points: list[_Point]) -> Behavioral:
    """The story panel, and the key points it shows set to agree with it (see KeyPoint.shown_by)."""
    from voice_interviewer.scoring.behavioral import PARTS, owned_sentence, story_panel

    evidence: dict[str, list[str]] = {}
    for p in points:
        shown = p.shown()
        if p.kp.shown_by in PARTS and shown:
            evidence.setdefault(p.kp.shown_by, []).append(shown[1].sentence)
    b = story_panel(question, text, evidence)
    panel = {sp.part: sp.sentences for sp in b.parts}
    for p in points:
        part, found = p.kp.shown_by, None
        if part in PARTS and panel.get(part) and p.phrase_credit < 1.0 and part not in evidence:
            found = Evidence(sentence=panel[part][0], matched=(), how="story")
        elif part == "result-number":
            hit = next((x for x in panel.get("result", ()) if any(n in x for n in b.result_numbers)), None)
            found = Evidence(sentence=hit, matched=b.result_numbers, how="story") if hit else None
            p.phrase, p.meaning = None, None
        elif part == "owned-failure":
            owned = owned_sentence(text) if b.failure_owned else None
            found = Evidence(sentence=owned, matched=(), how="story") if owned else None
            p.phrase, p.meaning = None, None
        if found:
            p.phrase = (1.0, found)
    return b


def analyse(
    question: Question,
    text: str,
    words: Sequence[Word] = (),
    embedder: Embedder | None = None,
) -> Analysis:
    """The evidence for every key point and the features of the answer. ``words`` (timed) mark it as spoken."""
    rank = getattr(embedder, "word_rank", None)  # the embedding model's vocabulary tells everyday words
    sents = prepare(text, words, vocabulary(question) if words else None, everyday_words(rank) if rank else None)
    if question.kind == "behavioral":  # a story told in the abstract earns nothing either
        sents = [replace(s, claim=s.claim or tells_about_story(s.text)) for s in sents]
    flags = red_flags(question, sents)
    flagged = {f.sentence for f in flags}
    sents = [replace(s, flagged=s.text in flagged) for s in sents]
    question_stems = tx.content_stems(" ".join([question.prompt, *question.aliases]))
    sim = _similarities(question, sents, embedder)

    points: list[list[_Point]] = []
    row = 0
    for crit in question.criteria:
        found = []
        for kp in crit.key_points:
            p = _Point(kp, phrase=phrase_evidence(kp, sents, question_stems))
            if sim is not None:
                p.meaning = meaning_evidence(kp, sents, sim[0][row], sim[1][row], question_stems)
            row += 1
            found.append(p)
        points.append(found)

    behavioral = None
    story = 0.0
    if question.kind == "behavioral":
        behavioral = _align_story(question, text, [p for found in points for p in found])
        story = behavioral.score_adjustment / 100.0

    criteria, phrase_cov, meaning_cov = [], 0.0, 0.0
    weight = sum(c.weight for c in question.criteria)
    for crit, found in zip(question.criteria, points, strict=True):
        total = sum(p.kp.weight for p in found)
        phrase_cov += crit.weight * sum(p.kp.weight * p.phrase_credit for p in found) / total / weight
        meaning_cov += crit.weight * sum(p.kp.weight * p.closeness for p in found) / total / weight
        covered, missed, got = [], [], 0.0
        for p in found:
            shown = p.shown()
            if shown:
                got += p.kp.weight * shown[0]
                covered.append(
                    PointResult(
                        id=p.kp.id, text=p.kp.text, credit=shown[0], evidence=(shown[1],), follow_up=p.kp.follow_up
                    )
                )
            else:
                missed.append(PointResult(id=p.kp.id, text=p.kp.text, credit=0.0, follow_up=p.kp.follow_up))
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
    misconception = min(1.0, sum(f.penalty for f in flags) / 100.0)
    point_terms = _point_terms(question, question_stems)
    reasoning = _reasoning(sents, point_terms)
    if behavioral is not None:
        story += phrase_cov  # the story's coverage and its own signals, one to one (see scoring.model)
    carrying = {e.sentence for c in criteria for p in c.covered for e in p.evidence}
    breadth = round(min(1.0, len(carrying) / _CFG.reasoning_full_sentences), 4)
    # reasoning counts no more than the sentences that carry a point: an answer that reaches none
    # of them explains nothing the question asks, however many "because" it has
    reasoning = min(reasoning, breadth)
    told = 0.0
    if behavioral is not None:
        from voice_interviewer.scoring.behavioral import episode

        told = episode(text)
    features = Features(
        round(phrase_cov, 4), round(meaning_cov, 4), misconception, round(story, 4), reasoning, breadth, told
    )
    developed = _developed(sents, point_terms)
    repeated = repeats_terms(*tx.top_terms_share(text))
    return Analysis(tuple(criteria), tuple(flags), features, len(tx.words(text)), behavioral, developed, repeated)


def content_from(question: Question, a: Analysis, model: ScoreModel | None = None) -> Content:
    """The scored content of an analysis: the model's score and the final level with its caps."""
    m = (model or fitted_model()).for_kind(question.kind)
    score = round(m.score(m.z(a.features)), 1)
    blame = bool(a.behavioral and a.behavioral.blame)
    dodged = bool(question.asks_for_failure and a.behavioral and not a.behavioral.failure_owned and not blame)
    by_score = score_level(score)
    needed = m.develop_words.get(by_score)
    developed = needed is not None and a.developed >= needed
    told = bool(
        a.behavioral
        and a.features.episode >= CONFIG.levels.told_story_episode
        and not a.red_flags
        and not a.behavioral.blame
    )
    level, notes = final_level(
        score,
        words=a.words,
        misconception=bool(a.red_flags),
        blame=blame,
        dodged=dodged,
        developed=developed,
        repeated=a.repeated,
        told=told,
    )
    if level > by_score:  # raised (explained at length, a told story): the score starts where that level does
        score = max(score, CONFIG.levels.score_cuts[level - 2])
    if level < by_score:  # capped: the score stays below the start of the level above the cap
        score = min(score, CONFIG.levels.score_cuts[level - 1] - 0.1)
    return Content(
        score=score,
        level=level,
        level_name=LEVEL_NAMES[level],
        recommendation=RECOMMENDATION[level],
        criteria=a.criteria,
        red_flags=a.red_flags,
        notes=notes,
    )


def score_content(
    question: Question,
    text: str,
    words: Sequence[Word] = (),
    embedder: Embedder | None = None,
) -> Content:
    """Score ``text`` (a transcript or typed answer) against the question's rubric."""
    return content_from(question, analyse(question, text, words, embedder))
