"""Building chat models: the local SmolLM2's grammar, provider specs, and one-line set-up errors."""

from __future__ import annotations

from typing import Any

import pytest

from voice_interviewer.errors import ExitCode, MissingModelError, UserError
from voice_interviewer.interviewer import chat as ch
from voice_interviewer.interviewer.chat import build_chat_model
from voice_interviewer.models import Checksums


def test_the_local_grammar_parses() -> None:
    pytest.importorskip("llama_cpp")
    from llama_cpp import LlamaGrammar

    LlamaGrammar.from_string(ch.QUESTION_GRAMMAR, verbose=False)


def test_an_unknown_provider_is_a_user_error() -> None:
    with pytest.raises(UserError) as e:
        build_chat_model("nosuchprovider:foo", Checksums(None))
    assert "unknown provider 'nosuchprovider'" in str(e.value)
    assert "pip install" in str(e.value)
    assert e.value.code == ExitCode.USAGE


def test_a_missing_integration_package_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ch.importlib.util.find_spec
    monkeypatch.setattr(
        ch.importlib.util, "find_spec", lambda name, *a: None if name == "langchain_ollama" else real(name, *a)
    )
    with pytest.raises(UserError) as e:
        build_chat_model("ollama:qwen2.5:7b", Checksums(None))
    assert "pip install langchain-ollama" in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("spec", ["openai", ":gpt-4o", "openai:", ""])
def test_a_malformed_spec_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UserError) as e:
        build_chat_model(spec, Checksums(None))
    assert e.value.code == ExitCode.USAGE


def test_split_spec_splits_at_the_first_colon() -> None:
    assert ch.split_spec("ollama:qwen2.5:7b") == ("ollama", "qwen2.5:7b")
    assert ch.split_spec("Google-GenAI:gemini-2.0-flash") == ("google_genai", "gemini-2.0-flash")


def test_provider_errors_at_set_up_are_one_line_user_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain.chat_models

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ImportError(
            "Initializing ChatX requires the langchain-x package.\nPlease install it with `pip install langchain-x`"
        )

    monkeypatch.setattr(ch, "_provider_package", lambda provider: "langchain-core")  # an installed package
    monkeypatch.setattr(langchain.chat_models, "init_chat_model", boom)
    with pytest.raises(UserError) as e:
        build_chat_model("x:model", Checksums(None))
    assert "pip install langchain-x" in str(e.value) and "\n" not in str(e.value)


def test_missing_llama_cpp_names_the_package_and_the_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ch, "llama_cpp_installed", lambda: False)
    with pytest.raises(MissingModelError) as e:
        build_chat_model("local", Checksums(None))
    assert "llama-cpp-python" in str(e.value) and "make setup" in str(e.value)
    assert e.value.code == ExitCode.MISSING_MODEL
