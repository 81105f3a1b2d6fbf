"""A second hearing of the answer's last words, for the end of the turn.

tiny.en, which transcribes the answer while it goes on, writes tidy sentences: at a pause it drops a
trailing "and" ("...such as device, and" heard as "...such as device.") and finishes a fragment
("...validating on the" heard as "...validating on them."), and then the words read as finished just
when the speaker is looking for the next one. The bundled base model is more literal on the same audio.
At each possible end of the turn the last :data:`WINDOW_S` seconds are heard again by it, text only,
on one thread of their own (about 0.15-0.3 s); the words hang when either hearing leaves them hanging
(:func:`voice_interviewer.audio.turn.words_verdict`).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol

import numpy as np

WINDOW_S = 6.0  # enough context for the last words; short enough to hear in a fraction of a second

log = logging.getLogger(__name__)


class Ear(Protocol):
    def text_of(self, audio: np.ndarray) -> str: ...


class SecondHearing:
    """Hears one clip at a time on its own thread; a newer clip replaces one not started yet."""

    def __init__(self, ear: Ear) -> None:
        self._ear = ear
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="second-hearing")
        self._pending: Future[str] | None = None

    def hear(self, audio: np.ndarray) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = self._pool.submit(self._ear.text_of, audio)

    def forget(self) -> None:
        """Speech came back: the clip being heard is not the end any more."""
        if self._pending is not None:
            self._pending.cancel()
        self._pending = None

    def heard(self, timeout: float | None = 0.0) -> str | None:
        """The words of the last clip ("" when it could not be heard), None while not ready in ``timeout``."""
        if self._pending is None:
            return ""
        try:
            return self._pending.result(timeout)
        except FutureTimeout:
            return None
        except Exception as e:  # noqa: BLE001 (a second opinion that failed is no opinion)
            log.warning("second hearing failed: %s", e)
            return ""

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
