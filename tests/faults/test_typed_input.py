"""Findings 4 and 5: end of input and bytes that are not UTF-8, in `practice --text` and `score --text`."""

from __future__ import annotations

import json

import pytest

from tests.faults.conftest import Cli

pytestmark = [pytest.mark.faults, pytest.mark.slow]

REPLACED = "\ufffd"


def test_practice_text_keeps_an_answer_cut_by_end_of_input_with_bad_bytes(practice_cli: Cli) -> None:
    # no final newline: the input ends in the middle of the answer (Ctrl-D after typing, or a pipe that ran out)
    typed = b"Calibration means predicted probabilities match observed frequencies, unlike the na\xefve model"
    res = practice_cli.run("practice", "--text", "--questions", "1", "--llm-timeout", "60", stdin=typed)
    assert res.returncode == 0, res.stdout.decode() + res.stderr.decode()
    [folder] = practice_cli.sessions()
    s = practice_cli.session_json(folder)
    [turn] = s["turns"]  # the follow-up is not asked into an input that has ended
    assert (turn["status"], turn["ended_by"]) == ("answered", "end-of-input")
    assert turn["transcript"]["text"].endswith(f"na{REPLACED}ve model") and turn["scorecard"] is not None
    assert s["status"] == "interrupted" and s["mode"] == "text"
    assert f"--resume {folder.name}" in res.stdout.decode()


def test_practice_text_with_no_input_at_all_loses_nothing_and_says_so(practice_cli: Cli) -> None:
    res = practice_cli.run("practice", "--text", "--questions", "1", "--follow-ups", "0", stdin=b"")
    assert res.returncode == 0, res.stderr.decode()
    [folder] = practice_cli.sessions()
    s = practice_cli.session_json(folder)
    assert s["status"] == "interrupted" and [t["status"] for t in s["turns"]] == ["interrupted"]
    assert "End of input" in res.stdout.decode()


def test_score_text_takes_bad_bytes_stdin_and_files(cli: Cli) -> None:
    q = ["-q", "phone-screen/calibration", "--json"]
    bad = b"the na\xefve model is calibrated when scores match frequencies"
    for args, stdin in (([b"--text", bad], b""), (["--text", "-"], bad)):
        res = cli.run("score", *args, *q, stdin=stdin)
        assert res.returncode == 0, res.stderr.decode()
        assert f"na{REPLACED}ve model" in json.loads(res.stdout)["transcript"]["text"]
    long_answer = cli.home / "answer.txt"
    long_answer.write_bytes(b"Calibration means the predicted probabilities match observed frequencies. " * 100 + bad)
    res = cli.run("score", "--text", f"@{long_answer}", *q)
    assert res.returncode == 0, res.stderr.decode()
    assert len(json.loads(res.stdout)["transcript"]["words"]) == 8 * 100 + 9  # all of it, bad bytes included
    missing = cli.run("score", "--text", f"@{cli.home / 'missing.txt'}", *q)
    assert missing.returncode == 2 and "no such file" in missing.stderr.decode()
