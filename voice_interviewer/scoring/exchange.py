"""Whole-exchange credit: a question's level from everything said on it, answer and follow-up answers.

An interviewer judges the exchange, not the first answer alone: a point the candidate made after
a follow-up still counts, but the interviewer notes that it needed prompting. :func:`combine`
scores the answers together (one transcript, so the features see the whole exchange) and lists
the key points that only a follow-up answer carried. A misconception stated in any answer
counts; a point covered in the first answer stays unprompted.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from voice_interviewer.scoring.content import Embedder, analyse, content_from
from voice_interviewer.scoring.scorecard import as_scored
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Content, Scorecard, Word


class PromptedPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    text: str
    answer: int  # 1 = the first follow-up answer, 2 = the second, ...


class ExchangeResult(BaseModel):
    """The question's content over the whole exchange."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    content: Content  # scored on all answers together: its level is the question's level
    first_level: int  # the level of the first answer alone
    answers: int  # how many answers the exchange had
    prompted: tuple[PromptedPoint, ...] = ()  # key points carried only after a follow-up
    notes: tuple[str, ...] = ()

    @property
    def level(self) -> int:
        return self.content.level


def _covered(content: Content) -> set[str]:
    return {p.id for c in content.criteria for p in c.covered}


def _words(answers: Sequence[tuple[str, tuple[Word, ...]]], spoken: bool) -> tuple[Word, ...]:
    """Timed words of spoken answers, shifted so that later answers follow the earlier ones."""
    if not spoken:
        return ()
    out: list[Word] = []
    offset = 0.0
    for _, ws in answers:
        out += [w.model_copy(update={"start": w.start + offset, "end": w.end + offset}) for w in ws]
        if ws:
            offset = out[-1].end + 1.0
    return tuple(out)


def combine(question: Question, cards: Sequence[Scorecard], embedder: Embedder | None = None) -> ExchangeResult:
    """The exchange's result from its scorecards (first the answer, then each follow-up answer).

    ``embedder`` should be the one the cards were scored with; without it, meaning is not used.
    """
    if not cards:
        raise ValueError("an exchange needs at least one answer")
    first = cards[0].content
    if len(cards) == 1:
        return ExchangeResult(content=first, first_level=first.level, answers=1)
    answers = [as_scored(c.transcript) for c in cards]  # each as its own card was scored
    text = "\n".join(filter(None, (t.strip() for t, _ in answers)))
    words = _words(answers, all(c.transcript.source == "audio" for c in cards))
    content = content_from(question, analyse(question, text, words, embedder))
    before = _covered(first)
    prompted: list[PromptedPoint] = []
    texts = {k.id: k.text for _, k in question.points()}
    for pid in sorted(_covered(content) - before, key=list(texts).index):
        by = next((i for i, c in enumerate(cards[1:], 1) if pid in _covered(c.content)), len(cards) - 1)
        prompted.append(PromptedPoint(id=pid, text=texts[pid], answer=by))
    notes = list(content.notes)
    if prompted:
        listed = "; ".join(p.text for p in prompted)
        notes.append(f"{len(prompted)} key point(s) came only after a follow-up: {listed}")
    return ExchangeResult(
        content=content, first_level=first.level, answers=len(cards), prompted=tuple(prompted), notes=tuple(notes)
    )
