"""The `voice-interviewer` command line: parse, call the library, render. Nothing else.

``app`` is the shared Typer app (:mod:`.app`); each module here adds one group of commands to it,
in the order they appear in ``--help``.
"""

from voice_interviewer.cli import history, knowledge, practice, score, setup
from voice_interviewer.cli.app import app

history.register(app)

__all__ = ["app", "knowledge", "practice", "score", "setup"]
