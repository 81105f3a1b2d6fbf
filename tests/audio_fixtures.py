"""Small generated-audio helpers for the tests. Everything is written to tmp paths, never committed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from tests.conftest import JFK
from voice_interviewer.audio.io import SAMPLE_RATE


def jfk_audio() -> np.ndarray:
    """The real-speech clip, 16 kHz mono float32."""
    audio, sr = sf.read(str(JFK), dtype="float32")
    assert sr == SAMPLE_RATE and audio.ndim == 1
    return audio


def silence(seconds: float) -> np.ndarray:
    """Digital silence: exact zeros."""
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def white_noise(seconds: float, dbfs: float, seed: int = 0) -> np.ndarray:
    """Gaussian white noise whose RMS is ``dbfs`` (dB relative to full scale)."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(int(seconds * SAMPLE_RATE)).astype(np.float32)
    return noise * np.float32(10 ** (dbfs / 20))


def rms_dbfs(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))))


def resample(audio: np.ndarray, to_rate: int, from_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Linear-interpolation resampling (enough for speech going up in rate)."""
    n = round(audio.size * to_rate / from_rate)
    t = np.arange(n) * (from_rate / to_rate)
    return np.interp(t, np.arange(audio.size), audio).astype(np.float32)


def write_wav(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, rate, subtype="PCM_16")
    return path


def write_stereo_44k(path: Path, mono: np.ndarray) -> Path:
    """A 44.1 kHz stereo file of ``mono``, the right channel a little quieter."""
    up = resample(mono, 44100)
    return write_wav(path, np.stack([up, 0.8 * up], axis=1), 44100)


def write_long_flac(path: Path, minutes: float, speech: np.ndarray, noise_dbfs: float = -60.0) -> Path:
    """``minutes`` of low noise with ``speech`` at the start, as a 16 kHz mono FLAC."""
    audio = white_noise(minutes * 60, noise_dbfs, seed=1)
    audio[: speech.size] += speech
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    return path
