"""Speech out: the interviewer's voice and the synthetic candidate's voice.

- :class:`Pyttsx3Speaker` (the default interviewer voice) speaks with pyttsx3 (espeak-ng on Linux);
  :class:`voice_interviewer.tts.piper.PiperSpeaker` speaks with the bundled natural Piper voice
  (``--tts piper``). :func:`build_speaker` picks one. Each renders a line to a WAV, then plays it,
  or only writes the WAV when there is no output device.
- :func:`synthesize` turns text into 16 kHz mono audio for the demo candidate: the bundled Piper
  voice when ``piper-tts`` is installed (loaded by :func:`voice_interviewer.engines.piper_voice`),
  espeak-ng otherwise. Both are offline.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.errors import ExitCode, MissingModelError, UserError
from voice_interviewer.tts.piper import DEMO_LENGTH_SCALE, piper_available, piper_wav

TTS_ENGINES = ("pyttsx3", "piper")


class Speaker(Protocol):
    """Says the interviewer's lines. ``to_file`` speakers also save each line as a WAV."""

    name: str

    def say(self, text: str, wav_path: Path | None = None) -> None: ...


@runtime_checkable
class Interruptible(Protocol):
    """A speaker whose playback stops when ``interrupt`` is set (barge-in); ``stopped_after_s`` is
    how far into the last line it stopped (None when the line played to its end)."""

    interrupt: threading.Event | None
    stopped_after_s: float | None


class Pyttsx3Speaker:
    """The interviewer's voice: pyttsx3 renders each line to a WAV, which is then played.

    Rendering to a file first keeps a copy in the recording and tells exactly when playback
    ends, so listening starts only after the interviewer has finished (half-duplex).
    """

    name = "pyttsx3"

    def __init__(
        self, rate: int = 175, voice: str | None = None, output_device: int | str | None = None, play: bool = True
    ) -> None:
        import pyttsx3

        try:
            self._engine = pyttsx3.init()
        except (RuntimeError, OSError, ImportError) as e:
            raise MissingModelError(
                f"Speech output (pyttsx3) could not start: {e}. It needs espeak-ng: run the set-up "
                "(make setup) or: sudo apt-get install espeak-ng"
            ) from None
        self._engine.setProperty("rate", rate)
        if voice:
            self._engine.setProperty("voice", voice)
        self.play = play
        self.output_device = output_device
        self.started_at: float | None = None  # time.monotonic() when the last line started to sound
        self.interrupt: threading.Event | None = None  # set while a line plays: playback stops (barge-in)
        self.stopped_after_s: float | None = None
        self._lock = threading.Lock()  # lines are also rendered ahead, on another thread

    def render(self, text: str, wav_path: Path) -> Path:
        wav_path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to ..."
            self._engine.save_to_file(text, str(wav_path))
            self._engine.runAndWait()
            _wait_for_wav(wav_path)
        return wav_path

    def say_prepared(self, audio: Path, wav_path: Path | None = None) -> None:
        """Say a line rendered ahead by :meth:`render` (kept as ``wav_path`` in the recording)."""
        if wav_path is not None:
            shutil.copyfile(audio, wav_path)
        self.started_at = time.monotonic()
        self.stopped_after_s = play_wav(audio, self.output_device, self.interrupt) if self.play else None

    def say(self, text: str, wav_path: Path | None = None) -> None:
        self.stopped_after_s = None
        if wav_path is None and not self.play:
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = self.render(text, wav_path or Path(tmp) / "line.wav")
            self.started_at = time.monotonic()
            self.stopped_after_s = play_wav(path, self.output_device, self.interrupt) if self.play else None


def _wait_for_wav(path: Path, timeout_s: float = 15.0) -> None:
    """pyttsx3's espeak driver can return from runAndWait before its callback has written the file
    (seen on a busy machine, playing right after rendering): wait until the WAV is complete."""
    import soundfile as sf

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            if path.is_file() and sf.info(str(path)).frames > 0:
                return
        except (RuntimeError, OSError):  # soundfile raises LibsndfileError (a RuntimeError) mid-write
            pass
        time.sleep(0.02)


def play_wav(path: Path, device: int | str | None = None, interrupt: threading.Event | None = None) -> float | None:
    """Play a WAV file to the end (blocking), or until ``interrupt`` is set: then the seconds it played."""
    import soundfile as sf

    from voice_interviewer.audio.devices import _sd

    sd = _sd()
    data, rate = sf.read(str(path), dtype="float32")
    if interrupt is None:
        sd.play(data, rate, device=device, blocking=True)
        return None
    return play_interruptible(sd, data, rate, device, interrupt)


PLAYBACK_LATENCY = "high"  # as sd.play uses for every line; "low" stopped no sooner (bench_barge_in.py --latency low)


def play_interruptible(
    sd: Any,
    data: np.ndarray,
    rate: int,
    device: int | str | None,
    interrupt: threading.Event,
    poll_s: float = 0.01,
    latency: str | float = PLAYBACK_LATENCY,
) -> float | None:
    """Play ``data`` through an output stream fed by its callback, checking ``interrupt`` every ``poll_s``:
    when it is set the stream is aborted (what PortAudio still holds is dropped) and the seconds from
    the start to the stop are returned; None when the line played to its end."""
    if interrupt.is_set():
        return 0.0
    frames = data.reshape(data.shape[0], -1)
    pos = 0
    finished = threading.Event()

    def callback(outdata: np.ndarray, n: int, time_info: object, status: object) -> None:
        nonlocal pos
        part = frames[pos : pos + n]
        outdata[: len(part)] = part
        outdata[len(part) :] = 0
        pos += len(part)
        if len(part) < n:
            raise sd.CallbackStop

    stream = sd.OutputStream(
        samplerate=rate,
        channels=frames.shape[1],
        dtype="float32",
        device=device,
        latency=latency,
        callback=callback,
        finished_callback=finished.set,
    )
    with stream:
        t0 = time.monotonic()
        while not finished.wait(poll_s):
            if interrupt.is_set():
                stream.abort()
                return time.monotonic() - t0
    return None


def build_speaker(
    engine: str, rate: int = 175, voice: str | None = None, output_device: int | str | None = None, play: bool = True
) -> Speaker:
    """The interviewer's voice: ``pyttsx3`` (espeak-ng, the default) or ``piper`` (the bundled Piper voice)."""
    if engine == "pyttsx3":
        return Pyttsx3Speaker(rate=rate, voice=voice, output_device=output_device, play=play)
    if engine == "piper":
        from voice_interviewer.tts.piper import PiperSpeaker

        return PiperSpeaker(rate=rate, output_device=output_device, play=play)
    raise UserError(f"--tts {engine!r}: use one of {', '.join(TTS_ENGINES)}.", ExitCode.USAGE)


class SilentSpeaker:
    """Prints nothing, plays nothing; remembers what it was asked to say (tests, --quiet)."""

    name = "silent"

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str, wav_path: Path | None = None) -> None:
        self.said.append(text)


def _to_16k(wav_bytes: bytes) -> np.ndarray:
    from faster_whisper.audio import decode_audio

    return np.asarray(decode_audio(io.BytesIO(wav_bytes), sampling_rate=SAMPLE_RATE), dtype=np.float32)


def synthesize(text: str, cache_dir: Path | None = None) -> tuple[np.ndarray, str]:
    """(16 kHz mono float32 audio, voice name) for ``text``, cached by content when asked."""
    voice = f"piper:en_US-joe-medium@{DEMO_LENGTH_SCALE}" if piper_available() else "espeak-ng"
    key = hashlib.sha256(f"{voice}|{text}".encode()).hexdigest()[:20]
    cached = cache_dir / f"{key}.wav" if cache_dir else None
    if cached and cached.is_file():
        return _to_16k(cached.read_bytes()), voice
    data = piper_wav(text, DEMO_LENGTH_SCALE) if voice.startswith("piper") else espeak_wav(text)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")  # two sessions at once never read half a file
        tmp.write_bytes(data)
        tmp.replace(cached)
    return _to_16k(data), voice


def espeak_wav(text: str, rate: int = 165) -> bytes:
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if not exe:
        raise MissingModelError(
            "espeak-ng is not installed: run the set-up (make setup) or: sudo apt-get install espeak-ng"
        )
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run([exe, "-s", str(rate), "-w", f.name, text], check=True, capture_output=True, timeout=120)
        return Path(f.name).read_bytes()


def espeak_audio(text: str) -> np.ndarray:
    """``text`` spoken by espeak-ng, as 16 kHz mono float32."""
    return _to_16k(espeak_wav(text))
