"""Barge-in in real time: `practice --barge-in` through PulseAudio "headphones" set up by the test.

The interviewer plays into the left channel of a null sink, the candidate (a synthesized voice played
with paplay) speaks into the right channel, and the microphone hears the right channel only, as with
headphones. One stereo recording of the sink's monitor holds both on one timeline, so the time from
the candidate's first voiced frame to the interviewer's last sound is read off it, sample-exact, and
printed as a figure (never asserted: timings depend on the machine).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.audio_fixtures import (
    LEVEL_FRAME,
    raw_levels,
    record_monitor,
    start_practice,
    still_running,
    stop_practice,
    wait_for,
    wer,
)
from voice_interviewer.audio.io import SAMPLE_RATE
from voice_interviewer.stt.transcriber import Transcriber

pytestmark = pytest.mark.slow

ANSWER = (
    "Bias is error from a model that is too simple, so it underfits. Variance is sensitivity to the training "
    "sample, so the model overfits noise. I compare training and validation error to tell them apart."
)
SOUND = 0.01  # RMS of a 20 ms frame that counts as sound
FRAME_S = LEVEL_FRAME / SAMPLE_RATE


def test_speaking_over_the_interviewer_stops_it_and_the_answer_keeps_its_first_words(
    pulse_headphones: dict[str, str], tmp_path: Path, transcriber: Transcriber
) -> None:
    from voice_interviewer.tts.speaker import synthesize

    answer, voice = synthesize(ANSWER)
    answer_wav = tmp_path / "answer.wav"
    sf.write(str(answer_wav), answer, SAMPLE_RATE, subtype="PCM_16")
    raw = tmp_path / "both.raw"  # left: the interviewer; right: the candidate
    home = tmp_path / "home"
    env = {**pulse_headphones, "VOICE_INTERVIEWER_HOME": str(home)}
    rec = record_monitor("vi_all.monitor", raw, env, 2, "--latency-msec=20")
    # a slow interviewer: time to talk over it
    app = start_practice(env, tmp_path / "app.log", "--follow-ups", "0", "--barge-in", "--rate", "110")
    try:

        def interviewer_speaks() -> bool | None:
            still_running(app, tmp_path / "app.log")
            return True if np.any(raw_levels(raw, 2)[0] > SOUND) else None

        wait_for(interviewer_speaks, 900, "the interviewer's question")
        time.sleep(0.5)  # the candidate starts while the question is still being asked
        subprocess.run(["paplay", "-d", "vi_voice", str(answer_wav)], env=env, check=True, timeout=300)
        app.wait(timeout=600)  # one question, no follow-up: the session completes by itself
    finally:
        stop_practice(app, rec)
    log = (tmp_path / "app.log").read_text()
    assert app.returncode == 0, log[-2000:]
    (session_file,) = home.rglob("session.json")
    (turn,) = json.loads(session_file.read_text())["turns"]

    interviewer, candidate = raw_levels(raw, 2)
    said = np.flatnonzero(interviewer > SOUND)
    spoke = np.flatnonzero(candidate > SOUND)
    line, line_rate = sf.read(str(session_file.parent / turn["interviewer_audio"]), dtype="float32")
    line_s = line.size / line_rate
    step = int(FRAME_S * line_rate)
    in_line = np.flatnonzero(np.sqrt(np.mean(np.square(line[: line.size // step * step].reshape(-1, step)), 1)) > SOUND)
    print(f"\nvoice: {voice}; the question's line: {line_s:.2f} s; barged in at {turn['timings']['barged_in_at_s']} s")
    assert spoke.size and said.size
    first_voiced, answer_end, last_sound = spoke[0], spoke[-1], said[-1]
    # the interviewer was talking when the candidate began, and stopped while the candidate talked
    assert first_voiced < last_sound < answer_end
    assert said[-1] - said[0] < in_line[-1] - in_line[0] - 2  # the line did not play to its end
    assert turn["timings"]["barged_in_at_s"] < line_s
    stop_s = (last_sound + 1 - first_voiced) * FRAME_S
    print(f"the candidate's first voiced frame to the interviewer's last sound: {stop_s:.2f} s (on the recording)")
    print(f"session.json: barge_in_speech_to_stop_s {turn['timings'].get('barge_in_speech_to_stop_s')}")
    # The candidate's first words, spoken over the question, are in the answer: its recording holds the
    # candidate's whole voiced span (a lost opening shortens it) with some quiet kept before the first word.
    kept, kept_rate = sf.read(str(session_file.parent / turn["answer_audio"]), dtype="float32")
    step = int(FRAME_S * kept_rate)
    kept_levels = np.sqrt(np.mean(np.square(kept[: kept.size // step * step].reshape(-1, step)), 1))
    in_answer = np.flatnonzero(kept_levels > SOUND)
    assert in_answer.size, "the answer's recording is silent"
    print(f"the answer's recording: first voiced frame at {in_answer[0] * FRAME_S:.2f} s")
    assert in_answer[0] * FRAME_S >= 0.1  # recorded from before the first word
    span_said = (spoke[-1] - spoke[0]) * FRAME_S
    span_kept = (in_answer[-1] - in_answer[0]) * FRAME_S
    print(f"voiced span: {span_said:.2f} s said, {span_kept:.2f} s kept")
    assert abs(span_kept - span_said) <= 0.2, (span_kept, span_said)
    # and the transcript is the answer as the same speech model hears it whole (slips differ between two
    # decodings, "Bias is" / "Vice is", so a word error rate, not the first word, is compared)
    assert turn["ended_by"] in ("complete", "silence"), turn
    whole = transcriber.transcribe(answer).text
    assert wer(whole, turn["transcript"]["text"]) <= 0.25, (turn["transcript"]["text"], whole)
