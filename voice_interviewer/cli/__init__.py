"""The `voice-interviewer` command line: parse, call the library, render. Nothing else.

``app`` is the shared Typer app (:mod:`.app`); each module here adds one group of commands to it.
"""

from voice_interviewer.cli import history, main
from voice_interviewer.cli.app import app

history.register(app)

__all__ = ["app", "main"]
