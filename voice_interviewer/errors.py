"""The one error class meant for the user, and the exit codes the CLI maps it to."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every `voice-interviewer` command (documented in the README)."""

    OK = 0
    FAILURE = 1  # an unexpected failure (a bug): the message says where the log is
    USAGE = 2  # bad arguments, unknown question id (Typer also uses 2)
    BAD_INPUT = 3  # unreadable, empty, silent or too-long audio; broken rubric or knowledge file
    MISSING_MODEL = 4  # a model or system package that the default set-up provides is missing
    DEVICE = 5  # no microphone / audio device problem
    INTERRUPTED = 130  # Ctrl-C: everything so far is saved


class UserError(Exception):
    """An error the user can act on. The message says what happened and what to do."""

    def __init__(self, message: str, code: ExitCode = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class MissingModelError(UserError):
    """A model file is missing or does not match its pinned checksum."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.MISSING_MODEL)


def first_line(e: BaseException) -> str:
    """The first line of an error, without a closing full stop (the message adds its own); its type
    when it has no message."""
    lines = str(e).strip().splitlines()
    return (lines[0] if lines else type(e).__name__).rstrip(". ")
