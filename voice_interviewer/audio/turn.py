"""When an answer is over: the pure end-of-turn decision from per-frame speech probabilities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE

FRAME = 512  # Silero frame at 16 kHz: 32 ms


@dataclass(frozen=True)
class TurnOptions:
    end_silence_s: float = 2.5  # silence that ends the answer; thinking pauses are shorter
    start_timeout_s: float = 12.0  # no speech at all by then: the answer is empty
    max_answer_s: float = 600.0  # hard cap (10 minutes)
    threshold: float = 0.5  # speech probability
    min_speech_s: float = 0.4  # shorter bursts (a cough) do not start the answer


class TurnDetector:
    """End-of-turn decision from per-frame speech probabilities. Pure: no audio, no clocks."""

    def __init__(self, opts: TurnOptions | None = None) -> None:
        self.o = opts or TurnOptions()
        self.t = 0.0  # seconds consumed
        self.speech_s = 0.0
        self.started_at: float | None = None
        self.last_speech = 0.0
        self._run = 0.0  # current run of speech frames

    def push(self, probs: np.ndarray, frame_s: float = FRAME / SAMPLE_RATE) -> str | None:
        """Feed frame probabilities; returns why the turn ended, or None while it goes on."""
        for p in probs:
            self.t += frame_s
            if p >= self.o.threshold:
                self._run += frame_s
                self.speech_s += frame_s
                self.last_speech = self.t
                if self.started_at is None and self._run >= self.o.min_speech_s:
                    self.started_at = self.t - self._run
            else:
                self._run = 0.0
            if self.started_at is None:
                if self.t >= self.o.start_timeout_s:
                    return "no-speech"
            elif self.t - self.last_speech >= self.o.end_silence_s:
                return "silence"
            if self.t >= self.o.max_answer_s:
                return "max-length"
        return None
