"""Write a first config from a few answers (``selfwatch init``). Pure: answers in, TOML out.

The TOML is checked with the real loader before anyone writes it, so ``init`` never leaves a
config behind that every later command would reject.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, parse_config, slug
from .model import FeedSpec
from .sources import feeds_for


@dataclass(frozen=True)
class Answers:
    """What ``selfwatch init`` asks for; everything but the name is optional."""

    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    employers: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()
    variants: tuple[str, ...] = ()
    context_terms: tuple[str, ...] = ()
    exclude_terms: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    timezone: str = "UTC"
    key: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _s(value: str) -> str:
    # A JSON string is a valid TOML basic string (same quotes and escapes).
    return json.dumps(value, ensure_ascii=False)


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def render_config(a: Answers) -> str:
    """Return a commented config.toml for one profile built from ``a``."""
    handles = ", ".join(f"{site} = {_s(h)}" for site, h in a.handles)
    recipients = a.recipients or a.emails[:1]
    return f"""# selfwatch config written by `selfwatch init`. Every key is explained in
# config.example.toml; check it with `selfwatch feeds` and run `selfwatch check`.

[lint]
fail_on = "warning"
profile = {_s(a.key or slug(a.name))}

[checklist]
threshold = 40

[[profiles]]
key = {_s(a.key or slug(a.name))}
name = {_s(a.name)}
variants = {_list(a.variants)}          # nickname, maiden name, middle initial
handles = {{ {handles} }}
emails = {_list(a.emails)}
phones = {_list(a.phones)}
employers = {_list(a.employers)}
past_employers = []
confidential_terms = []                 # codenames and client names
context_terms = {_list(a.context_terms)}   # city, school, profession: make a match more likely you
exclude_terms = {_list(a.exclude_terms)}   # a namesake's sport, company or town
search = true                           # Google News, Bing News, Reddit and Hacker News searches
feeds = {_list(a.feeds)}                # any RSS/Atom URL, Google Alerts feeds, local files
recipients = {_list(recipients)}
timezone = {_s(a.timezone)}
"""


def parse_handle(text: str) -> tuple[str, str]:
    """Split ``site=handle`` (e.g. ``mastodon=@jane@mastodon.social``); raise ValueError."""
    site, sep, handle = text.partition("=")
    if not sep or not site.strip() or not handle.strip():
        raise ValueError(f"expected SITE=HANDLE, e.g. mastodon=@jane@mastodon.social; got {text!r}")
    return site.strip().lower(), handle.strip()


def check_config(text: str, path: Path) -> tuple[Config, tuple[FeedSpec, ...]]:
    """Validate the config ``text`` meant for ``path``; return it with its first profile's feeds.

    Raise ConfigError naming ``path`` and the dotted key, as loading the written file would
    (the loader also checks that every handle gives a feed URL).
    """
    import tomllib

    config = parse_config(tomllib.loads(text), path)
    return config, feeds_for(config.profiles[0])
