"""Fakes shared by the tests. Each implements the real interface it stands in for (mypy checks that)
and records what it was asked, so a test can inspect it afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.session.loop import Answer
from voice_interviewer.stt.transcriber import Progress
from voice_interviewer.track.rubric import Question
from voice_interviewer.types import Scorecard, Transcript, Word


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

    def answer(self, question: Question, kind: str, prompt: str, wav_path: Path, target: tuple[float, float]) -> Answer:
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

    def next_line(self, question: Question, card: Scorecard, asked: tuple[str, ...]) -> tuple[str, str, str | None]:
        self.seen_missed.append(sum(len(c.missed) for c in card.content.criteria))
        return self.lines.pop(0), "llm", None


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
