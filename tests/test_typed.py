"""Typed answers: bad bytes are replaced, the end of input ends the answer, --text - and @FILE."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from voice_interviewer.errors import ExitCode, UserError
from voice_interviewer.session.typed import TypedAnswerReader, binary_line_reader, clean_text, read_text_argument

NAIVE_BYTES = b"the na\xefve model"
NAIVE = "the na\ufffdve model"


def test_undecodable_bytes_and_smuggled_surrogates_become_replacement_characters() -> None:
    assert clean_text(NAIVE_BYTES) == NAIVE
    assert clean_text(NAIVE_BYTES.decode("utf-8", "surrogateescape")) == NAIVE  # what sys.argv holds
    assert clean_text("caf\u00e9 \u2013 ok") == "caf\u00e9 \u2013 ok"
    clean_text("\udcff").encode("utf-8")  # always encodable afterwards


def test_the_text_argument_reads_stdin_a_file_or_itself(tmp_path: Path) -> None:
    long_answer = ("Calibration means the scores match observed frequencies. " * 200).encode() + b"\xff"
    f = tmp_path / "answer.txt"
    f.write_bytes(long_answer)
    assert read_text_argument(f"@{f}") == long_answer.decode("utf-8", "replace")
    assert read_text_argument("-", io.BytesIO(NAIVE_BYTES)) == NAIVE
    assert read_text_argument(NAIVE_BYTES.decode("utf-8", "surrogateescape")) == NAIVE
    assert read_text_argument("@") == "@"  # a lone @ is text
    with pytest.raises(UserError, match="no such file"):
        read_text_argument(f"@{tmp_path / 'missing.txt'}")
    with pytest.raises(UserError, match="is a folder"):
        read_text_argument(f"@{tmp_path}")


def test_terminal_escapes_and_control_characters_are_taken_out() -> None:
    # an answer is printed back in the terminal: these cleared or recoloured the screen, or reordered it
    typed = "I \x1b[2J\x1b[31mtune\x1b[0m the \x1b]0;title\x07threshold\u202e on\x07 recall.\r\nThen\tprecision."
    assert clean_text(typed) == "I tune the threshold on recall.\nThen\tprecision."
    assert clean_text(typed.encode()) == clean_text(typed)


def test_a_file_that_is_not_text_or_a_file_name_without_at_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wav = tmp_path / "answer.wav"
    wav.write_bytes(b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes(2000))
    with pytest.raises(UserError, match="is not text") as e:
        read_text_argument(f"@{wav}")
    assert e.value.code == ExitCode.BAD_INPUT and f"score {wav}" in e.value.message
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answer.txt").write_text("Precision is the share of flagged items that are right.")
    with pytest.raises(UserError, match=r"write --text @answer\.txt") as e:
        read_text_argument("answer.txt")
    assert e.value.code == ExitCode.USAGE
    assert read_text_argument("answer.txt is where I keep it") == "answer.txt is where I keep it"


def test_end_of_input_ends_the_answer_with_what_was_typed() -> None:
    reader = TypedAnswerReader(binary_line_reader(io.BytesIO(b"first line\nsecond na\xefve line")))
    assert reader("Q?") == "first line second na\ufffdve line"
    assert reader.exhausted
    assert reader("Next?") == ""


def test_an_empty_line_or_done_ends_one_answer_and_the_next_starts() -> None:
    reader = TypedAnswerReader(binary_line_reader(io.BytesIO(b"one\n\ntwo\ndone\nthree\n\n")))
    assert [reader("q"), reader("q"), reader("q")] == ["one", "two", "three"]
    assert not reader.exhausted
    assert reader("q") == "" and reader.exhausted
