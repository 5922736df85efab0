"""Shared fixtures: an isolated home for every test and the example profile the rules use."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import feed_server_fixture  # noqa: F401
from profiles import EXAMPLE_PROFILE

from selfwatch.model import Profile


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point every selfwatch path at a fresh temporary directory; never the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SELFWATCH_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("SELFWATCH_CACHE", str(home / "cache"))
    monkeypatch.delenv("SELFWATCH_CONFIG", raising=False)
    yield home


@pytest.fixture
def example_profile() -> Profile:
    """Return the example profile (Jane Doe at Acme Corp, codename Bluebird)."""
    return EXAMPLE_PROFILE


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return (cert, key) for localhost/127.0.0.1, or skip when openssl is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
