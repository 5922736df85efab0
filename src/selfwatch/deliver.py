"""Compose a profile's digest from the store and deliver it: by mail, to files, or as a preview.

Nothing is lost and nothing is sent twice: the posts in a digest are marked delivered only after
the SMTP server accepted the message, in the same transaction that records the digest. A
refused, dropped or timed-out send leaves them pending for the next digest and is logged as a
``digest_error`` event that ``selfwatch status`` shows. (If the process dies between the
server's acceptance and that commit, the next digest repeats those posts: at least once, never
zero times.)

Concurrent senders (two ``digest --send``, or one and the agent) hold the database's delivery
lock (``Store.delivering``) from composing to recording, so the second one finds the posts
already delivered: one mail, not two.

Each reader has a delivery cursor of its own: the person's digest marks posts delivered for
the person, the coach's combined digest (audience ``"coach"``) marks them for the coach. Either
may go first; neither uses up the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from .config import Config
from .digest import CombinedDigest, Digest, build_digest, combine, render_html, render_text
from .errors import ConfigError, MailError
from .mailer import SmtpSettings, build_message, send, write_to_dir
from .model import FeedSpec, Profile
from .sources import ARCHIVE, configured_only, feed_label
from .store import COACH, DigestKind, Store, StoredPost

Mode = Literal["send", "files", "preview"]
MEANWHILE = "another digest went out meanwhile"


@dataclass(frozen=True)
class DigestSeen:
    """The newest digest a caller saw when it decided to send one (``id`` None: none yet)."""

    id: int | None


@dataclass(frozen=True)
class Composed:
    """A rendered digest and the stored posts it covers."""

    digest: Digest
    posts: tuple[StoredPost, ...]
    html: str
    text: str
    kind: DigestKind


@dataclass(frozen=True)
class Delivery:
    """What happened to one digest."""

    profile: str
    kind: DigestKind
    items: int
    subject: str
    digest_id: int | None = None
    paths: tuple[Path, ...] = ()
    skipped: str = ""
    """Why nothing went out (e.g. "nothing new"), when nothing did."""


@dataclass(frozen=True)
class CombinedDelivery:
    """A coach's combined digest and what was recorded for each client."""

    digest: CombinedDigest
    deliveries: tuple[Delivery, ...]
    html: str
    text: str
    paths: tuple[Path, ...] = ()
    skipped: str = ""
    """Why nothing went out (e.g. "nothing new"), when nothing did."""


def compose(
    config: Config,
    profile: Profile,
    store: Store,
    *,
    now: datetime,
    baseline: bool | None = None,
    audience: str = "",
) -> Composed:
    """Build and render the digest of every post of ``profile`` pending for ``audience``.

    Feed health covers the feeds the config has now; acked posts go under Handled.
    """
    last = store.last_digest(profile.key, audience=audience)
    if baseline is None:
        baseline = last is None
    posts = tuple(store.pending(profile.key, audience))
    health = configured_only(profile, store.feed_health(profile.key))
    labels = {h.spec.url: (h.spec.label or h.spec.url) for h in health}
    items = [
        (sp.post, sp.identity, sp.verdict, tuple(_label(f, labels, profile) for f in sp.feeds))
        for sp in posts
        if sp.verdict.flagged or not _only_archived(sp)
    ]
    digest = build_digest(
        profile,
        items,
        [h.state for h in health],
        now=now,
        baseline=baseline,
        since=last.created_at if last else None,
        handled={sp.id for sp in posts if sp.status == "acked"},
        qualify=bool(audience) or len(config.profiles) > 1,
        open_flags=store.open_flags(profile.key),
    )
    templates = _templates(profile)
    kind: DigestKind = "baseline" if baseline else ("regular" if posts else "heartbeat")
    return Composed(
        digest, posts, render_html(digest, templates), render_text(digest, templates), kind
    )


def _only_archived(sp: StoredPost) -> bool:
    """Return True for a post known only from the person's own archive (``selfwatch audit``).

    Such a post is news to no one: the digest shows it only when it is flagged, and marks the
    rest delivered with the digest, so a 50,000-post archive does not become 50,000 mentions.
    """
    return all(f.startswith(ARCHIVE) for f in sp.feeds)


def _label(url: str, labels: Mapping[str, str], profile: Profile) -> str:
    if url.startswith(ARCHIVE):  # "X/Twitter archive", not "archive:twitter"
        return feed_label(FeedSpec(url, "url", profile.key))
    return labels.get(url, url)


def _templates(profile: Profile) -> Path | None:
    return Path(profile.digest.templates_dir).expanduser() if profile.digest.templates_dir else None


def smtp_settings(config: Config) -> SmtpSettings:
    """Return the validated [smtp] settings, or say how to add them."""
    smtp = config.extra.get("smtp")
    if not isinstance(smtp, SmtpSettings):
        raise ConfigError(
            "no [smtp] section: add one to send digests (see config.example.toml)",
            str(config.path or ""),
        )
    return smtp


def recipients(profile: Profile, config: Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (to, cc) for a profile's digest; the coach goes in cc."""
    if not profile.recipients:
        raise ConfigError(
            f"profiles[{profile.key}].recipients: no one to send the digest to",
            str(config.path or ""),
        )
    return profile.recipients, profile.digest.cc


def deliver(
    config: Config,
    profile: Profile,
    store: Store,
    *,
    now: datetime,
    mode: Mode = "send",
    directory: Path | None = None,
    env: Mapping[str, str] | None = None,
    baseline: bool | None = None,
    heartbeat: bool = False,
    seen: DigestSeen | None = None,
) -> Delivery:
    """Compose the profile's digest and deliver it; raise MailError when the send fails.

    An empty digest is skipped unless ``heartbeat``. ``mode="preview"`` changes nothing. The
    send and the files hold the delivery lock (see the module docstring). ``seen`` is the
    last digest the caller saw when it decided to send (the agent): if another digest went
    out since, nothing is sent, so a scheduled or baseline digest never follows a manual one.
    """
    if mode == "preview":
        composed = compose(config, profile, store, now=now, baseline=baseline)
        d = composed.digest
        if not composed.posts and not heartbeat:
            return Delivery(profile.key, composed.kind, 0, d.subject, skipped="nothing new")
        return Delivery(profile.key, composed.kind, len(composed.posts), d.subject)
    with store.delivering():
        if seen is not None:
            last = store.last_digest(profile.key)
            if (last.id if last else None) != seen.id:
                subject = last.subject if last else ""
                return Delivery(profile.key, "regular", 0, subject, skipped=MEANWHILE)
        return _deliver(
            config, profile, store, now=now, mode=mode, directory=directory, env=env,
            baseline=baseline, heartbeat=heartbeat,
        )  # fmt: skip


def _deliver(
    config: Config,
    profile: Profile,
    store: Store,
    *,
    now: datetime,
    mode: Mode,
    directory: Path | None,
    env: Mapping[str, str] | None,
    baseline: bool | None,
    heartbeat: bool,
) -> Delivery:
    composed = compose(config, profile, store, now=now, baseline=baseline)
    d = composed.digest
    if not composed.posts and not heartbeat:
        return Delivery(profile.key, composed.kind, 0, d.subject, skipped="nothing new")
    ids = [sp.id for sp in composed.posts]
    if mode == "files":
        assert directory is not None
        paths = write_to_dir(d, composed.html, composed.text, directory)
        digest_id = store.record_digest(
            profile.key,
            created_at=now,
            kind=composed.kind,
            channel="file",
            subject=d.subject,
            post_ids=ids,
        )
        return Delivery(profile.key, composed.kind, len(ids), d.subject, digest_id, tuple(paths))
    smtp = smtp_settings(config)
    to, cc = recipients(profile, config)
    message = build_message(
        composed.html, composed.text, d.subject, smtp.sender, to, now=now, cc=cc
    )
    try:
        send(message, smtp, env=env if env is not None else _environ())
    except MailError as exc:
        store.log_event(profile.key, "digest_error", now, str(exc))
        raise
    digest_id = store.record_digest(
        profile.key,
        created_at=now,
        kind=composed.kind,
        channel="smtp",
        subject=d.subject,
        post_ids=ids,
        recipients=(*to, *cc),
        message_id=str(message["Message-ID"]),
    )
    store.log_event(profile.key, "digest", now, d.subject)
    return Delivery(profile.key, composed.kind, len(ids), d.subject, digest_id)


def record_silently(store: Store, profile: Profile, *, now: datetime) -> Delivery:
    """Mark everything pending as seen without mailing it (first run with baseline = false)."""
    with store.delivering():
        ids = [sp.id for sp in store.pending(profile.key)]
        digest_id = store.record_digest(
            profile.key, created_at=now, kind="silent", channel="none", subject="", post_ids=ids
        )
    return Delivery(profile.key, "silent", len(ids), "", digest_id)


def deliver_combined(
    config: Config,
    profiles: Sequence[Profile],
    store: Store,
    *,
    now: datetime,
    mode: Mode = "send",
    directory: Path | None = None,
    env: Mapping[str, str] | None = None,
    timezone: str | None = None,
) -> CombinedDelivery:
    """Send a coach one digest across clients, to ``[digest] cc``, beside the clients' own.

    Each client's section holds only that client's posts. The posts it covers are marked
    delivered for the coach only (their own cursor), so the clients' digests still carry them.
    Times are shown in ``timezone``, else ``[coach] timezone``. Nothing new for any client:
    nothing is sent.
    """
    if mode == "preview":
        return _combined(config, profiles, store, now=now, mode=mode, directory=None, env=env,
                         timezone=timezone)  # fmt: skip
    with store.delivering():
        return _combined(config, profiles, store, now=now, mode=mode, directory=directory,
                         env=env, timezone=timezone)  # fmt: skip


def _combined(
    config: Config,
    profiles: Sequence[Profile],
    store: Store,
    *,
    now: datetime,
    mode: Mode,
    directory: Path | None,
    env: Mapping[str, str] | None,
    timezone: str | None,
) -> CombinedDelivery:
    parts = [compose(config, p, store, now=now, baseline=False, audience=COACH) for p in profiles]
    coach = config.coach
    title = f"{coach.name}'s clients" if coach.name else ""
    zone = timezone or coach.timezone
    whole = combine([c.digest for c in parts], now=now, key=COACH, title=title, timezone=zone)
    html, text = render_html(whole), render_text(whole)
    if mode == "preview":
        return CombinedDelivery(whole, (), html, text)
    if all(not c.posts for c in parts):  # as for a client: failing feeds alone are not news
        return CombinedDelivery(whole, (), html, text, skipped="nothing new for any client")
    if mode == "files":
        assert directory is not None
        paths = tuple(write_to_dir(whole, html, text, directory))
        done = _record_parts(store, parts, profiles, now, "file", (), "")
        return CombinedDelivery(whole, tuple(done), html, text, paths)
    to = config.digest.cc
    if not to:
        raise ConfigError(
            "digest.cc: set the coach's address to send a combined digest", str(config.path or "")
        )
    smtp = smtp_settings(config)
    message = build_message(html, text, whole.subject, smtp.sender, to, now=now)
    try:
        send(message, smtp, env=env if env is not None else _environ())
    except MailError as exc:
        # Recorded under the coach, not the clients: their own digests are not affected.
        store.log_event(COACH, "digest_error", now, str(exc))
        raise
    done = _record_parts(store, parts, profiles, now, "smtp", to, str(message["Message-ID"]))
    return CombinedDelivery(whole, tuple(done), html, text)


def _record_parts(
    store: Store,
    parts: Sequence[Composed],
    profiles: Sequence[Profile],
    now: datetime,
    channel: Literal["smtp", "file"],
    to: Sequence[str],
    message_id: str,
) -> list[Delivery]:
    out = []
    with store.transaction():
        for part, profile in zip(parts, profiles, strict=True):
            ids = [sp.id for sp in part.posts]
            digest_id = store.record_digest(
                profile.key, created_at=now, kind="regular", channel=channel,
                subject=part.digest.subject, post_ids=ids, recipients=to, message_id=message_id,
                audience=COACH,
            )  # fmt: skip
            out.append(Delivery(profile.key, "regular", len(ids), part.digest.subject, digest_id))
    return out


def _environ() -> Mapping[str, str]:
    import os

    return os.environ
