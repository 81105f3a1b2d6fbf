"""The embedded index shared by two processes: notes added in one while the other searches.

Before the file lock and the reopen on a newer generation, the searching process failed with
"InternalError: Error finding id" on most queries made while another process wrote.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from voice_interviewer.engines import Engines, Settings
from voice_interviewer.paths import data_home
from voice_interviewer.retrieval.index import build_index

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from voice_interviewer.engines import Engines, Settings
    from voice_interviewer.paths import data_home
    from voice_interviewer.retrieval.index import add_notes
    from voice_interviewer.retrieval.search import search

    role, home, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    eng = Engines(Settings(), notify=lambda m: None, home=data_home({"VOICE_INTERVIEWER_HOME": home}).ensure())
    done = Path(home) / "writer-done"
    errors, ops, found = [], 0, False
    if role == "writer":
        for n in range(rounds):
            note = Path(home) / f"note{n % 3}.md"
            note.write_text(f"## Calibration drill {n}\\n" + f"reliability diagram zebracorn{n} bucket " * 25)
            try:
                add_notes(eng, [note])
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")
            ops += 1
        done.write_text("1")
    else:
        while not done.exists() or ops < 5:
            try:
                search(eng, "calibration reliability diagram", k=3, round_="phone-screen")
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")
            ops += 1
        last = f"zebracorn{rounds - 1}"
        found = any(last in h.text for h in search(eng, f"calibration drill {last} reliability diagram", k=5))
    print(json.dumps({"role": role, "ops": ops, "errors": errors[:5], "n_errors": len(errors), "found": found}))
    """
)


@pytest.mark.slow
def test_searching_while_another_process_adds_notes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_index(
        Engines(Settings(), notify=lambda m: None, home=data_home({"VOICE_INTERVIEWER_HOME": str(home)}).ensure())
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "VOICE_INTERVIEWER_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, role, str(home), "8"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for role in ("reader", "writer")
    ]
    results = {}
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()[-2000:]
        r = json.loads(out.decode().strip().splitlines()[-1])
        results[r["role"]] = r
    reader, writer = results["reader"], results["writer"]
    assert writer["n_errors"] == 0, writer["errors"]
    # A read may give up waiting for a long write on a loaded machine: a clear RetrievalError that the
    # follow-up falls back on. Chroma's own errors (the crash this guards against) never reach it.
    busy = "RetrievalError: The knowledge index could not be read: another voice-interviewer process"
    assert all(e.startswith(busy) for e in reader["errors"]), reader["errors"]
    assert writer["ops"] == 8 and reader["ops"] - reader["n_errors"] >= 5
    assert reader["found"], "the reader did not see the last note the other process added"
