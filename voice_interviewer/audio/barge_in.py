"""Barge-in: while the interviewer speaks, the microphone is watched; the candidate's speech stops the line.

:class:`SpeechOnset` is the pure decision (frames in, "the candidate is speaking" out): a run of
voiced frames counts once it holds ``min_speech_s`` of speech, so a cough, a click or a word of
the interviewer leaking out of the headphones at a low level does not stop the line. A frame is
voiced when Silero calls it speech *and* it is louder than ``min_rms``.

:class:`LineWatcher` reads the live chunks on a thread while the line plays. When the onset is
decided it sets :attr:`LineWatcher.heard` (the speaker stops playing) and from then on keeps
every chunk; :meth:`LineWatcher.handoff` gives the answer's capture the audio since a short
pre-roll before the speech began, then the rest of the live stream, so the candidate's first
words are in the recording and the transcript.

Headphones are assumed: there is no echo cancellation, so through loudspeakers the microphone
would hear the interviewer too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.turn import FRAME, FRAME_S


@dataclass(frozen=True)
class BargeInOptions:
    min_speech_s: float = 0.4  # voiced time that counts as the candidate speaking (as for an answer's start)
    threshold: float = 0.5  # Silero speech probability of a voiced frame
    min_rms: float = 0.003  # about -50 dBFS: quieter frames are not the candidate (headphone leakage, hum)
    max_gap_s: float = 0.2  # an unvoiced stretch longer than this ends a run of speech
    pre_roll_s: float = 0.3  # audio kept from before the first voiced frame


class SpeechOnset:
    """Frames in, the onset out: :meth:`push` is True once a run of speech holds ``min_speech_s``.

    A run starts at a voiced frame and survives unvoiced gaps up to ``max_gap_s`` (between
    syllables); a longer gap ends it, and a new run starts from zero. No audio, no clocks.
    """

    def __init__(self, opts: BargeInOptions) -> None:
        self.opts = opts
        self.frames = 0  # frames seen
        self.run_start: int | None = None  # the current run's first voiced frame
        self._voiced = 0
        self._gap = 0

    def push(self, voiced: bool) -> bool:
        i = self.frames
        self.frames += 1
        if voiced:
            if self.run_start is None:
                self.run_start, self._voiced = i, 0
            self._voiced += 1
            self._gap = 0
            return self._voiced * FRAME_S >= self.opts.min_speech_s
        if self.run_start is not None:
            self._gap += 1
            if self._gap * FRAME_S > self.opts.max_gap_s:
                self.run_start, self._voiced, self._gap = None, 0, 0
        return False


class Vad(Protocol):
    def probs(self, chunk: np.ndarray) -> np.ndarray:
        """Speech probability per 512-sample frame, streaming (a remainder carries to the next chunk)."""
        ...


class LineWatcher:
    """Watches the microphone while the interviewer's line plays (see the module's docstring).

    ``chunks`` is the live stream, already open: the watcher reads it on its own thread until
    :meth:`handoff` (the answer's capture reads it from then on) or :meth:`close`. ``on_close``
    stops the stream (the microphone's stop event).
    """

    def __init__(
        self,
        chunks: Iterator[np.ndarray],
        vad: Vad,
        opts: BargeInOptions | None = None,
        on_close: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.opts = opts or BargeInOptions()
        self.heard = threading.Event()  # the candidate started speaking: stop the line
        self.speech_began_at: float | None = None  # clock() at the first voiced frame of that speech
        self.heard_at: float | None = None  # clock() when the onset was decided
        self.error: Exception | None = None
        self._chunks = chunks
        self._vad = vad
        self._on_close = on_close
        self._clock = clock
        self._onset = SpeechOnset(self.opts)
        self._kept: list[tuple[int, np.ndarray]] = []  # (first sample, chunk), oldest first
        self._samples = 0  # samples read so far
        self._rest = np.zeros(0, dtype=np.float32)  # samples not yet in a whole frame (as the VAD keeps them)
        self._keep_from: int | None = None  # every sample from here on goes to the answer
        self._line_over = False
        self._done = threading.Event()  # the thread is to stop at the next chunk
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="barge-in", daemon=True)
        self._thread.start()

    # --- the thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            for chunk in self._chunks:
                self._take(np.asarray(chunk, dtype=np.float32), self._clock())
                if self._done.is_set():
                    return
        except Exception as e:  # noqa: BLE001 (handed to the answer's capture, which re-raises it)
            self.error = e

    def _take(self, chunk: np.ndarray, now: float) -> None:
        with self._lock:
            start = self._samples
            self._samples += chunk.size
            self._kept.append((start, chunk))
            if self._keep_from is None and not self._line_over:
                self._watch(chunk, now)
            if self._keep_from is None:
                self._prune()

    def _watch(self, chunk: np.ndarray, now: float) -> None:
        probs = self._vad.probs(chunk)
        buf = np.concatenate([self._rest, chunk])
        n = probs.size * FRAME
        rms = np.sqrt(np.mean(np.square(buf[:n].reshape(-1, FRAME)), axis=1)) if n else np.zeros(0)
        self._rest = buf[n:]
        for p, level in zip(probs, rms, strict=True):
            if self._onset.push(bool(p >= self.opts.threshold and level >= self.opts.min_rms)):
                begin = (self._onset.run_start or 0) * FRAME
                self._keep_from = max(0, begin - self._pre_roll())
                self.speech_began_at = now - (self._samples - begin) / SAMPLE_RATE
                self.heard_at = now
                self.heard.set()
                return

    def _pre_roll(self) -> int:
        return int(self.opts.pre_roll_s * SAMPLE_RATE)

    def _prune(self) -> None:
        """Before the onset only the pre-roll (and a run of speech still being judged) is kept."""
        begin = self._onset.run_start * FRAME if self._onset.run_start is not None else self._samples
        oldest = begin - self._pre_roll()
        while self._kept and self._kept[0][0] + self._kept[0][1].size <= oldest:
            self._kept.pop(0)

    # --- the caller ----------------------------------------------------------------------------

    def line_ended(self) -> None:
        """The line is over (played out or stopped): from now on every chunk goes to the answer.

        Speech that began during the line but was still too short to stop it is kept from its onset
        (with the pre-roll); otherwise the answer starts here, as it does without barge-in.
        """
        with self._lock:
            self._line_over = True
            if self._keep_from is None:
                run = self._onset.run_start
                self._keep_from = max(0, run * FRAME - self._pre_roll()) if run is not None else self._samples

    def handoff(self) -> Iterator[np.ndarray]:
        """The answer's chunks: what was kept (from the pre-roll on), then the live stream."""
        self.line_ended()
        self._done.set()
        self._thread.join()  # at most one chunk's wait: the thread stops after the chunk it is reading
        with self._lock:
            keep_from = self._keep_from if self._keep_from is not None else self._samples
            kept = [c[max(0, keep_from - s) :] for s, c in self._kept if s + c.size > keep_from]
            self._kept = []
        return self._chained(kept)

    def _chained(self, kept: list[np.ndarray]) -> Iterator[np.ndarray]:
        yield from (c for c in kept if c.size)
        if self.error is not None:
            raise self.error
        yield from self._chunks

    def close(self, timeout_s: float = 3.0) -> None:
        """Stop watching and stop the stream (the line was cut short by an error or Ctrl-C)."""
        self._done.set()
        if self._on_close is not None:
            self._on_close()
        self._thread.join(timeout_s)
