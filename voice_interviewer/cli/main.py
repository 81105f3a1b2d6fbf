"""The top-level commands: practice, score, questions, doctor, demo, knowledge, devices."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from voice_interviewer import __version__
from voice_interviewer.cli.app import DeviceOpt, SttOpt, TrackOpt, _engines, _progress, app, err, handle_errors, out
from voice_interviewer.errors import ExitCode, UserError


def version_callback(value: bool) -> None:
    if value:
        out.print(f"voice-interviewer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """A spoken mock-interview coach."""


@app.command(rich_help_panel="Practise")
@handle_errors
def practice(
    round_: Annotated[
        str,
        typer.Option(
            "--round", "-r", help="phone-screen, coding-discussion, ml-system-design, experimentation or behavioral."
        ),
    ] = "phone-screen",
    n_questions: Annotated[int, typer.Option("--questions", "-n", min=1, help="How many questions.")] = 3,
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
        float, typer.Option("--end-silence", min=0.8, max=15, help="Seconds of silence that end an answer.")
    ] = 2.5,
    llm: Annotated[
        str, typer.Option("--llm", help="'local' (SmolLM2 via llama.cpp) or provider:model, e.g. ollama:qwen2.5:7b.")
    ] = "local",
    llm_timeout: Annotated[
        float, typer.Option("--llm-timeout", help="Seconds to wait for a follow-up before using the rubric's probe.")
    ] = 20.0,
    voice: Annotated[str | None, typer.Option("--voice", help="pyttsx3 voice id for the interviewer.")] = None,
    rate: Annotated[int, typer.Option("--rate", help="Interviewer speaking rate (words a minute).")] = 175,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Do not play the interviewer's voice (lines are still saved).")
    ] = False,
    realtime: Annotated[
        bool, typer.Option("--realtime", help="Demo: feed the synthesized answer at speaking pace.")
    ] = False,
    resume: Annotated[str | None, typer.Option("--resume", help="Continue an interrupted session by id.")] = None,
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

      voice-interviewer practice --demo            (no microphone needed)

      voice-interviewer practice --text --llm ollama:qwen2.5:7b
    """
    from voice_interviewer.cli.ui import RichSessionUI
    from voice_interviewer.session.practice import PracticeOptions, run_practice

    if demo_mode and text_mode:
        raise UserError("Choose --demo or --text, not both.", ExitCode.USAGE)
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
        llm=llm,
        llm_timeout_s=llm_timeout,
        voice=voice,
        rate=rate,
        speak=not quiet,
        realtime_demo=realtime,
        resume=resume,
    )
    ui = RichSessionUI(out)
    try:
        session, folder = run_practice(_engines(stt_model, device, chroma_url=chroma_url, llm=llm), opts, ui)
    except KeyboardInterrupt:
        err.print(
            "[yellow]Stopped.[/] Every finished answer and the audio of the one in progress are saved; "
            "resume with: voice-interviewer practice --resume <id> (see `voice-interviewer sessions`)."
        )
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    ui.summary(session, folder)


@app.command(rich_help_panel="Score")
@handle_errors
def score(
    answer: Annotated[
        Path | None, typer.Argument(help="The recorded answer: wav, flac, mp3, ogg, m4a...", show_default=False)
    ] = None,
    question: Annotated[
        str, typer.Option("--question", "-q", help="A question id (see `questions`), or the question's text.")
    ] = ...,  # type: ignore[assignment]
    text: Annotated[str | None, typer.Option("--text", help="Score a typed answer instead of audio.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON.")] = False,
    stt_model: SttOpt = "tiny.en",
    device: DeviceOpt = "auto",
    track: TrackOpt = "netflix-mle",
) -> None:
    """Score one answer against its rubric: transcript with word timings, content and delivery.

    Examples:

      voice-interviewer score answer.wav -q phone-screen/precision-recall

      voice-interviewer score --text "Precision is..." -q phone-screen/precision-recall --json
    """
    if (answer is None) == (text is None):
        raise UserError("Give either an audio file or --text, not both and not neither.", ExitCode.USAGE)
    eng = _engines(stt_model, device, track)
    if text is not None:
        card = _api().score_text(eng, text, question)
    else:
        assert answer is not None
        api = _api()
        api.resolve_question(eng, question)
        with _progress() as prog:
            task = prog.add_task("Transcribing", total=None)

            def tick(done: float, total: float) -> None:
                prog.update(task, completed=done, total=total)

            transcript = api.transcribe_file(eng, answer, tick)
        card = api.score_transcript(eng, transcript, question)
    if as_json:
        out.print_json(card.model_dump_json())
    else:
        from voice_interviewer.cli.render import print_scorecard

        print_scorecard(out, card)


def _api() -> Any:
    from voice_interviewer import api

    return api


@app.command(rich_help_panel="Score")
@handle_errors
def questions(
    round_: Annotated[str | None, typer.Option("--round", "-r", help="Only this round, e.g. phone-screen.")] = None,
    track: TrackOpt = "netflix-mle",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the question ids and what the interviewer asks."""
    from voice_interviewer.track.rubric import load_track

    t = load_track(track)
    if round_ and round_ not in t.rounds:
        raise UserError(f"Unknown round {round_!r}; rounds: {', '.join(sorted(t.rounds))}.", ExitCode.USAGE)
    rows = [
        (qid, r.round.round, q.prompt) for qid, (q, r) in t.questions.items() if not round_ or r.round.round == round_
    ]
    if as_json:
        out.print_json(json.dumps([{"id": a, "round": b, "prompt": c} for a, b, c in rows]))
        return
    table = Table(title=f"{track} questions", show_lines=False)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("asks")
    for qid, _, prompt in rows:
        table.add_row(qid, prompt)
    out.print(table)


@app.command(rich_help_panel="Set up")
@handle_errors
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    brief: Annotated[bool, typer.Option("--brief", help="Short table: details only for what is not OK.")] = False,
) -> None:
    """Check each part (audio devices, speech model, embeddings, Chroma, LLM, speech output)."""
    from voice_interviewer.doctor import run_checks

    checks = run_checks(_engines())
    if as_json:
        out.print_json(json.dumps([c.__dict__ for c in checks]))
    else:
        table = Table(title="Readiness" if brief else "voice-interviewer doctor")
        table.add_column("part")
        table.add_column("status")
        table.add_column("detail / what to do")
        for c in checks:
            table.add_row(
                c.part,
                "[green]OK[/]" if c.ok else ("[yellow]none[/]" if c.optional else "[red]missing[/]"),
                "" if brief and c.ok else c.detail,
            )
        out.print(table)
    if any(not c.ok and not c.optional for c in checks):
        raise typer.Exit(int(ExitCode.MISSING_MODEL))


@app.command(rich_help_panel="Score")
@handle_errors
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecards as JSON lines.")] = False,
    round_: Annotated[str | None, typer.Option("--round", "-r", help="Only this round's samples.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many sample answers.")] = 3,
    stt_model: SttOpt = "tiny.en",
    device: DeviceOpt = "auto",
) -> None:
    """Score bundled sample answers, synthesized to speech and transcribed like a real answer."""
    from voice_interviewer.cli.render import print_scorecard
    from voice_interviewer.session.demo import demo_answers

    eng = _engines(stt_model, device)
    api = _api()
    for item in demo_answers(eng, round_, limit, notify=lambda m: err.print(f"[dim]{m}[/]")):
        transcript = eng.transcriber.transcribe(item.audio)
        card = api.score_transcript(eng, transcript, item.question_id)
        if as_json:
            sys.stdout.write(card.model_dump_json() + "\n")
        else:
            out.rule(f"[bold]{item.question_id}[/] ({item.kind} sample answer, synthesized speech)")
            print_scorecard(out, card)
    if not as_json:
        out.print("\nPractise for real: [bold]voice-interviewer score my-answer.wav -q phone-screen/bias-variance[/]")


knowledge_app = typer.Typer(help="Rubrics and notes in Chroma: index, search, add your own.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge", rich_help_panel="Knowledge")
ChromaOpt = Annotated[
    str | None,
    typer.Option(
        "--chroma-url", envvar="VOICE_INTERVIEWER_CHROMA_URL", help="A Chroma server, e.g. http://localhost:8000."
    ),
]


@knowledge_app.command("index")
@handle_errors
def knowledge_index(chroma_url: ChromaOpt = None) -> None:
    """Index the rubrics and knowledge notes (unchanged files are skipped)."""
    from voice_interviewer.retrieval.index import build_index

    eng = _engines(chroma_url=chroma_url)
    with _progress() as prog:
        task = prog.add_task("Indexing", total=None)

        def tick(src: str, n: int, total: int) -> None:
            prog.update(task, completed=n, total=total, description=f"Indexing {src}")

        rep = build_index(eng, tick)
    out.print(f"Indexed {rep.sources} sources ({rep.chunks} chunks); {rep.updated} changed since the last run.")


@knowledge_app.command("search")
@handle_errors
def knowledge_search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 5,
    round_: Annotated[str | None, typer.Option("--round", "-r", help="Prefer chunks of this round.")] = None,
    chroma_url: ChromaOpt = None,
) -> None:
    """Ranked chunks with their source and similarity.

    Example: voice-interviewer knowledge search "how to question a metric"
    """
    from voice_interviewer.retrieval.index import search

    hits = search(_engines(chroma_url=chroma_url), query, k, round_)
    table = Table(title=f"\u201c{query}\u201d", show_lines=True)
    table.add_column("score", justify="right")
    table.add_column("source", style="cyan")
    table.add_column("text")
    for h in hits:
        table.add_row(f"{h.score:.2f}", f"{h.source}\n{h.heading}", h.text[:400])
    out.print(table)


@knowledge_app.command("add")
@handle_errors
def knowledge_add(
    files: Annotated[list[Path], typer.Argument(help="Markdown or text files: your notes, resume, the job post.")],
    chroma_url: ChromaOpt = None,
) -> None:
    """Add your own notes; follow-ups and behavioral prompts can draw on them."""
    from voice_interviewer.retrieval.index import add_notes

    for f, n in add_notes(_engines(chroma_url=chroma_url), files):
        out.print(f"Added {f} ({n} chunks).")


@app.command(rich_help_panel="Set up")
@handle_errors
def devices() -> None:
    """List audio devices (use the index with --input-device / --output-device)."""
    from voice_interviewer.audio.devices import list_devices

    devs = list_devices()
    table = Table(title="Audio devices")
    for col in ("#", "name", "in", "out", "rate", "default"):
        table.add_column(col)
    for d in devs:
        dflt = " ".join(x for x, on in (("input", d.is_default_input), ("output", d.is_default_output)) if on)
        table.add_row(str(d.index), d.name, str(d.inputs), str(d.outputs), f"{d.default_rate:.0f}", dflt)
    out.print(table if devs else "No audio devices found (no sound card, or PortAudio sees none).")


if __name__ == "__main__":  # pragma: no cover
    app()
