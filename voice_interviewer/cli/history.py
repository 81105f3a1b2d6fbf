"""Commands for coming back to past sessions: sessions (list, show, replay), rescore, progress,
report and export. Parsing and rendering only; the work is in history, rescore and report."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from voice_interviewer.errors import ExitCode, UserError

if TYPE_CHECKING:
    from voice_interviewer.review.records import Placed, ProgressReport, ReplayStep, SessionRecord
    from voice_interviewer.review.rescore import SessionRescore
    from voice_interviewer.store.sessions import SessionStore

ScoresOpt = Annotated[
    str,
    typer.Option(
        "--scores",
        help="Which scorecards: latest (the newest per answer, default), original, or a re-score's name (or prefix).",
    ),
]
IdArg = Annotated[str, typer.Argument(help="A session id (see `voice-interviewer sessions`), or 'latest'.")]
SPARK = {1: "▁", 2: "▃", 3: "▅", 4: "█"}


def _store() -> SessionStore:
    from voice_interviewer.paths import data_home
    from voice_interviewer.store.sessions import SessionStore

    return SessionStore(data_home().ensure())


def _resolve(store: SessionStore, session_id: str) -> str:
    from voice_interviewer.store.sessions import validate_id

    if session_id == "latest":
        ids = store.list_ids()
        if not ids:
            raise UserError("No sessions yet. Record one with: voice-interviewer practice --demo", ExitCode.USAGE)
        return ids[0]
    return validate_id(session_id)


def _open(session_id: str) -> tuple[SessionStore, SessionRecord]:
    from voice_interviewer.review.records import open_session

    store = _store()
    return store, open_session(store, _resolve(store, session_id))


def _mmss(seconds: float | None) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}" if seconds is not None else "-"


def _day(date: str) -> str:
    """ "2026-11-27 23:15" -> "Nov 27" this year, "Nov 27 2025" otherwise (the time is in the id)."""
    try:
        d = time.strptime(date[:10], "%Y-%m-%d")
    except ValueError:
        return date
    return time.strftime("%b %d" if d.tm_year == time.localtime().tm_year else "%b %d %Y", d)


def _level(level: float | None) -> Text:
    if level is None:
        return Text("-", style="dim")
    from voice_interviewer.cli.render import LEVEL_STYLE

    return Text(f"{level:g}", style=LEVEL_STYLE.get(max(1, min(4, round(level))), ""))


def _interviewer_voice(text: str) -> np.ndarray:
    """The interviewer's voice for lines saved without audio (schema 0): espeak-ng, as pyttsx3 uses."""
    import io

    from faster_whisper.audio import decode_audio

    from voice_interviewer.tts.speaker import espeak_wav

    try:
        data = espeak_wav(text)
    except UserError:
        return np.zeros(0, dtype=np.float32)
    return np.asarray(decode_audio(io.BytesIO(data), sampling_rate=16000), dtype=np.float32)


def _play(step: ReplayStep) -> str | None:
    """Play one step through the speakers; returns why it was not played, if it was not."""
    from voice_interviewer.audio.io import write_wav
    from voice_interviewer.review.records import read_audio
    from voice_interviewer.tts.speaker import play_wav

    f = step.audio
    if f is not None and f.problem:
        return f"{f.path.name} is {f.problem}"
    if f is not None and not f.pcm:
        play_wav(f.path)
        return None
    audio = read_audio(f) if f is not None else _interviewer_voice(step.text) if step.speaker == "interviewer" else None
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


def _compact(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", box=None, padding=(0, 1), pad_edge=False)


def _print_progress(p: ProgressReport) -> None:
    from voice_interviewer.cli.app import out

    t = _compact(f"{len(p.points)} scored session(s), oldest first")
    for col in ("date", "round", "level", "words/min", "fillers/min"):
        t.add_column(col, justify="left" if col in ("date", "round") else "right", no_wrap=True)
    for pt in p.points:
        t.add_row(
            pt.date,
            pt.round,
            _level(pt.overall_level),
            f"{pt.words_per_minute:.0f}" if pt.words_per_minute is not None else "-",
            f"{pt.fillers_per_minute:.1f}" if pt.fillers_per_minute is not None else "-",
        )
    out.print(t)
    out.print()
    c = _compact("Level per criterion (1 poor .. 4 excellent; trend oldest to newest, · not asked)")
    c.add_column("criterion", ratio=1)
    for col in ("trend", "first", "latest", "recent", "answers"):
        c.add_column(col, justify="left" if col == "trend" else "right", no_wrap=True)
    for tr in sorted(p.criteria, key=lambda x: (x.recent, x.name)):
        spark = "".join(SPARK[max(1, min(4, round(v)))] if v is not None else "·" for v in tr.levels)
        c.add_row(tr.name, spark, f"{tr.seen[0]:g}", f"{tr.seen[-1]:g}", _level(tr.recent), str(len(tr.seen)))
    out.print(c)
    if p.retold:
        out.print()
        r = _compact("Questions answered more than once (first telling -> latest)")
        r.add_column("question")
        for col in ("tellings", "level", "content score"):
            r.add_column(col, justify="right", no_wrap=True)
        for q in p.retold:
            a, b = q.tellings[0], q.tellings[-1]
            r.add_row(q.question_id, str(len(q.tellings)), f"{a[1]} -> {b[1]}", f"{a[2]:.0f} -> {b[2]:.0f}")
        out.print(r)
    if p.weakest:
        out.print("\n[bold]Practise next[/] (the weakest criteria lately)")
        for i, w in enumerate(p.weakest, 1):
            rounds = sorted({q.split("/", 1)[0] for q in w.questions})
            out.print(
                f"  {i}. {w.name}: level {w.recent:.1f} over the last {min(len(w.seen), 3)} answer(s); "
                f"asked in {', '.join(w.questions[:2])}",
                highlight=False,
            )
            out.print(f"     [dim]voice-interviewer practice --round {rounds[0]}[/]", highlight=False)
    for s in p.skipped:
        out.print(f"[dim]left out: {s}[/]", highlight=False)


def _print_rescore(results: list[SessionRescore]) -> None:
    from voice_interviewer.cli.app import out

    for r in results:
        if r.path is None:
            out.print(f"[bold]{r.session_id}[/]: [yellow]not re-scored[/]", highlight=False)
        else:
            out.print(
                f"[bold]{r.session_id}[/]: {r.scored} answer(s) re-scored -> {r.path.parent.name}/{r.path.name}",
                highlight=False,
            )
        if r.criteria:
            t = _compact("")
            t.add_column("turn", justify="right")
            t.add_column("question", no_wrap=True)
            t.add_column("criterion")
            t.add_column("level", no_wrap=True)
            t.add_column("coverage", no_wrap=True)
            for c in r.criteria:
                old_l = "new" if c.old_level is None else str(c.old_level)
                old_c = "-" if c.old_coverage is None else f"{c.old_coverage:.0%}"
                arrow = (
                    ""
                    if c.old_level is None
                    else (" ↑" if c.new_level > c.old_level else " ↓" if c.new_level < c.old_level else "")
                )
                t.add_row(
                    str(c.turn),
                    c.question_id,
                    c.criterion,
                    f"{old_l} -> {c.new_level}{arrow}",
                    f"{old_c} -> {c.new_coverage:.0%}",
                )
            out.print(t)
        if r.figures:
            out.print(
                "  "
                + "; ".join(
                    f"turn {f.turn} {f.figure}: {'-' if f.old is None else f'{f.old:g}'} -> {f.new:g}"
                    for f in r.figures
                ),
                highlight=False,
                soft_wrap=True,
            )
        for turn in r.turns:
            if turn.follow_up:
                out.print(f"  turn {turn.index} follow-up: {turn.follow_up}", highlight=False, soft_wrap=True)
        if r.path is not None and not r.criteria and not r.figures:
            out.print(f"  Same figures as the latest scorecards for all {r.scored} answer(s).")
        for p in r.problems:
            out.print(f"  [yellow]![/] {p}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    from voice_interviewer.cli.app import _engines, _progress, err, handle_errors, out

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
        from voice_interviewer.review.records import list_sessions

        store = _store()
        rows = list_sessions(store, round_)
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
            status = Text(r.status, style="green" if r.status == "complete" else "yellow")
            if r.problems:
                status.append("!", style="bold red")
            if r.rescores:
                status.append(f" +{r.rescores}", style="dim")
            t.add_row(
                r.id, _day(r.date), r.round, str(r.questions), _level(r.overall_level), _mmss(r.duration_s), status
            )
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
        from voice_interviewer.review.records import display_date, select_cards, with_cards
        from voice_interviewer.session.loop import summarize

        _, rec = _open(session_id)
        s = rec.session
        if s is None:
            raise UserError(f"Session {rec.id} cannot be shown: {'; '.join(rec.problems)}.")
        cards = select_cards(rec, scores)
        out.rule(f"[bold]{s.id}[/] · {display_date(s.created, s.id)} · {s.mode} · {s.status}")
        for p in rec.problems:
            out.print(f"[red]![/] {p}", highlight=False)
        for t in s.turns:
            card = cards.get(t.index)
            label = "Interviewer" if t.kind == "question" else "Interviewer (follow-up)"
            out.print(f"\n[bold cyan]{t.index}. {label}:[/] {t.interviewer_text}", highlight=False)
            text = transcript_text(card) if card else Text(t.transcript.text if t.transcript else "(no answer)")
            out.print(Padding(Text.assemble(("Candidate: ", "bold"), text), (0, 0, 0, 3)))
            if card is None:
                out.print(
                    f"   [dim]not scored yet; score it with: voice-interviewer rescore {s.id}[/]", highlight=False
                )
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
        summ = summarize(with_cards(s, cards))
        if cards:
            out.print(f"\n[bold]Overall level {summ.get('overall_level')}[/]", highlight=False)
            for i, w in enumerate(summ.get("work_on") or [], 1):
                out.print(f"Work on next {i}: {w}", highlight=False)
        out.print(f"[dim]scores: {scores}; re-scores: {', '.join(r.name for r in rec.rescores) or 'none'}[/]")

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
        from voice_interviewer.review.records import combine, replay_plan

        _, rec = _open(session_id)
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
        audio, placed = combine(steps, _interviewer_voice)
        if audio.size == 0:
            raise UserError(f"Session {rec.id} has no playable audio: {'; '.join(rec.problems) or 'no recordings'}.")
        from voice_interviewer.audio.io import write_wav

        write_wav(out_file, audio)
        for p in placed:
            _say(p.step, p)
        n = sum(p.start_s is not None for p in placed)
        out.print(
            f"\nWrote {out_file} ({_mmss(audio.size / 16000)}, 16 kHz mono, {n} lines with 0.5 s between them).",
            highlight=False,
        )

    def _say(step: ReplayStep, placed: Placed | None) -> None:
        when = ""
        if placed is not None:
            when = f"[dim][{_mmss(placed.start_s)}][/] " if placed.start_s is not None else "[dim][ -- ][/] "
        who = "Interviewer" if step.speaker == "interviewer" else "Candidate"
        style = "bold cyan" if step.speaker == "interviewer" else "bold"
        out.print(f"{when}[{style}]{step.turn}. {who}:[/] {step.text or '(no transcript)'}", highlight=False)
        if placed is not None and placed.note:
            out.print(f"   [dim]({placed.note})[/]", highlight=False)

    @app.command(rich_help_panel="Come back")
    @handle_errors
    def rescore(
        session_id: Annotated[str | None, typer.Argument(help="A session id, or 'latest'.", show_default=False)] = None,
        all_: Annotated[bool, typer.Option("--all", help="Re-score every session.")] = False,
        stt_model: Annotated[
            str, typer.Option("--stt-model", help="tiny.en (default), base, a model folder or a faster-whisper name.")
        ] = "tiny.en",
        rubric_version: Annotated[
            str | None, typer.Option("--rubric-version", help="Insist on this rubric version (default: installed).")
        ] = None,
        llm: Annotated[
            str | None,
            typer.Option("--llm", help="Also ask this interviewer (local or provider:model) for its follow-up."),
        ] = None,
        device: Annotated[str, typer.Option("--device", help="cpu, cuda or auto.")] = "auto",
        as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
    ) -> None:
        """Transcribe and score saved answers again; old scorecards stay, the change is shown.

        Examples:

          voice-interviewer rescore latest

          voice-interviewer rescore --all --stt-model base
        """
        from voice_interviewer.review.rescore import RescoreOptions, Scorer, build_follow_ups, make_runner, plan_batch
        from voice_interviewer.review.rescore import rescore as run_rescore

        if (session_id is None) == (not all_):
            raise UserError("Give a session id or --all (not both).", ExitCode.USAGE)
        store = _store()
        ids = store.list_ids() if all_ else [_resolve(store, session_id or "")]
        if not ids:
            raise UserError(
                "No sessions to re-score. Record one with: voice-interviewer practice --demo", ExitCode.USAGE
            )
        opts = RescoreOptions(stt_model=stt_model, rubric_version=rubric_version, llm=llm)
        planned = plan_batch(store, ids, opts)
        jobs = planned[1]
        from voice_interviewer.paths import data_home

        home = data_home().ensure()
        runner, how = make_runner(
            opts, device, jobs, home, lambda track: Scorer.from_engines(_engines(stt_model, device, track))
        )
        follow = None
        if llm:
            from voice_interviewer.models import Checksums

            follow = build_follow_ups(llm, Checksums(home))
        err.print(f"[dim]Re-scoring {len(jobs)} answer(s) from {len(ids)} session(s) {how}.[/]")
        with _progress() as prog:
            task = prog.add_task("Re-scoring", total=max(len(jobs), 1))

            def tick(done: int, total: int, what: str) -> None:
                prog.update(task, completed=done, total=total, description=f"Re-scoring {what}")

            results = run_rescore(store, ids, runner, opts, tick, follow, planned=planned)
        if as_json:
            from voice_interviewer.review.rescore import results_json

            sys.stdout.write(results_json(results) + "\n")
        else:
            _print_rescore(results)
        if not any(r.path for r in results):
            raise typer.Exit(int(ExitCode.BAD_INPUT))

    @app.command(rich_help_panel="Come back")
    @handle_errors
    def progress(
        round_: Annotated[str | None, typer.Option("--round", "-r", help="Only sessions of this round.")] = None,
        scores: Annotated[
            str, typer.Option("--scores", help="latest (the newest scorecard per answer, default) or original.")
        ] = "latest",
        as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    ) -> None:
        """Trends across sessions: level per criterion, words and fillers a minute, what to practise next."""
        from dataclasses import asdict

        from voice_interviewer.review.records import progress_for_store

        p = progress_for_store(_store(), round_, scores)
        if as_json:
            body = asdict(p)
            body["weakest"] = [w.name for w in p.weakest]
            sys.stdout.write(json.dumps(body, indent=1) + "\n")
            return
        if not p.points:
            out.print(
                "No scored sessions" + (f" of round {round_}" if round_ else "") + " yet. "
                "Record one with: voice-interviewer practice --demo"
            )
            for s in p.skipped:
                out.print(f"[dim]left out: {s}[/]", highlight=False)
            return
        _print_progress(p)

    @app.command(rich_help_panel="Come back")
    @handle_errors
    def report(
        session_id: IdArg,
        html: Annotated[Path, typer.Option("--html", help="Where to write the page, e.g. report.html.")] = ...,  # type: ignore[assignment]
        scores: ScoresOpt = "latest",
    ) -> None:
        """A self-contained HTML page: transcript, evidence, missed points, timeline, pace, trend.

        Example: voice-interviewer report latest --html report.html
        """
        from voice_interviewer.review.records import progress as progress_of
        from voice_interviewer.review.records import scan, select_cards
        from voice_interviewer.review.report import render_report

        store, rec = _open(session_id)
        cards = select_cards(rec, scores)
        s = rec.session
        others = [r for r in scan(store) if r.session is not None and s is not None and r.session.round == s.round]
        trend = progress_of([(r, select_cards(r)) for r in others], s.round if s else None)
        page = render_report(rec, cards, trend, scores)
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
        out.print(f"Wrote {html} ({len(page.encode()) / 1024:.0f} KB); open it in any browser.", highlight=False)

    @app.command(rich_help_panel="Come back")
    @handle_errors
    def export(
        session_id: IdArg,
        fmt: Annotated[str, typer.Option("--format", "-f", help="json, csv or md.")] = "json",
        out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file (default: print).")] = None,
        scores: ScoresOpt = "latest",
    ) -> None:
        """A session with its scores as JSON, CSV (one row per answer) or Markdown."""
        from voice_interviewer.review.records import export_csv, export_json, export_md, select_cards

        if fmt not in ("json", "csv", "md"):
            raise UserError(f"--format must be json, csv or md, not {fmt!r}.", ExitCode.USAGE)
        _, rec = _open(session_id)
        cards = select_cards(rec, scores)
        text = (
            export_json(rec, cards, scores)
            if fmt == "json"
            else export_csv(rec, cards)
            if fmt == "csv"
            else export_md(rec, cards)
        )
        if out_file is None:
            sys.stdout.write(text)
        else:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(text, encoding="utf-8")
            err.print(f"Wrote {out_file}.")
