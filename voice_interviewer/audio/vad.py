"""Speech probability per 32 ms frame, from the Silero model that ships inside faster-whisper."""

from __future__ import annotations

import numpy as np

from voice_interviewer.audio.turn import FRAME


class SileroVad:
    """Speech probability per 512-sample frame, from the Silero model inside faster-whisper.

    Streaming: the model's recurrent state and the 64-sample context carry over between chunks
    (faster-whisper's own wrapper resets them on every call, which is right for whole files only).
    """

    CONTEXT = 64

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(self.CONTEXT, dtype=np.float32)
        self._rest = np.zeros(0, dtype=np.float32)

    def probs(self, chunk: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self._rest, chunk.astype(np.float32)])
        n = (buf.size // FRAME) * FRAME
        self._rest = buf[n:]
        out = []
        for i in range(0, n, FRAME):
            frame = buf[i : i + FRAME]
            x = np.concatenate([self._context, frame])[None, :]
            prob, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
            self._context = frame[-self.CONTEXT :]
            out.append(float(np.asarray(prob).reshape(-1)[0]))
        return np.asarray(out, dtype=np.float32)
