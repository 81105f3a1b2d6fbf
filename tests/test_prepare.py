"""The follow-up prepared while the candidate talks: lines kept for the same gaps, the budget after the end."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from voice_interviewer.interviewer.followup import FollowUp
from voice_interviewer.interviewer.probes import gap_for, probe_for
from voice_interviewer.session.budget import SILENCE_S, follow_up_deadline
from voice_interviewer.session.prepare import Line, Preparer
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import Scorecard, Transcript


def tr(text: str) -> Transcript:
    return Transcript(text=text, no_speech=not text)


class Stages:
    """Fake scoring and model: record what they were given; the model can be made slow."""

    def __init__(self, model_s: float = 0.0) -> None:
        self.model_s = model_s
        self.scored: list[str] = []
        self.asked: list[str] = []
        self.rendered: list[str] = []
        self.release = threading.Event()

    def score(self, transcript: Transcript) -> Scorecard:
        self.scored.append(transcript.text)
        return _card(transcript)

    def probe(self, card: Scorecard) -> str:
        return "What would you measure?"

    def line(self, card: Scorecard) -> FollowUp:
        self.asked.append(card.transcript.text)
        time.sleep(self.model_s)
        return FollowUp(f"Why {card.transcript.text}?", "llm", None, 0.0)

    def render(self, text: str, path: Path) -> Path:
        self.rendered.append(text)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF")
        return path


def _card(transcript: Transcript) -> Scorecard:
    return Scorecard.model_construct(transcript=transcript)  # type: ignore[call-arg]  # the rest is unused here


def test_a_job_prepared_at_the_possible_end_is_used_for_the_same_words(tmp_path: Path) -> None:
    st = Stages()
    prep = Preparer(st.score, st.probe, st.line, st.render, tmp_path)
    prep.start(lambda: tr("the answer so far"))
    job, prepared = prep.job_for(tr("the answer so far"))
    assert prepared
    got = prep.line(job, time.monotonic() + 5)
    assert got == Line("Why the answer so far?", "llm", None, got.audio)
    assert got.audio is not None and got.audio.is_file()
    assert st.scored == ["the answer so far"]  # scored once, before the end
    prep.close()


def _gaps_by_words(card: Scorecard) -> tuple[str, ...]:
    """A stand-in for the missed key points: "the rest" is covered once the answer says it."""
    return () if "the rest" in card.transcript.text else ("the rest",)


def _stale_job(prep: Preparer, text: str) -> None:
    """A job prepared at a pause, after which the candidate went on."""
    gate = threading.Event()

    def slow_transcript() -> Transcript:
        gate.wait(5)
        return tr(text)

    prep.start(slow_transcript)
    prep.discard()  # the candidate went on
    gate.set()


def test_a_line_written_at_an_earlier_pause_is_not_used_when_the_gaps_changed(tmp_path: Path) -> None:
    st = Stages()
    prep = Preparer(st.score, st.probe, st.line, None, tmp_path, gaps=_gaps_by_words)
    _stale_job(prep, "first part")
    job, prepared = prep.job_for(tr("first part and the rest"))
    assert not prepared
    got = prep.line(job, time.monotonic() + 5)
    assert got.text == "Why first part and the rest?" and not got.earlier  # the rest changed the gaps
    prep.close()


def test_a_line_written_at_an_earlier_pause_is_used_when_the_gaps_are_the_same(tmp_path: Path) -> None:
    st = Stages()
    prep = Preparer(st.score, st.probe, st.line, None, tmp_path, gaps=_gaps_by_words)
    _stale_job(prep, "first part")
    deadline = time.monotonic() + 5
    while prep.model_calls == 0 and time.monotonic() < deadline:  # the stale job still gets its line
        time.sleep(0.01)
    job, prepared = prep.job_for(tr("first part and more words"))
    assert not prepared
    got = prep.line(job, time.monotonic() + 5)
    assert got.text == "Why first part?" and got.source == "llm" and got.earlier
    assert st.asked == ["first part"] and prep.model_calls == 1  # the final answer did not ask again
    assert st.scored == ["first part", "first part and more words"]  # but it was scored, for its gaps
    prep.close()


def test_the_end_waits_for_a_line_still_being_written_for_the_same_gaps(tmp_path: Path) -> None:
    st = Stages(model_s=0.6)
    prep = Preparer(st.score, st.probe, st.line, None, tmp_path, gaps=_gaps_by_words)
    _stale_job(prep, "first part")
    while prep.model_calls == 0:
        time.sleep(0.01)
    job, _ = prep.job_for(tr("first part and more words"))
    got = prep.line(job, time.monotonic() + 3)
    assert got.text == "Why first part?" and got.earlier
    assert st.asked == ["first part"]
    prep.close()


def test_without_a_gaps_function_only_the_same_words_reuse_a_line(tmp_path: Path) -> None:
    st = Stages()
    prep = Preparer(st.score, st.probe, st.line, None, tmp_path)
    _stale_job(prep, "first part")
    job, _ = prep.job_for(tr("first part and more words"))
    assert prep.line(job, time.monotonic() + 5).text == "Why first part and more words?"
    prep.close()


def test_a_job_replaced_while_waiting_never_runs(tmp_path: Path) -> None:
    st = Stages()
    prep = Preparer(st.score, st.probe, st.line, None, tmp_path)
    gate = threading.Event()

    def blocked() -> Transcript:
        gate.wait(5)
        return tr("one")

    prep.start(blocked)  # the worker is busy with this one
    waiting = prep.start(lambda: tr("two"))
    newest = prep.start(lambda: tr("three"))
    gate.set()
    newest.finished.wait(5)
    assert waiting.superseded and waiting.card is None
    assert "two" not in st.scored and st.scored[-1] == "three"
    prep.close()


def test_different_words_at_the_end_start_a_new_job(tmp_path: Path) -> None:
    st = Stages()
    prep = Preparer(st.score, st.probe, st.line, None, tmp_path)
    prep.start(lambda: tr("so the way"))
    job, prepared = prep.job_for(tr("so the way I would do it"))
    assert not prepared
    assert prep.card(job) is not None and job.card is not None
    assert job.card.transcript.text == "so the way I would do it"
    prep.close()


def test_a_slow_model_falls_back_to_the_probe_at_the_budget(tmp_path: Path) -> None:
    st = Stages(model_s=1.5)
    prep = Preparer(st.score, st.probe, st.line, st.render, tmp_path)
    prep.start(lambda: tr("an answer"))
    job, _ = prep.job_for(tr("an answer"))
    got = prep.line(job, time.monotonic() + 0.3)
    assert not job.finished.is_set()  # returned while the model was still working
    assert got.text == "What would you measure?" and got.source == "rubric"
    assert got.reason and "budget" in got.reason
    assert got.audio is not None  # the probe was rendered ahead too
    job.finished.wait(5)
    assert st.rendered == ["What would you measure?"]  # the late line was not rendered
    prep.close()


def test_a_line_that_cannot_be_ready_by_the_deadline_is_not_waited_for(tmp_path: Path) -> None:
    st = Stages(model_s=1.0)
    prep = Preparer(st.score, st.probe, st.line, st.render, tmp_path)
    first, _ = prep.job_for(tr("the first answer"))
    assert prep.line(first, time.monotonic() + 5).source == "llm"  # the session's model calls take 1 s
    job, _ = prep.job_for(tr("the second answer"))
    deadline = time.monotonic() + 0.6
    got = prep.line(job, deadline)
    assert time.monotonic() < deadline  # said at once: even the fastest call could not finish by then
    assert got.source == "rubric" and got.reason and "budget" in got.reason
    job.finished.wait(5)
    # a model call may already have started for it (the worker hands the job on as it is scored), but
    # its line, when it comes, is neither rendered nor used
    assert st.rendered == ["What would you measure?", "Why the first answer?"]
    prep.close()


def test_a_busy_machine_never_holds_the_line_past_the_budget(tmp_path: Path) -> None:
    st = Stages()

    def slow_score(transcript: Transcript) -> Scorecard:
        time.sleep(1.0)  # transcription and scoring running late
        return st.score(transcript)

    first = "What is the first thing you would check?"
    prep = Preparer(slow_score, st.probe, st.line, st.render, tmp_path, fallback=first)
    job, _ = prep.job_for(tr("an answer"))
    got = prep.line(job, time.monotonic() + 0.2, unscored=lambda: first)
    assert job.card is None  # returned before the answer was scored
    assert got.text == first and got.source == "rubric"
    assert got.audio is not None and got.audio.is_file()  # its speech was rendered before the answer began
    assert got.reason and "not scored" in got.reason
    card = prep.card(job)  # scoring still finishes, for the scorecard
    assert card is not None and card.transcript.text == "an answer"
    job.finished.wait(2)
    assert st.asked == []  # no model call for a line already chosen
    prep.close()


def test_without_a_follow_up_only_the_scorecard_is_prepared(tmp_path: Path) -> None:
    st = Stages()
    prep = Preparer(st.score, folder=tmp_path)
    prep.start(lambda: tr("last answer"))
    job, prepared = prep.job_for(tr("last answer"))
    assert prepared and prep.card(job) is not None
    job.finished.wait(5)
    assert st.asked == [] and job.probe is None
    prep.close()


def test_a_failing_stage_reaches_the_caller(tmp_path: Path) -> None:
    def broken(transcript: Transcript) -> Scorecard:
        raise ValueError("scoring broke")

    prep = Preparer(broken, folder=tmp_path)
    job, _ = prep.job_for(tr("x"))
    with pytest.raises(ValueError, match="scoring broke"):
        prep.card(job)
    prep.close()


def test_the_probe_is_the_rubrics_own_for_the_first_missed_point(track: Track) -> None:
    from voice_interviewer.scoring.scorecard import score_answer
    from voice_interviewer.types import ModelsUsed

    q, rnd = track.question("phone-screen/bias-variance")
    card = score_answer(q, rnd, Transcript(text="Bias is error from a model that is too simple."), None, ModelsUsed())
    probes = [p.follow_up for _, p in q.points()]
    first = probe_for(q, card, (q.prompt,))
    assert first in probes
    assert probe_for(q, card, (q.prompt, first)) != first  # an asked probe is not asked again
    gap = gap_for(q, card, (q.prompt,))
    assert gap is not None and gap[1] == first  # the gap a line is written for is the point the probe asks
    assert gap_for(q, card, (q.prompt, *probes)) is None  # every probe asked: no gap left to write for


# --- in the session loop ----------------------------------------------------------------------


class SpokenAnswers:
    """A live answer as the loop sees it: the provider prepares at a possible end, then the turn ends."""

    mode = "voice"

    def __init__(self, texts: list[str], turn_took_s: float = 0.0) -> None:
        self.texts = texts
        self.first: str | None = None  # the words at an earlier pause, after which the candidate went on
        self.turn_took_s = turn_took_s  # from the last word to the end of the turn, before the hold

    def answer(self, question, kind, prompt, wav_path, target, prepare=None):
        from voice_interviewer.session.loop import Answer

        text = self.texts.pop(0)
        spoke_until = time.monotonic()
        if prepare is not None:
            first, self.first = self.first, None
            prepare.start(lambda: tr(first or text))
            if first is not None:
                prepare.discard()  # the candidate went on after the pause
                time.sleep(0.5)  # and talked a while
        time.sleep(0.05)  # the hold
        words = Transcript(text=text, no_speech=False, source="audio")
        return Answer(words, "complete", None, time.monotonic(), {}, speech_ended_at=spoke_until - self.turn_took_s)


class SlowFollowUps:
    name = "slow"

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0

    def warm_up(self, question) -> None:
        pass

    def next_line(self, question, card, asked):
        self.calls += 1
        time.sleep(self.delay)
        return FollowUp("How would you choose the regularization strength for this model?", "llm", None, 0.0)


class NullUI:
    def interviewer(self, text, kind, target):
        pass

    def transcript(self, transcript):
        pass

    def scorecard(self, card):
        pass

    def info(self, message):
        pass


def _run(track: Track, answers: SpokenAnswers, follow: SlowFollowUps, budget: float):
    from voice_interviewer.paths import data_home
    from voice_interviewer.session.loop import SessionDeps, run_session
    from voice_interviewer.store.sessions import Session, SessionStore
    from voice_interviewer.tts.speaker import SilentSpeaker
    from voice_interviewer.types import ModelsUsed

    store = SessionStore(data_home().ensure())
    deps = SessionDeps(
        store=store,
        track=track,
        embedder=None,
        follow_ups=follow,
        speaker=SilentSpeaker(),
        answers=answers,
        ui=NullUI(),
        models=lambda r: ModelsUsed(rubric_version=r.round.version, rubric_sha256=r.sha256),
        budget_s=budget,
    )
    s = Session(id="20261129-120000-phone-screen", created="2026-11-29T12:00:00+00:00", track="netflix-mle",
                round="phone-screen", mode="voice")  # fmt: skip
    store.create(s)
    run_session(deps, s, ["phone-screen/bias-variance"], 1)
    return store.load(s.id)


ANSWER = "Bias is error from a model that is too simple, and variance is sensitivity to the training sample."


def test_the_session_records_turn_timings_and_uses_the_prepared_follow_up(track: Track) -> None:
    follow = SlowFollowUps(delay=0.0)
    saved = _run(track, SpokenAnswers([ANSWER, ANSWER]), follow, budget=5.0)
    first = saved.turns[0]
    assert first.ended_by == "complete"
    assert first.timings["follow_up_prepared"] == 1.0
    assert 0.0 < first.timings["end_of_speech_to_first_audio_s"] < 5.0
    assert saved.turns[1].follow_up_source == "llm"
    assert "end_of_speech_to_scorecard_s" in saved.turns[1].timings  # the last answer: its scorecard
    assert follow.calls == 1


def test_a_slow_model_is_not_waited_for_past_the_budget(track: Track) -> None:
    follow = SlowFollowUps(delay=3.0)
    saved = _run(track, SpokenAnswers([ANSWER, ANSWER]), follow, budget=0.3)
    second = saved.turns[1]
    assert second.follow_up_source == "rubric" and "budget" in (second.follow_up_reason or "")
    probes = {p.follow_up for _, p in track.question("phone-screen/bias-variance")[0].points()}
    assert second.interviewer_text in probes


def test_a_turn_that_took_long_to_end_leaves_less_of_the_budget(track: Track) -> None:
    # 1.5 s from the last word to the end of the turn: past the silence bound, so the 1 s model line is
    # not waited for although the budget after the end of the turn (5 s) would allow it
    follow = SlowFollowUps(delay=1.0)
    saved = _run(track, SpokenAnswers([ANSWER, ANSWER], turn_took_s=1.5), follow, budget=5.0)
    second = saved.turns[1]
    assert second.follow_up_source == "rubric" and "budget" in (second.follow_up_reason or "")


def test_the_deadline_is_the_budget_after_the_end_bounded_by_the_silence_since_the_last_word() -> None:
    assert follow_up_deadline(10.0, 9.7, "complete", 0.8) == pytest.approx(10.8)  # a quick end: the budget
    assert follow_up_deadline(10.0, 9.2, "complete", 0.8) == pytest.approx(9.2 + SILENCE_S)  # the silence bound
    assert follow_up_deadline(12.0, 9.5, "silence", 0.8) == 12.0  # ended at the cap: no wait at all
    assert follow_up_deadline(10.0, None, "complete", 0.8) == pytest.approx(10.8)  # no voiced frame known
    # Enter or "done" a while after the last word: the candidate's own end, the whole budget from there
    assert follow_up_deadline(12.0, 9.5, "enter", 0.8) == pytest.approx(12.8)
    assert follow_up_deadline(12.0, 9.5, "done", 0.8) == pytest.approx(12.8)


def test_speech_after_the_pause_that_changes_the_gaps_means_the_follow_up_was_not_prepared(track: Track) -> None:
    said = "Bias is error from a model that is too simple."
    more = (
        " To tell which one you have, compare training error with validation error: a large gap between them"
        " means high variance, and both being high means high bias."
    )
    answers = SpokenAnswers([said + more, ANSWER])
    answers.first = said  # the pause came after the first sentence; the second covers the point it missed first
    follow = SlowFollowUps(0.0)
    saved = _run(track, answers, follow, budget=5.0)
    assert saved.turns[0].timings["follow_up_prepared"] == 0.0
    assert "follow_up_from_earlier_pause" not in saved.turns[0].timings
    assert saved.turns[1].follow_up_source == "llm"


def test_speech_after_the_pause_that_leaves_the_gaps_is_answered_with_the_line_written_there(track: Track) -> None:
    answers = SpokenAnswers([ANSWER + " That is all I would say about it.", ANSWER])
    answers.first = ANSWER  # the last sentence leaves the most important gap where it was
    follow = SlowFollowUps(0.0)
    saved = _run(track, answers, follow, budget=5.0)
    assert saved.turns[0].timings["follow_up_from_earlier_pause"] == 1.0
    assert saved.turns[1].follow_up_source == "llm" and follow.calls == 1


class LateTranscriptAnswers(SpokenAnswers):
    """A live answer whose last piece is still being transcribed when the turn ends (a busy machine)."""

    def __init__(self, texts: list[str], release: threading.Event) -> None:
        super().__init__(texts)
        self.release = release

    def answer(self, question, kind, prompt, wav_path, target, prepare=None):
        from concurrent.futures import Future

        from voice_interviewer.session.loop import Answer

        text = self.texts.pop(0)
        words: Future[Transcript] = Future()

        def finish() -> None:
            self.release.wait(10)
            words.set_result(Transcript(text=text, no_speech=False, source="audio"))

        threading.Thread(target=finish, daemon=True).start()
        now = time.monotonic()
        return Answer(words, "complete", None, now, {}, speech_ended_at=now)


def test_a_transcript_still_running_at_the_budget_gets_the_rubrics_first_probe(track: Track) -> None:
    release = threading.Event()
    said: list[str] = []

    class Speaker:
        name = "listening"

        def say(self, text, wav_path=None):
            said.append(text)
            if len(said) == 2:
                assert not release.is_set()  # the follow-up is said while the transcript is not final
                release.set()

    from voice_interviewer.paths import data_home
    from voice_interviewer.session.loop import SessionDeps, run_session
    from voice_interviewer.store.sessions import Session, SessionStore
    from voice_interviewer.types import ModelsUsed

    store = SessionStore(data_home().ensure())
    follow = SlowFollowUps(0.0)
    deps = SessionDeps(
        store=store,
        track=track,
        embedder=None,
        follow_ups=follow,
        speaker=Speaker(),
        answers=LateTranscriptAnswers([ANSWER, ANSWER], release),
        ui=NullUI(),
        models=lambda r: ModelsUsed(rubric_version=r.round.version, rubric_sha256=r.sha256),
        budget_s=0.2,
    )
    s = Session(id="20261129-120000-phone-screen", created="2026-11-29T12:00:00+00:00", track="netflix-mle",
                round="phone-screen", mode="voice")  # fmt: skip
    store.create(s)
    run_session(deps, s, ["phone-screen/bias-variance"], 1)
    saved = store.load(s.id)
    first, second = saved.turns
    assert second.follow_up_source == "rubric" and "not transcribed" in (second.follow_up_reason or "")
    assert (
        second.interviewer_text == said[1] == track.question("phone-screen/bias-variance")[0].points()[0][1].follow_up
    )
    assert first.transcript is not None and first.transcript.text == ANSWER  # the final transcript is kept
    assert first.scorecard is not None and follow.calls == 0
