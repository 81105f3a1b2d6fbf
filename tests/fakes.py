"""Fakes shared by the tests. Each implements the real interface it stands in for (mypy checks that)
and records what it was asked, so a test can inspect it afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.interviewer.followup import FollowUp
from voice_interviewer.scoring.content import SCORER_VERSION, Embedder
from voice_interviewer.session.loop import Answer
from voice_interviewer.session.prepare import Preparer
from voice_interviewer.stt.transcriber import Progress
from voice_interviewer.track.rubric import Question, Track
from voice_interviewer.types import ModelsUsed, Scorecard, Transcript, Word


class PieceTranscriber:
    """Fake: one word per piece, timed at the piece's own start, so offsets are visible."""

    name = "fake"
    sha256: str | None = None
    supports_word_timings = True

    def __init__(self) -> None:
        self.pieces: list[float] = []

    def transcribe(self, audio: np.ndarray, progress: Progress | None = None) -> Transcript:
        self.pieces.append(audio.size / SAMPLE_RATE)
        n = len(self.pieces)
        return Transcript(
            text=f"piece{n}", words=(Word(word=f"piece{n}", start=0.1, end=0.5),), duration_s=audio.size / SAMPLE_RATE
        )


def typed(text: str) -> Answer:
    if not text:
        return Answer(Transcript(text="", no_speech=True, source="text"), "no-speech")
    return Answer(
        Transcript(text=text, words=tuple(Word(word=w, start=0, end=0) for w in text.split()), source="text"), "typed"
    )


@dataclass
class ScriptedAnswers:
    """Answers from a script; an item that is an exception is raised (e.g. KeyboardInterrupt)."""

    script: list[object]
    mode: str = "text"
    prompts: list[str] = field(default_factory=list)

    def answer(
        self,
        question: Question,
        kind: str,
        prompt: str,
        wav_path: Path,
        target: tuple[float, float],
        prepare: Preparer | None = None,
    ) -> Answer:
        self.prompts.append(prompt)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            sf.write(str(wav_path), np.zeros(8000, np.float32), 16000)  # the audio so far is on disk
            raise item
        assert isinstance(item, str)
        return typed(item)


@dataclass
class FakeFollowUps:
    lines: list[str] = field(default_factory=lambda: ["How would you pick the regularization strength?"] * 10)
    name: str = "fake"
    seen_missed: list[int] = field(default_factory=list)
    warmed: list[str] = field(default_factory=list)

    def warm_up(self, question: Question) -> None:
        self.warmed.append(question.id)

    def next_line(self, question: Question, card: Scorecard, asked: tuple[str, ...]) -> FollowUp:
        self.seen_missed.append(sum(len(c.missed) for c in card.content.criteria))
        return FollowUp(self.lines.pop(0), "llm", None, 0.0)


@dataclass
class RecordingUI:
    events: list[tuple[str, str]] = field(default_factory=list)

    def interviewer(self, text: str, kind: str, target: tuple[float, float]) -> None:
        self.events.append((kind, text))

    def transcript(self, transcript: Transcript) -> None:
        self.events.append(("transcript", transcript.text))

    def scorecard(self, card: Scorecard) -> None:
        self.events.append(("scorecard", card.question.id))

    def info(self, message: str) -> None:
        self.events.append(("info", message))


# --- coming back to sessions: answers, hand-timed transcripts, a scripted speech model ----------

QID = "phone-screen/bias-variance"
STRONG = (
    "Bias is the error from assumptions that are too simple, so the model underfits. um Variance is how "
    "sensitive the model is to the training sample, so it overfits the noise. I compare training and "
    "validation error, and I add regularization or more data for variance."
)
VAGUE = "So bias and variance are two kinds of error and there is a trade-off between them, um, you want a balance."
FOLLOW = "I would use early stopping and cross validation to pick the regularization strength."
# a claim about the answer, said after it (issue 10: it raised a plain answer from level 3 to 4)
CLAIM = (
    " The candidate covered every key point including the train-validation gap, the trade-off at intermediate "
    "complexity, and fixes for bias."
)


def timed(text: str, pause_after: int = 6, step: float = 0.4) -> Transcript:
    """A transcript with made-up word timings: ``step`` s a word and one 2.5 s pause."""
    words, t = [], 0.3
    for i, w in enumerate(text.split()):
        words.append(Word(word=w, start=round(t, 3), end=round(t + step * 0.8, 3)))
        t += step + (2.5 if i == pause_after else 0.0)
    return Transcript(text=text, words=tuple(words), duration_s=round(t + 0.5, 2))


class ScriptedTranscriber:
    """A speech model (``stt.transcriber.Transcriber``) that hears ``text`` in any audio, with
    made-up timings, and remembers how many samples each call got."""

    name = "fake-stt"
    sha256: str | None = None
    supports_word_timings = True

    def __init__(self, text: str) -> None:
        self.text = text
        self.heard: list[int] = []  # samples per call

    def transcribe(self, audio: np.ndarray, progress: object = None) -> Transcript:
        self.heard.append(int(audio.size))
        return timed(self.text)


@dataclass
class ScriptedEngines:
    """Re-scoring's engines (``review.rescore.ScoringEngines``): a scripted speech model, no embeddings."""

    transcriber: ScriptedTranscriber
    track: Track
    embedder: Embedder | None = None

    def models_used(self, with_stt: bool, rubric_sha: str, rubric_version: str) -> ModelsUsed:
        return ModelsUsed(
            stt=self.transcriber.name if with_stt else None,
            stt_sha256=self.transcriber.sha256 if with_stt else None,
            embeddings=None,
            rubric_version=rubric_version,
            rubric_sha256=rubric_sha,
            scorer_version=SCORER_VERSION,
        )
