"""The fault-injection suite runs the real CLI in child processes (``python -m voice_interviewer.cli``)
and hurts it the way users and machines do: a second run, SIGKILL, Ctrl-C, end of input, bad bytes.

Practice runs share one prepared state folder (the Chroma index and the demo voice's audio cache,
built once per test session) through a symlink in each test's own data home, as two runs on one
machine share it; recordings stay per test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from voice_interviewer.paths import ENV_HOME

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cli:
    """The real command line in a child process, on one data home."""

    home: Path

    @property
    def env(self) -> dict[str, str]:
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        return {**os.environ, ENV_HOME: str(self.home), "PYTHONPATH": path, "COLUMNS": "200"}

    def argv(self, *args: str | bytes) -> list[str | bytes]:
        return [sys.executable, "-m", "voice_interviewer.cli", *args]

    def run(self, *args: str | bytes, stdin: bytes = b"", timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(self.argv(*args), input=stdin, capture_output=True, env=self.env, timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env
        )

    @property
    def recordings(self) -> Path:
        return self.home / "recordings"

    def sessions(self) -> list[Path]:
        return sorted(p for p in self.recordings.iterdir() if p.is_dir()) if self.recordings.is_dir() else []

    def session_json(self, folder: Path) -> dict[str, Any]:
        data = json.loads((folder / "session.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data


def wait_for(
    what: str, check: Callable[[], Any], timeout: float = 300, proc: subprocess.Popen[bytes] | None = None
) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` (and the child's output) on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the process ended (exit {proc.returncode}) before {what}:\n{out.decode()}\n{err.decode()}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def prepared_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home's state folder with the knowledge index built (once per test session)."""
    home = tmp_path_factory.mktemp("faults-prepared")
    res = Cli(home).run("knowledge", "index", timeout=1200)
    assert res.returncode == 0, res.stderr.decode()
    return home / "state"


@pytest.fixture
def cli(data_home: Path) -> Cli:
    data_home.mkdir(parents=True, exist_ok=True)
    return Cli(data_home)


@pytest.fixture
def practice_cli(cli: Cli, prepared_state: Path) -> Cli:
    (cli.home / "state").symlink_to(prepared_state, target_is_directory=True)
    return cli
