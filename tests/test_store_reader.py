"""The tolerant reader of ``session.json``: a truncated file keeps what it held up to the damage."""

from __future__ import annotations

from tests.conftest import MakeSession
from tests.fakes import FOLLOW, QID, STRONG, VAGUE
from voice_interviewer.review.records import open_session
from voice_interviewer.review.replay import replay_plan
from voice_interviewer.store.reader import salvage_json
from voice_interviewer.store.sessions import SessionStore


def test_a_truncated_session_keeps_every_turn_that_was_complete(
    make_session: MakeSession, session_store: SessionStore
) -> None:
    folder = make_session(answers=((QID, STRONG), (QID, FOLLOW), (QID, VAGUE)))
    text = (folder / "session.json").read_text()
    cut = text.index('"index": 3')  # cut inside the third turn
    (folder / "session.json").write_text(text[:cut])
    rec = open_session(session_store, folder.name)
    assert rec.session is not None
    assert [t.index for t in rec.session.turns] == [1, 2]
    assert rec.session.turns[1].scorecard is not None
    assert replay_plan(rec)[-1].text == FOLLOW


def test_salvage_json() -> None:
    assert salvage_json('{"a": 1, "b": [1, 2, {"c": 3}, {"d": ') == {"a": 1, "b": [1, 2, {"c": 3}]}
    assert salvage_json('{"a": "x, y", "b": "unfinished') == {"a": "x, y"}
    assert salvage_json('{"a": {"b": 1}') == {"a": {"b": 1}}
    assert salvage_json("") is None
    assert salvage_json("garbage") is None
