"""`score`, `questions` and `demo`: one answer against its rubric, the question list, bundled samples."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from voice_interviewer.cli.app import DeviceOpt, SttOpt, TrackOpt, _engines, _progress, app, err, handle_errors, out
from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.session.typed import read_text_argument


@app.command(rich_help_panel="Score")
@handle_errors
def score(
    answer: Annotated[
        Path | None, typer.Argument(help="The recorded answer: wav, flac, mp3, ogg, m4a...", show_default=False)
    ] = None,
    question: Annotated[
        str, typer.Option("--question", "-q", help="A question id (see `questions`), or the question's text.")
    ] = ...,  # type: ignore[assignment]
    text: Annotated[
        str | None,
        typer.Option("--text", help="Score a typed answer instead of audio ('-': from stdin, @FILE: from a file)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON.")] = False,
    stt_model: SttOpt = "tiny.en",
    device: DeviceOpt = "auto",
    track: TrackOpt = None,
) -> None:
    """Score one answer against its rubric: transcript with word timings, content and delivery.

    Examples:

      voice-interviewer score answer.wav -q phone-screen/precision-recall

      voice-interviewer score --text "Precision is..." -q phone-screen/precision-recall --json
    """
    from voice_interviewer import api

    if (answer is None) == (text is None):
        raise UserError("Give either an audio file or --text, not both and not neither.", ExitCode.USAGE)
    eng = _engines(stt_model, device, track)
    if text is not None:
        card = api.score_text(eng, read_text_argument(text), question)
    else:
        assert answer is not None
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


@app.command(rich_help_panel="Score")
@handle_errors
def questions(
    round_: Annotated[str | None, typer.Option("--round", "-r", help="Only this round, e.g. phone-screen.")] = None,
    track: TrackOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the question ids and what the interviewer asks."""
    from voice_interviewer.track.rubric import load_track

    t = load_track(track)
    if round_:
        t.check_round(round_)
    rows = [
        (qid, r.round.round, q.prompt) for qid, (q, r) in t.questions.items() if not round_ or r.round.round == round_
    ]
    if as_json:
        out.print_json(json.dumps([{"id": a, "round": b, "prompt": c} for a, b, c in rows]))
        return
    table = Table(title=f"{t.name} questions", show_lines=False)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("asks")
    for qid, _, prompt in rows:
        table.add_row(qid, prompt)
    out.print(table)


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
    from voice_interviewer import api
    from voice_interviewer.cli.render import print_scorecard
    from voice_interviewer.session.demo import demo_answers

    eng = _engines(stt_model, device)
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
