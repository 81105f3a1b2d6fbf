"""Finding 8 (the parts about sessions): Ctrl-C names the id to resume; resume honours --text and
--questions; messages about damaged sessions read as sentences."""

from __future__ import annotations

import signal

import pytest
import soundfile as sf

from tests.faults.conftest import Cli, wait_for

BYTES_PER_S = 32000


@pytest.mark.faults
@pytest.mark.slow
def test_ctrl_c_names_the_session_and_resume_takes_text_and_more_questions(practice_cli: Cli) -> None:
    proc = practice_cli.start("practice", "--demo", "--questions", "1", "--follow-ups", "0", "--realtime", "--quiet")

    def answering() -> bool:
        return any(
            p.stat().st_size >= 2 * BYTES_PER_S for f in practice_cli.sessions() for p in f.glob("turn-*-answer.pcm")
        )

    wait_for("2 s into the answer", answering, proc=proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    [folder] = practice_cli.sessions()
    assert proc.returncode == 130, err.decode()
    assert f"--resume {folder.name}" in err.decode() and "<id>" not in err.decode()
    s = practice_cli.session_json(folder)
    assert s["status"] == "interrupted"
    [cut] = s["turns"]
    assert cut["status"] == "interrupted" and sf.info(str(folder / cut["answer_audio"])).duration >= 2

    typed = b"Calibration means scores match observed frequencies.\n\nPrecision: the share of flags that are right.\n\n"
    res = practice_cli.run("practice", "--resume", folder.name, "--text", "--questions", "2", stdin=typed)
    assert res.returncode == 0, res.stdout.decode() + res.stderr.decode()
    s = practice_cli.session_json(folder)
    assert s["status"] == "complete" and s["mode"] == "text" and s["summary"]["modes"] == ["demo", "text"]
    assert len(s["summary"]["plan"]) == 2
    assert [(t["index"], t["status"]) for t in s["turns"]] == [(1, "interrupted"), (2, "answered"), (3, "answered")]
    assert s["turns"][1]["question_id"] == cut["question_id"]  # the cut-short question was asked again
    assert sf.info(str(folder / cut["answer_audio"])).duration >= 2  # and its first answer kept


@pytest.mark.faults
def test_damaged_sessions_get_one_clean_sentence(cli: Cli) -> None:
    cases = {
        "20261101-100000-phone-screen": '{"schema_version": 99}',
        "20261101-100001-phone-screen": "[1]",
        "20261101-100002-phone-screen": '{"id": "x"}',
        "20261101-100003-phone-screen": '{"schema_version": 2, "id": "x", "turns": [',
    }
    for sid, text in cases.items():
        (cli.recordings / sid).mkdir(parents=True)
        (cli.recordings / sid / "session.json").write_text(text)
    for sid in cases:
        for args in (["sessions", "show", sid], ["export", sid], ["sessions", "replay", sid, "--out", "x.wav"]):
            res = cli.run(*args, timeout=120)
            said = " ".join((res.stdout + res.stderr).decode().split())
            assert ".." not in said.replace("...", ""), said
            assert "Traceback" not in said, said
