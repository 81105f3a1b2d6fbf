"""What changed between two scorecards of one answer: criteria whose level or coverage moved,
and the headline figures (content score, level, words, words and fillers a minute)."""

from __future__ import annotations

from dataclasses import dataclass

from voice_interviewer.types import Scorecard


@dataclass(frozen=True)
class CriterionChange:
    turn: int
    question_id: str
    criterion: str
    old_level: int | None  # None: not scored before
    new_level: int
    old_coverage: float | None
    new_coverage: float


@dataclass(frozen=True)
class FigureChange:
    turn: int
    question_id: str
    figure: str  # "content score", "level", "words", "words a minute", "fillers a minute"
    old: float | None
    new: float


def diff_cards(turn: int, old: Scorecard | None, new: Scorecard) -> tuple[list[CriterionChange], list[FigureChange]]:
    """What differs between two scorecards of one answer (empty lists: identical figures)."""
    qid = new.question.id
    crits = []
    before = {c.id: c for c in old.content.criteria} if old else {}
    for c in new.content.criteria:
        o = before.get(c.id)
        if o is None or o.level != c.level or o.coverage != c.coverage:
            crits.append(
                CriterionChange(
                    turn, qid, c.name, o.level if o else None, c.level, o.coverage if o else None, c.coverage
                )
            )
    figures = []
    timed = new.transcript.source == "audio"
    pairs: list[tuple[str, float | None, float | None]] = [
        ("content score", old.content.score if old else None, new.content.score),
        ("level", old.content.level if old else None, new.content.level),
        ("words", old.delivery.words if old else None, new.delivery.words),
        ("words a minute", old.delivery.words_per_minute if old else None, new.delivery.words_per_minute),
        ("fillers a minute", old.delivery.fillers_per_minute if old else None, new.delivery.fillers_per_minute),
    ]
    for name, a, b in pairs:
        if b is None or (not timed and name.endswith("a minute")):
            continue
        if a != b:
            figures.append(FigureChange(turn, qid, name, a, b))
    return crits, figures
