"""Finding 2: kill -9 at random moments, then `--resume`: every answer stays in session.json with its audio."""

from __future__ import annotations

import functools
import random
import signal
import time
from pathlib import Path

import pytest
import soundfile as sf

from tests.faults.conftest import Cli, wait_for
from voice_interviewer.store.lock import read_owner

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SEED = 20261129
KILLS = 3


def owned_by(cli: Cli, pid: int) -> Path | None:
    for folder in cli.sessions():
        owner = read_owner(folder)
        if owner is not None and owner.pid == pid and (folder / "session.json").is_file():
            return folder
    return None


def test_sigkill_at_random_moments_then_resume_keeps_every_answer(practice_cli: Cli) -> None:
    rng = random.Random(SEED)
    demo = ["--demo", "--questions", "2", "--follow-ups", "0", "--quiet"]
    folder: Path | None = None
    raw_at_kill: dict[str, int] = {}  # answer audio name -> bytes of raw audio on disk when killed
    for _ in range(KILLS):
        resume = ["--resume", folder.name] if folder else []
        proc = practice_cli.start("practice", *demo, "--realtime", *resume)
        pid = proc.pid
        folder = wait_for("the run to own its session", functools.partial(owned_by, practice_cli, pid), proc=proc)
        assert folder is not None
        time.sleep(rng.uniform(0.0, 14.0))  # a moment in the interviewer's line, an answer, or scoring
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        for pcm in folder.glob("turn-*-answer.pcm"):
            raw_at_kill[pcm.with_suffix(".wav").name] = pcm.stat().st_size
        saved = practice_cli.session_json(folder)
        for name in raw_at_kill:  # the answer being given when killed was already a turn on disk
            assert any(
                t.get("answer_audio") == name or f"turn-{t['index']:02d}-answer.wav" == name for t in saved["turns"]
            )

    assert folder is not None
    done = practice_cli.run("practice", *demo, "--resume", folder.name, timeout=900)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    s = practice_cli.session_json(folder)
    assert s["status"] == "complete"
    assert not list(folder.glob("*.pcm"))
    turns = {t["index"]: t for t in s["turns"]}
    assert sorted(turns) == list(range(1, len(turns) + 1))
    by_audio = {t["answer_audio"]: t for t in s["turns"] if t.get("answer_audio")}
    for wav in folder.glob("turn-*-answer.wav"):  # every recorded answer belongs to a turn
        assert wav.name in by_audio, f"{wav.name} is not in session.json"
    for name, size in raw_at_kill.items():  # nothing recorded before a kill was lost or overwritten after it
        t = by_audio[name]
        assert t["status"] == "interrupted" and t["ended_by"] == "crash"
        assert sf.info(str(folder / name)).frames == size // 2
    for qid in s["summary"]["plan"]:  # and the interview itself got done
        assert any(
            t["question_id"] == qid and t["kind"] == "question" and t["status"] == "answered" for t in turns.values()
        )
