"""``python -m voice_interviewer.cli``: the same as the ``voice-interviewer`` command."""

from voice_interviewer.cli import app

app()
