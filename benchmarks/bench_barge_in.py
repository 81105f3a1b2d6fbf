"""Benchmark barge-in in real time: from the candidate's first voiced frame to the interviewer's silence.

A private PulseAudio daemon is set up like headphones (``tests.audio_fixtures.HEADPHONES``): the
interviewer's line plays into the left channel of a null sink, the candidate's answer (the bundled
sample answers, spoken by the Piper voice and by espeak-ng) is played into the right channel a
moment after the line starts, and the microphone hears the right channel only. The real path runs:
PortAudio's microphone, the barge-in watcher with Silero, and the interruptible playback. One stereo
recording of the sink holds both channels on one timeline, so the stop time is read off it.

Trials without the candidate check that nothing else stops the line: a silent microphone, and a
microphone that hears the interviewer's own voice leaking out of the headphones (``--leak-db``
below the line's level: -50, -40 and -30 dB by default).

    .venv/bin/python benchmarks/bench_barge_in.py [--trials N] [--latency low|high|SECONDS] [--json]

Figures: ``stop_p50_s``, ``stop_max_s`` (the candidate's first voiced frame to the interviewer's last
sound, on the recording), ``internal_p50_s`` (the same as the app records it,
``barge_in_speech_to_stop_s``), ``missed`` (answers that did not stop the line), ``false_stops``
(lines stopped with no candidate) out of ``quiet_trials``, and which of those stopped it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.audio_fixtures import HEADPHONES, LEVEL_FRAME, pulse_daemon, raw_levels
from voice_interviewer.audio.io import SAMPLE_RATE

SOUND = 0.01  # RMS of a 20 ms frame that counts as sound


def _texts(n: int) -> list[str]:
    from voice_interviewer.session.demo import load_samples

    firsts = [s.text.split(". ")[0] + "." for s in load_samples("netflix-mle") if s.kind == "strong"]
    return firsts[:n]


def _voices(texts: list[str], cache: Path) -> list[tuple[str, np.ndarray]]:
    """(voice, 16 kHz audio) for each text: the Piper voice and espeak-ng in turn."""
    from voice_interviewer.tts.speaker import espeak_audio, synthesize

    out = []
    for i, t in enumerate(texts):
        if i % 2 == 0:
            audio, voice = synthesize(t, cache)
        else:
            audio, voice = espeak_audio(t), "espeak-ng"
        out.append((voice, audio))
    return out


def trial(
    env: dict[str, str],
    folder: Path,
    line: np.ndarray,
    line_rate: int,
    mic_audio: np.ndarray | None,
    start_after_s: float,
    latency: str | float,
) -> dict[str, float | bool | None]:
    """One line; ``mic_audio`` (or nothing) played into the microphone ``start_after_s`` after it starts."""
    import sounddevice as sd

    from voice_interviewer.audio.barge_in import BargeInOptions, LineWatcher
    from voice_interviewer.audio.microphone import MicSource
    from voice_interviewer.audio.vad import SileroVad
    from voice_interviewer.tts.speaker import play_interruptible

    raw = folder / "both.raw"
    rec = subprocess.Popen(
        ["parec", "-d", "vi_all.monitor", "--format=s16le", f"--rate={SAMPLE_RATE}", "--channels=2", "--raw",
         "--latency-msec=20"],
        env=env, stdout=raw.open("wb"),
    )  # fmt: skip
    stop = threading.Event()
    watch = LineWatcher(MicSource(None).chunks(stop), SileroVad(), BargeInOptions(), on_close=stop.set)
    time.sleep(0.5)  # the microphone is open and the recording runs
    player: subprocess.Popen[bytes] | None = None
    if mic_audio is not None:
        wav = folder / "mic.wav"
        sf.write(str(wav), mic_audio, SAMPLE_RATE, subtype="PCM_16")

        def speak() -> None:
            nonlocal player
            player = subprocess.Popen(["paplay", "-d", "vi_voice", str(wav)], env=env)

        threading.Timer(start_after_s, speak).start()
    stopped = play_interruptible(sd, line, line_rate, None, watch.heard, latency=latency)
    after = time.monotonic()
    watch.close()
    time.sleep(start_after_s + 0.2)
    if player is not None:
        player.wait(timeout=120)
    time.sleep(0.5)
    rec.terminate()
    rec.wait(timeout=10)
    interviewer, candidate = raw_levels(raw, 2)
    said, spoke = np.flatnonzero(interviewer > SOUND), np.flatnonzero(candidate > SOUND)
    frame_s = LEVEL_FRAME / SAMPLE_RATE
    stop_s = (said[-1] + 1 - spoke[0]) * frame_s if stopped is not None and said.size and spoke.size else None
    return {
        "stopped": stopped is not None,
        "stop_s": None if stop_s is None else round(float(stop_s), 3),
        "internal_s": None
        if watch.speech_began_at is None or stopped is None
        else round(after - watch.speech_began_at, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=6, help="answers spoken over the interviewer (default 6)")
    ap.add_argument("--latency", default="high", help="PortAudio output latency: low, high (the default) or seconds")
    ap.add_argument(
        "--leak-db", type=float, nargs="+", default=[-50.0, -40.0, -30.0],
        help="levels (dB below the line) at which the microphone hears the interviewer's own voice",
    )  # fmt: skip
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    latency: str | float = args.latency if args.latency in ("low", "high") else float(args.latency)
    with tempfile.TemporaryDirectory() as tmp, pulse_daemon(Path(tmp), HEADPHONES, "vi_speakers", "vi_mic") as env:
        os.environ.update(env)  # before PortAudio starts: its ALSA pulse device reaches this daemon
        from voice_interviewer.tts.speaker import Pyttsx3Speaker

        speaker = Pyttsx3Speaker(play=False)
        line_path = speaker.render(
            "Walk me through how you would design the ranking model for the home page, from the data you "
            "would log to the metric you would launch on.",
            Path(tmp) / "line.wav",
        )
        line, line_rate = sf.read(str(line_path), dtype="float32")
        answers = _voices(_texts(args.trials), Path(tmp) / "voices")
        results = []
        for i, (voice, audio) in enumerate(answers):
            r = trial(env, Path(tmp), line, line_rate, audio, 1.0 + 0.3 * (i % 4), latency)
            results.append({"kind": "answer", "voice": voice, **r})
            print(f"answer {i + 1} ({voice}): {r}", file=sys.stderr)
        from voice_interviewer.audio.io import load_audio

        heard = load_audio(line_path)
        quiet_mics = [("silent microphone", None)] + [
            (f"interviewer leaking at {db:g} dB", heard * np.float32(10 ** (db / 20))) for db in args.leak_db
        ]
        for kind, mic in quiet_mics:
            r = trial(env, Path(tmp), line, line_rate, mic, 0.0, latency)
            results.append({"kind": kind, **r})
            print(f"{kind}: {r}", file=sys.stderr)
    spoken = [r for r in results if r["kind"] == "answer"]
    stops = [float(r["stop_s"]) for r in spoken if r["stop_s"] is not None]  # type: ignore[arg-type]
    internal = [float(r["internal_s"]) for r in spoken if r["internal_s"] is not None]  # type: ignore[arg-type]
    quiet = [r for r in results if r["kind"] != "answer"]
    figures = {
        "latency": latency,
        "trials": len(spoken),
        "stop_p50_s": round(statistics.median(stops), 3) if stops else None,
        "stop_max_s": round(max(stops), 3) if stops else None,
        "internal_p50_s": round(statistics.median(internal), 3) if internal else None,
        "missed": sum(not r["stopped"] for r in spoken),
        "false_stops": sum(bool(r["stopped"]) for r in quiet),
        "quiet_trials": len(quiet),
        "stopped_by": [r["kind"] for r in quiet if r["stopped"]],
    }
    if args.json:
        print(json.dumps({"figures": figures, "trials": results}, indent=2))
    else:
        for k, v in figures.items():
            print(f"{k:>16}: {v}")


if __name__ == "__main__":
    main()
