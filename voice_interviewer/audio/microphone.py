"""The microphone through sounddevice (PortAudio): the callback only copies into a queue."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE


class MicSource:
    """Microphone chunks through sounddevice; the PortAudio callback only copies into a queue."""

    def __init__(self, device: int | str | None = None, chunk_s: float = 0.1) -> None:
        from voice_interviewer.audio.devices import _sd

        self._sd = _sd()
        self.device = device
        self.blocksize = int(chunk_s * SAMPLE_RATE)
        self.overflows = 0

    def chunks(self, stop: threading.Event) -> Iterator[np.ndarray]:
        from voice_interviewer.errors import ExitCode, UserError

        q: queue.Queue[np.ndarray] = queue.Queue()

        def callback(indata: np.ndarray, frames: int, time_info: object, status: object) -> None:
            if status and getattr(status, "input_overflow", False):
                self.overflows += 1
            q.put(indata[:, 0].copy())

        try:
            stream = self._sd.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="float32",
                blocksize=self.blocksize,
                device=self.device,
                callback=callback,
            )
        except (self._sd.PortAudioError, ValueError) as e:
            raise UserError(
                f"Could not open the microphone ({e}). List devices with: voice-interviewer devices; "
                "pick one with --input-device, or practise with --text or --demo.",
                ExitCode.DEVICE,
            ) from None
        with stream:
            while not stop.is_set():
                try:
                    yield q.get(timeout=2.0)
                except queue.Empty:
                    if not stream.active:
                        raise UserError(
                            "The microphone stopped delivering audio (unplugged?). The answer so far is saved.",
                            ExitCode.DEVICE,
                        ) from None
