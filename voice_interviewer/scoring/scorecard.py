"""Assemble a scorecard: delivery + content (+ behavioral signals) for one answer."""

from __future__ import annotations

from voice_interviewer.scoring.content import Embedder, score_content
from voice_interviewer.scoring.delivery import delivery_metrics, without_fillers
from voice_interviewer.scoring.text import words as split_words
from voice_interviewer.track.rubric import LoadedRound, Question
from voice_interviewer.types import Content, Delivery, ModelsUsed, QuestionRef, Scorecard, Transcript, Word


def work_on(content: Content, delivery: Delivery) -> tuple[str, ...]:
    """The two things to practise next: the weakest content first, then delivery."""
    items: list[str] = []
    for flag in content.red_flags[:1]:
        items.append(f"Fix a misconception: {flag.text}")
    for crit in sorted(content.criteria, key=lambda c: (c.coverage, -c.weight)):
        if crit.missed and len(items) < 2:
            items.append(f"{crit.name}: {crit.missed[0].text}")
    if len(items) < 2 and delivery.notes:
        items.append(delivery.notes[0])
    return tuple(items[:2])


def as_scored(transcript: Transcript) -> tuple[str, tuple[Word, ...]]:
    """The text and timed words an answer's content is scored on: fillers never move a content score,
    and typed answers have no timings (their words all sit at 0 s)."""
    text, words = without_fillers(transcript.words, transcript.text)
    return text, (words if transcript.source == "audio" else ())


def hesitation_only(transcript: Transcript) -> bool:
    """Words were heard, but every one is a hesitation sound ("um, uh, ah"): nothing to score. Whisper
    writes speech in another language this way, and a mumble into a distant microphone."""
    return bool(split_words(transcript.text)) and not split_words(as_scored(transcript)[0])


def hesitations_heard(transcript: Transcript) -> str:
    """The hesitation sounds of such an answer, for a message: "ah, um"."""
    return ", ".join(sorted({w.lower() for w in split_words(transcript.text)}))


def score_answer(
    question: Question,
    round_: LoadedRound,
    transcript: Transcript,
    embedder: Embedder | None,
    models: ModelsUsed,
    question_ref: QuestionRef | None = None,
    culture_notes: tuple[str, ...] = (),
) -> Scorecard:
    target = round_.target_for(question)
    timed = transcript.source == "audio"
    delivery = delivery_metrics(
        transcript.words,
        transcript.text,
        (target.min_s, target.max_s),
        transcript.duration_s,
        timed=timed,
        hesitations=transcript.hesitations,
    )
    text, words = as_scored(transcript)
    content = score_content(question, text, words, embedder)
    behavioral = None
    if question.kind == "behavioral":
        from voice_interviewer.scoring.behavioral import apply_behavioral

        content, behavioral = apply_behavioral(question, text, content)
        behavioral = behavioral.model_copy(update={"culture_notes": culture_notes})
    ref = question_ref or QuestionRef(
        id=question.id, round=round_.round.round, track=round_.round.track, prompt=question.prompt
    )
    return Scorecard(
        question=ref,
        transcript=transcript,
        delivery=delivery,
        content=content,
        behavioral=behavioral,
        models=models,
        work_on=work_on(content, delivery),
    )
