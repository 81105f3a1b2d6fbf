"""The bundled Piper voice (en_US-joe-medium, from a pinned model package): a natural, offline voice.

It speaks for the demo candidate (:func:`voice_interviewer.tts.speaker.synthesize`) and, with
``--tts piper``, for the interviewer (:class:`PiperSpeaker`). The model files are checked against
their pinned sha256 before the voice is loaded; a missing package is a clear error naming it.
"""

from __future__ import annotations

import importlib.util
import io
import tempfile
import threading
import wave
from pathlib import Path

from voice_interviewer.errors import MissingModelError
from voice_interviewer.models import PIPER_JOE

VOICE_NAME = "en_US-joe-medium"
NATURAL_WPM = 185  # the voice's own pace at length_scale 1.0, in words a minute
DEMO_LENGTH_SCALE = 1.2  # the demo candidate: about 150 words a minute


def piper_available() -> bool:
    """piper-tts and the voice's package are both installed (nothing is imported)."""
    return importlib.util.find_spec("piper") is not None and importlib.util.find_spec(PIPER_JOE.module) is not None


def _require() -> None:
    if importlib.util.find_spec("piper") is None:
        raise MissingModelError(
            "The Piper voice needs the piper-tts package, which is not installed. Run the set-up again "
            "(make setup), or: pip install piper-tts"
        )
    PIPER_JOE.folder()  # names the voice's package when it is missing


def length_scale_for(rate_wpm: int) -> float:
    """Piper's length scale for a speaking rate in words a minute (longer is slower)."""
    return round(NATURAL_WPM / max(rate_wpm, 60), 3)


def reseed_voice(seed: int) -> None:
    """Draw the Piper voice's generator noise afresh from ``seed``: the next lines it speaks do not depend
    on what it said before (the voice is loaded again; onnxruntime seeds a session when it is made)."""
    import onnxruntime

    from voice_interviewer.engines import piper_voice

    piper_voice.cache_clear()
    onnxruntime.set_seed(seed)


def piper_wav(text: str, length_scale: float = 1.0) -> bytes:
    """WAV bytes (the voice's own 22.05 kHz) of ``text`` spoken by the Piper voice."""
    from piper import SynthesisConfig

    from voice_interviewer.engines import piper_voice  # the one place engines are loaded

    _require()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        piper_voice().synthesize_wav(text, w, syn_config=SynthesisConfig(length_scale=length_scale))
    return buf.getvalue()


class PiperSpeaker:
    """The interviewer's voice with Piper: each line rendered to a WAV (kept with the recording when
    asked), then played to the end, so listening starts only after the interviewer has finished."""

    name = f"piper:{VOICE_NAME}"

    def __init__(self, rate: int = 175, output_device: int | str | None = None, play: bool = True) -> None:
        _require()
        self.length_scale = length_scale_for(rate)
        self.output_device = output_device
        self.play = play
        self.interrupt: threading.Event | None = None  # set while a line plays: playback stops (barge-in)
        self.stopped_after_s: float | None = None  # how far into the last line it stopped

    def render(self, text: str, wav_path: Path) -> Path:
        wav_path.parent.mkdir(parents=True, exist_ok=True)
        wav_path.write_bytes(piper_wav(text, self.length_scale))
        return wav_path

    def say(self, text: str, wav_path: Path | None = None) -> None:
        self.stopped_after_s = None
        if wav_path is None and not self.play:
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = self.render(text, wav_path or Path(tmp) / "line.wav")
            if self.play:
                from voice_interviewer.tts.speaker import play_wav

                self.stopped_after_s = play_wav(path, self.output_device, self.interrupt)
