"""The crash-safe recorder: every chunk is streamed to disk by a writer thread as it arrives."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE


class StreamingRecorder:
    """Append-only raw 16-bit PCM written by a thread, flushed about once a second.

    ``answer.pcm`` grows while the candidate speaks; :meth:`finish` turns it into ``answer.wav``.
    After a crash, :func:`recover_pcm` does the same for what reached the disk.
    """

    def __init__(self, wav_path: Path) -> None:
        self.wav_path = wav_path
        self.pcm_path = wav_path.with_suffix(".pcm")
        wav_path.parent.mkdir(parents=True, exist_ok=True)
        self._q: queue.Queue[np.ndarray | None] = queue.Queue()
        self._file = self.pcm_path.open("ab")
        self.samples = 0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._writer, name="recorder", daemon=True)
        self._thread.start()

    def write(self, chunk: np.ndarray) -> None:
        """Called from the capture path: only queues."""
        self._q.put(chunk.copy())

    def _writer(self) -> None:
        last_flush = time.monotonic()
        try:
            while (chunk := self._q.get()) is not None:
                pcm = (np.clip(chunk, -1.0, 1.0) * 32767).astype("<i2")
                self._file.write(pcm.tobytes())
                self.samples += pcm.size
                if time.monotonic() - last_flush >= 1.0:
                    self._file.flush()
                    last_flush = time.monotonic()
        except OSError as e:  # disk full, folder removed: report at finish
            self.error = e
        finally:
            self._file.flush()
            self._file.close()

    def finish(self) -> Path:
        self._q.put(None)
        self._thread.join()
        if self.error:
            raise self.error
        return pcm_to_wav(self.pcm_path, self.wav_path)


def pcm_to_wav(pcm_path: Path, wav_path: Path) -> Path:
    import soundfile as sf

    data = np.frombuffer(pcm_path.read_bytes(), dtype="<i2")
    data = data[: data.size]  # an odd trailing byte from a crash is dropped by frombuffer's view
    sf.write(str(wav_path), data, SAMPLE_RATE, subtype="PCM_16")
    pcm_path.unlink()
    return wav_path


def recover_pcm(folder: Path) -> list[Path]:
    """Turn leftover ``*.pcm`` files of a crashed session into WAV files."""
    out = []
    for pcm in sorted(folder.glob("*.pcm")):
        size = pcm.stat().st_size
        if size % 2:
            with pcm.open("r+b") as f:
                f.truncate(size - 1)
        out.append(pcm_to_wav(pcm, pcm.with_suffix(".wav")))
    return out
