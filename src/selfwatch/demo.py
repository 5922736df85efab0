"""``selfwatch demo``: the whole chain on a fictional person, offline, in a throwaway database.

Alex Rivera is a data engineer at Northwind Labs in Denver; a namesake, Alex Rivera the Miami
welterweight boxer, is in the news too. Five sample feeds ship inside the package, written in the
shapes the real sites serve (Alex's own Mastodon RSS, Google News RSS, a Google Alerts Atom feed,
a Reddit search Atom feed and hnrss comments). The demo reads them as local files, decides which
posts are about Alex, scores them against the built-in checklist and writes the digest: a rant
about the employer, being drunk in standup and a phone number on Reddit are flagged; a talk and a
meetup's thanks are good news; the boxer's three stories never appear.

Nothing outside the output directory is touched: the config is built in code, and the state
database lives in a temporary directory that is deleted afterwards, so ``$SELFWATCH_HOME`` and the
user's real history stay as they were. With a :class:`MailTarget` the same digest is also mailed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parseaddr
from importlib.resources import files
from pathlib import Path
from typing import Any

from .config import Config, parse_config
from .deliver import compose, deliver, smtp_settings
from .errors import ConfigError, FetchError, MailError
from .mailer import SmtpSettings
from .model import FeedKind, Profile
from .store import Store
from .watch import open_store, run_cycle

FEEDS_PACKAGE = "selfwatch"
FEEDS_DIR = "demo_feeds"

DEMO_FEEDS: tuple[tuple[str, FeedKind, bool, str], ...] = (
    ("mastodon.rss", "mastodon", True, "Mastodon @alexrivera@mastodon.example"),
    ("google_news.xml", "google_news", False, 'Google News: "Alex Rivera"'),
    ("google_alerts.atom", "google_alerts", False, 'Google Alerts: "Alex Rivera"'),
    ("reddit_search.atom", "reddit", False, 'Reddit search: "Alex Rivera"'),
    ("hnrss_newcomments.xml", "hn_comments", False, 'Hacker News comments: "Alex Rivera"'),
)
"""The bundled sample feeds: (file name, kind, the person's own posts?, label in the digest)."""

DEMO_PROFILE: Mapping[str, Any] = {
    "key": "alex-rivera",
    "name": "Alex Rivera",
    "handles": {"mastodon": "@alexrivera@mastodon.example"},
    "emails": ["alex.rivera@example.com"],
    "phones": ["+1 720 555 0134"],
    "employers": ["Northwind Labs"],
    "confidential_terms": ["Project Kestrel", "Contoso"],
    "context_terms": ["Denver", "data engineer", "data engineering"],
    "exclude_terms": ["boxer", "boxing", "welterweight", "Miami"],
    "search": False,
    "timezone": "America/Denver",
}
"""The fictional person, in the shape of a ``[[profiles]]`` table (feeds are added at run time)."""


@dataclass(frozen=True)
class MailTarget:
    """Where ``run_demo`` mails the digest: the user's [smtp] settings and the recipients."""

    smtp: SmtpSettings
    to: tuple[str, ...]


@dataclass(frozen=True)
class DemoResult:
    """What the demo wrote (and sent), with the counts a reader checks against the digest."""

    html: Path
    text: Path
    subject: str
    posts: int
    """Every post the sample feeds held, the namesake's included."""
    flagged: int
    good_news: int
    mentions: int
    not_me: int
    """Posts decided to be about someone else (the boxer): left out of the digest."""
    sent_to: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """Return one line of counts: ``11 posts: 3 flagged, 2 good news, ...``."""
        return (
            f"{self.posts} posts: {self.flagged} flagged, {self.good_news} good news, "
            f"{self.mentions} other mentions, {self.not_me} about a namesake (left out)"
        )


def mail_target(config: Config, to: str | None = None) -> MailTarget:
    """Return the [smtp] settings of ``config`` and ``to`` (else the first profile's recipients).

    Raise ConfigError when there is no [smtp] section or nobody to send to.
    """
    smtp = smtp_settings(config)
    where = str(config.path or "")
    if to:
        if "@" not in parseaddr(to)[1] or any(c in to for c in "\r\n"):
            raise ConfigError(f"--to: not an email address: {to!r}", where)
        return MailTarget(smtp, (to.strip(),))
    if config.profiles and config.profiles[0].recipients:
        return MailTarget(smtp, config.profiles[0].recipients)
    raise ConfigError(
        "no one to send the demo digest to: pass --to EMAIL, or set recipients in your first "
        "[[profiles]] table",
        where,
    )


def demo_config(feed_dir: Path, *, recipients: tuple[str, ...] = ()) -> Config:
    """Return the demo's validated config, its feeds read from ``feed_dir``."""
    feeds = [
        {"url": str(feed_dir / name), "kind": kind, "own": own, "label": label}
        for name, kind, own, label in DEMO_FEEDS
    ]
    profile = {**DEMO_PROFILE, "feeds": feeds, "recipients": list(recipients)}
    return parse_config({"profiles": [profile]})


def unpack_feeds(directory: Path) -> Path:
    """Copy the bundled sample feeds into ``directory`` and return it.

    Copying gives real files however the package was installed (a wheel, an editable checkout,
    a zip import), where a path inside the package may not exist on disk.
    """
    bundled = files(FEEDS_PACKAGE).joinpath(FEEDS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    for name, *_ in DEMO_FEEDS:
        (directory / name).write_bytes(bundled.joinpath(name).read_bytes())
    return directory


def run_demo(
    out_dir: Path,
    *,
    now: datetime,
    send: MailTarget | None = None,
    env: Mapping[str, str] | None = None,
) -> DemoResult:
    """Watch the fictional Alex Rivera once and write the digest's HTML and text into ``out_dir``.

    With ``send``, also mail that digest through ``send.smtp`` (``env`` holds the password
    variable, default: the process environment). Raise MailError when writing or sending fails.
    """
    with tempfile.TemporaryDirectory(prefix="selfwatch-demo-") as tmp:
        work = Path(tmp)
        config = demo_config(unpack_feeds(work / "feeds"), recipients=send.to if send else ())
        profile = config.profiles[0]
        with open_store(work / "demo.db") as store:
            result = _write_digest(config, profile, store, out_dir, now)
        if send is None:
            return result
        # A delivered post is never delivered again, so the mail gets its own fresh database.
        with open_store(work / "mail.db") as store:
            _watch(config, profile, store, now)
            mailing = replace(config, extra={**config.extra, "smtp": send.smtp})
            try:
                deliver(mailing, profile, store, now=now, mode="send", env=env, baseline=False)
            except MailError as exc:
                raise MailError(f"{exc} (the demo digest is still in {result.html})") from None
    return replace(result, sent_to=send.to)


def _watch(config: Config, profile: Profile, store: Store, now: datetime) -> list[str]:
    """Run one cycle over the profile's (local) feeds; return the confidence of each new post."""
    report = run_cycle(config, profile, store, now=now, feeds=profile.feeds)
    failed = [f.result.error for f in report.errors if f.result is not None]
    if failed:  # the bundled files are ours: a failure here is a packaging bug
        raise FetchError(f"the demo feeds could not be read: {'; '.join(failed)}")
    return [sp.identity.confidence for sp in report.new]


def _write_digest(
    config: Config, profile: Profile, store: Store, out_dir: Path, now: datetime
) -> DemoResult:
    confidences = _watch(config, profile, store, now)
    # A regular digest, not the first-run baseline: it is what a user gets every morning.
    digest = compose(config, profile, store, now=now, baseline=False).digest
    done = deliver(config, profile, store, now=now, mode="files", directory=out_dir, baseline=False)
    html, text = done.paths
    return DemoResult(
        html=html,
        text=text,
        subject=done.subject,
        posts=len(confidences),
        flagged=len(digest.flagged),
        good_news=len(digest.good_news),
        mentions=len(digest.mentions),
        not_me=confidences.count("not_me"),
    )
