"""The summary of a session: per question its level and the points missed, delivery overall, and
the two things to work on next. One typed value for the live loop, the practice screen, review,
export and the report; :meth:`SessionSummary.as_dict` is the layout stored in ``session.json``.

A question's level is the whole exchange's (:func:`voice_interviewer.scoring.exchange.combine`):
the answer and its follow-up answers together, with the key points that needed a follow-up noted.
That needs the question from the track; without the track (or for a question the track no longer
has) the level is the first answer's alone. Pass the embedder the answers were scored with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voice_interviewer.errors import UserError
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.scoring.exchange import combine
from voice_interviewer.store.sessions import Session
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import Content, Scorecard


@dataclass(frozen=True)
class QuestionSummary:
    level: int  # the whole exchange's level: the answer and its follow-up answers together
    score: float  # content score of the exchange, 0..100
    missed: tuple[str, ...]  # the key points no answer on the question made
    first_level: int | None = None  # the first answer's level alone (None: not recorded)
    answers: int = 1  # answers on the question: the first one and each follow-up answer
    covered: tuple[str, ...] = ()  # the key points made, in the rubric's order
    prompted: tuple[str, ...] = ()  # those of ``covered`` that came only after a follow-up
    criteria: tuple[tuple[str, int], ...] = ()  # (criterion, level) over the exchange

    @property
    def level_text(self) -> str:
        """``3 (64/100)``, with the first answer's level when follow-ups changed it."""
        text = f"{self.level} ({self.score:.0f}/100)"
        if self.answers > 1 and self.first_level is not None and self.first_level != self.level:
            text += f", first answer {self.first_level}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "score": self.score,
            "missed": list(self.missed),
            "first_level": self.first_level,
            "answers": self.answers,
            "covered": list(self.covered),
            "prompted": list(self.prompted),
        }


@dataclass(frozen=True)
class SessionSummary:
    answers: int  # answers with a scorecard (main questions and follow-ups)
    questions: dict[str, QuestionSummary] = field(default_factory=dict)  # by question id: its main answer
    overall_level: float | None = None  # mean level of the main answers; None when nothing was scored
    words_per_minute: float | None = None  # over the spoken answers' speaking time; None when none was spoken
    fillers_per_minute: float | None = None
    long_pauses: int = 0
    work_on: tuple[str, ...] = ()  # at most two

    def as_dict(self) -> dict[str, Any]:
        """The JSON layout (``session.json``'s ``summary``, ``export --format json``)."""
        if not self.answers:
            return {"answers": 0}
        return {
            "answers": self.answers,
            "questions": {qid: q.as_dict() for qid, q in self.questions.items()},
            "overall_level": self.overall_level,
            "words_per_minute": self.words_per_minute,
            "fillers_per_minute": self.fillers_per_minute,
            "long_pauses": self.long_pauses,
            "work_on": list(self.work_on),
        }


def _points(content: Content) -> tuple[tuple[str, ...], tuple[str, ...]]:
    covered = tuple(p.text for cr in content.criteria for p in cr.covered)
    missed = tuple(p.text for cr in content.criteria for p in cr.missed)
    return covered, missed


def question_summary(
    cards: list[Scorecard], track: Track | None = None, embedder: Embedder | None = None
) -> QuestionSummary:
    """One question's summary from its scorecards: the answer first, then each follow-up answer."""
    first = cards[0]
    question = None
    if track is not None:
        try:
            question = track.question(first.question.id)[0]
        except UserError:
            question = None  # a question the installed rubric no longer has: the first answer alone
    if not any(c.models.embeddings for c in cards):
        embedder = None  # scored without meaning: the exchange is too, so its level agrees with the answers'
    elif embedder is None and len(cards) > 1:
        question = None  # scored with meaning: without the embedder the exchange cannot be scored alike
    if question is None:
        content, answers = first.content, 1
        prompted: tuple[str, ...] = ()
    else:
        ex = combine(question, cards, embedder)
        content, prompted, answers = ex.content, tuple(p.text for p in ex.prompted), ex.answers
    covered, missed = _points(content)
    return QuestionSummary(
        level=content.level,
        score=content.score,
        missed=missed,
        first_level=first.content.level,
        answers=answers,
        covered=covered,
        prompted=prompted,
        criteria=tuple((cr.name, cr.level) for cr in content.criteria),
    )


def summarize(session: Session, track: Track | None = None, embedder: Embedder | None = None) -> SessionSummary:
    """Per question: the exchange's level, the points made (and which needed prompting) and missed;
    delivery overall; the two things to work on next.

    ``track`` gives the questions for whole-exchange credit; ``embedder`` should be the one the
    answers were scored with (see :func:`voice_interviewer.scoring.exchange.combine`).
    """
    cards = [t.scorecard for t in session.turns if t.scorecard is not None]
    if not cards:
        return SessionSummary(answers=0)
    per_q: dict[str, list[Scorecard]] = {}
    for t in session.turns:
        if t.scorecard is None:
            continue
        if t.kind == "question":
            per_q[t.question_id] = [t.scorecard]  # asked again (a resumed session): the newest exchange
        elif t.question_id in per_q:
            per_q[t.question_id].append(t.scorecard)
    questions = {qid: question_summary(cs, track, embedder) for qid, cs in per_q.items()}
    weak: Counter[str] = Counter()
    for q in questions.values():
        for name, level in q.criteria:
            if level <= 2:
                weak[name] += 1
    timed = [c.delivery for c in cards if c.transcript.source == "audio"]
    # over all the speaking time, as one long answer: a 60 s answer weighs more than a 15 s one
    secs = [max(d.speaking_s, 1.0) for d in timed]
    wpm = round(float(np.average([d.words_per_minute for d in timed], weights=secs)), 1) if timed else None
    fpm = round(float(np.average([d.fillers_per_minute for d in timed], weights=secs)), 2) if timed else None
    pauses = sum(len(d.long_pauses) for d in timed)
    focus = [f"{name} (weak in {n} question{'s' if n > 1 else ''})" for name, n in weak.most_common(2)]
    if len(focus) < 2 and fpm is not None and fpm > 1.5:
        focus.append(f"Fewer fillers: {fpm:.1f} a minute; pause silently instead.")
    if len(focus) < 2 and wpm is not None and not 120 <= wpm <= 175:
        focus.append(f"Pace: {wpm:.0f} words a minute; aim for 130-160.")
    return SessionSummary(
        answers=len(cards),
        questions=questions,
        overall_level=round(sum(q.level for q in questions.values()) / max(len(questions), 1), 2),
        words_per_minute=wpm,
        fillers_per_minute=fpm,
        long_pauses=pauses,
        work_on=tuple(focus[:2]),
    )


def exchange_note(cards: list[Scorecard], track: Track, embedder: Embedder | None) -> str | None:
    """Beside the last answer's scorecard, when follow-ups were answered: the question's level over
    the whole exchange (what the summary, the report and `progress` give it)."""
    if len(cards) < 2:
        return None
    q = question_summary(cards, track, embedder)
    return (
        f"This scorecard is the last answer's alone. Over the whole exchange ({len(cards)} answers) the question "
        f"is at level {q.level}, {q.score:.0f}/100."
    )
