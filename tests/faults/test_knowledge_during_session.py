"""Finding 3: `knowledge add` while a session runs. The embedded Chroma index is written by one
process while the session's follow-up searches it; the session must never die of it, and the
follow-up turn is recorded (from retrieval, or from the rubric's probe if retrieval failed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.faults.conftest import Cli, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

DEMO = ["practice", "--demo", "--questions", "1", "--follow-ups", "1", "--realtime", "--quiet"]

NOTE = """# Calibration in my churn model

At my last job the churn model's scores were used as probabilities by the retention team, so I
checked calibration with a reliability diagram on a held-out month and fitted isotonic regression
on a separate slice. Expected calibration error went down by about half.
"""


@pytest.fixture
def own_index_cli(cli: Cli, prepared_state: Path) -> Cli:
    """A data home with its own copy of the prepared index: the notes added here stay here."""
    shutil.copytree(prepared_state, cli.home / "state", symlinks=True)
    return cli


def test_knowledge_add_twice_during_an_answer_keeps_the_session(own_index_cli: Cli, tmp_path: Path) -> None:
    cli = own_index_cli
    note = tmp_path / "calibration-notes.md"
    note.write_text(NOTE, encoding="utf-8")
    session = cli.start(*DEMO)

    def answering() -> bool:
        return any(any(f.glob("turn-01-answer.pcm")) for f in cli.sessions())

    wait_for("the first answer to start", answering, proc=session)

    for _ in range(2):  # the same note twice, as a user who is not sure the first one took
        added = cli.run("knowledge", "add", str(note), timeout=600)
        assert added.returncode == 0, added.stderr.decode()
        assert "calibration-notes.md" in added.stdout.decode()

    out, err = session.communicate(timeout=900)
    assert session.returncode == 0, out.decode() + err.decode()
    assert "Traceback" not in err.decode()
    [folder] = cli.sessions()
    s = cli.session_json(folder)
    assert s["status"] == "complete"
    assert [t["kind"] for t in s["turns"]] == ["question", "follow-up"]
    for t in s["turns"]:  # every answer the demo candidate gave is kept, with its audio
        assert t["status"] == "answered" and t["transcript"]["text"].strip()
        assert (folder / t["answer_audio"]).is_file()
    assert s["turns"][1]["interviewer_text"].strip()
    assert not list(folder.glob("*.pcm"))
