"""Drive a headless Chromium from tests: find it, then dump a page's DOM, screenshot or print it.

Each call starts a fresh browser with its own throwaway profile directory and everything that
would reach the network switched off (updates, sync, QUIC, background fetches), so a test
stays hermetic as long as the page itself loads nothing.
"""

from __future__ import annotations

import shutil
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
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"Chromium took over {self.timeout}s: {' '.join(command)}") from exc
        if done.returncode != 0:
            raise BrowserError(f"Chromium exited {done.returncode}:\n{done.stderr[-2000:]}")
        return done.stdout

    def dump_dom(self, page: Path) -> str:
        """Return the page's DOM as serialised after loading and layout."""
        dom = self.run(page, "--dump-dom")
        if "<html" not in dom:
            raise BrowserError(f"Chromium printed no DOM for {page}")
        return dom

    def screenshot(self, page: Path, out: Path, size: tuple[int, int] = (1000, 1600)) -> Path:
        """Write a PNG of the page's first ``size`` pixels to ``out`` and return it."""
        self.run(page, f"--screenshot={out}", f"--window-size={size[0]},{size[1]}")
        return self._written(out)

    def print_to_pdf(self, page: Path, out: Path) -> Path:
        """Print the page as the print dialog would (print CSS applies) to the PDF ``out``."""
        self.run(page, f"--print-to-pdf={out}", "--no-pdf-header-footer")
        return self._written(out)

    @staticmethod
    def _written(out: Path) -> Path:
        if not out.is_file() or out.stat().st_size == 0:
            raise BrowserError(f"Chromium wrote nothing to {out}")
        return out
