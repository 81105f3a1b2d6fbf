"""An interviewer model that stops answering: the rubric's probes take over and the user is told once."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from voice_interviewer.interviewer.followup import FollowUpContext, Interviewer
from voice_interviewer.interviewer.providers import install_hint


class SwitchableModel:
    """Answers while ``up``; raises a connection error like a stopped server when not."""

    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    def invoke(self, messages: Any) -> AIMessage:
        self.calls += 1
        if not self.up:
            raise ConnectionError("Connection refused: 127.0.0.1:1")
        return AIMessage("How would you choose the regularization strength for this model?")


def _ctx(asked: tuple[str, ...] = ()) -> FollowUpContext:
    return FollowUpContext(
        question_prompt="Explain the bias-variance trade-off.",
        question_id="phone-screen/bias-variance",
        transcript="Bias is error from wrong assumptions and variance is sensitivity to the data.",
        missed=(("Regularization trades variance for bias.", "How does regularization change this trade-off?"),),
        covered=(),
        retrieved=(),
        asked=asked,
    )


def test_a_model_that_stops_answering_is_reported_once_and_the_probes_take_over() -> None:
    told: list[str] = []
    model = SwitchableModel()
    iv = Interviewer(model, "openai:smollm2", timeout_s=5, notify=told.append)  # type: ignore[arg-type]
    first = iv.follow_up(_ctx())
    assert first.source == "llm" and not told
    model.up = False
    later = [iv.follow_up(_ctx()) for _ in range(3)]
    assert all(f.source == "rubric" and "failed" in (f.reason or "") for f in later)
    assert later[0].text == "How does regularization change this trade-off?"
    assert len(told) == 1
    assert "openai:smollm2" in told[0] and "rubric's own probes" in told[0] and "ConnectionError" in told[0]
    model.up = True
    assert iv.follow_up(_ctx()).source == "llm"  # back when the model is
    assert len(told) == 1


def test_a_rejected_reply_is_not_reported_as_an_outage() -> None:
    told: list[str] = []

    class Chatty(SwitchableModel):
        def invoke(self, messages: Any) -> AIMessage:
            return AIMessage("Great answer! You get a 4 out of 4.")

    iv = Interviewer(Chatty(), "openai:x", timeout_s=5, notify=told.append)  # type: ignore[arg-type]
    f = iv.follow_up(_ctx())
    assert f.source == "rubric" and (f.reason or "").startswith("rejected")
    assert told == []


def test_install_hints_name_the_extra_outside_a_checkout(monkeypatch: Any) -> None:
    from voice_interviewer import paths

    monkeypatch.setattr(paths, "running_from_checkout", lambda: False)
    assert "'voice-interviewer[ollama]'" in install_hint("ollama", "langchain-ollama")
    assert "langchain-mistralai" in install_hint("mistralai", "langchain-mistralai")
    monkeypatch.setattr(paths, "running_from_checkout", lambda: True)
    assert install_hint("openai", "langchain-openai") == ".venv/bin/pip install langchain-openai"


def test_the_reply_length_cap_reaches_an_openai_compatible_server() -> None:
    """llama.cpp's server reads max_tokens, not the max_completion_tokens langchain-openai sends."""
    from langchain.chat_models import init_chat_model
    from langchain_core.messages import HumanMessage

    from voice_interviewer.interviewer.providers import FOLLOW_UP_MAX_TOKENS, generation_limits

    env = {"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}
    compatible = init_chat_model(
        "smollm2", model_provider="openai", api_key="unused", **generation_limits("openai", env)
    )
    payload = compatible._get_request_payload([HumanMessage("hi")])
    assert payload["extra_body"]["max_tokens"] == FOLLOW_UP_MAX_TOKENS
    assert generation_limits("openai", {}) == {"max_tokens": FOLLOW_UP_MAX_TOKENS}
    assert generation_limits("ollama", {}) == {"num_predict": FOLLOW_UP_MAX_TOKENS}
    assert generation_limits("mistralai", {}) == {}
