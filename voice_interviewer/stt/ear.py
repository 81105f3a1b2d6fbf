"""A second hearing of the answer's last words, for the end of the turn.

tiny.en, which transcribes the answer while it goes on, writes tidy sentences: at a pause it drops a
trailing "and" ("...such as device, and" heard as "...such as device.") and finishes a fragment
("...validating on the" heard as "...validating on them."), and then the words read as finished just
when the speaker is looking for the next one. The bundled base model is more literal on the same audio.
When a pause sounds like the end (the turn model's verdict), the last :data:`WINDOW_S` seconds are
heard again by it, text only, on one thread of their own (about 0.2 s); the words hang when either
hearing leaves them hanging (:func:`voice_interviewer.audio.turn.words_verdict`).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Protocol

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.stt.decoding import PIECE_S
from voice_interviewer.stt.transcriber import inaudible

if TYPE_CHECKING:
    from voice_interviewer.stt.transcriber import FasterWhisperTranscriber

WINDOW_S = 6.0  # enough context for the last words; short enough to hear in a fraction of a second

log = logging.getLogger(__name__)


class Ear(Protocol):
    def text_of(self, audio: np.ndarray) -> str: ...


class ClipEar:
    """The words of short clips (at most :data:`PIECE_S`) from a Whisper model, quickly: one greedy
    decoding, no timings, no prompt, no fallbacks, no hesitation sounds.

    The encoder sees the clip and 2 s of padding, not the 30 s window Whisper was trained on (and
    faster-whisper always pads to): base on one thread heard a 6 s clip in 0.17 s instead of 1.0 s,
    with the same hanging or finished last words on 40 of the turn bench's 44 clips. No prompt: given
    as text without timestamps, the filler prompt made base invent sentences ("I'm not sure.")."""

    def __init__(self, transcriber: FasterWhisperTranscriber) -> None:
        self._t = transcriber
        self.name = transcriber.name

    def text_of(self, audio: np.ndarray) -> str:
        return "" if inaudible(audio) else self._decode(audio, audio.size / SAMPLE_RATE)

    def warm_up(self) -> None:
        """Decode once (the first decoding takes about a second longer)."""
        self._decode(np.zeros(SAMPLE_RATE, np.float32), 1.0)

    def _decode(self, audio: np.ndarray, seconds: float) -> str:
        import ctranslate2

        whisper, tok, o = self._t.whisper, self._t.tokenizer, self._t.options
        feats = whisper.feature_extractor(audio[: int(PIECE_S * SAMPLE_RATE)])[:, :-1]
        padded = np.zeros((1, feats.shape[0], feats.shape[1] + 200), np.float32)  # 200 frames: 2 s
        padded[0, :, : feats.shape[1]] = feats
        result = whisper.model.generate(
            whisper.model.encode(ctranslate2.StorageView.from_array(padded)),
            [[*tok.sot_sequence, tok.no_timestamps]],
            beam_size=1,
            max_length=o.token_budget(seconds) or 224,
            return_scores=True,
            return_no_speech_prob=True,
        )[0]
        if result.no_speech_prob > o.no_speech_threshold and result.scores[0] < o.log_prob_threshold:
            return ""  # Whisper's own test for words written over silence
        return str(tok.decode(result.sequences_ids[0])).strip()


class SecondHearing:
    """Hears one clip at a time on its own thread; a newer clip replaces one not started yet. Each clip
    has a key (where the answer was cut), so that a hearing is never taken for another cut's."""

    def __init__(self, ear: Ear) -> None:
        self._ear = ear
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="second-hearing")
        self._pending: tuple[int, Future[str]] | None = None

    def hear(self, key: int, audio: np.ndarray) -> None:
        if self._pending is not None:
            self._pending[1].cancel()
        self._pending = (key, self._pool.submit(self._ear.text_of, audio))

    def forget(self) -> None:
        """Speech came back: the clip being heard is not the end any more."""
        if self._pending is not None:
            self._pending[1].cancel()
        self._pending = None

    def heard(self, key: int, timeout: float | None = 0.0) -> str | None:
        """The words of the clip for ``key`` ("" when there is none or it could not be heard), None while
        it is not ready within ``timeout``."""
        if self._pending is None or self._pending[0] != key:
            return ""
        try:
            return self._pending[1].result(timeout)
        except FutureTimeout:
            return None
        except Exception as e:  # noqa: BLE001 (a second opinion that failed is no opinion)
            log.warning("second hearing failed: %s", e)
            return ""

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
