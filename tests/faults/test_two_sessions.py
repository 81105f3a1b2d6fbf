"""Finding 1: a second `practice` in the same data home must not touch a live session."""

from __future__ import annotations

import pytest
import soundfile as sf

from tests.faults.conftest import Cli, wait_for
from voice_interviewer.store.lock import read_owner

pytestmark = [pytest.mark.faults, pytest.mark.slow]

DEMO = ["practice", "--demo", "--questions", "1", "--follow-ups", "0", "--realtime", "--quiet"]
BYTES_PER_S = 32000  # the recorder's raw 16 kHz 16-bit audio


def test_a_second_practice_during_an_answer_leaves_the_first_alone(practice_cli: Cli) -> None:
    first = practice_cli.start(*DEMO)

    def answering() -> bool:
        return any(
            p.stat().st_size >= 4 * BYTES_PER_S for f in practice_cli.sessions() for p in f.glob("turn-*-answer.pcm")
        )

    wait_for("4 s into the first answer", answering, proc=first)
    [live] = practice_cli.sessions()
    owner = read_owner(live)
    assert owner is not None and owner.pid == first.pid

    second = practice_cli.start(*DEMO)
    busy = practice_cli.run("practice", "--resume", live.name, "--text", timeout=300)
    assert busy.returncode == 2, busy.stderr.decode()
    assert f"Session {live.name} is in use" in busy.stderr.decode() and str(first.pid) in busy.stderr.decode()

    outs = [p.communicate(timeout=900) for p in (first, second)]
    for p, (out, err) in zip((first, second), outs, strict=True):
        assert p.returncode == 0, out.decode() + err.decode()
    folders = practice_cli.sessions()
    assert len(folders) == 2 and live in folders
    lengths = []
    for folder in folders:
        s = practice_cli.session_json(folder)
        assert s["status"] == "complete", folder
        [turn] = s["turns"]
        assert turn["status"] == "answered" and turn["transcript"]["text"]
        assert not list(folder.glob("*.pcm"))
        lengths.append(sf.info(str(folder / turn["answer_audio"])).duration)
    # both heard the same demo answer: the first one was not cut short by the second run
    assert lengths[0] == pytest.approx(lengths[1], abs=0.3) and min(lengths) > 8
