"""The summary of a session: per question its level and the points missed, delivery overall, and
the two things to work on next. One typed value for the live loop, the practice screen, review,
export and the report; :meth:`SessionSummary.as_dict` is the layout stored in ``session.json``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from voice_interviewer.store.sessions import Session
from voice_interviewer.types import Scorecard


@dataclass(frozen=True)
class QuestionSummary:
    level: int
    score: float  # content score, 0..100
    missed: tuple[str, ...]  # the key points the answer did not make


@dataclass(frozen=True)
class SessionSummary:
    answers: int  # answers with a scorecard (main questions and follow-ups)
    questions: dict[str, QuestionSummary] = field(default_factory=dict)  # by question id: its main answer
    overall_level: float | None = None  # mean level of the main answers; None when nothing was scored
    words_per_minute: float | None = None  # mean over the spoken answers; None when none was spoken
    fillers_per_minute: float | None = None
    long_pauses: int = 0
    work_on: tuple[str, ...] = ()  # at most two

    def as_dict(self) -> dict[str, Any]:
        """The JSON layout (``session.json``'s ``summary``, ``export --format json``)."""
        if not self.answers:
            return {"answers": 0}
        return {
            "answers": self.answers,
            "questions": {
                qid: {"level": q.level, "score": q.score, "missed": list(q.missed)} for qid, q in self.questions.items()
            },
            "overall_level": self.overall_level,
            "words_per_minute": self.words_per_minute,
            "fillers_per_minute": self.fillers_per_minute,
            "long_pauses": self.long_pauses,
            "work_on": list(self.work_on),
        }


def summarize(session: Session) -> SessionSummary:
    """Per question: level and points missed; delivery overall; the two things to work on next."""
    cards = [t.scorecard for t in session.turns if t.scorecard is not None]
    if not cards:
        return SessionSummary(answers=0)
    per_q: dict[str, Scorecard] = {}
    for t in session.turns:
        if t.kind == "question" and t.scorecard:
            per_q[t.question_id] = t.scorecard
    weak: Counter[str] = Counter()
    for c in cards:
        for cr in c.content.criteria:
            if cr.level <= 2:
                weak[cr.name] += 1
    timed = [c.delivery for c in cards if c.transcript.source == "audio"]
    wpm = round(sum(d.words_per_minute for d in timed) / len(timed), 1) if timed else None
    fpm = round(sum(d.fillers_per_minute for d in timed) / len(timed), 2) if timed else None
    pauses = sum(len(d.long_pauses) for d in timed)
    focus = [f"{name} (weak in {n} answer{'s' if n > 1 else ''})" for name, n in weak.most_common(2)]
    if len(focus) < 2 and fpm is not None and fpm > 1.5:
        focus.append(f"Fewer fillers: {fpm:.1f} a minute; pause silently instead.")
    if len(focus) < 2 and wpm is not None and not 120 <= wpm <= 175:
        focus.append(f"Pace: {wpm:.0f} words a minute; aim for 130-160.")
    return SessionSummary(
        answers=len(cards),
        questions={
            qid: QuestionSummary(
                level=c.content.level,
                score=c.content.score,
                missed=tuple(p.text for cr in c.content.criteria for p in cr.missed),
            )
            for qid, c in per_q.items()
        },
        overall_level=round(sum(c.content.level for c in per_q.values()) / max(len(per_q), 1), 2),
        words_per_minute=wpm,
        fillers_per_minute=fpm,
        long_pauses=pauses,
        work_on=tuple(focus[:2]),
    )
