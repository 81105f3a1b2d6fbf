"""Old session files load through versioned migrations; a schema-0 session replays and re-scores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import DATA
from voice_interviewer.cli import app
from voice_interviewer.engines import Engines
from voice_interviewer.errors import UserError
from voice_interviewer.paths import data_home
from voice_interviewer.review.records import list_sessions, open_session
from voice_interviewer.review.replay import combine, replay_plan
from voice_interviewer.store.migrations import MIGRATIONS, migrate, schema_of
from voice_interviewer.store.sessions import SCHEMA_VERSION, Session, SessionStore

V0 = DATA / "sessions" / "v0-example"
V0_ID = "20240301-101500-phone-screen"
JFK_TEXT = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


def install_v0(name: str = V0_ID) -> Path:
    folder = data_home().ensure().recordings / name
    shutil.copytree(V0, folder)
    return folder


def test_every_older_schema_has_a_migration() -> None:
    assert sorted(MIGRATIONS) == list(range(SCHEMA_VERSION))


def test_schema_detection() -> None:
    assert schema_of({"session_id": "x", "answers": []}) == 0
    assert schema_of({"schema_version": 1}) == 1
    cases: list[object] = [[], {"id": "x"}, {"schema_version": "1"}, {"schema_version": True}, {"schema_version": -1}]
    for bad in cases:
        with pytest.raises(UserError):
            schema_of(bad)


def test_the_v0_fixture_migrates_to_v1_turns() -> None:
    raw = json.loads((V0 / "session.json").read_text())
    assert "schema_version" not in raw and "session_id" in raw
    data, applied = migrate(raw, SCHEMA_VERSION)
    assert applied == (0, 1)
    s = Session.model_validate(data)
    assert (s.schema_version, s.id, s.round, s.track, s.status) == (2, V0_ID, "phone-screen", "netflix-mle", "complete")
    assert s.created == "2024-03-01T10:15:00"
    [t] = s.turns
    assert (t.index, t.kind, t.question_id) == (1, "question", "phone-screen/bias-variance")
    assert t.interviewer_text.startswith("Explain the bias-variance trade-off")
    assert t.answer_audio == "answer-1.wav" and t.interviewer_audio is None
    assert t.transcript is not None and t.transcript.text == JFK_TEXT and t.transcript.words == ()
    assert t.scorecard is None
    assert raw == json.loads((V0 / "session.json").read_text()), "migrations must not change their input"


def test_v1_turns_get_a_status_from_what_they_hold() -> None:
    answered = {"index": 1, "question_id": "q/a", "kind": "question", "interviewer_text": "Q?", "ended_by": "typed"}
    answered["transcript"] = {"text": "an answer", "source": "text"}
    cut = {"index": 2, "question_id": "q/b", "kind": "question", "interviewer_text": "Q2?", "ended_by": "interrupted"}
    raw: dict[str, Any] = {"schema_version": 1, "id": V0_ID, "created": "", "track": "t", "round": "r", "mode": "text"}
    raw["turns"] = [answered, cut]
    data, applied = migrate(raw, SCHEMA_VERSION)
    assert applied == (1,)
    s = Session.model_validate(data)
    assert [t.status for t in s.turns] == ["answered", "interrupted"]
    assert "status" not in raw["turns"][0], "migrations must not change their input"


def test_migration_keeps_a_current_session_as_it_is() -> None:
    current = Session(id="20261101-100000-phone-screen", created="x", track="t", round="r", mode="demo")
    data, applied = migrate(json.loads(current.model_dump_json()), SCHEMA_VERSION)
    assert applied == () and Session.model_validate(data) == current


def test_v0_paths_that_leave_the_folder_are_dropped() -> None:
    raw = {
        "session_id": V0_ID,
        "answers": [
            {"question_id": "q/a", "prompt": "p", "audio": "../../etc/passwd", "transcript": "t"},
            {"question_id": "q/b", "prompt": "p", "audio": "/abs/answer.wav", "transcript": None},
            {"question_id": "q/c", "prompt": "p", "audio": "answer-3.wav", "transcript": "t"},
        ],
    }
    data, _ = migrate(raw, SCHEMA_VERSION)
    s = Session.model_validate(data)
    assert [t.answer_audio for t in s.turns] == [None, None, "answer-3.wav"]
    assert s.turns[1].transcript is not None and s.turns[1].transcript.no_speech
    assert s.created == "2024-03-01T10:15:00" and s.round == "phone-screen"  # taken from the id


def test_a_newer_schema_is_refused_with_the_fix() -> None:
    with pytest.raises(UserError, match=r"newer voice-interviewer.*Upgrade"):
        migrate({"schema_version": SCHEMA_VERSION + 1}, SCHEMA_VERSION)


def test_the_store_loads_v0_and_keeps_the_original_when_saving() -> None:
    folder = install_v0()
    store = SessionStore(data_home())
    s = store.load(V0_ID)
    assert s.schema_version == 2 and s.turns[0].transcript is not None
    original = (folder / "session.json").read_text()
    store.save(s)
    assert (folder / "session.v0.json").read_text() == original
    assert json.loads((folder / "session.json").read_text())["schema_version"] == 2
    assert store.load(V0_ID).model_dump() == s.model_dump()


def test_a_v0_session_is_listed_replayed_and_exported(tmp_path: Path) -> None:
    install_v0()
    [row] = list_sessions(SessionStore(data_home()))
    assert (row.id, row.round, row.questions, row.answers, row.problems) == (V0_ID, "phone-screen", 1, 0, ())
    assert row.duration_s == pytest.approx(11.0, abs=0.01)
    rec = open_session(SessionStore(data_home()), V0_ID)
    plan = replay_plan(rec)
    assert [(s.speaker, s.audio is not None) for s in plan] == [("interviewer", False), ("candidate", True)]
    assert plan[1].text == JFK_TEXT
    audio, placed = combine(plan)  # no voice given: the interviewer's line is only shown
    assert placed[0].start_s is None and placed[1].start_s == 0.0
    assert audio.size / 16000 == pytest.approx(11.0, abs=0.01)
    res = CliRunner().invoke(app, ["sessions", "replay", V0_ID, "--out", str(tmp_path / "v0.wav")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["export", V0_ID, "--format", "md"])
    assert res.exit_code == 0 and JFK_TEXT in res.stdout and "_Not scored._" in res.stdout


@pytest.mark.slow
def test_a_v0_session_is_rescored_with_real_models(real_engines: Engines) -> None:
    from voice_interviewer.review.records import select_cards
    from voice_interviewer.review.rescore import RescoreOptions, rescore
    from voice_interviewer.review.runners import InProcess

    install_v0()
    store = SessionStore(data_home())
    [result] = rescore(store, [V0_ID], InProcess(lambda track: real_engines), RescoreOptions())
    assert result.path is not None and result.path.parent.name == "rescores" and not result.problems
    card = select_cards(open_session(store, V0_ID))[1]
    words = " ".join(w.word for w in card.transcript.words).lower()
    assert "fellow americans" in words and "your country" in words
    assert card.transcript.source == "audio" and card.delivery.words_per_minute > 0
    assert card.models.stt == "tiny.en" and card.question.id == "phone-screen/bias-variance"
    assert json.loads((V0 / "session.json").read_text()).get("schema_version") is None
