"""Capture one answer: chunks in (microphone or synthesized speech), a recorded, end-pointed answer out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.recorder import StreamingRecorder
from voice_interviewer.audio.turn import TurnDetector, TurnOptions
from voice_interviewer.audio.vad import SileroVad


@dataclass(frozen=True)
class CapturedAnswer:
    audio: np.ndarray  # 16 kHz mono float32, the whole answer
    wav_path: Path
    ended_by: str  # silence, no-speech, max-length, enter, interrupted, source-ended
    speech_started_s: float | None
    end_decided_at: float  # time.monotonic() when the end was decided


Level = Callable[[float, float], None]  # (rms level 0..1, seconds elapsed)


def capture_answer(
    chunks: Iterator[np.ndarray],
    wav_path: Path,
    vad: SileroVad,
    opts: TurnOptions | None = None,
    on_level: Level | None = None,
    stop_event: threading.Event | None = None,
    on_chunk: Callable[[np.ndarray, np.ndarray], None] | None = None,
) -> CapturedAnswer:
    """Record chunks until the turn detector, ``stop_event`` (push-to-talk / "done") or the source ends.

    KeyboardInterrupt is re-raised after the audio so far is written to ``wav_path``.
    """
    det = TurnDetector(opts)
    rec = StreamingRecorder(wav_path)
    parts: list[np.ndarray] = []
    ended_by = "source-ended"
    elapsed = 0.0
    try:
        for chunk in chunks:
            rec.write(chunk)
            parts.append(chunk)
            probs = vad.probs(chunk)
            if on_chunk:
                on_chunk(chunk, probs)
            elapsed += chunk.size / SAMPLE_RATE
            if on_level:
                on_level(float(np.sqrt(np.mean(np.square(chunk)))) if chunk.size else 0.0, elapsed)
            if stop_event is not None and stop_event.is_set():
                ended_by = getattr(stop_event, "reason", "enter")
                break
            why = det.push(probs)
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
    return CapturedAnswer(audio, wav_path, ended_by, det.started_at, decided)


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
