"""Drive a headless Chromium from tests: find it, load a page, and keep its DOM, a PNG and a PDF.

Each call starts a fresh browser with its own throwaway profile directory and everything that
would reach the network switched off (updates, sync, QUIC, background fetches), so a test
stays hermetic as long as the page itself loads nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome")
FALLBACK = Path("/usr/bin/chromium")
INSTALL_HINT = "Chromium not installed: apt-get install chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often have a tiny /dev/shm; without this the renderer can crash.
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """Return the path of a Chromium or Chrome executable, or None when there is none."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return str(FALLBACK) if FALLBACK.is_file() else None


class BrowserError(AssertionError):
    """Chromium exited badly, timed out or wrote nothing: the message has its stderr."""


@dataclass(frozen=True)
class Capture:
    """What one page load gave: the DOM as serialised after layout, a PNG and a PDF."""

    dom: str
    png: bytes
    pdf: bytes


@dataclass(frozen=True)
class Chromium:
    """A headless Chromium run once per call, with ``work`` as its scratch directory."""

    executable: str
    work: Path
    timeout: float = 30.0

    def run(self, page: Path, *options: str) -> str:
        """Open ``page`` (a local file) with ``options`` added; return what Chromium printed."""
        profile = self.work / "chromium-profile"
        profile.mkdir(parents=True, exist_ok=True)
        command = [
            self.executable,
            *FLAGS,
            f"--user-data-dir={profile}",
            *options,
            page.resolve().as_uri(),
        ]
        # Its own session, so a timeout can end the browser and every helper it started.
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as browser:
            try:
                out, err = browser.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(browser.pid, signal.SIGKILL)
                browser.communicate()
                raise BrowserError(f"Chromium took over {self.timeout}s: {command}") from None
        if browser.returncode != 0:
            raise BrowserError(f"Chromium exited {browser.returncode}:\n{err[-2000:]}")
        return out

    def capture(self, page: Path, png: Path, pdf: Path, size: tuple[int, int]) -> Capture:
        """Load ``page`` once: return its DOM after layout, a ``size`` screenshot and a PDF print.

        One browser start does all three (headless Chromium runs every command it is given),
        which keeps a test to a couple of seconds.
        """
        dom = self.run(
            page,
            "--dump-dom",
            f"--screenshot={png}",
            f"--window-size={size[0]},{size[1]}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
        )
        if "<html" not in dom:
            raise BrowserError(f"Chromium printed no DOM for {page}")
        return Capture(dom, _written(png).read_bytes(), _written(pdf).read_bytes())


def _written(out: Path) -> Path:
    if not out.is_file() or out.stat().st_size == 0:
        raise BrowserError(f"Chromium wrote nothing to {out}")
    return out
