"""One process owns a session: the lock, its release on any exit, and the take-over of a dead owner's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voice_interviewer.paths import data_home
from voice_interviewer.store.lock import SessionBusy, SessionLock, is_owned, read_owner
from voice_interviewer.store.sessions import Session, SessionStore, next_turn_index

SID = "20261127-120000-phone-screen"


def a_session(sid: str = SID) -> Session:
    return Session(id=sid, created="2026-11-27T12:00:00+00:00", track="netflix-mle", round="phone-screen", mode="text")


def test_a_held_session_cannot_be_taken_and_says_who_holds_it() -> None:
    store = SessionStore(data_home().ensure())
    owner = store.create_owned(a_session())
    folder = store.folder(SID)
    assert is_owned(folder)
    other = SessionLock(folder)
    assert not other.try_acquire()
    with pytest.raises(SessionBusy, match=rf"Session {SID} is in use .*process {os.getpid()}"):
        store.own(SID)
    owner.release()
    assert not is_owned(folder)
    with store.own(SID) as taken:
        assert taken.held and read_owner(folder) is not None


def test_a_killed_owner_leaves_the_session_free_to_take_over(tmp_path: Path) -> None:
    store = SessionStore(data_home().ensure())
    store.create(a_session())
    folder = store.folder(SID)
    code = (
        "import sys, time; from pathlib import Path; from voice_interviewer.store.lock import SessionLock; "
        "SessionLock(Path(sys.argv[1])).acquire('x'); print('held', flush=True); time.sleep(60)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        owner = read_owner(folder)
        assert owner is not None and owner.pid == child.pid
        assert is_owned(folder)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        deadline = time.monotonic() + 5
        while is_owned(folder) and time.monotonic() < deadline:
            time.sleep(0.05)
        lock = store.own(SID)
        owner = read_owner(folder)
        assert owner is not None and owner.pid == os.getpid()
        lock.release()
    finally:
        child.kill()
        child.wait()


def test_two_sessions_started_in_the_same_second_get_their_own_folders() -> None:
    store = SessionStore(data_home().ensure())
    a, b = a_session(), a_session()
    la, lb = store.create_owned(a), store.create_owned(b)
    assert a.id != b.id and store.load(a.id).id == a.id and store.load(b.id).id == b.id
    la.release()
    lb.release()


def test_the_next_turn_never_reuses_a_number_that_has_a_recording() -> None:
    store = SessionStore(data_home().ensure())
    s = a_session()
    folder = store.create(s)
    assert next_turn_index(s, folder) == 1
    (folder / "turn-02-answer.wav").write_bytes(b"an orphan from an older crash")
    assert next_turn_index(s, folder) == 3
    (folder / "turn-04-answer.pcm").write_bytes(b"\0\0")
    assert next_turn_index(s, folder) == 5
