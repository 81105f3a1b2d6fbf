"""`practice`: the spoken mock interview."""

from __future__ import annotations

from typing import Annotated

import typer

from voice_interviewer.cli.app import DeviceOpt, SttOpt, _engines, app, err, handle_errors, out
from voice_interviewer.errors import ExitCode, UserError


@app.command(rich_help_panel="Practise")
@handle_errors
def practice(
    round_: Annotated[
        str | None,
        typer.Option("--round", "-r", help="A round of the track (see `questions`); default: the loop's first round."),
    ] = None,
    n_questions: Annotated[
        int | None, typer.Option("--questions", "-n", min=1, help="How many questions (default 3).")
    ] = None,
    follow_ups: Annotated[int, typer.Option("--follow-ups", min=0, max=5, help="Follow-ups after each answer.")] = 1,
    demo_mode: Annotated[
        bool, typer.Option("--demo", help="A synthesized candidate answers (no microphone needed).")
    ] = False,
    text_mode: Annotated[bool, typer.Option("--text", help="Type your answers instead of speaking.")] = False,
    push_to_talk: Annotated[bool, typer.Option("--push-to-talk", help="Enter starts and ends each answer.")] = False,
    input_device: Annotated[
        str | None, typer.Option("--input-device", help="Microphone: index or name (see `devices`).")
    ] = None,
    output_device: Annotated[str | None, typer.Option("--output-device", help="Speakers: index or name.")] = None,
    end_silence: Annotated[
        float,
        typer.Option(
            "--end-silence",
            min=0.8,
            max=15,
            help="Longest thinking pause: this much silence ends an answer even if it sounds unfinished.",
        ),
    ] = 2.5,
    llm: Annotated[
        str, typer.Option("--llm", help="'local' (SmolLM2 via llama.cpp) or provider:model, e.g. ollama:qwen2.5:7b.")
    ] = "local",
    llm_timeout: Annotated[
        float,
        typer.Option(
            "--llm-timeout", min=1.0, max=600.0, help="Seconds to wait for a follow-up before using the rubric's probe."
        ),
    ] = 20.0,
    voice: Annotated[str | None, typer.Option("--voice", help="pyttsx3 voice id for the interviewer.")] = None,
    tts: Annotated[
        str, typer.Option("--tts", help="The interviewer's voice: pyttsx3 (espeak-ng) or piper (natural, bundled).")
    ] = "pyttsx3",
    rate: Annotated[
        int, typer.Option("--rate", min=80, max=400, help="Interviewer speaking rate (words a minute).")
    ] = 175,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Do not play the interviewer's voice (lines are still saved).")
    ] = False,
    realtime: Annotated[
        bool, typer.Option("--realtime", help="Demo: feed the synthesized answer at speaking pace.")
    ] = False,
    resume: Annotated[str | None, typer.Option("--resume", help="Continue an interrupted session by id.")] = None,
    barge_in: Annotated[
        bool,
        typer.Option(
            "--barge-in/--no-barge-in",
            help="Interrupt the interviewer: start speaking while it talks and it stops to listen. "
            "Use headphones (through speakers the microphone hears the interviewer).",
        ),
    ] = False,
    stt_model: SttOpt = "tiny.en",
    device: DeviceOpt = "auto",
    chroma_url: Annotated[
        str | None, typer.Option("--chroma-url", envvar="VOICE_INTERVIEWER_CHROMA_URL", help="A Chroma server.")
    ] = None,
) -> None:
    """A spoken mock interview: questions out loud, your answers heard, follow-ups, scorecards.

    Examples:

      voice-interviewer practice --round phone-screen --questions 5

      voice-interviewer practice --round behavioral --push-to-talk

      voice-interviewer practice --barge-in        (with headphones: talk over the interviewer to stop it)

      voice-interviewer practice --demo            (no microphone needed)

      voice-interviewer practice --text --llm ollama:qwen2.5:7b
    """
    from voice_interviewer.cli.ui import RichSessionUI
    from voice_interviewer.session.practice import PracticeOptions, run_practice

    if demo_mode and text_mode:
        raise UserError("Choose --demo or --text, not both.", ExitCode.USAGE)
    if barge_in and push_to_talk:
        raise UserError("Choose --barge-in or --push-to-talk, not both.", ExitCode.USAGE)
    mode = "demo" if demo_mode else "text" if text_mode else "auto"

    def dev(v: str | None) -> int | str | None:
        return int(v) if v is not None and v.isdigit() else v

    opts = PracticeOptions(
        round=round_,
        questions=n_questions,
        follow_ups=follow_ups,
        mode=mode,
        push_to_talk=push_to_talk,
        input_device=dev(input_device),
        output_device=dev(output_device),
        end_silence_s=end_silence,
        voice=voice,
        rate=rate,
        speak=not quiet,
        realtime_demo=realtime,
        resume=resume,
        barge_in=barge_in,
    )
    ui = RichSessionUI(out)
    engines = _engines(stt_model, device, chroma_url=chroma_url, llm=llm, llm_timeout_s=llm_timeout, tts=tts)
    try:
        session, folder = run_practice(engines, opts, ui)
    except KeyboardInterrupt as e:
        sid = getattr(e, "session_id", None)
        err.print(
            "[yellow]Stopped.[/] Every finished answer and the one in progress (its audio, or the lines typed) are "
            "saved; "
            + (f"resume with: voice-interviewer practice --resume {sid}" if sid else "nothing was recorded yet."),
            highlight=False,
            soft_wrap=True,
        )
        _exit_now_if_a_generation_runs(int(ExitCode.INTERRUPTED))
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    ui.summary(session, folder, engines.track, engines.embedder)
    _exit_now_if_a_generation_runs(0)


def _exit_now_if_a_generation_runs(code: int) -> None:
    """Everything is saved by now. A llama.cpp generation still running in the background (one that
    timed out) crashes the interpreter while it shuts down (SIGSEGV): wait a moment for it, then, as
    the program itself, leave without that shutdown. Run from another program (a test runner calling
    the app), the process is not ours to end: the generation finishes long before its shutdown."""
    import os
    import sys

    from voice_interviewer.session.practice import generation_running

    if generation_running(wait_s=GENERATION_GRACE_S) and _we_are_the_program():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


GENERATION_GRACE_S = 3.0  # a local follow-up's generation takes about a second or two


def _we_are_the_program() -> bool:
    """True when this process was started as voice-interviewer (its script, or ``python -m``)."""
    import sys
    from pathlib import Path

    main_file = str(getattr(sys.modules.get("__main__"), "__file__", "") or "")
    return Path(main_file).name == "voice-interviewer" or "voice_interviewer" in Path(main_file).parts
