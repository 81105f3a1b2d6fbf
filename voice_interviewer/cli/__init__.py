"""The `voice-interviewer` command line: parse, call the library, render. Nothing else.

``app`` is the shared Typer app (:mod:`.app`); each module here adds one group of commands to it,
in the order they appear in ``--help``: :mod:`.sessions` (list, show, replay) and :mod:`.review`
(rescore, progress, report, export) are the commands for coming back to past sessions.
"""

from voice_interviewer.cli import config, knowledge, models, practice, score, setup

# isort: split
from voice_interviewer.cli import review, sessions
from voice_interviewer.cli.app import app

config.register(app)
models.register(app)

__all__ = ["app", "config", "knowledge", "models", "practice", "review", "score", "sessions", "setup"]
