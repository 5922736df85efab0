"""Shared fixtures: an isolated home for every test and the example profile the rules use."""

from __future__ import annotations

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
