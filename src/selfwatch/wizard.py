"""Write a first config from a few answers (``selfwatch init``). Pure: answers in, TOML out.

The TOML is checked with the real loader before anyone writes it, so ``init`` never leaves a
config behind that every later command would reject.
"""

from __future__ import annotations

import json
import re
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
    birth_year: int | None = None
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
    birth = f"birth_year = {a.birth_year}" if a.birth_year else "# birth_year = 1990"
    birth += "                      # tells you from namesakes of another age\n"
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
{birth}\
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


_LIST_SPLIT = re.compile(r"[,;]")
_NAMESAKE_FILLER = frozenset(
    {"a", "an", "the", "of", "in", "at", "from", "for", "and", "who", "is", "with", "my", "name",
     "namesake", "someone", "person", "guy", "woman", "man", "there", "s"}
)  # fmt: skip


def split_answer(text: str) -> list[str]:
    """Split a comma-separated answer into its trimmed, non-empty parts."""
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


def parse_emails(text: str) -> tuple[str, ...]:
    """Return the email addresses in a comma-separated answer; raise ValueError on a bad one."""
    emails = split_answer(text)
    for email in emails:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise ValueError(f"{email!r} is not an email address (like jane@example.com)")
    return tuple(emails)


def parse_handles(text: str) -> tuple[tuple[str, str], ...]:
    """Return (site, handle) pairs from ``site=handle, ...``; raise ValueError on a bad one."""
    from .config import HANDLE_SITES

    pairs = tuple(parse_handle(part) for part in split_answer(text))
    for site, _ in pairs:
        if site not in HANDLE_SITES:
            raise ValueError(f"unknown site {site!r}; known sites: {', '.join(HANDLE_SITES)}")
    return pairs


def parse_terms(text: str, name: str) -> tuple[str, ...]:
    """Return the context terms in an answer; raise ValueError for one that cannot help."""
    terms = split_answer(text)
    own = {w.lower() for w in name.split()}
    for term in terms:
        if len(term) < 2 or not any(c.isalnum() for c in term):
            raise ValueError(
                f"{term!r} is too short to tell you apart; give a word like 'Portland'"
            )
        if {w.lower() for w in term.split()} <= own:
            raise ValueError(f"{term!r} is part of your name; give a city, school, job or employer")
    return tuple(terms)


def parse_namesakes(text: str, mine: Sequence[str]) -> tuple[str, ...]:
    """Return the namesakes the user described ("Tampa realtor, Duke basketball") as phrases.

    Each becomes an exclusion term as a whole phrase, so the search feeds leave out only posts
    that use it (``-"Tampa realtor"``), never every post that says "Tampa". Raise ValueError
    when a description uses one of the user's own terms: excluding it would hide their posts.
    """
    ours = {w.lower() for term in mine for w in re.findall(r"\w+", term)}
    phrases: list[str] = []
    for description in split_answer(text):
        words = [w for w in re.findall(r"[\w'’\-]+", description) if len(w) > 1]
        clash = [w for w in words if w.lower() in ours]
        if clash:
            raise ValueError(
                f"{clash[0]!r} is one of your own words; describe the namesake by what is not "
                "you (their city, team, school or job)"
            )
        while words and words[0].lower() in _NAMESAKE_FILLER:
            words.pop(0)
        while words and words[-1].lower() in _NAMESAKE_FILLER:
            words.pop()
        phrase = " ".join(words)
        if phrase and phrase.lower() not in (p.lower() for p in phrases):
            phrases.append(phrase)
    return tuple(phrases)


def parse_birth_year(text: str, this_year: int) -> int | None:
    """Return the year in an answer (None when empty); raise ValueError when it is not one."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= this_year - 10:
        raise ValueError(f"{text!r} is not a birth year (like 1990); leave it empty to skip")
    return int(text)


def check_config(text: str, path: Path) -> tuple[Config, tuple[FeedSpec, ...]]:
    """Validate the config ``text`` meant for ``path``; return it with its first profile's feeds.

    Raise ConfigError naming ``path`` and the dotted key, as loading the written file would
    (the loader also checks that every handle gives a feed URL).
    """
    import tomllib

    config = parse_config(tomllib.loads(text), path)
    return config, feeds_for(config.profiles[0])
