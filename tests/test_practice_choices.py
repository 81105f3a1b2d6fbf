"""The choices practice makes before a session starts: which mode, which questions, what a resume
goes on with, and waiting for a follow-up model at the end."""

from __future__ import annotations

import pytest

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.paths import data_home
from voice_interviewer.session.loop import plan_questions
from voice_interviewer.session.practice import choose_mode
from voice_interviewer.store.sessions import Session, SessionStore
from voice_interviewer.track.rubric import Track


@pytest.mark.parametrize(
    ("requested", "has_input", "mode"),
    [("auto", True, "voice"), ("auto", False, "demo"), ("demo", True, "demo"), ("text", False, "text")],
)
def test_choose_mode(requested: str, has_input: bool, mode: str) -> None:
    assert choose_mode(requested, has_input)[0] == mode


def test_choose_mode_explains_the_demo_when_there_is_no_microphone() -> None:
    _, note = choose_mode("auto", False)
    assert note and "No microphone" in note


@pytest.mark.parametrize(
    ("requested", "saved_mode", "has_input", "mode"),
    [
        ("auto", "text", True, "text"),  # typed answers stay typed, microphone or not
        ("auto", "demo", False, "demo"),
        ("auto", "voice", True, "voice"),
        ("demo", "text", False, "demo"),  # told otherwise
    ],
)
def test_a_resumed_session_goes_on_as_it_was_answered(
    requested: str, saved_mode: str, has_input: bool, mode: str
) -> None:
    from voice_interviewer.session.practice import resume_mode

    s = Session(id="20261127-120000-phone-screen", created="", track="netflix-mle", round="phone-screen", mode="text")
    s.mode = saved_mode  # type: ignore[assignment]
    assert resume_mode(requested, s, has_input) == mode
    assert resume_mode(requested, None, has_input) == requested


def test_a_spoken_session_is_not_resumed_by_a_synthesized_candidate() -> None:
    from voice_interviewer.session.practice import resume_mode

    s = Session(id="20261127-120000-phone-screen", created="", track="netflix-mle", round="phone-screen", mode="voice")
    with pytest.raises(UserError, match="--resume 20261127-120000-phone-screen --text") as e:
        resume_mode("auto", s, has_input=False)
    assert e.value.code == ExitCode.DEVICE


def test_asking_for_more_questions_than_the_round_has_says_so(track: Track) -> None:
    from voice_interviewer.session.practice import fewer_questions

    n = len(plan_questions(track, "phone-screen", 1000))
    assert n == len(track.rounds["phone-screen"].round.questions)
    assert (
        fewer_questions("phone-screen", n, 1000)
        == f"The phone-screen round has {n} questions, not 1000: all {n} are asked."
    )
    assert fewer_questions("phone-screen", n, n) is None and fewer_questions("phone-screen", 3, None) is None


def test_resuming_a_session_that_does_not_exist_is_a_usage_error() -> None:
    from voice_interviewer.session.practice import _take_over

    store = SessionStore(data_home().ensure())
    with pytest.raises(UserError, match="No session 20261201-999999-phone-screen to resume") as e:
        _take_over(store, "20261201-999999-phone-screen")
    assert e.value.code == ExitCode.USAGE


def test_resume_plan_honours_questions() -> None:
    from voice_interviewer.session.practice import resume_plan

    saved, more = ["a", "b"], ["a", "b", "c", "d"]
    assert resume_plan(saved, more, None) == ["a", "b"]
    assert resume_plan(saved, more, 3) == ["a", "b", "c"]
    assert resume_plan(saved, more, 1) == ["a"]


def test_the_session_waits_for_a_follow_up_generation_before_exiting() -> None:
    import threading
    import time

    from voice_interviewer.session.practice import _let_model_work_finish

    gen = threading.Thread(target=time.sleep, args=(0.3,), name="vi-follow-up", daemon=True)
    gen.start()
    notes: list[str] = []
    _let_model_work_finish(10.0, notes.append)
    assert not gen.is_alive() and len(notes) == 1
    _let_model_work_finish(10.0, notes.append)  # nothing running: no wait, no message
    assert len(notes) == 1
