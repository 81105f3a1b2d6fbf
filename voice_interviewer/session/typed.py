"""Typed answers: text that is never lost to a decoding error or to the end of the input.

- Bytes that are not UTF-8 become U+FFFD (the replacement character); the rest of the answer stays.
- The end of input (Ctrl-D, or piped text that runs out) ends the answer with what was typed.
- ``--text -`` reads the answer from standard input and ``--text @FILE`` from a file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from voice_interviewer.errors import ExitCode, UserError

ENDS_ANSWER = "done"  # a line with only this word ends a typed answer (as does an empty line)


def clean_text(text: str | bytes) -> str:
    """Valid text from anything typed: undecodable bytes (also those Python smuggles into ``sys.argv``
    and ``input()`` as lone surrogates) become U+FFFD instead of failing later."""
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def read_text_argument(value: str, stdin: BinaryIO | None = None) -> str:
    """The answer a ``--text`` option stands for: ``-`` (standard input), ``@FILE``, or the text itself."""
    if value == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return clean_text(stream.read())
    if value.startswith("@") and len(value) > 1:
        path = Path(clean_text(value[1:])).expanduser()
        try:
            return clean_text(path.read_bytes())
        except FileNotFoundError:
            raise UserError(f"--text {value}: no such file {path}.", ExitCode.USAGE) from None
        except IsADirectoryError:
            raise UserError(f"--text {value}: {path} is a folder, not a text file.", ExitCode.USAGE) from None
        except OSError as e:
            raise UserError(f"--text {value}: cannot read {path} ({e.strerror or e}).", ExitCode.USAGE) from None
    return clean_text(value)


def binary_line_reader(stream: BinaryIO) -> Callable[[str], str]:
    """``input()`` for piped (non-terminal) input: raw bytes decoded with replacement; ``EOFError`` at the end."""

    def read(prompt: str) -> str:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        raw = stream.readline()
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

    def __call__(self, prompt: str) -> str:
        lines: list[str] = []
        while not self.exhausted:
            try:
                line = clean_text(self._read_line("> " if not lines else "  "))
            except EOFError:
                self.exhausted = True
                break
            if not line.strip() or line.strip().lower() == ENDS_ANSWER:
                break
            lines.append(line)
        return " ".join(line.strip() for line in lines)
