"""Transcribe while the candidate is still speaking, so the wait after the answer stays short.

The answer is cut at natural pauses; each closed piece is transcribed on a worker thread while
capture goes on. When the turn ends only the tail since the last cut is left to transcribe.
At a possible end of the turn the caller cuts (:meth:`IncrementalTranscriber.cut`) and can wait
for the transcript up to that point (:meth:`IncrementalTranscriber.transcript_until`) while
listening goes on; a tail with no speech in it is never sent to Whisper.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.audio.turn import FRAME
from voice_interviewer.stt.transcriber import Transcriber
from voice_interviewer.types import Hesitation, Transcript, Word

CUT_SILENCE_S = 0.6  # a pause this long closes a piece
SHORT_CUT_SILENCE_S = 0.25  # a sentence gap is enough once the piece is long
LONG_PIECE_S = 10.0  # ... this long: fluent speakers rarely pause for 0.6 s
MAYBE_SPEECH = 0.25  # a tail with no frame this likely to be speech is not sent to Whisper
MIN_PIECE_S = 4.0  # pieces shorter than this wait for more speech (Whisper likes context)
_DONE = re.compile(r"(?:^|[\s,.])(?:i'?m|i am|and i'?m|okay,? i'?m)?\s*done[.!]?\s*$", re.IGNORECASE)


def strip_done(text: str) -> tuple[str, bool]:
    """Remove a closing spoken "done" ("... and I'm done.") from the transcript."""
    m = _DONE.search(text)
    if not m:
        return text, False
    return text[: m.start()].rstrip(" ,"), True


class IncrementalTranscriber:
    def __init__(
        self, transcriber: Transcriber, threshold: float = 0.5, on_done_word: Callable[[], None] | None = None
    ) -> None:
        self._t = transcriber
        self._threshold = threshold
        self._buf: list[np.ndarray] = []
        self._n = 0  # samples received
        self._cut = 0  # samples already handed to the worker
        self._silence = 0  # samples of trailing silence
        self._speech_since_cut = 0
        self._q: queue.Queue[tuple[int, np.ndarray] | None] = queue.Queue()
        self._results: list[tuple[int, Transcript]] = []
        self._done_to = 0  # samples transcribed so far (pieces are transcribed in order)
        self._cond = threading.Condition()
        self._voiced_since_cut = False
        self._error: BaseException | None = None
        self._on_done_word = on_done_word
        self._worker = threading.Thread(target=self._work, name="stt-incremental", daemon=True)
        self._worker.start()

    def feed(self, chunk: np.ndarray, probs: np.ndarray) -> None:
        self._buf.append(chunk)
        self._n += chunk.size
        if probs.size and float(probs.max()) >= MAYBE_SPEECH:
            self._voiced_since_cut = True
        for p in probs:
            if p >= self._threshold:
                self._silence = 0
                self._speech_since_cut += FRAME
            else:
                self._silence += FRAME
        needed = SHORT_CUT_SILENCE_S if self._speech_since_cut >= LONG_PIECE_S * SAMPLE_RATE else CUT_SILENCE_S
        if self._silence >= needed * SAMPLE_RATE and self._speech_since_cut >= MIN_PIECE_S * SAMPLE_RATE:
            end = self._n - self._silence // 2
            self._submit(end)

    def _audio(self, start: int, end: int) -> np.ndarray:
        whole = np.concatenate(self._buf) if len(self._buf) > 1 else self._buf[0]
        self._buf = [whole]
        return whole[start:end]

    def _submit(self, end: int) -> None:
        if end <= self._cut:
            return
        self._q.put((self._cut, self._audio(self._cut, end)))
        self._cut = end
        self._speech_since_cut = 0
        self._voiced_since_cut = False

    def tail(self, end: int, seconds: float) -> np.ndarray:
        """The last ``seconds`` of audio before ``end`` samples (call from the thread that feeds)."""
        end = min(end, self._n)
        return self._audio(max(0, end - int(seconds * SAMPLE_RATE)), end) if self._buf else np.zeros(0, np.float32)

    def cut(self, end: int | None = None) -> int:
        """Close a piece at ``end`` samples (default: all audio so far), e.g. at a possible end of
        the turn; returns where the transcript is now cut."""
        end = self._n if end is None else min(end, self._n)
        if self._voiced_since_cut:
            self._submit(end)
        return self._cut

    def transcript_until(self, end: int, timeout: float | None = None) -> Transcript | None:
        """The merged transcript of the pieces up to ``end`` samples once they are transcribed
        (None when that takes longer than ``timeout``). Thread-safe; capture goes on meanwhile."""
        end = min(end, self._cut)  # what was not cut is not being transcribed
        with self._cond:
            if not self._cond.wait_for(lambda: self._done_to >= end or self._error is not None, timeout):
                return None
            if self._error:
                raise self._error
            results = [r for r in self._results if r[0] < end]
        return _merge(results, end)

    def _work(self) -> None:
        while (item := self._q.get()) is not None:
            start, audio = item
            try:
                tr = self._t.transcribe(audio)
            except Exception as e:  # noqa: BLE001 (re-raised in finish(), on the caller's thread)
                with self._cond:
                    self._error = e
                    self._cond.notify_all()
                continue
            with self._cond:
                self._results.append((start, tr))
                self._done_to = start + audio.size
                self._cond.notify_all()
            if self._on_done_word and strip_done(tr.text)[1]:
                self._on_done_word()

    def finish(self) -> Transcript:
        """Transcribe the tail (when anything was said in it), wait for the worker, merge the pieces."""
        if self._buf and self._voiced_since_cut:
            self._submit(self._n)
        self._q.put(None)
        self._worker.join()
        if self._error:
            raise self._error
        return _merge(self._results, self._n)


def _merge(results: list[tuple[int, Transcript]], n_samples: int) -> Transcript:
    words: list[Word] = []
    texts: list[str] = []
    hesitations: list[Hesitation] = []
    for start, tr in sorted(results, key=lambda r: r[0]):
        off = start / SAMPLE_RATE
        texts.append(tr.text)
        words += [
            w.model_copy(update={"start": round(w.start + off, 3), "end": round(w.end + off, 3)}) for w in tr.words
        ]
        hesitations += [
            h.model_copy(update={"start": round(h.start + off, 3), "end": round(h.end + off, 3)})
            for h in tr.hesitations
        ]
    text = " ".join(t for t in texts if t).strip()
    text, said_done = strip_done(text)
    if said_done and words and words[-1].word.lower().strip(".!,") == "done":
        words = words[:-1]
        if words and words[-1].word.lower().strip(",") in ("i'm", "im"):
            words = words[:-1]
    return Transcript(
        text=text,
        words=tuple(words),
        duration_s=round(n_samples / SAMPLE_RATE, 2),
        no_speech=not text,
        hesitations=tuple(hesitations),
    )
