"""Typed answers: text that is never lost to a decoding error or to the end of the input.

- Bytes that are not UTF-8 become U+FFFD (the replacement character); the rest of the answer stays.
- The end of input (Ctrl-D, or piped text that runs out) ends the answer with what was typed.
- ``--text -`` reads the answer from standard input and ``--text @FILE`` from a file.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from voice_interviewer.errors import ExitCode, UserError

ENDS_ANSWER = "done"  # a line with only this word ends a typed answer (as does an empty line)


# Terminal escape sequences, other control characters (not tab or new line) and the marks that
# reorder text on screen: an answer is shown again in the terminal, where these would clear or
# recolour the screen or hide what was written.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str | bytes) -> str:
    """Valid text from anything typed: undecodable bytes (also those Python smuggles into ``sys.argv``
    and ``input()`` as lone surrogates) become U+FFFD instead of failing later; terminal escapes and
    control characters are taken out (a carriage return is a new line)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    else:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def read_text_argument(value: str, stdin: BinaryIO | None = None) -> str:
    """The answer a ``--text`` option stands for: ``-`` (standard input), ``@FILE``, or the text itself."""
    if value == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return clean_text(stream.read())
    if value.startswith("@") and len(value) > 1:
        path = Path(clean_text(value[1:])).expanduser()
        try:
            raw = path.read_bytes()
            if b"\x00" in raw[:8192]:
                raise UserError(
                    f"--text {value}: {path} is not text (an audio file is scored as the answer itself: "
                    f"voice-interviewer score {path} -q QUESTION).",
                    ExitCode.BAD_INPUT,
                )
            return clean_text(raw)
        except FileNotFoundError:
            raise UserError(f"--text {value}: no such file {path}.", ExitCode.USAGE) from None
        except IsADirectoryError:
            raise UserError(f"--text {value}: {path} is a folder, not a text file.", ExitCode.USAGE) from None
        except OSError as e:
            raise UserError(f"--text {value}: cannot read {path} ({e.strerror or e}).", ExitCode.USAGE) from None
    if value.strip() and " " not in value.strip() and Path(value).expanduser().is_file():
        raise UserError(f"--text {value} names a file; to score what it holds, write --text @{value}.", ExitCode.USAGE)
    return clean_text(value)


def binary_line_reader(stream: BinaryIO) -> Callable[[str], str]:
    """``input()`` for piped (non-terminal) input: raw bytes decoded with replacement; ``EOFError`` at the end."""

    def read(prompt: str) -> str:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        raw = stream.readline()
        sys.stdout.write("\n")  # piped text is not echoed: what follows starts on a line of its own
        if not raw:
            raise EOFError
        return clean_text(raw).rstrip("\r\n")

    return read


class TypedAnswerReader:
    """Reads one answer at a time, line by line, until an empty line, ``done``, or the end of input.

    After the end of input, :attr:`exhausted` is True and every further answer is empty.
    """

    def __init__(self, read_line: Callable[[str], str]) -> None:
        self._read_line = read_line
        self.exhausted = False
        self._lines: list[str] = []  # of the answer being read

    @property
    def partial(self) -> str:
        """The answer as typed so far (what Ctrl-C mid-answer keeps)."""
        return " ".join(line.strip() for line in self._lines)

    def __call__(self, prompt: str) -> str:
        self._lines = []
        while not self.exhausted:
            try:
                line = clean_text(self._read_line("> " if not self._lines else "  "))
            except EOFError:
                self.exhausted = True
                break
            if not line.strip() or line.strip().lower() == ENDS_ANSWER:
                break
            self._lines.append(line)
        return self.partial
