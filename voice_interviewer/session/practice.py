"""Wire a practice session from its options: engines from :mod:`voice_interviewer.engines`, answers, the store."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voice_interviewer.audio.recorder import recover_pcm
from voice_interviewer.audio.smart_turn import TurnModel
from voice_interviewer.audio.turn import TurnOptions
from voice_interviewer.engines import Engines
from voice_interviewer.errors import ExitCode, MissingModelError, UserError
from voice_interviewer.retrieval.context import culture_for
from voice_interviewer.session.answers import DemoAnswers, KeyboardLines, TextAnswers, VoiceAnswers
from voice_interviewer.session.loop import (
    AnswerProvider,
    InputEnded,
    PracticeUI,
    SessionDeps,
    plan_questions,
    run_session,
)
from voice_interviewer.session.typed import TypedAnswerReader, binary_line_reader, clean_text
from voice_interviewer.store.lock import SessionLock
from voice_interviewer.store.sessions import Session, SessionStore, new_session_id
from voice_interviewer.store.summary import summarize
from voice_interviewer.stt.ear import Ear


@dataclass(frozen=True)
class PracticeOptions:
    round: str | None = None  # None: the track's first round
    questions: int | None = None  # None: 3 for a new session, the saved plan on --resume
    follow_ups: int = 1
    mode: str = "auto"  # auto (microphone, else demo), voice, demo, text
    push_to_talk: bool = False
    input_device: int | str | None = None
    output_device: int | str | None = None
    end_silence_s: float = 2.5
    voice: str | None = None
    rate: int = 175
    speak: bool = True  # play the interviewer's voice when there is an output device
    realtime_demo: bool = False
    resume: str | None = None
    barge_in: bool = False  # the candidate's speech stops the interviewer's line (headphones)


def choose_mode(requested: str, has_input: bool) -> tuple[str, str | None]:
    """(mode, note). Pure: the microphone's presence is an argument."""
    if requested in ("demo", "text"):
        return requested, None
    if has_input:
        return "voice", None
    if requested == "voice":
        raise UserError("No microphone found. Try --demo (a synthesized candidate answers) or --text.", ExitCode.DEVICE)
    return "demo", (
        "No microphone found, so this is the demo: a synthesized candidate answers out loud through the "
        "same listening path. Type your answers with --text, or plug in a microphone."
    )


def fewer_questions(round_: str, planned: int, asked_for: int | None) -> str | None:
    """What to say when the round has fewer questions than were asked for (None: it has enough)."""
    if asked_for is None or planned >= asked_for:
        return None
    return f"The {round_} round has {planned} questions, not {asked_for}: all {planned} are asked."


def resume_mode(requested: str, resumed: Session | None, has_input: bool) -> str:
    """The mode to ask for: a resumed session goes on as it was answered unless told otherwise (typed
    answers stay typed; a synthesized candidate never answers for someone who spoke or typed)."""
    if resumed is None or requested != "auto":
        return requested
    if resumed.mode == "voice" and not has_input:
        raise UserError(
            f"Session {resumed.id} was answered by voice and no microphone is found. Plug one in, or go on "
            f"typing: voice-interviewer practice --resume {resumed.id} --text",
            ExitCode.DEVICE,
        )
    return resumed.mode


def _devices() -> tuple[bool, bool]:
    from voice_interviewer.audio.devices import has_input, has_output, list_devices

    try:
        devs = list_devices()
    except UserError:
        return False, False
    return has_input(devs), has_output(devs)


def recover_crashed(store: SessionStore, notify: Callable[[str], None]) -> list[str]:
    """Finish the audio of sessions a crash left behind and mark them interrupted.

    Only sessions whose owner is gone are touched: a session another live process runs holds its
    lock (see :mod:`voice_interviewer.store.lock`) and is left alone.
    """
    found = []
    for sid in store.unfinished():
        folder = store.folder(sid)
        with SessionLock(folder) as lock:
            if not lock.try_acquire():
                continue  # running in another process
            try:
                session = store.load(sid)  # again, now that nobody else can write it
            except UserError:
                continue
            if session.status == "complete":
                continue
            wavs = recover_pcm(folder)
            shutil.rmtree(folder / ".prepared", ignore_errors=True)  # speech rendered for lines never said
            cut = [t for t in session.turns if t.status == "in-progress"]
            for t in cut:  # the answer a crash cut short belongs to its turn
                audio = folder / f"turn-{t.index:02d}-answer.wav"
                t.status, t.ended_by = "interrupted", "crash"
                t.answer_audio = audio.name if audio.is_file() else t.answer_audio
            if wavs or cut or session.status == "in-progress":
                session.status = "interrupted"
                store.save(session)
                found.append(sid)
                notify(
                    f"Recovered session {sid} ({len(wavs)} answer audio file(s) completed). "
                    f"Resume it with: voice-interviewer practice --resume {sid}"
                )
    return found


def _take_over(store: SessionStore, session_id: str) -> tuple[SessionLock, Session]:
    """Own the session to resume before anything slow starts (SessionBusy while another process runs it)."""
    lock = store.own(session_id)
    try:
        session = store.load(session_id)
        if session.status == "complete":
            raise UserError(f"Session {session_id} is already complete.", ExitCode.USAGE)
    except BaseException:
        lock.release()
        raise
    return lock, session


class SessionInterrupted(KeyboardInterrupt):
    """Ctrl-C during a session, after everything so far was saved; carries the id to resume."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id)
        self.session_id = session_id


def _typed_input(console_input: Callable[[str], str] | None) -> Callable[[str], str]:
    """Where typed lines come from: the given reader, the terminal, or piped bytes (decoded leniently)."""
    if console_input is not None:
        return console_input
    if stdin_is_interactive():
        sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]  # clean_text repairs them
        return input
    return binary_line_reader(sys.stdin.buffer)


def _terminal_line() -> str:
    """One line from the terminal; bytes that are not UTF-8 cannot stop the keyboard reader."""
    return clean_text(sys.stdin.buffer.readline())


def resume_plan(saved: list[str], more: list[str], questions: int | None) -> list[str]:
    """The plan of a resumed session: the saved one, cut or extended (from ``more``) to ``questions``."""
    if questions is None:
        return saved
    extra = [q for q in more if q not in saved]
    return (saved + extra)[:questions]


def run_practice(
    engines: Engines, opts: PracticeOptions, ui: PracticeUI, console_input: Callable[[str], str] | None = None
) -> tuple[Session, Path]:
    store = SessionStore(engines.home)
    recover_crashed(store, ui.info)
    resumed_lock, resumed = _take_over(store, opts.resume) if opts.resume else (None, None)
    has_in, has_out = _devices()
    mode, note = choose_mode(resume_mode(opts.mode, resumed, has_in), has_in)
    if note:
        ui.info(note)
    round_ = opts.round or engines.track.first_round
    engines.track.check_round(round_)

    speaker = engines.interviewer_voice(opts.rate, opts.voice, opts.output_device, opts.speak and has_out, ui.info)
    if not has_out and opts.speak:
        ui.info("No speakers found: the interviewer's lines are shown here and saved as audio files in the recording.")
    interviewer = engines.interviewer(ui.info)
    probe = engines.track.question(plan_questions(engines.track, round_, 1)[0])[0]
    follow = engines.follow_ups(interviewer, probe, ui.info)

    turn_opts = TurnOptions(end_silence_s=opts.end_silence_s)
    transcriber = engines.transcriber
    turn_model: TurnModel | None = None
    ear: Ear | None = None
    if mode != "text" and not opts.push_to_talk:
        try:
            turn_model = engines.turn_model
            ear = engines.ear
        except MissingModelError as e:
            ui.info(f"{e.message} Answers end after {opts.end_silence_s:g} s of silence.")
    if opts.barge_in and mode != "voice":
        ui.info("--barge-in listens to the microphone while the interviewer speaks; it has no effect here.")
    if mode == "voice":
        from voice_interviewer.audio.barge_in import BargeInOptions
        from voice_interviewer.audio.microphone import MicSource

        mic = MicSource(opts.input_device)
        keyboard = KeyboardLines(_terminal_line) if stdin_is_interactive() else None
        if opts.push_to_talk and keyboard is None:
            raise UserError("--push-to-talk needs a terminal to press Enter in.", ExitCode.USAGE)
        answers: AnswerProvider = VoiceAnswers(
            mic.chunks,
            transcriber,
            turn_opts,
            opts.push_to_talk,
            ui.level,
            keyboard,
            overflows=lambda: mic.overflows,
            notify=ui.info,
            turn_model=turn_model,
            barge_in=BargeInOptions() if opts.barge_in else None,
            ear=ear,
        )
        if opts.barge_in:
            ui.info(
                "Barge-in: start speaking while the interviewer talks and it stops to listen. "
                "Use headphones: through speakers the microphone hears the interviewer too."
            )
        if opts.push_to_talk:
            ui.info("Push-to-talk: press Enter to start each answer and Enter again to finish.")
        else:
            ui.info(
                "Answer out loud. When you finish a thought and pause, the interviewer goes on; "
                f"a thinking pause is waited for up to {opts.end_silence_s:g} s. Enter, "
                "or saying \u201cdone\u201d, also ends the answer."
            )
    elif mode == "demo":
        from voice_interviewer.session.demo import load_samples
        from voice_interviewer.tts.speaker import synthesize

        cache = engines.home.state / "demo-audio"
        samples = {(s.question_id, s.kind): s.text for s in load_samples(engines.track.name)}
        answers = DemoAnswers(
            samples,
            lambda t: synthesize(t, cache)[0],
            transcriber,
            turn_opts,
            realtime=opts.realtime_demo,
            on_level=ui.level,
            turn_model=turn_model,
            ear=ear,
        )
    else:
        ui.info("Type each answer; an empty line, 'done' or the end of input (Ctrl-D) ends it.")
        answers = TextAnswers(TypedAnswerReader(_typed_input(console_input)))

    lock: SessionLock
    if opts.resume:
        assert resumed_lock is not None and resumed is not None
        lock, session = resumed_lock, resumed
        n_all = len(engines.track.rounds[session.round].round.questions) if session.round in engines.track.rounds else 0
        saved = list(session.summary.get("plan") or plan_questions(engines.track, session.round, opts.questions or 3))
        plan = resume_plan(saved, plan_questions(engines.track, session.round, n_all), opts.questions)
        follow_n = int(session.summary.get("follow_ups", opts.follow_ups))
        session.status = "in-progress"
        if session.mode != mode:
            modes = list(session.summary.get("modes") or [session.mode])
            session.summary["modes"] = [*modes, mode]  # every mode the answers came in
            session.mode = mode  # type: ignore[assignment]
    else:
        plan = plan_questions(engines.track, round_, opts.questions or 3)
        if note := fewer_questions(round_, len(plan), opts.questions):
            ui.info(note)
        follow_n = opts.follow_ups
        session = Session(
            id=new_session_id(round_),
            created=_now(),
            track=engines.track.name,
            round=round_,
            mode=mode,
            llm=interviewer.name,
        )
        lock = store.create_owned(session)

    deps = SessionDeps(
        store=store,
        track=engines.track,
        embedder=engines.embedder,
        follow_ups=follow,
        speaker=speaker,
        answers=answers,
        ui=ui,
        culture=lambda q: culture_for(engines, q),
        models=lambda r: engines.models_used(True, r.sha256, r.round.version).model_copy(
            update={"llm": interviewer.name}
        ),
    )
    folder = store.folder(session.id)
    ui.info(
        f"Session {session.id}: {len(plan)} question(s) from {round_}, up to {follow_n} follow-up(s) each. "
        f"Recording to {folder}"
    )
    try:
        run_session(deps, session, plan, follow_n)
    except InputEnded:
        session.summary.update(summarize(session, deps.track, deps.embedder).as_dict())
        store.save(session)
        ui.info(
            f"End of input: every answer so far is saved. Continue with: "
            f"voice-interviewer practice --resume {session.id} --text"
        )
    except KeyboardInterrupt:
        raise SessionInterrupted(session.id) from None
    except UserError as e:
        raise UserError(f"{e.message} Resume with: voice-interviewer practice --resume {session.id}", e.code) from None
    finally:
        lock.release()
        _let_model_work_finish(engines.settings.llm_timeout_s, ui.info)
    return session, folder


def _let_model_work_finish(timeout_s: float, notify: Callable[[str], None]) -> None:
    """Wait (bounded) for a follow-up generation still running in the background, e.g. the warm-up
    when typed input ends after the first answer: exiting under a running llama.cpp generation
    crashes the interpreter at shutdown (exit 139) after everything was saved."""
    busy = _generations()
    if busy:
        notify("Waiting for the follow-up model to finish its current reply...")
    deadline = time.monotonic() + timeout_s
    try:
        for t in busy:
            t.join(max(0.0, deadline - time.monotonic()))
    except KeyboardInterrupt:
        pass  # a second Ctrl-C: stop waiting (the session is saved; the first interruption is reported)


def _generations() -> list[threading.Thread]:
    """The follow-up generations still running (each runs on its own ``vi-follow-up`` thread)."""
    from voice_interviewer.interviewer.followup import GENERATION_THREAD

    return [t for t in threading.enumerate() if t.name == GENERATION_THREAD and t.is_alive()]


def generation_running(wait_s: float = 0.0) -> bool:
    """Whether a follow-up generation still runs after waiting up to ``wait_s`` for it to finish."""
    deadline = time.monotonic() + wait_s
    for t in _generations():
        t.join(max(0.0, deadline - time.monotonic()))
    return bool(_generations())


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def stdin_is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
