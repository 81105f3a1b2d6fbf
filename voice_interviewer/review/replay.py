"""Replaying a session: the interviewer's lines and the answers in the order they were spoken,
and one combined 16 kHz track of them with a short silence between lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.review.records import AudioFile, SessionRecord, read_audio

GAP_S = 0.5  # silence between the lines of a combined replay


# --- replay --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayStep:
    turn: int
    speaker: Literal["interviewer", "candidate"]
    kind: str  # question or follow-up
    text: str  # what was said (the transcript for the candidate)
    audio: AudioFile | None  # None: nothing recorded (schema 0 interviewer lines, typed answers)


def replay_plan(record: SessionRecord, turn: int | None = None) -> list[ReplayStep]:
    """The interviewer's line, then the answer, turn by turn in the order they were spoken."""
    s = record.session
    if s is None:
        raise UserError(f"Session {record.id} cannot be replayed: {'; '.join(record.problems)}.")
    turns = sorted(s.turns, key=lambda t: t.index)
    if turn is not None:
        turns = [t for t in turns if t.index == turn]
        if not turns:
            have = ", ".join(str(t.index) for t in s.turns) or "none"
            raise UserError(f"Session {record.id} has no turn {turn}; its turns: {have}.", ExitCode.USAGE)
    steps = []
    for t in turns:
        line = record.lines.get(t.index)
        steps.append(ReplayStep(t.index, "interviewer", t.kind, t.interviewer_text, line))
        answer = record.answers.get(t.index)
        text = t.transcript.text if t.transcript else ""
        steps.append(ReplayStep(t.index, "candidate", t.kind, text, answer))
    return steps


@dataclass(frozen=True)
class Placed:
    step: ReplayStep
    start_s: float | None  # where it starts in the combined audio; None when it has no audio
    note: str | None = None  # why it has no audio


def combine(
    steps: Sequence[ReplayStep], voice: Callable[[str], np.ndarray] | None = None, gap_s: float = GAP_S
) -> tuple[np.ndarray, list[Placed]]:
    """One 16 kHz track of the steps with ``gap_s`` of silence between them.

    ``voice`` renders interviewer lines that have no recording (sessions of schema 0).
    """
    parts: list[np.ndarray] = []
    placed: list[Placed] = []
    t = 0.0
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.float32)
    for step in steps:
        audio, note = None, None
        if step.audio is not None and step.audio.problem is None:
            try:
                audio = read_audio(step.audio)
            except UserError as e:
                note = e.message
        elif step.audio is not None:
            note = f"{step.audio.path.name} is {step.audio.problem}"
        elif step.speaker == "interviewer" and voice is not None and step.text:
            audio, note = voice(step.text), "re-synthesized: this line was not recorded"
        else:
            note = "no recording"
        if audio is None or audio.size == 0:
            placed.append(Placed(step, None, note))
            continue
        if parts:
            parts.append(gap)
            t += gap_s
        placed.append(Placed(step, round(t, 2), note))
        parts.append(audio.astype(np.float32))
        t += audio.size / SAMPLE_RATE
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)), placed
