"""The commands that look back over sessions: rescore, progress, report and export.
Parsing and rendering only; the work is in :mod:`voice_interviewer.review`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.padding import Padding
from rich.text import Text

from voice_interviewer.cli.app import _engines, _progress, app, err, handle_errors, out, output_file, write_output
from voice_interviewer.cli.render import compact_table, level_text
from voice_interviewer.cli.sessions import IdArg, ScoresOpt, check_round, open_record, open_store
from voice_interviewer.errors import ExitCode, UserError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from voice_interviewer.review.progress import ProgressReport
    from voice_interviewer.review.rescore import SessionRescore
    from voice_interviewer.scoring.content import Embedder

SPARK = {1: "▁", 2: "▃", 3: "▅", 4: "█"}


def _print_progress(p: ProgressReport) -> None:
    from voice_interviewer.cli.app import out

    t = compact_table(f"{len(p.points)} scored session(s), oldest first")
    for col in ("date", "round", "level", "words/min", "fillers/min"):
        t.add_column(col, justify="left" if col in ("date", "round") else "right", no_wrap=True)
    for pt in p.points:
        t.add_row(
            pt.date,
            pt.round,
            level_text(pt.overall_level),
            f"{pt.words_per_minute:.0f}" if pt.words_per_minute is not None else "-",
            f"{pt.fillers_per_minute:.1f}" if pt.fillers_per_minute is not None else "-",
        )
    out.print(t)
    out.print()
    c = compact_table("Level per criterion (1 poor .. 4 excellent; trend oldest to newest, · not asked)")
    c.add_column("criterion", ratio=1)
    for col in ("trend", "first", "latest", "recent", "answers"):
        c.add_column(col, justify="left" if col == "trend" else "right", no_wrap=True)
    for tr in sorted(p.criteria, key=lambda x: (x.recent, x.name)):
        spark = "".join(SPARK[max(1, min(4, round(v)))] if v is not None else "·" for v in tr.levels)
        c.add_row(tr.name, spark, f"{tr.seen[0]:g}", f"{tr.seen[-1]:g}", level_text(tr.recent), str(len(tr.seen)))
    out.print(c)
    if p.retold:
        out.print()
        r = compact_table("Questions answered more than once (first telling -> latest)")
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
    elif p.criteria:
        out.print("\n[bold]Practise next[/]: every criterion is at level 4 lately; try a round you have not practised.")
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
            t = compact_table("")
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
        for q in r.questions:
            old = "new" if q.old_level is None else str(q.old_level)
            line = f"  {q.question_id}: level {old} -> {q.new_level} over the whole exchange"
            if q.prompted:
                line += f"; {len(q.prompted)} key point(s) only after a follow-up:"
            out.print(line, highlight=False, soft_wrap=True)
            for point in q.prompted:  # one a line: they are whole sentences
                out.print(Padding(Text.assemble(("↪ ", "yellow"), point), (0, 0, 0, 4)))
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
    from voice_interviewer.review.records import resolve_id
    from voice_interviewer.review.rescore import RescoreOptions, plan_batch
    from voice_interviewer.review.rescore import rescore as run_rescore
    from voice_interviewer.review.runners import make_runner
    from voice_interviewer.store.lock import is_owned

    if (session_id is None) == (not all_):
        raise UserError("Give a session id or --all (not both).", ExitCode.USAGE)
    store = open_store()
    ids = store.list_ids() if all_ else [resolve_id(store, session_id or "")]
    if not ids:
        raise UserError("No sessions to re-score. Record one with: voice-interviewer practice --demo", ExitCode.USAGE)
    busy = [i for i in ids if is_owned(store.folder(i))]  # still being recorded: its files are changing
    if busy and not all_:
        raise UserError(
            f"Session {busy[0]} is still being recorded by another voice-interviewer; re-score it when that "
            "run has finished.",
            ExitCode.USAGE,
        )
    if busy:
        err.print(f"[dim]Left out, still being recorded: {', '.join(busy)}[/]")
        ids = [i for i in ids if i not in busy]
    from voice_interviewer.paths import data_home

    home = data_home().ensure()
    from voice_interviewer.models import Checksums

    if stt_model:  # an unknown or missing model fails here, before anything is written
        from voice_interviewer.stt.placement import resolve_model

        resolve_model(stt_model, home, Checksums(home))
    opts = RescoreOptions(stt_model=stt_model, rubric_version=rubric_version, llm=llm)
    planned = plan_batch(store, ids, opts)
    jobs = planned[1]
    runner, how = make_runner(opts, device, jobs, home, lambda track: _engines(stt_model, device, track))
    follow = None
    if llm:
        from voice_interviewer.engines import llm_follow_ups

        follow = llm_follow_ups(llm, Checksums(home))
    err.print(f"[dim]Re-scoring {len(jobs)} answer(s) from {len(ids)} session(s) {how}.[/]")
    with _progress() as prog:
        task = prog.add_task("Re-scoring", total=max(len(jobs), 1))

        def tick(done: int, total: int, what: str) -> None:
            prog.update(task, completed=done, total=total, description=f"Re-scoring {what}")

        results = run_rescore(store, ids, runner, opts, tick, follow, planned=planned, embedder=review_embedder())
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

    from voice_interviewer.review.progress import progress_for_store

    p = progress_for_store(open_store(), round_, scores, review_embedder())
    if as_json:
        body = asdict(p)
        body["weakest"] = [w.name for w in p.weakest]
        sys.stdout.write(json.dumps(body, indent=1) + "\n")
        return
    if not p.points:
        if round_:
            check_round(round_)
        out.print(
            "No scored sessions" + (f" of round {round_}" if round_ else "") + " yet. "
            "Record one with: voice-interviewer practice --demo"
        )
        for s in p.skipped:
            out.print(f"[dim]left out: {s}[/]", highlight=False)
        return
    _print_progress(p)


class _LazyEmbedder:
    """The scoring embedder, loaded only when an exchange of answers scored with meaning is combined."""

    def __init__(self) -> None:
        self._loaded: Embedder | None = None
        self.name = "all-MiniLM-L6-v2-int8"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._loaded is None:
            loaded = _engines().embedder
            if loaded is None:
                raise UserError(
                    "These answers were scored with embeddings, which are turned off in the settings; turn them "
                    "on (voice-interviewer config) to see their levels over the whole exchange."
                )
            self._loaded = loaded
        return self._loaded.embed(texts)


def review_embedder() -> Embedder:
    """The embedder for whole-exchange levels, loaded only the first time an exchange of answers
    scored with meaning is combined (answers scored without it are combined without it)."""
    return _LazyEmbedder()


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
    from voice_interviewer.review.progress import progress as progress_of
    from voice_interviewer.review.records import scan, select_cards
    from voice_interviewer.review.report import render_report

    output_file(html, "--html", (".html", ".htm"))
    store, rec = open_record(session_id)
    cards = select_cards(rec, scores)
    s = rec.session
    others = [r for r in scan(store) if r.session is not None and s is not None and r.session.round == s.round]
    embedder = review_embedder()
    trend = progress_of([(r, select_cards(r)) for r in others], s.round if s else None, embedder=embedder)
    page = render_report(rec, cards, trend, scores, embedder)
    write_output(html, "--html", lambda path: path.write_text(page, encoding="utf-8"))
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
    from voice_interviewer.review.export import export_csv, export_json, export_md
    from voice_interviewer.review.records import select_cards

    if fmt not in ("json", "csv", "md"):
        raise UserError(f"--format must be json, csv or md, not {fmt!r}.", ExitCode.USAGE)
    if out_file is not None:
        output_file(out_file, "--out")
    _, rec = open_record(session_id)
    cards = select_cards(rec, scores)
    text = (
        export_json(rec, cards, scores, review_embedder())
        if fmt == "json"
        else export_csv(rec, cards, review_embedder())
        if fmt == "csv"
        else export_md(rec, cards, review_embedder())
    )
    if out_file is None:
        sys.stdout.write(text)
    else:
        write_output(out_file, "--out", lambda path: path.write_text(text, encoding="utf-8"))
        err.print(f"Wrote {out_file}.")
