"""The provider path for real: llama-cpp-python's OpenAI-compatible server on 127.0.0.1 serving the
bundled SmolLM2, a typed practice session with ``--llm openai:smollm2`` pointed at it, and the server
stopped mid-session: the session goes on with the rubric's probes and the user is told once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import RecordingUI
from voice_interviewer.engines import Engines, Settings
from voice_interviewer.models import SMOLLM2, Checksums, verified_file
from voice_interviewer.paths import data_home
from voice_interviewer.session.practice import PracticeOptions, run_practice

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server for good (SIGTERM waits for a generation in progress; then SIGKILL)."""
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def openai_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    gguf = verified_file(SMOLLM2, SMOLLM2.files[0].rel, Checksums(None))
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2"]
    # One thread, and OpenMP workers that sleep instead of spinning: on a busy machine (CI runs many
    # things at once) two spinning threads made each request many times slower.
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--cache", "true"]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the llama.cpp server did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url, proc
    finally:
        if proc.poll() is None:
            _stop(proc)
        log.close()


def test_a_session_goes_on_when_the_provider_stops_and_says_so_once(
    openai_server: tuple[str, subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, server = openai_server
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed-for-a-local-server")
    engines = Engines(Settings(llm="openai:smollm2", llm_timeout_s=300), notify=lambda m: None, home=data_home())
    answers = iter(
        [
            "Bias is error from wrong assumptions, so the model underfits. Variance is sensitivity to the "
            "training sample, so it overfits.",
            "I would compare training and validation error.",
            "Regularization lowers variance at the cost of some bias.",
            "More data mostly helps with variance.",
        ]
    )
    asked_for = 0

    def typed(prompt: str) -> str:
        nonlocal asked_for
        if prompt.startswith(">"):  # the first line of the next answer
            asked_for += 1
            if asked_for == 2:  # the first follow-up has been asked: stop the server now
                _stop(server)
            return next(answers)
        return ""  # an empty line ends the answer

    ui = RecordingUI()
    opts = PracticeOptions(round="phone-screen", questions=1, follow_ups=3, mode="text", speak=False)
    session, _ = run_practice(engines, opts, ui, console_input=typed)  # type: ignore[arg-type]

    assert session.status == "complete"
    follow = [t for t in session.turns if t.kind == "follow-up"]
    assert len(follow) == 3 and all(t.scorecard is not None for t in session.turns)
    source, reason = follow[0].follow_up_source, follow[0].follow_up_reason
    # While the server ran, the model answered: its question was used, or judged and rejected by the checks.
    assert source == "llm" or (reason or "").startswith("rejected"), reason
    for t in follow[1:]:  # after it stopped: the rubric's probes, because the model failed
        assert t.follow_up_source == "rubric" and "failed" in (t.follow_up_reason or ""), t.follow_up_reason
    told = [m for kind, m in ui.events if kind == "info" and "did not answer" in m]
    assert len(told) == 1 and "openai:smollm2" in told[0] and "rubric's own probes" in told[0]
    assert session.llm == "openai:smollm2"
