"""`knowledge index|search|add`: rubrics and notes in Chroma."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from voice_interviewer.cli.app import _engines, _progress, app, handle_errors, out

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
    from voice_interviewer.retrieval.search import search

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
    files: Annotated[
        list[Path],
        typer.Argument(help="Markdown or text files (your notes, resume, the job post), or folders of them."),
    ],
    chroma_url: ChromaOpt = None,
) -> None:
    """Add your own notes; follow-ups and behavioral prompts can draw on them."""
    from voice_interviewer.retrieval.index import add_notes

    for f, n in add_notes(_engines(chroma_url=chroma_url), files):
        out.print(f"Added {f} ({n} chunk{'' if n == 1 else 's'}).")
