"""Live answers: chunks in, a recorded and end-pointed answer out.

- :class:`TurnDetector` is the pure decision: given speech probabilities per 32 ms frame, when
  has the answer started, and when is it over (a silence longer than a thinking pause).
- :class:`SileroVad` gives those probabilities (the Silero model shipped in faster-whisper).
- :class:`StreamingRecorder` writes every chunk to disk from a writer thread as it arrives, so a
  crash loses at most the last second; the audio callback only queues.
- :func:`capture_answer` ties a chunk source (microphone or synthesized speech) to both.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_interviewer.audio.io import SAMPLE_RATE

FRAME = 512  # Silero frame at 16 kHz: 32 ms


@dataclass(frozen=True)
class TurnOptions:
    end_silence_s: float = 2.5  # silence that ends the answer; thinking pauses are shorter
    start_timeout_s: float = 12.0  # no speech at all by then: the answer is empty
    max_answer_s: float = 600.0  # hard cap (10 minutes)
    threshold: float = 0.5  # speech probability
    min_speech_s: float = 0.4  # shorter bursts (a cough) do not start the answer


class TurnDetector:
    """End-of-turn decision from per-frame speech probabilities. Pure: no audio, no clocks."""

    def __init__(self, opts: TurnOptions | None = None) -> None:
        self.o = opts or TurnOptions()
        self.t = 0.0  # seconds consumed
        self.speech_s = 0.0
        self.started_at: float | None = None
        self.last_speech = 0.0
        self._run = 0.0  # current run of speech frames

    def push(self, probs: np.ndarray, frame_s: float = FRAME / SAMPLE_RATE) -> str | None:
        """Feed frame probabilities; returns why the turn ended, or None while it goes on."""
        for p in probs:
            self.t += frame_s
            if p >= self.o.threshold:
                self._run += frame_s
                self.speech_s += frame_s
                self.last_speech = self.t
                if self.started_at is None and self._run >= self.o.min_speech_s:
                    self.started_at = self.t - self._run
            else:
                self._run = 0.0
            if self.started_at is None:
                if self.t >= self.o.start_timeout_s:
                    return "no-speech"
            elif self.t - self.last_speech >= self.o.end_silence_s:
                return "silence"
            if self.t >= self.o.max_answer_s:
                return "max-length"
        return None


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
