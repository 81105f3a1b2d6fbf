"""The ``sessions`` commands: list past sessions, show one with its scores, replay it.
Parsing and rendering only; the work is in :mod:`voice_interviewer.review`."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from voice_interviewer.cli.app import app, handle_errors, out, output_file, write_output
from voice_interviewer.cli.render import day, level_text, mmss
from voice_interviewer.errors import ExitCode, UserError

if TYPE_CHECKING:
    from voice_interviewer.review.records import SessionRecord
    from voice_interviewer.review.replay import Placed, ReplayStep
    from voice_interviewer.store.sessions import SessionStore

ScoresOpt = Annotated[
    str,
    typer.Option(
        "--scores",
        help="Which scorecards: latest (the newest per answer, default), original, or a re-score's name (or prefix).",
    ),
]
IdArg = Annotated[str, typer.Argument(help="A session id (see `voice-interviewer sessions`), or 'latest'.")]


def open_store() -> SessionStore:
    from voice_interviewer.paths import data_home
    from voice_interviewer.store.sessions import SessionStore

    return SessionStore(data_home().ensure())


def open_record(session_id: str) -> tuple[SessionStore, SessionRecord]:
    """The store and the session ``session_id`` (or ``latest``) as read from it."""
    from voice_interviewer.review.records import open_session, resolve_id

    store = open_store()
    return store, open_session(store, resolve_id(store, session_id))


def _play(step: ReplayStep) -> str | None:
    """Play one step through the speakers; returns why it was not played, if it was not."""
    from voice_interviewer.audio.io import write_wav
    from voice_interviewer.engines import line_voice
    from voice_interviewer.review.records import read_audio
    from voice_interviewer.tts.speaker import play_wav

    f = step.audio
    if f is not None and f.problem:
        return f"{f.path.name} is {f.problem}"
    if f is not None and not f.pcm:
        play_wav(f.path)
        return None
    audio = read_audio(f) if f is not None else line_voice(step.text) if step.speaker == "interviewer" else None
    if audio is None or audio.size == 0:
        return "no recording"
    with tempfile.TemporaryDirectory() as tmp:
        write_wav(Path(tmp) / "line.wav", audio)
        play_wav(Path(tmp) / "line.wav")
    return None


def _has_output() -> bool:
    from voice_interviewer.audio.devices import has_output, list_devices

    try:
        return has_output(list_devices())
    except UserError:  # PortAudio missing or failing: nothing to play on
        return False


sessions_app = typer.Typer(
    help="Past sessions: list them (the default), show one with its scores, replay it.\n\n"
    "Examples:\n\n  voice-interviewer sessions\n\n  voice-interviewer sessions show latest\n\n"
    "  voice-interviewer sessions replay 20261127-231500-phone-screen --out replay.wav",
    invoke_without_command=True,
)
app.add_typer(sessions_app, name="sessions", rich_help_panel="Come back")


@sessions_app.callback()
@handle_errors
def sessions_list(
    ctx: typer.Context,
    round_: Annotated[str | None, typer.Option("--round", "-r", help="Only this round.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List sessions: date, round, questions, overall level, duration, and any problem."""
    if ctx.invoked_subcommand is not None:
        return
    from voice_interviewer.cli.review import review_embedder
    from voice_interviewer.review.records import list_sessions

    store = open_store()
    rows = list_sessions(store, round_, review_embedder())  # each question's level over its whole exchange
    if round_ and not rows:
        check_round(round_)
    if as_json:
        sys.stdout.write(json.dumps([r.__dict__ for r in rows], indent=1) + "\n")
        return
    if not rows:
        out.print(f"No sessions in {store.root} yet. Record one with: voice-interviewer practice --demo")
        return
    t = Table(title=f"Sessions in {store.root}", title_justify="left", box=None, padding=(0, 1), pad_edge=False)
    t.add_column("id", no_wrap=True, style="cyan")
    t.add_column("date", no_wrap=True)
    t.add_column("round", no_wrap=True)
    t.add_column("qs", justify="right")
    t.add_column("lvl", justify="right")
    t.add_column("time", justify="right")
    t.add_column("status")
    for r in rows:
        status = Text(r.status, style={"complete": "green", "running": "cyan"}.get(r.status, "yellow"))
        if r.problems:
            status.append("!", style="bold red")
        if r.rescores:
            status.append(f" +{r.rescores}", style="dim")
        t.add_row(r.id, day(r.date), r.round, str(r.questions), level_text(r.overall_level), mmss(r.duration_s), status)
    out.print(t)
    damaged = [r for r in rows if r.problems]
    if damaged:
        out.print("[bold red]![/] [bold]Problems[/] (what can still be read is shown, replayed and re-scored):")
        for r in damaged:
            for p in r.problems:
                out.print(f"  [cyan]{r.id}[/]: {p}", highlight=False, soft_wrap=True)
    out.print(
        "[dim]qs: questions asked; lvl: overall level 1-4 (latest scores); time: interviewer and answers; "
        "+N: re-scores kept beside the original scores[/]"
    )
    out.print("[dim]Show one: voice-interviewer sessions show ID · hear it: sessions replay ID[/]")


@sessions_app.command("show")
@handle_errors
def sessions_show(
    session_id: IdArg,
    scores: ScoresOpt = "latest",
    full: Annotated[bool, typer.Option("--full", help="Print every scorecard in full.")] = False,
) -> None:
    """The transcript of a session, turn by turn, with its scores."""
    from voice_interviewer.cli.render import scorecard as render_card
    from voice_interviewer.cli.render import transcript_text
    from voice_interviewer.cli.review import review_embedder
    from voice_interviewer.review.records import display_date, select_cards, summary_of

    _, rec = open_record(session_id)
    s = rec.session
    if s is None:
        raise UserError(f"Session {rec.id} cannot be shown: {'; '.join(rec.problems)}.")
    cards = select_cards(rec, scores)
    running = rec.owner is not None and s.status == "in-progress"
    out.rule(f"[bold]{s.id}[/] · {display_date(s.created, s.id)} · {s.mode} · {'running' if running else s.status}")
    if rec.owner is not None and running:
        out.print(f"[cyan]Running:[/] {rec.owner.describe()} is recording it; what it saved so far:", highlight=False)
    for p in rec.problems:
        out.print(f"[red]![/] {p}", highlight=False)
    for t in s.turns:
        card = cards.get(t.index)
        label = "Interviewer" if t.kind == "question" else "Interviewer (follow-up)"
        out.print(f"\n[bold cyan]{t.index}. {label}:[/] {t.interviewer_text}", highlight=False)
        text = transcript_text(card) if card else Text(t.transcript.text if t.transcript else "(no answer)")
        out.print(Padding(Text.assemble(("Candidate: ", "bold"), text), (0, 0, 0, 3)))
        if card is None:
            out.print(f"   [dim]not scored yet; score it with: voice-interviewer rescore {s.id}[/]", highlight=False)
            continue
        if full:
            out.print(Padding(render_card(card), (0, 0, 0, 3)))
            continue
        c, d = card.content, card.delivery
        facts = [f"content {c.score:.0f}/100, level {c.level} {c.level_name}"]
        if card.transcript.source == "audio":
            facts.append(
                f"{d.words_per_minute:.0f} words/min, {d.fillers_per_minute:.1f} fillers/min, "
                f"{len(d.long_pauses)} long pauses"
            )
        facts += [f"{cr.name}: {cr.level}" for cr in c.criteria]
        out.print(Padding(Text(" · ".join(facts), style="dim"), (0, 0, 0, 3)), highlight=False)
        missed = [pt.text for cr in c.criteria for pt in cr.missed]
        for m in missed:
            out.print(Padding(Text.assemble(("✗ ", "red"), m), (0, 0, 0, 3)))
    summ = summary_of(s, cards, review_embedder())
    if cards:
        for qid, q in summ.questions.items():
            out.print(f"\n[bold]{qid}[/]: level {q.level_text}", highlight=False)
            for p in q.prompted:
                out.print(Padding(Text.assemble(("↪ ", "yellow"), p, (" (after a follow-up)", "dim")), (0, 0, 0, 3)))
            for m in q.missed:
                out.print(Padding(Text.assemble(("✗ ", "red"), m), (0, 0, 0, 3)))
        out.print(f"\n[bold]Overall level {summ.overall_level}[/]", highlight=False)
        for i, w in enumerate(summ.work_on, 1):
            out.print(f"Work on next {i}: {w}", highlight=False)
    out.print(f"[dim]scores: {scores}; re-scores: {', '.join(r.name for r in rec.rescores) or 'none'}[/]")


def check_round(round_: str) -> None:
    """A round with no sessions: a usage error when the track has no such round (a misspelling), not
    "no sessions yet"."""
    from voice_interviewer.track.rubric import load_track

    load_track().check_round(round_)


@sessions_app.command("replay")
@handle_errors
def sessions_replay(
    session_id: IdArg,
    turn: Annotated[int | None, typer.Option("--turn", "-t", min=1, help="Only this turn.")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write one 16 kHz WAV of the replay instead of playing it.")
    ] = None,
) -> None:
    """Hear a session again: the interviewer's lines and the answers in order, with the transcript.

    Examples:

      voice-interviewer sessions replay latest

      voice-interviewer sessions replay 20261127-231500-phone-screen --turn 2 --out turn2.wav
    """
    from voice_interviewer.engines import line_voice
    from voice_interviewer.review.replay import combine, replay_plan

    if out_file is not None:
        output_file(out_file, "--out", (".wav",))
    _, rec = open_record(session_id)
    steps = replay_plan(rec, turn)
    if out_file is None:
        if not _has_output():
            raise UserError(
                f"No audio output device here, so the replay cannot be played; write it to a file instead: "
                f"voice-interviewer sessions replay {rec.id}{f' --turn {turn}' if turn else ''} --out replay.wav",
                ExitCode.DEVICE,
            )
        for step in steps:
            _say(step, None)
            why = _play(step)
            if why:
                out.print(f"   [dim]({why})[/]")
        return
    audio, placed = combine(steps, line_voice)
    if audio.size == 0:
        raise UserError(f"Session {rec.id} has no playable audio: {'; '.join(rec.problems) or 'no recordings'}.")
    from voice_interviewer.audio.io import write_wav

    write_output(out_file, "--out", lambda path: write_wav(path, audio))
    for p in placed:
        _say(p.step, p)
    n = sum(p.start_s is not None for p in placed)
    out.print(
        f"\nWrote {out_file} ({mmss(audio.size / 16000)}, 16 kHz mono, {n} lines with 0.5 s between them).",
        highlight=False,
    )


def _say(step: ReplayStep, placed: Placed | None) -> None:
    when = ""
    if placed is not None:
        when = f"[dim][{mmss(placed.start_s)}][/] " if placed.start_s is not None else "[dim][ -- ][/] "
    who = "Interviewer" if step.speaker == "interviewer" else "Candidate"
    style = "bold cyan" if step.speaker == "interviewer" else "bold"
    out.print(f"{when}[{style}]{step.turn}. {who}:[/] {step.text or '(no transcript)'}", highlight=False)
    if placed is not None and placed.note:
        out.print(f"   [dim]({placed.note})[/]", highlight=False)
