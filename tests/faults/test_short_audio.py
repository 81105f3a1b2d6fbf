"""Finding 7: audio shorter than a word, or whose words all have very low probability, is "no speech"."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import JFK
from tests.faults.conftest import Cli

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_a_fragment_shorter_than_a_word_is_no_speech_exit_3(cli: Cli) -> None:
    speech, rate = sf.read(str(JFK), dtype="float32")
    for start_s in (0.5, 1.0, 2.0):  # fragments of real speech that Whisper turns into "Thank you." or "Bye."
        clip = cli.home / f"clip-{start_s}.wav"
        sf.write(str(clip), speech[int(start_s * rate) : int((start_s + 0.2) * rate)], rate)
        res = cli.run("score", str(clip), "-q", "phone-screen/calibration", timeout=300)
        err = " ".join(res.stderr.decode().split())
        assert res.returncode == 3, res.stdout.decode() + err
        assert "too short to hold a word" in err


def test_words_whisper_only_guessed_are_no_speech_but_real_speech_is_kept(transcriber) -> None:
    from voice_interviewer.stt.transcriber import LOW_WORD_PROBABILITY

    speech, rate = sf.read(str(JFK), dtype="float32")
    kept = transcriber.transcribe(speech)
    assert not kept.no_speech and len(kept.words) > 15
    for start_s in np.arange(0.0, 10.0, 0.5):  # half-second fragments: kept only when some word was heard
        t = transcriber.transcribe(speech[int(start_s * rate) : int((start_s + 0.5) * rate)])
        assert t.no_speech or max(w.probability for w in t.words) >= LOW_WORD_PROBABILITY
        assert t.no_speech == (not t.text)
