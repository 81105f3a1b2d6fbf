"""The library calls the CLI makes: score an audio file or a typed answer."""

from __future__ import annotations

from pathlib import Path

from voice_interviewer.audio.io import level_warnings, load_audio
from voice_interviewer.engines import Engines
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.retrieval.context import culture_for
from voice_interviewer.scoring.scorecard import hesitation_only, hesitations_heard, score_answer
from voice_interviewer.scoring.text import words as split_words
from voice_interviewer.stt.transcriber import Progress
from voice_interviewer.track.rubric import LoadedRound, Question
from voice_interviewer.types import QuestionRef, Scorecard, Transcript, Word


def resolve_question(engines: Engines, question: str) -> tuple[Question, LoadedRound, QuestionRef | None]:
    """A question id, or free text matched to the closest rubric question through retrieval."""
    if question in engines.track.questions or ("/" in question and " " not in question.strip()):
        q, r = engines.track.question(question.strip())
        return q, r, None
    from voice_interviewer.retrieval.search import find_question

    qid, sim = find_question(engines, question)
    q, r = engines.track.question(qid)
    ref = QuestionRef(
        id=q.id,
        round=r.round.round,
        track=r.round.track,
        prompt=q.prompt,
        matched_from=question,
        match_similarity=round(sim, 3),
    )
    return q, r, ref


def typed_transcript(text: str) -> Transcript:
    text = text.strip()
    if not text:
        raise UserError("The typed answer is empty.", ExitCode.USAGE)
    return Transcript(
        text=text,
        words=tuple(Word(word=w, start=0.0, end=0.0) for w in text.split() if split_words(w)),
        duration_s=0.0,
        source="text",
    )


def score_text(engines: Engines, text: str, question: str) -> Scorecard:
    q, r, ref = resolve_question(engines, question)
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 20 and sum(c.isascii() for c in letters) < len(letters) / 2:
        raise UserError(
            "The answer is not written in the Latin alphabet; the rubrics and the scorer read English only. "
            "Write the answer in English.",
            ExitCode.BAD_INPUT,
        )
    t = typed_transcript(text)
    models = engines.models_used(False, r.sha256, r.round.version)
    return score_answer(q, r, t, engines.embedder, models, ref, culture_for(engines, q))


def transcribe_file(engines: Engines, path: Path, progress: Progress | None = None) -> Transcript:
    audio = load_audio(path)
    for warning in level_warnings(audio):
        engines.notify(warning)
    return engines.transcriber.transcribe(audio, progress)


def score_transcript(engines: Engines, transcript: Transcript, question: str) -> Scorecard:
    q, r, ref = resolve_question(engines, question)
    if transcript.no_speech:
        raise UserError(
            "No speech was found in the audio (silence, noise, or too short to hold a word), so there is nothing "
            "to score. Check the microphone level and record the answer again.",
            ExitCode.BAD_INPUT,
        )
    if hesitation_only(transcript):
        raise UserError(
            f"Only hesitation sounds ({hesitations_heard(transcript)}) were heard in {transcript.duration_s:.0f} s "
            "of audio, no words, so "
            f"there is nothing to score. The speech model, {engines.transcriber.name}, knows English only: answer "
            "in English; if you did, record the answer again closer to the microphone.",
            ExitCode.BAD_INPUT,
        )
    models = engines.models_used(True, r.sha256, r.round.version)
    return score_answer(q, r, transcript, engines.embedder, models, ref, culture_for(engines, q))


def score_audio(engines: Engines, path: Path, question: str, progress: Progress | None = None) -> Scorecard:
    resolve_question(engines, question)  # an unknown id fails before the slow part
    return score_transcript(engines, transcribe_file(engines, path, progress), question)
