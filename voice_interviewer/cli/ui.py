"""What the candidate sees during practice: the interviewer's lines, a live level meter with the
elapsed time against the target, transcripts, scorecards and the closing summary."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from voice_interviewer.cli.render import print_scorecard, transcript_text
from voice_interviewer.scoring.content import Embedder
from voice_interviewer.store.sessions import Session
from voice_interviewer.store.summary import summarize
from voice_interviewer.track.rubric import Track
from voice_interviewer.types import Scorecard, Transcript, clip


class RichSessionUI:
    def __init__(self, console: Console, full_scorecards: bool = True) -> None:
        self.c = console
        self.full = full_scorecards
        self._live: Live | None = None
        self._target = (60.0, 90.0)
        self._last = 0.0

    def interviewer(self, text: str, kind: str, target: tuple[float, float]) -> None:
        self._target = target
        label = "Interviewer" if kind == "question" else "Interviewer (follow-up)"
        self.c.print(Text.assemble((f"\n{label}: ", "bold magenta"), (text, "bold")))

    def level(self, rms: float, elapsed: float) -> None:
        """Called per audio chunk: a meter that shows the microphone hears you, and the timer."""
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        bars = min(30, int(rms * 300))
        lo, hi = self._target
        style = "green" if elapsed <= hi else "yellow"
        line = Text.assemble(
            ("\u2588" * bars).ljust(30),
            "  ",
            (f"{elapsed:5.1f} s", style),
            f" / target {lo:.0f}-{hi:.0f} s",
            ("  (pause to finish, or press Enter)", "dim"),
        )
        if self._live is None:
            self._live = Live(line, console=self.c, transient=True, refresh_per_second=10)
            self._live.start()
        else:
            self._live.update(line)

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def transcript(self, transcript: Transcript) -> None:
        self._stop_live()
        self.c.print(Text.assemble(("Candidate: ", "bold cyan"), transcript.text or "(nothing heard)"))

    def scorecard(self, card: Scorecard) -> None:
        self._stop_live()
        if self.full:
            print_scorecard(self.c, card, show_transcript=False)
        else:
            c = card.content
            self.c.print(f"  level {c.level} ({c.level_name}), {c.score:.0f}/100")

    def info(self, message: str) -> None:
        self._stop_live()
        # soft_wrap: a command in a message (a resume hint) stays on one line, whole, to copy
        self.c.print(f"[dim]{message}[/]", soft_wrap=True, highlight=False)

    def summary(
        self, session: Session, folder: Any, track: Track | None = None, embedder: Embedder | None = None
    ) -> None:
        s = summarize(session, track, embedder)
        table = Table(title="Session summary", show_lines=True)
        table.add_column("question", style="cyan")
        table.add_column("level")
        table.add_column("needed a follow-up")
        table.add_column("missed")
        for qid, q in s.questions.items():
            table.add_row(
                qid, q.level_text, "\n".join(clip(p, 60) for p in q.prompted) or "-", "\n".join(q.missed[:3]) or "-"
            )
        self.c.print(table)
        if s.words_per_minute is not None:
            self.c.print(
                f"Delivery: {s.words_per_minute:.0f} words/min, {s.fillers_per_minute or 0:.1f} fillers/min, "
                f"{s.long_pauses} long pauses"
            )
        for i, w in enumerate(s.work_on, 1):
            self.c.print(f"[bold]Work on next {i}:[/] {w}")
        self.c.print(
            Panel(
                f"Recording: {folder}\nPractise for real: voice-interviewer practice --round {session.round}",
                border_style="dim",
            )
        )


__all__ = ["RichSessionUI", "transcript_text"]
