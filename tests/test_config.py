"""The user's defaults: the TOML file, VOICE_INTERVIEWER_* variables, flags over both; `config` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from voice_interviewer import config, paths
from voice_interviewer.cli import app
from voice_interviewer.config import KEYS, ConfigError, read_file, resolve, set_value
from voice_interviewer.errors import ExitCode


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "config" / "config.toml"  # the path conftest points VOICE_INTERVIEWER_CONFIG at


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_environment_wins_over_the_file_which_wins_over_the_default(cfg: Path) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text('stt_model = "base"\nend_silence = 3\ntts = "piper"\n')
    got = resolve({"VOICE_INTERVIEWER_TTS": "pyttsx3", "VOICE_INTERVIEWER_LLM_TIMEOUT": "7.5"}, cfg)
    assert (got["stt_model"].value, got["stt_model"].source) == ("base", "file")
    assert (got["end_silence"].value, got["end_silence"].source) == (3.0, "file")
    assert (got["tts"].value, got["tts"].source) == ("pyttsx3", "VOICE_INTERVIEWER_TTS")
    assert (got["llm_timeout"].value, got["llm_timeout"].source) == (7.5, "VOICE_INTERVIEWER_LLM_TIMEOUT")
    assert (got["device"].value, got["device"].source) == ("auto", "default")


def test_an_empty_variable_counts_as_unset(cfg: Path) -> None:
    assert resolve({"VOICE_INTERVIEWER_STT_MODEL": "  "}, cfg)["stt_model"].source == "default"


@pytest.mark.parametrize(
    ("var", "raw", "says"),
    [
        ("VOICE_INTERVIEWER_END_SILENCE", "abc", "a number is needed"),
        ("VOICE_INTERVIEWER_END_SILENCE", "99", "from 0.8 to 15"),
        ("VOICE_INTERVIEWER_TTS", "espeak", "pyttsx3, piper"),
        ("VOICE_INTERVIEWER_RATE", "150.5", "whole number"),
        ("VOICE_INTERVIEWER_DEVICE", "gpu", "auto, cpu, cuda"),
        ("VOICE_INTERVIEWER_BARGE_IN", "maybe", "true or false"),
        ("VOICE_INTERVIEWER_LLM", "nonsense", "provider:model"),
        ("VOICE_INTERVIEWER_LLM", "ollama:", "provider:model"),
        ("VOICE_INTERVIEWER_CHROMA_URL", "notaurl:port", "http://localhost:8000"),
        ("VOICE_INTERVIEWER_CHROMA_URL", "ftp://host", "http://localhost:8000"),
    ],
)
def test_a_bad_variable_is_named_with_what_is_needed(cfg: Path, var: str, raw: str, says: str) -> None:
    with pytest.raises(ConfigError, match=var) as e:
        resolve({var: raw}, cfg)
    assert says in e.value.message and e.value.code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("var", "raw"),
    [
        ("VOICE_INTERVIEWER_LLM", "local"),
        ("VOICE_INTERVIEWER_LLM", "ollama:qwen2.5:7b"),
        ("VOICE_INTERVIEWER_CHROMA_URL", "http://localhost:8000"),
        ("VOICE_INTERVIEWER_CHROMA_URL", "chroma.internal:8000"),
        ("VOICE_INTERVIEWER_CHROMA_URL", "https://chroma.example.org"),
    ],
)
def test_good_interviewer_models_and_server_addresses_are_taken(cfg: Path, var: str, raw: str) -> None:
    assert resolve({var: raw}, cfg)[var.removeprefix("VOICE_INTERVIEWER_").lower()].value == raw


def test_a_broken_file_is_named_and_set_leaves_it_untouched(cfg: Path) -> None:
    cfg.parent.mkdir(parents=True)
    broken = 'stt_model = "base\n# my notes\n'
    cfg.write_text(broken)
    with pytest.raises(ConfigError, match="not valid TOML") as e:
        read_file(cfg)
    assert str(cfg) in e.value.message
    with pytest.raises(ConfigError):
        set_value("tts", "piper", cfg)
    assert cfg.read_text() == broken


def test_an_unknown_setting_in_the_file_is_named(cfg: Path) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text("stt_modle = 'base'\n")
    with pytest.raises(ConfigError, match="unknown setting 'stt_modle'"):
        read_file(cfg)


def test_set_edits_one_line_and_keeps_comments_and_the_rest(cfg: Path) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text('# my settings\nstt_model = "base"  # more accurate\nend_silence = 3.0\n')
    set_value("end-silence", "4", cfg)
    set_value("voice", 'en "us"\\x', cfg)  # quotes and backslashes survive the round trip
    text = cfg.read_text()
    assert text.startswith('# my settings\nstt_model = "base"  # more accurate\n')
    assert read_file(cfg) == {"stt_model": "base", "end_silence": 4.0, "voice": 'en "us"\\x'}
    set_value("voice", None, cfg)
    assert read_file(cfg) == {"stt_model": "base", "end_silence": 4.0}
    with pytest.raises(ConfigError, match="a number is needed"):
        set_value("end_silence", "soon", cfg)
    assert read_file(cfg)["end_silence"] == 4.0


def test_a_device_index_may_be_a_toml_number(cfg: Path) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text("input_device = 3\n")
    assert read_file(cfg) == {"input_device": "3"}


def test_every_setting_is_the_default_of_a_real_option() -> None:
    """A renamed option would silently stop taking its default from the settings."""
    cmd = typer.main.get_command(app)
    dm = config.default_map(cmd, {k.name: f"value-of-{k.name}" for k in KEYS})
    found = {v for sub in dm.values() for v in _leaves(sub)}
    assert found == {f"value-of-{k.name}" for k in KEYS}


def _leaves(d: dict[str, object]) -> list[object]:
    return [x for v in d.values() for x in (_leaves(v) if isinstance(v, dict) else [v])]


def test_barge_in_is_a_switch_in_the_file_the_environment_and_config_set(cfg: Path) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text("barge_in = true\n")
    assert resolve({}, cfg)["barge_in"].value is True
    assert resolve({"VOICE_INTERVIEWER_BARGE_IN": "off"}, cfg)["barge_in"].value is False
    set_value("barge_in", "no", cfg)
    assert "barge_in = false" in cfg.read_text() and read_file(cfg)["barge_in"] is False
    dm = config.default_map(typer.main.get_command(app), config.values({"VOICE_INTERVIEWER_BARGE_IN": "yes"}, cfg))
    assert dm["practice"]["barge_in"] is True and "barge_in" not in dm.get("score", {})


def test_round_and_llm_are_defaults_of_practice_only() -> None:
    cmd = typer.main.get_command(app)
    dm = config.default_map(cmd, {"round": "behavioral", "llm": "openai:x", "stt_model": "base"})
    assert dm["practice"]["round_"] == "behavioral" and dm["practice"]["llm"] == "openai:x"
    assert "round_" not in dm.get("questions", {})
    assert dm["score"]["stt_model"] == "base" and dm["practice"]["stt_model"] == "base"


def test_flags_over_variables_over_the_file_through_a_real_command(
    cfg: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_track = sorted(p.name for p in paths.rubrics_root().iterdir() if p.is_dir())[0]
    cfg.parent.mkdir(parents=True)
    cfg.write_text('track = "from-the-file"\n')
    res = runner.invoke(app, ["questions", "--json"])
    assert res.exit_code != 0
    assert "from-the-file" in res.output
    monkeypatch.setenv("VOICE_INTERVIEWER_TRACK", real_track)
    res = runner.invoke(app, ["questions", "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)) > 0
    res = runner.invoke(app, ["questions", "--json", "--track", "from-the-flag"])
    assert res.exit_code != 0 and "from-the-flag" in res.output


def test_a_bad_variable_stops_a_command_with_one_line(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICE_INTERVIEWER_END_SILENCE", "soon")
    res = runner.invoke(app, ["questions"])
    assert res.exit_code == ExitCode.USAGE
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "VOICE_INTERVIEWER_END_SILENCE" in lines[0]


def test_config_set_show_unset_path(cfg: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    res = runner.invoke(app, ["config", "path"])
    assert res.exit_code == 0 and res.stdout.strip() == str(cfg)
    assert runner.invoke(app, ["config", "set", "tts", "piper"]).exit_code == 0
    assert runner.invoke(app, ["config", "set", "end_silence", "3.5"]).exit_code == 0
    monkeypatch.setenv("VOICE_INTERVIEWER_STT_MODEL", "base")
    res = runner.invoke(app, ["config", "show", "--json"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert shown["file"] == str(cfg)
    s = shown["settings"]
    assert s["tts"] == {"value": "piper", "source": "file", "variable": "VOICE_INTERVIEWER_TTS"}
    assert s["end_silence"]["value"] == 3.5
    assert s["stt_model"]["source"] == "VOICE_INTERVIEWER_STT_MODEL"
    res = runner.invoke(app, ["config", "set", "tts", "espeak"])
    assert res.exit_code == ExitCode.USAGE and "pyttsx3, piper" in res.output
    assert runner.invoke(app, ["config", "unset", "tts"]).exit_code == 0
    assert read_file(cfg) == {"end_silence": 3.5}
    res = runner.invoke(app, ["config", "set", "colour", "blue"])
    assert res.exit_code == ExitCode.USAGE and "Unknown setting 'colour'" in res.output


def test_config_still_runs_with_a_broken_file_and_says_what_is_wrong(cfg: Path, runner: CliRunner) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text("tts = [\n")
    assert runner.invoke(app, ["config", "path"]).exit_code == 0
    res = runner.invoke(app, ["config", "show"])
    assert res.exit_code == ExitCode.USAGE and "not valid TOML" in res.output


def test_no_api_key_is_a_setting() -> None:
    assert not [k for k in KEYS if "key" in k.name or "token" in k.name]


# --- where things live -------------------------------------------------------------------------


def test_platform_folders() -> None:
    env = {"HOME": "/home/ana"}
    assert paths.platform_data_dir(env, "linux") == Path("/home/ana/.local/share/voice-interviewer")
    assert paths.platform_config_dir(env, "linux") == Path("/home/ana/.config/voice-interviewer")
    xdg = {**env, "XDG_DATA_HOME": "/d", "XDG_CONFIG_HOME": "/c"}
    assert paths.platform_data_dir(xdg, "linux") == Path("/d/voice-interviewer")
    assert paths.platform_config_dir(xdg, "linux") == Path("/c/voice-interviewer")
    # A relative XDG path is invalid by the spec and ignored.
    assert paths.platform_data_dir({**env, "XDG_DATA_HOME": "rel"}, "linux") == Path(
        "/home/ana/.local/share/voice-interviewer"
    )
    assert paths.platform_data_dir(env, "darwin") == Path("/home/ana/Library/Application Support/voice-interviewer")
    win = {"APPDATA": "C:/Users/ana/AppData/Roaming", "LOCALAPPDATA": "C:/Users/ana/AppData/Local"}
    assert paths.platform_config_dir(win, "win32") == Path("C:/Users/ana/AppData/Roaming/voice-interviewer")
    assert paths.platform_data_dir(win, "win32") == Path("C:/Users/ana/AppData/Local/voice-interviewer")


def test_config_file_location() -> None:
    assert paths.config_file({"VOICE_INTERVIEWER_CONFIG": "/x/my.toml"}) == Path("/x/my.toml")
    assert paths.config_file({"HOME": "/home/ana"}) == Path("/home/ana/.config/voice-interviewer/config.toml")


def test_outside_a_checkout_user_data_goes_to_the_platform_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "_CHECKOUT", tmp_path / "site-packages")
    home = paths.data_home({"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert home.root == tmp_path / "xdg" / "voice-interviewer"
    assert home.recordings == home.root / "recordings"
    assert not paths.running_from_checkout()
