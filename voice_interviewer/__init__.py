"""voice-interviewer: a spoken mock-interview coach that runs on your own machine.

The library is what the CLI calls: build engines with :mod:`voice_interviewer.engines`,
score with :func:`voice_interviewer.scoring.score_answer`, and load rubrics with
:func:`voice_interviewer.track.rubric.load_track`.
"""

__version__ = "0.1.0"
