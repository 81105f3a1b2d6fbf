"""The HTML report: self-contained, holds what a mentor needs, and renders in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import MakeSession
from tests.fakes import QID, STRONG, VAGUE
from voice_interviewer.cli import app
from voice_interviewer.review.progress import progress_for_store
from voice_interviewer.review.records import open_session, select_cards
from voice_interviewer.review.report import rate_series, render_report
from voice_interviewer.store.sessions import SessionStore
from voice_interviewer.types import Word

IN_CI = bool(os.environ.get("CI"))
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _page(make_session: MakeSession, session_store: SessionStore) -> tuple[str, Path]:
    make_session("20261101-100000-phone-screen", ((QID, VAGUE),))
    folder = make_session("20261102-100000-phone-screen")
    rec = open_session(session_store, folder.name)
    return render_report(rec, select_cards(rec), progress_for_store(session_store, "phone-screen")), folder


def _points(folder: Path, session_store: SessionStore) -> tuple[list[str], list[str]]:
    cards = select_cards(open_session(session_store, folder.name))
    card = cards[1]
    covered = [p.text for cr in card.content.criteria for p in cr.covered]
    missed = [p.text for cr in card.content.criteria for p in cr.missed]
    return covered, missed


def test_report_is_self_contained(make_session: MakeSession, session_store: SessionStore) -> None:
    page, _ = _page(make_session, session_store)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page), "no external URLs"
    for tag in ("<script", "<link", "<img", "<iframe", "@import", "url("):
        assert tag not in page
    assert "<style>" in page and page.count("<svg") >= 4  # trend, and per timed answer a timeline and a rate chart


def test_report_holds_transcript_evidence_missed_points_timeline_and_trend(
    make_session: MakeSession, session_store: SessionStore
) -> None:
    page, folder = _page(make_session, session_store)
    covered, missed = _points(folder, session_store)
    assert covered and missed
    text = re.sub(r"<[^>]+>", " ", page)
    text = " ".join(text.replace("&#x27;", "'").split())
    for w in ("Variance", "sensitive", "regularization"):
        assert w in text
    for p in covered + missed:
        assert " ".join(p.split()) in text.replace("&quot;", '"')
    assert 'class="filler"' in page and ">um<" in page  # the filler marked in the transcript
    assert 'class="pause"' in page and re.search(r"pause 2\.\d s after", page)  # in the text and on the timeline
    assert 'class="timeline"' in page and 'class="rate"' in page and 'class="trend"' in page
    assert "Weakest criteria to practise next" in page
    assert "Probe:" in page  # the follow-up a missed point leads to


def test_rate_series() -> None:
    words = [Word(word="w", start=i * 0.5, end=i * 0.5 + 0.3) for i in range(40)]  # 120 words a minute
    series = rate_series(words, 20.0)
    assert [t for t, _ in series] == [5.0, 10.0, 15.0]
    assert all(v == pytest.approx(120, abs=6) for _, v in series)
    assert rate_series([], 10.0) == []
    assert rate_series(words[:4], 2.0) == [(1.0, 120.0)]


def test_report_command_writes_the_file(tmp_path: Path, make_session: MakeSession) -> None:
    folder = make_session()
    out = tmp_path / "sub" / "report.html"
    res = CliRunner().invoke(app, ["report", folder.name, "--html", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file() and "Mock interview" in out.read_text() and "Wrote" in res.stdout


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _render(exe: str, html: Path, tmp: Path, name: str) -> tuple[Path, str]:
    """(screenshot, DOM after rendering) from headless Chromium."""
    png = tmp / f"{name}.png"
    common = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / f'profile-{name}'}", "--window-size=1280,2000"]
    shot = subprocess.run(
        [*common, f"--screenshot={png}", html.as_uri()], capture_output=True, text=True, timeout=120, check=False
    )
    assert png.is_file(), shot.stderr[-2000:]
    dom = subprocess.run([*common, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    return png, dom.stdout


def _png(path: Path) -> tuple[int, int, bytes]:
    """(width, height, decompressed image data) of a PNG, with the standard library only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return size[0], size[1], zlib.decompress(idat)


@pytest.mark.skipif(
    _chromium() is None and not IN_CI,
    reason="chromium is not installed (sudo apt-get install chromium, or run scripts/setup.sh); in CI this fails",
)
def test_report_renders_in_headless_chromium(
    tmp_path: Path, make_session: MakeSession, session_store: SessionStore
) -> None:
    exe = _chromium()
    assert exe, "chromium must be installed in CI: scripts/setup.sh installs it"
    page, folder = _page(make_session, session_store)
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    blank = tmp_path / "blank.html"
    blank.write_text("<!doctype html><html><body></body></html>")

    png, dom = _render(exe, html, tmp_path, "report")
    blank_png, _ = _render(exe, blank, tmp_path, "blank")
    width, height, pixels = _png(png)
    assert (width, height) == (1280, 2000)
    assert 30_000 < png.stat().st_size < 5_000_000, png.stat().st_size
    assert png.stat().st_size > 5 * blank_png.stat().st_size, "the page looks blank"
    assert len(set(pixels)) > 100, "too few colours for a page with text and charts"

    text = " ".join(re.sub(r"<[^>]+>", " ", dom).replace("&#x27;", "'").split())
    assert "Mock interview" in text and "Variance is how sensitive the model is" in text
    covered, missed = _points(folder, session_store)
    for p in covered[:2] + missed[:2]:
        assert " ".join(p.split()) in text.replace("&quot;", '"'), p
    assert dom.count("<svg") >= 4 and 'class="timeline"' in dom and 'class="trend"' in dom
    assert "Weakest criteria to practise next" in text


def test_strong_and_vague_sessions_show_in_the_trend(make_session: MakeSession, session_store: SessionStore) -> None:
    page, _ = _page(make_session, session_store)
    assert page.count("<circle") >= 2 and "(this)" in page
    assert STRONG.split()[0] in page
