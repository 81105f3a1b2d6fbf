"""Progress across sessions: the level per criterion over time, words and fillers a minute,
questions answered more than once, and the weakest criteria to practise next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import mean

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.review.records import (
    LATEST,
    ORIGINAL,
    SessionRecord,
    display_date,
    scan,
    select_cards,
    summary_of,
)
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.store.sessions import Session, SessionStore
from voice_interviewer.types import Scorecard

# --- progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPoint:
    id: str
    date: str
    round: str
    overall_level: float | None
    words_per_minute: float | None
    fillers_per_minute: float | None
    criteria: dict[str, float]  # criterion name -> mean level over the exchanges of the questions asking it
    questions: dict[str, tuple[int, float]]  # question id -> (level, content score) of its whole exchange
    prompted: dict[str, tuple[str, ...]] = field(default_factory=dict)  # question id -> points that needed a follow-up


@dataclass(frozen=True)
class CriterionTrend:
    name: str
    levels: tuple[float | None, ...]  # one per session point; None where it was not asked
    questions: tuple[str, ...]  # the questions that ask it

    @property
    def seen(self) -> list[float]:
        return [v for v in self.levels if v is not None]

    @property
    def recent(self) -> float:
        """Mean level over the last three sessions that asked it."""
        return round(mean(self.seen[-3:]), 2)

    @property
    def change(self) -> float:
        return round(self.seen[-1] - self.seen[0], 2)


@dataclass(frozen=True)
class Retold:
    question_id: str
    tellings: tuple[tuple[str, int, float], ...]  # (session id, level, content score), oldest first


@dataclass(frozen=True)
class ProgressReport:
    points: tuple[SessionPoint, ...]  # oldest first
    criteria: tuple[CriterionTrend, ...]
    weakest: tuple[CriterionTrend, ...]  # what to practise next, weakest first
    retold: tuple[Retold, ...]  # questions answered in more than one session
    skipped: tuple[str, ...]  # sessions left out, with why


def session_point(session: Session, cards: dict[int, Scorecard], embedder: Embedder | None = None) -> SessionPoint:
    summary = summary_of(session, cards, embedder)
    per_crit: dict[str, list[int]] = {}
    questions: dict[str, tuple[int, float]] = {}
    for qid, q in summary.questions.items():
        questions[qid] = (q.level, q.score)
        for name, level in q.criteria:
            per_crit.setdefault(name, []).append(level)
    return SessionPoint(
        id=session.id,
        date=display_date(session.created, session.id),
        round=session.round,
        overall_level=summary.overall_level if questions else None,
        words_per_minute=summary.words_per_minute,
        fillers_per_minute=summary.fillers_per_minute,
        criteria={k: round(mean(v), 2) for k, v in per_crit.items()},
        questions=questions,
        prompted={qid: q.prompted for qid, q in summary.questions.items() if q.prompted},
    )


def progress(
    items: Sequence[tuple[SessionRecord, dict[int, Scorecard]]],
    round_: str | None = None,
    weakest: int = 3,
    embedder: Embedder | None = None,
) -> ProgressReport:
    """Trends across sessions (a pure function of the records and the scorecards chosen for each)."""
    points: list[SessionPoint] = []
    skipped: list[str] = []
    questions_of: dict[str, set[str]] = {}
    for record, cards in sorted(items, key=lambda it: it[0].id):
        s = record.session
        if s is None or (round_ and s.round != round_):
            if s is None:
                skipped.append(f"{record.id}: {'; '.join(record.problems)}")
            continue
        if not cards:
            skipped.append(f"{record.id}: no scored answers")
            continue
        points.append(session_point(s, cards, embedder))
        for t in s.turns:
            c = cards.get(t.index)
            if c is not None and t.kind == "question":
                for cr in c.content.criteria:
                    questions_of.setdefault(cr.name, set()).add(t.question_id)
    names = sorted({n for p in points for n in p.criteria})
    trends = [
        CriterionTrend(n, tuple(p.criteria.get(n) for p in points), tuple(sorted(questions_of.get(n, ()))))
        for n in names
    ]
    # a criterion at level 4 lately has nothing left to practise
    weak = sorted((c for c in trends if c.recent < 4), key=lambda c: (c.recent, -len(c.seen), c.name))[:weakest]
    tellings: dict[str, list[tuple[str, int, float]]] = {}
    for p in points:
        for qid, (level, score) in p.questions.items():
            tellings.setdefault(qid, []).append((p.id, level, score))
    retold = [Retold(q, tuple(v)) for q, v in sorted(tellings.items()) if len(v) > 1]
    return ProgressReport(tuple(points), tuple(trends), tuple(weak), tuple(retold), tuple(skipped))


def progress_for_store(
    store: SessionStore, round_: str | None = None, which: str = LATEST, embedder: Embedder | None = None
) -> ProgressReport:
    if which not in (LATEST, ORIGINAL):
        raise UserError(f"--scores for progress is latest or original, not {which!r}.", ExitCode.USAGE)
    items = [(r, select_cards(r, which)) for r in scan(store)]
    return progress(items, round_, embedder=embedder)
