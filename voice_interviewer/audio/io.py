"""Reading audio files into 16 kHz mono float32, with errors a user can act on."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from voice_interviewer.errors import ExitCode, UserError

SAMPLE_RATE = 16000
MAX_SECONDS = 30 * 60  # longer files are refused: split them into answers


def load_audio(path: Path, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Decode any common audio file (wav, flac, mp3, ogg, m4a, webm...) to 16 kHz mono float32."""
    if not path.exists():
        raise UserError(f"{path}: no such file.", ExitCode.USAGE)
    if path.is_dir():
        raise UserError(f"{path} is a folder; give an audio file.", ExitCode.USAGE)
    if path.stat().st_size == 0:
        raise UserError(f"{path} is empty (0 bytes): record the answer again.")
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except Exception as e:  # noqa: BLE001 PyAV raises many types for damaged input; all mean the same here
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        # PyAV's "[Errno 1094995529] Invalid data found when processing input: 'x.wav'": the reason alone
        reason = re.sub(r"^\[Errno -?\d+\]\s*", "", reason).split(": '")[0][:160]
        raise UserError(
            f"{path} could not be read as audio ({reason}). Is it a complete wav, flac, mp3, "
            "ogg or m4a file? A recording cut off mid-write can be re-exported with any audio editor."
        ) from None
    audio = np.asarray(audio, dtype=np.float32)
    if audio.size == 0:
        raise UserError(f"{path} holds no audio samples (truncated or empty stream).")
    seconds = audio.size / SAMPLE_RATE
    if seconds > max_seconds:
        raise UserError(
            f"{path} is {seconds / 60:.0f} minutes long; answers over {max_seconds / 60:.0f} minutes "
            "are refused. Trim it to the answer itself."
        )
    return audio


SILENT_DBFS = -65.0  # the loudest half second at or below this: nothing a microphone picked up
CLIPPED_SHARE = 0.005  # of the samples at full scale: more, and the recording is clipped
QUIET_DBFS = -45.0  # the loudest half second at or below this: a very quiet recording


def level_warnings(audio: np.ndarray) -> list[str]:
    """What is wrong with a recording's level, in words a user can act on (nothing when it is fine, or
    silent: silence gets its own message): clipping garbles words, and a very quiet recording loses
    the softer ones."""
    x = np.asarray(audio, dtype=np.float32).ravel()
    if x.size == 0:
        return []
    out = []
    clipped = float(np.mean(np.abs(x) >= 0.99))
    if clipped >= CLIPPED_SHARE:
        out.append(
            f"The recording is clipped ({clipped:.1%} of its samples at full scale), which garbles words: "
            "lower the microphone's input gain and record again."
        )
    loudest = loudest_dbfs(x)
    if SILENT_DBFS < loudest <= QUIET_DBFS:
        out.append(
            f"The recording is very quiet (its loudest moment {loudest:.0f} dBFS): soft words may be lost; "
            "move closer to the microphone or raise its input gain."
        )
    return out


def loudest_dbfs(audio: np.ndarray, window_s: float = 0.5, rate: int = SAMPLE_RATE) -> float:
    """The RMS level (dBFS) of the clip's loudest ``window_s`` (the whole clip if it is shorter),
    in steps of a tenth of the window."""
    x = np.asarray(audio, dtype=np.float64).ravel()
    if x.size == 0:
        return -np.inf
    win = max(1, round(window_s * rate))
    if x.size <= win:
        power = float(np.mean(np.square(x)))
    else:  # longer than the window, so at least ten steps
        step = max(1, win // 10)
        n = x.size // step
        frames = np.square(x[: n * step]).reshape(n, step).mean(axis=1)
        power = float(np.convolve(frames, np.ones(10) / 10, mode="valid").max())
    return 10 * np.log10(power) if power > 0 else -np.inf


def is_silent(audio: np.ndarray, dbfs: float = SILENT_DBFS) -> bool:
    """True when even the clip's loudest half second is quieter than ``dbfs`` (RMS): nothing a
    microphone picked up, not worth a pass of the speech model (which could invent words in it).
    The loudest stretch, not the whole clip: a quiet speaker's words stand out of the pauses
    around them, and a long recording with a short answer in it is not silent. What passes is
    still judged by the voice activity detector and Whisper's own no-speech test."""
    return loudest_dbfs(audio) <= dbfs


def write_wav(path: Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, sample_rate, subtype="PCM_16")
