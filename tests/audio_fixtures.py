"""Small generated-audio helpers for the tests. Everything is written to tmp paths, never committed."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import soundfile as sf

from tests.conftest import JFK
from voice_interviewer.audio.io import SAMPLE_RATE


def normalize(text: str) -> list[str]:
    """Lower-case words without punctuation ("trade-off" -> "trade off")."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance over the reference length."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / max(len(ref), 1)


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


# --- synthesized speech with known fillers (delivery tests and benchmarks/bench_delivery.py) ---------


def piper_speech(
    text: str, length_scale: float = 1.0, noise_scale: float | None = None, seed: int | None = None
) -> np.ndarray:
    """``text`` in the bundled Piper voice at a given pace (1.0 is the voice's own, larger is slower);
    ``noise_scale``: the generator's variation (the voice's own 0.667 when None). ``seed``: the
    generator's noise drawn afresh from this seed (the voice is loaded again), so the audio does not
    depend on what the process synthesized before; None: the loaded voice's noise carries on."""
    import io
    import wave

    from piper import SynthesisConfig

    from voice_interviewer.engines import piper_voice
    from voice_interviewer.tts.piper import reseed_voice
    from voice_interviewer.tts.speaker import _to_16k

    if seed is not None:
        reseed_voice(seed)

    buf = io.BytesIO()
    config = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale)
    with wave.open(buf, "wb") as w:
        piper_voice().synthesize_wav(text, w, syn_config=config)
    return _to_16k(buf.getvalue())


def espeak_speech(text: str, rate: int = 165, voice: str | None = None) -> np.ndarray:
    """``text`` spoken by espeak-ng at ``rate`` words a minute; ``voice`` e.g. "en-us+f3" (a voice
    and variant; default: espeak-ng's own)."""
    import shutil
    import subprocess
    import tempfile

    from voice_interviewer.tts.speaker import _to_16k, espeak_wav

    if voice is None:
        return _to_16k(espeak_wav(text, rate=rate))
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    assert exe, "espeak-ng is not installed"
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run([exe, "-v", voice, "-s", str(rate), "-w", f.name, text], check=True, capture_output=True)
        return _to_16k(Path(f.name).read_bytes())


def held_vowel(
    seconds: float, f0: float = 120.0, formants: tuple[float, ...] = (640.0, 1190.0, 2390.0), seed: int = 0
) -> np.ndarray:
    """A held "uhhh": a glottal pulse train (with the small pitch drift and jitter of a real voice)
    through formant resonators, faded in and out, at a speaking level (about -20 dBFS)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    drift = f0 * (1 - 0.06 * np.linspace(0, 1, n))  # pitch falls a little, as in a hesitation
    phase = np.cumsum(drift * (1 + 0.01 * rng.standard_normal(n)) / SAMPLE_RATE)
    source = np.diff(np.floor(phase), prepend=0.0).astype(np.float64)  # one pulse a period
    out = source
    for f in formants:  # two-pole resonators, 80 Hz bandwidth
        r = np.exp(-np.pi * 80.0 / SAMPLE_RATE)
        a1, a2 = -2 * r * np.cos(2 * np.pi * f / SAMPLE_RATE), r * r
        y = np.zeros(n)
        for i in range(n):
            y[i] = out[i] - a1 * (y[i - 1] if i else 0.0) - a2 * (y[i - 2] if i > 1 else 0.0)
        out = y
    out += 0.002 * rng.standard_normal(n) * np.max(np.abs(out))
    ramp = min(n // 4, int(0.03 * SAMPLE_RATE))
    env = np.ones(n)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[n - ramp :] = np.linspace(1, 0, ramp)
    out *= env
    out *= 0.1 / (np.sqrt(np.mean(out**2)) + 1e-12)
    return out.astype(np.float32)


def syllables(seconds: float, seed: int = 0) -> np.ndarray:
    """Speech-like sound: short voiced syllables (60-180 ms) whose vowel changes every syllable,
    with short gaps, as running speech does."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    total = 0.0
    while total < seconds:
        d = float(rng.uniform(0.06, 0.18))
        formants = (float(rng.uniform(300, 850)), float(rng.uniform(900, 2300)), float(rng.uniform(2400, 3200)))
        out.append(held_vowel(d, f0=float(rng.uniform(100, 140)), formants=formants, seed=int(rng.integers(1 << 30))))
        gap = float(rng.uniform(0.02, 0.08))
        out.append(silence(gap))
        total += d + gap
    return np.concatenate(out)[: int(seconds * SAMPLE_RATE)]


ALSA_SOUNDS = Path("/usr/share/sounds/alsa")  # alsa-utils (installed by scripts/setup.sh)


def real_speech_clips() -> list[tuple[str, np.ndarray, str]]:
    """(name, 16 kHz audio, reference transcript) for every real human speech clip on hand: the
    JFK excerpt in tests/data/speech, and the spoken channel names that alsa-utils installs
    ("Front left", ...), each a different short utterance by a human voice."""
    import json

    from faster_whisper.audio import decode_audio

    from tests.conftest import SPEECH

    refs = json.loads((SPEECH / "transcripts.json").read_text())
    out = [("jfk.flac", jfk_audio(), str(refs["jfk.flac"]))]
    for f in sorted(ALSA_SOUNDS.glob("*_*.wav")):  # Front_Left.wav ... (Noise.wav is not speech)
        ref = f.stem.replace("_", " ")
        out.append((f.name, np.asarray(decode_audio(str(f), sampling_rate=SAMPLE_RATE), np.float32), ref))
    return out


LEVEL_FRAME = SAMPLE_RATE // 50  # 20 ms
T = TypeVar("T")


def raw_levels(raw: Path, channels: int = 1) -> np.ndarray:
    """RMS per 20 ms of a growing raw s16le recording (parec), one row per channel."""
    data = raw.read_bytes()
    whole = len(data) // (2 * channels * LEVEL_FRAME) * 2 * channels * LEVEL_FRAME
    pcm = np.frombuffer(data[:whole], dtype="<i2").astype(np.float32).reshape(-1, channels).T / 32768
    n = pcm.shape[1] // LEVEL_FRAME
    return np.sqrt(np.mean(np.square(pcm.reshape(channels, n, LEVEL_FRAME)), axis=2))


def wait_for(cond: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll ``cond`` until it gives something other than None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = cond()
        if got is not None:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def record_monitor(
    source: str, raw: Path, env: dict[str, str], channels: int = 1, *extra: str
) -> subprocess.Popen[bytes]:
    """Record a PulseAudio source (a sink's monitor) into ``raw`` as s16le at the app's rate (parec)."""
    cmd = ["parec", "-d", source, "--format=s16le", "--rate", str(SAMPLE_RATE), f"--channels={channels}", "--raw"]
    return subprocess.Popen([*cmd, *extra], env=env, stdout=raw.open("wb"))


def start_practice(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`practice` on one phone-screen question in a process of its own, its output in ``log``."""
    cli = [sys.executable, "-m", "voice_interviewer.cli", "practice", "-n", "1", "--round", "phone-screen"]
    return subprocess.Popen(
        [*cli, *args], env=env, stdin=subprocess.DEVNULL, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def still_running(app: subprocess.Popen[bytes], log: Path) -> None:
    """Fail with the end of the app's output when it has exited."""
    if app.poll() is not None:
        raise AssertionError(log.read_text()[-2000:])


def stop_practice(app: subprocess.Popen[bytes], rec: subprocess.Popen[bytes]) -> None:
    """Ctrl-C the app if it still runs (killed after 60 s), then stop the recording."""
    if app.poll() is None:
        app.send_signal(signal.SIGINT)
        try:
            app.wait(timeout=60)
        except subprocess.TimeoutExpired:
            app.kill()
    rec.terminate()
    rec.wait(timeout=10)


# --- a private PulseAudio daemon: real-time audio devices for the end-to-end tests and benchmarks ----

LOUDSPEAKERS = ("module-null-sink sink_name=vi_null rate=16000 channels=1",)  # vi_null; its monitor hears all
HEADPHONES = (  # the interviewer in vi_all's left channel, the candidate in its right; the microphone hears the right
    "module-null-sink sink_name=vi_all rate=16000 channels=2 channel_map=front-left,front-right",
    "module-remap-sink sink_name=vi_speakers master=vi_all channels=1 master_channel_map=front-left "
    "channel_map=mono remix=no",
    "module-remap-sink sink_name=vi_voice master=vi_all channels=1 master_channel_map=front-right "
    "channel_map=mono remix=no",
    "module-remap-source source_name=vi_mic master=vi_all.monitor channels=1 master_channel_map=front-right "
    "channel_map=mono remix=no",
)


class PulseUnavailable(RuntimeError):
    """PulseAudio could not start here."""


@contextlib.contextmanager
def pulse_daemon(folder: Path, modules: tuple[str, ...], sink: str, source: str) -> Iterator[dict[str, str]]:
    """A private PulseAudio daemon (its sockets under ``folder``) with ``modules`` loaded, ``sink`` as the
    default speakers and ``source`` as the default microphone; yields the environment that reaches it."""
    run = folder / "pulse-run"
    (run / "pulse").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": str(run),
        "PULSE_RUNTIME_PATH": str(run / "pulse"),
        "PULSE_SERVER": f"unix:{run / 'pulse' / 'native'}",
        "HOME": str(folder),
    }
    started = subprocess.run(
        ["pulseaudio", "-D", "-n", "--exit-idle-time=-1", "--system=false", "--disallow-exit", "--use-pid-file=yes",
         "--load=module-native-protocol-unix", *(f"--load={m}" for m in modules)],
        env=env, timeout=30, capture_output=True, text=True,
    )  # fmt: skip
    if started.returncode != 0:
        raise PulseUnavailable(f"PulseAudio could not start here: {started.stderr.strip()[-300:]}")
    try:
        for cmd in (["set-default-sink", sink], ["set-default-source", source]):
            subprocess.run(["pactl", *cmd], env=env, check=True, timeout=10)
        yield env
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, timeout=10, capture_output=True)
