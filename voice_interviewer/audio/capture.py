"""Capture one answer: chunks in (microphone or synthesized speech), a recorded, end-pointed answer out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.recorder import StreamingRecorder
from voice_interviewer.audio.smart_turn import WINDOW_S, TurnModel
from voice_interviewer.audio.turn import (
    LIKELY_END,
    POSSIBLE_END,
    TurnDetector,
    TurnOptions,
    Verdict,
    words_verdict,
)
from voice_interviewer.audio.vad import SileroVad


@dataclass(frozen=True)
class CapturedAnswer:
    audio: np.ndarray  # 16 kHz mono float32, the whole answer
    wav_path: Path
    ended_by: str  # complete, silence, no-speech, max-length, enter, done, interrupted, source-ended
    speech_started_s: float | None
    end_decided_at: float  # time.monotonic() when the end was decided
    speech_ended_at: float | None = None  # time.monotonic() at the end of the last voiced frame
    last_speech_s: float | None = None  # the same, in seconds into the answer
    verdicts: tuple[Verdict, ...] = ()  # the turn model's verdict at each possible end
    settled_at: int | None = None  # samples up to the last possible end, when no speech followed it


class TurnListener(Protocol):
    """Told about possible ends while the answer goes on (to prepare the follow-up early)."""

    def possible_end(self, samples: int) -> None:
        """A short silence after speech: the answer may be over after ``samples`` samples."""
        ...

    def likely_end(self, samples: int) -> None:
        """The turn model called it complete, or the silence is long: prepare the follow-up."""
        ...

    def resumed(self) -> None:
        """Speech came back after a possible end: whatever was prepared for it is stale."""
        ...


Level = Callable[[float, float], None]  # (rms level 0..1, seconds elapsed)


def capture_answer(
    chunks: Iterator[np.ndarray],
    wav_path: Path,
    vad: SileroVad,
    opts: TurnOptions | None = None,
    on_level: Level | None = None,
    stop_event: threading.Event | None = None,
    on_chunk: Callable[[np.ndarray, np.ndarray], None] | None = None,
    turn_model: TurnModel | None = None,
    listener: TurnListener | None = None,
    words_so_far: Callable[[float], Sequence[str] | None] | None = None,
) -> CapturedAnswer:
    """Record chunks until the turn detector, ``stop_event`` (push-to-talk / "done") or the source ends.

    At each possible end (a short silence) ``listener`` is told first, so that work on the answer
    so far starts at once; then ``turn_model`` judges the last 8 s, and ``words_so_far(wait_s)``
    (polled with each chunk, waited for once the turn is held; None until ready) gives the
    transcript up to the possible end, with any other hearing of its last words. Without a turn
    model only the silence cap ends the turn. KeyboardInterrupt is re-raised after the audio so far
    is written.
    """
    det = TurnDetector(opts or TurnOptions())
    det.expects_text = words_so_far is not None
    rec = StreamingRecorder(wav_path)
    parts: list[np.ndarray] = []
    ended_by = "source-ended"
    samples = 0
    speech_ended_at: float | None = None
    settled: int | None = None  # samples at the last possible end not followed by speech
    try:
        for chunk in chunks:
            now = time.monotonic()
            rec.write(chunk)
            parts.append(chunk)
            samples += chunk.size
            probs = vad.probs(chunk)
            if on_chunk:
                on_chunk(chunk, probs)
            elapsed = samples / SAMPLE_RATE
            if on_level:
                on_level(float(np.sqrt(np.mean(np.square(chunk)))) if chunk.size else 0.0, elapsed)
            if stop_event is not None and stop_event.is_set():
                ended_by = getattr(stop_event, "reason", "enter")
                break
            spoke_before = det.last_speech
            why = det.push(probs)
            if det.last_speech > spoke_before:
                speech_ended_at = now - max(0.0, elapsed - det.last_speech)
                if settled is not None:
                    settled = None
                    if listener:
                        listener.resumed()
            if why == POSSIBLE_END:
                settled = samples
                if listener:
                    listener.possible_end(samples)
                why = None
                if turn_model is not None:
                    why = det.judge(turn_model.complete_probability(_tail(parts, WINDOW_S * SAMPLE_RATE)))
            if why is None and words_so_far is not None and det.wants_text:
                # Held and waiting only for the words: wait for them up to a chunk's length, so that the
                # turn ends when they arrive rather than at the next chunk (the source buffers meanwhile).
                words = words_so_far(chunk.size / SAMPLE_RATE if det.held else 0.0)
                if words is not None:
                    why = det.judge_text(*words_verdict(words))
            if why == LIKELY_END:
                if listener:
                    listener.likely_end(samples)
                why = None
            why = why or det.ended()  # a verdict or the words may have ended a held turn
            if why:
                ended_by = why
                break
        else:  # the source ended: because the stop event stopped it (Enter, "done"), or by itself
            if stop_event is not None and stop_event.is_set():
                ended_by = getattr(stop_event, "reason", "enter")
    except BaseException:  # Ctrl-C, a microphone that went away: keep the audio so far, then re-raise
        rec.finish()
        raise
    decided = time.monotonic()
    rec.finish()
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return CapturedAnswer(
        audio,
        wav_path,
        ended_by,
        det.started_at,
        decided,
        speech_ended_at if det.started_at is not None else None,
        round(det.last_speech, 3) if det.started_at is not None else None,
        tuple(det.verdicts),
        settled,
    )


def _tail(parts: list[np.ndarray], n: int) -> np.ndarray:
    """The last ``n`` samples of the chunks so far (fewer when the answer is shorter)."""
    out: list[np.ndarray] = []
    have = 0
    for p in reversed(parts):
        out.append(p)
        have += p.size
        if have >= n:
            break
    return np.concatenate(out[::-1])[-n:] if out else np.zeros(0, np.float32)


def chunked(
    audio: np.ndarray, chunk_s: float = 0.1, realtime: bool = False, tail_silence_s: float = 3.0
) -> Iterator[np.ndarray]:
    """Feed a clip as live chunks (the demo candidate), followed by silence so the turn can end."""
    n = int(chunk_s * SAMPLE_RATE)
    padded = np.concatenate([audio.astype(np.float32), np.zeros(int(tail_silence_s * SAMPLE_RATE), np.float32)])
    for i in range(0, padded.size, n):
        if realtime:
            time.sleep(chunk_s)
        yield padded[i : i + n]
