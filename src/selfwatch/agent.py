"""The background agent behind ``selfwatch run``: poll the feeds and send digests on time.

How it behaves (``selfwatch status`` and the README rely on these promises):

* A *round* polls every profile whose poll is due (``[agent] poll_minutes`` after its last
  poll, as the store remembers it), then sends every digest that is due. ``--once`` runs one
  round that polls every profile, and exits: the mode for cron.
* Between rounds the loop sleeps. A ``schedule.Scheduler`` instance wakes it every
  ``TICK_SECONDS``; what is due is decided by the pure functions below from the injected clock
  and the store, never by the scheduler's own clock, so a restart or a cron run decides
  exactly as a loop that never stopped would.
* Daily and weekly digests go out at ``[digest] time`` (and ``day``) in the profile's time
  zone, right after a fresh poll of that profile (whatever the poll interval). Across a DST
  change the wall-clock time is kept; a time the spring change skips goes out an hour later,
  a time the autumn change repeats goes out once (its first occurrence).
* Missed runs: when the machine slept or the agent was stopped through one or more digest
  times, the next round sends **one** catch-up digest holding everything pending, never one
  per missed time. Polls likewise: one poll, not one per missed interval.
* A due digest with nothing new is skipped, and the time counts as done, unless
  ``heartbeat = true``: then a short "nothing new" digest goes out.
* ``realtime`` profiles get a digest right after a poll whenever a pending post is flagged
  with a finding at or above ``realtime_level``; it carries every pending post. They have no
  timed digest, so milder posts wait for the next urgent one (or ``selfwatch digest --send``).
* First run: a profile with no digest recorded waits for its first poll that reached a feed,
  then gets one baseline digest of what already exists (``baseline = true``), or has it all
  recorded silently (``baseline = false``). Never a flood.
* Failures never stop the loop. A poll that raises is logged and recorded (``poll_error``);
  the next one comes at the usual interval. A send that fails is logged and recorded
  (``digest_error``); its posts stay pending and the send is retried after ``poll_minutes``,
  then delivered once.
* One agent per state dir: ``agent.lock`` is held with ``flock``; a second agent is refused
  with the first one's PID. The kernel drops the lock when its process dies, so a stale file
  never blocks.
* SIGTERM and SIGINT let the current step (one profile's poll, one digest) finish, then the
  agent exits cleanly, releasing the lock and restoring the previous signal handlers.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import schedule

from .config import AgentSettings, Config, state_dir
from .deliver import DigestSeen, deliver, recipients, record_silently, smtp_settings
from .errors import ConfigError, MailError, SelfwatchError
from .lockfile import PidLock, holder, locked_by
from .model import WEEKDAYS, DigestSettings, Level, Profile
from .output import terminal_safe, when
from .scorer import preload
from .sources import feeds_for
from .store import Store, StoredPost
from .watch import run_cycle

if TYPE_CHECKING:
    import httpx

    from .checklist import Engine

log = logging.getLogger("selfwatch.agent")

Clock = Callable[[], datetime]
"""Return the current time, timezone-aware (UTC)."""

TICK_SECONDS = 60
"""How often the loop wakes to look for due polls and digests."""
ENGINES_KEPT = 4
"""Profiles whose checklist engine the agent keeps between cycles (about 25 MB each)."""
LOCK_NAME = "agent.lock"


class AgentRunningError(SelfwatchError):
    """Another agent holds the lock on this state dir."""


# --- pure schedule decisions ---------------------------------------------------------------


def _clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def next_digest_at(
    settings: DigestSettings, tz: str, last: datetime | None, now: datetime
) -> datetime | None:
    """Return the first digest time (UTC) after ``last``, or after ``now`` when there is none.

    None for ``realtime``, which has no timed digest. ``tz`` is the profile's time zone.
    """
    if settings.schedule == "realtime":
        return None
    zone = ZoneInfo(tz)
    after = last if last is not None else now
    at = _clock_time(settings.time)
    weekday = WEEKDAYS.index(settings.day) if settings.schedule == "weekly" else None
    start = after.astimezone(zone).date()
    # From the day before: a zone that changes at midnight can move a slot across the date.
    for offset in range(-1, 15):
        day = start + timedelta(days=offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        # fold=0: a repeated time means its first occurrence, a skipped one shifts forward.
        slot = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if slot > after:
            return slot
    raise AssertionError("a week always has the day")  # pragma: no cover


def digest_due(
    settings: DigestSettings,
    tz: str,
    last: datetime | None,
    now: datetime,
    *,
    failed_at: datetime | None = None,
    retry: timedelta = timedelta(hours=1),
) -> bool:
    """Return True when a timed digest should go out at ``now``.

    ``last`` is when the previous timed digest was settled (sent, or skipped as empty). A send
    that failed after it (``failed_at``) is retried ``retry`` later, not at every tick. However
    many times passed since ``last``, this is one digest: missed runs are not repeated.
    """
    slot = next_digest_at(settings, tz, last, now)
    if last is None or slot is None or slot > now:
        return False
    return not (failed_at is not None and failed_at > last and now < failed_at + retry)


def is_urgent(post: StoredPost, level: Level) -> bool:
    """Return True for an open flag with a risk finding at or above ``level``.

    A post the person already acked is not urgent, even while it waits for a digest.
    """
    return post.open_flag and any(f.level >= level for f in post.verdict.risks)


def realtime_due(settings: DigestSettings, pending: Sequence[StoredPost]) -> bool:
    """Return True when a ``realtime`` profile has an urgent post pending (checked after a poll)."""
    if settings.schedule != "realtime":
        return False
    return any(is_urgent(sp, settings.realtime_level) for sp in pending)


def poll_due(last: datetime | None, now: datetime, every: timedelta) -> bool:
    """Return True when a profile last polled at ``last`` should be polled at ``now``."""
    # A clock that went backwards (last in the future) must not stop polling until it catches up.
    return last is None or last > now or now >= last + every


# --- what a round did ----------------------------------------------------------------------


@dataclass(frozen=True)
class PollOutcome:
    """One profile's poll in a round."""

    profile: str
    polled: int = 0
    failed: int = 0
    new: int = 0
    flagged: int = 0
    reached: bool = False
    """At least one feed answered (a first-run baseline waits for this)."""
    error: str = ""

    @property
    def summary(self) -> str:
        """Return a one-line account (``3 feed(s) polled, 1 failed, 2 new (1 flagged)``)."""
        if self.error:
            return f"poll failed: {self.error}"
        return (
            f"{self.polled} feed(s) polled, {self.failed} failed, "
            f"{self.new} new ({self.flagged} flagged)"
        )


@dataclass(frozen=True)
class DigestOutcome:
    """One profile's digest in a round: sent (its kind), recorded silently, skipped or failed."""

    profile: str
    kind: str
    """``baseline``, ``regular``, ``heartbeat``, ``silent``, ``skipped`` or ``error``."""
    items: int = 0
    subject: str = ""
    detail: str = ""


@dataclass(frozen=True)
class RoundReport:
    """What one round did."""

    at: datetime
    polls: tuple[PollOutcome, ...] = ()
    digests: tuple[DigestOutcome, ...] = ()


@dataclass(frozen=True)
class RunSummary:
    """What ``run_agent`` did: how many rounds, and the last one."""

    rounds: int
    last: RoundReport | None
    once: bool = False


def render_round(report: RoundReport) -> str:
    """Return one line per poll and per digest of a round (for ``selfwatch run --once``)."""
    lines = [f"{p.profile}: {p.summary}" for p in report.polls]
    for d in report.digests:
        subject = terminal_safe(d.subject)
        if d.kind == "error":
            lines.append(f"{d.profile}: digest failed: {terminal_safe(d.detail)}")
        elif d.kind == "skipped":
            lines.append(f"{d.profile}: digest due, {d.detail}; nothing sent")
        elif d.kind == "silent":
            lines.append(f"{d.profile}: recorded {d.items} existing post(s) without mailing")
        else:
            lines.append(f"{d.profile}: sent {d.kind} digest ({d.items} post(s)): {subject}")
    return "\n".join(lines) if lines else "nothing due"


def render_run(summary: RunSummary) -> str:
    """Return what ``selfwatch run`` prints when it ends."""
    if summary.once and summary.last is not None:
        return render_round(summary.last)
    return f"stopped after {summary.rounds} round(s)"


# --- the agent -----------------------------------------------------------------------------


class Agent:
    """Runs rounds for every profile of ``config`` against ``store``, reading ``clock``."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.transport = transport
        self.env = env
        self.poll_every = timedelta(minutes=config.agent.poll_minutes)
        self.rounds = 0
        self.last: RoundReport | None = None
        self._stop = threading.Event()
        self._engines: dict[str, tuple[str, Engine]] = {}
        """Each profile's checklist engine, by the key of what it was compiled from."""

    def stop(self) -> None:
        """Ask the agent to stop after the current step (safe from a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """Return True once a stop was asked for."""
        return self._stop.is_set()

    def run_round(self, *, force_poll: bool = False) -> RoundReport:
        """Poll the profiles that are due (all with ``force_poll``), then send due digests."""
        now = self.clock()
        polls: dict[str, PollOutcome] = {}
        for profile in self.config.profiles:
            if self.stopping:
                break
            last = last_poll(self.store, profile.key)
            due = poll_due(last[0] if last else None, now, self.poll_every)
            # A timed digest about to go out gets a fresh poll first, whatever the interval.
            if force_poll or due or self._timed_due(profile, now):
                polls[profile.key] = self._poll(profile, now)
        digests: list[DigestOutcome] = []
        now = self.clock()
        for profile in self.config.profiles:
            if self.stopping:
                break
            done = self._guarded_digest(profile, now, polls)
            if done is not None:
                digests.append(done)
        self.rounds += 1
        self.last = RoundReport(now, tuple(polls.values()), tuple(digests))
        log.debug("round %d done", self.rounds)
        return self.last

    def run_forever(
        self, *, tick_seconds: int = TICK_SECONDS, wait: Callable[[float], Any] | None = None
    ) -> int:
        """Run a round now, then one every tick until ``stop()``; return how many rounds ran.

        ``wait(seconds)`` sleeps between ticks and returns early on ``stop()``.
        """
        pause = wait or self._stop.wait
        scheduler = schedule.Scheduler()
        scheduler.every(tick_seconds).seconds.do(self._tick)
        self._tick()
        while not self.stopping:
            scheduler.run_pending()
            if self.stopping:
                break
            idle = scheduler.idle_seconds
            pause(min(max(idle if idle is not None else tick_seconds, 0.0), tick_seconds))
        scheduler.clear()
        return self.rounds

    def _tick(self) -> None:
        try:
            report = self.run_round()
        except Exception:  # the loop's boundary: a round that breaks must not end the agent
            log.exception("round failed; trying again at the next tick")
            return
        if report.polls or report.digests:
            log.info("round done: %d poll(s), %d digest(s)", len(report.polls), len(report.digests))

    def _guarded_digest(
        self, profile: Profile, now: datetime, polls: Mapping[str, PollOutcome]
    ) -> DigestOutcome | None:
        try:
            return self._digest(profile, now, polls)
        except Exception as exc:
            detail = _describe(exc)
            log.error("%s: digest failed: %s", profile.key, detail, exc_info=_unexpected(exc))
            self._event(profile, "digest_error", now, detail)
            return DigestOutcome(profile.key, "error", detail=detail)

    def _poll(self, profile: Profile, now: datetime) -> PollOutcome:
        try:
            preload()  # once for the agent's life: each cycle's scoring workers inherit it
            report = run_cycle(
                self.config,
                profile,
                self.store,
                now=now,
                transport=self.transport,
                engine=self._engine(profile),
                on_wait=lambda pid: log.info(
                    "%s: waiting for another selfwatch poll (PID %s) to finish", profile.key, pid
                ),
            )
        except Exception as exc:
            detail = _describe(exc)
            log.error("%s: poll failed: %s", profile.key, detail, exc_info=_unexpected(exc))
            broken = PollOutcome(profile.key, error=detail)
            self._event(profile, "poll_error", now, broken.summary)
            return broken
        for failed in report.errors:
            assert failed.result is not None
            log.warning("%s: %s", profile.key, _redact(failed.result.error, failed.spec.url))
        answered = [f.result for f in report.feeds if f.result is not None]
        outcome = PollOutcome(
            profile.key,
            polled=len(answered),
            failed=len(report.errors),
            new=len(report.new),
            flagged=sum(1 for sp in report.new if sp.verdict.flagged),
            reached=any(r.status in ("ok", "not_modified") for r in answered),
        )
        log.info("%s: %s", profile.key, outcome.summary)  # run_cycle logged the "poll" event
        return outcome

    def _engine(self, profile: Profile) -> Engine:
        """Return the profile's checklist engine, loaded again only when what it depends on
        changed (its rule files, the profile's names and settings, the engine's own sources).

        Loaded here, before a cycle forks its scoring workers, it is theirs too: a worker no
        longer reads it back from the disk cache every cycle (~40 ms). The engines of the
        ``ENGINES_KEPT`` profiles polled last are kept.
        """
        from .checklist import cache_key, cached_engine, default_engine

        key = cache_key(profile, self.config.checklist)
        held = self._engines.pop(profile.key, None)
        if held is None or held[0] != key:
            # default_engine keeps what it built in this process by profile and settings alone,
            # whatever the rule files say now: an edited file must be read anew.
            default_engine.cache_clear()
            held = (key, cached_engine(profile, self.config.checklist))
        self._engines[profile.key] = held  # the last polled, last in line to be dropped
        while len(self._engines) > ENGINES_KEPT:
            del self._engines[next(iter(self._engines))]
        return held[1]

    def _digest(
        self, profile: Profile, now: datetime, polls: Mapping[str, PollOutcome]
    ) -> DigestOutcome | None:
        poll = polls.get(profile.key)
        settings = profile.digest
        last = self.store.last_digest(profile.key)
        # Sent only if no other digest (a `digest --send` in another process) goes out first.
        seen = DigestSeen(last.id if last else None)
        if last is None:
            if poll is None or not poll.reached:
                return None
            if not settings.baseline:
                done = record_silently(self.store, profile, now=now)
                self._event(profile, "digest", now, f"recorded {done.items} post(s) silently")
                log.info("%s: first run: recorded %d post(s) silently", profile.key, done.items)
                return DigestOutcome(profile.key, "silent", done.items)
            # heartbeat: the baseline goes out even when nothing exists yet, to show it works.
            return self._send(profile, now, seen, baseline=True, heartbeat=True)
        if settings.schedule == "realtime":
            if poll is None or poll.error:
                return None
            if not realtime_due(settings, self.store.pending(profile.key)):
                return None
            return self._send(profile, now, seen)
        if not self._timed_due(profile, now):
            return None
        return self._send(profile, now, seen, heartbeat=settings.heartbeat)

    def _timed_due(self, profile: Profile, now: datetime) -> bool:
        if self.store.last_digest(profile.key) is None:
            return False  # the first digest is the baseline, sent after a poll
        failed = self.store.last_event(profile.key, "digest_error")
        return digest_due(
            profile.digest,
            profile.timezone,
            settled_at(self.store, profile.key),
            now,
            failed_at=failed[0] if failed else None,
            retry=self.poll_every,
        )

    def _send(
        self,
        profile: Profile,
        now: datetime,
        seen: DigestSeen,
        *,
        baseline: bool = False,
        heartbeat: bool = False,
    ) -> DigestOutcome:
        try:
            done = deliver(
                self.config,
                profile,
                self.store,
                now=now,
                env=self.env,
                baseline=baseline,
                heartbeat=heartbeat,
                seen=seen,
            )
        except MailError as exc:  # deliver recorded the digest_error; the posts stay pending
            log.error("%s: digest not delivered, posts stay pending: %s", profile.key, exc)
            return DigestOutcome(profile.key, "error", detail=str(exc))
        if done.skipped:
            self._event(profile, "digest_skip", now, done.skipped)
            log.info("%s: digest due, %s; nothing sent", profile.key, done.skipped)
            return DigestOutcome(profile.key, "skipped", subject=done.subject, detail=done.skipped)
        log.info("%s: sent %s digest, %d post(s)", profile.key, done.kind, done.items)
        return DigestOutcome(profile.key, done.kind, done.items, done.subject)

    def _event(self, profile: Profile, kind: str, now: datetime, detail: str) -> None:
        try:
            self.store.log_event(profile.key, kind, now, detail)
        except Exception as exc:  # a busy database must not turn a logged failure into a crash
            log.error("%s: cannot record the %s event: %s", profile.key, kind, _describe(exc))


def last_poll(store: Store, profile: str) -> tuple[datetime, str] | None:
    """Return when ``profile`` was last polled (successfully or not) and the poll's summary."""
    events = [e for kind in ("poll", "poll_error") if (e := store.last_event(profile, kind))]
    return max(events, default=None, key=lambda e: e[0])


def settled_at(store: Store, profile: str) -> datetime | None:
    """Return when ``profile``'s last timed digest was settled: sent, or skipped as empty."""
    last = store.last_digest(profile)
    skipped = store.last_event(profile, "digest_skip")
    times = [t for t in (last.created_at if last else None, skipped[0] if skipped else None) if t]
    return max(times, default=None)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SelfwatchError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _unexpected(exc: BaseException) -> bool:
    """Return True when a traceback helps (a bug, not a reported condition)."""
    return not isinstance(exc, SelfwatchError)


def _redact(text: str, url: str) -> str:
    """Return ``text`` with ``url`` cut to scheme, host and path (tokens hide in queries)."""
    parts = urlsplit(url)
    if not parts.netloc:
        return text
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return text.replace(url, f"{parts.scheme}://{host}{port}{parts.path}")


# --- lock, signals, logging ----------------------------------------------------------------


def lock_path() -> Path:
    """Return the agent's lock file (in the state dir)."""
    return state_dir() / LOCK_NAME


class AgentLock:
    """An exclusive, non-blocking lock on the agent's lock file, holding our PID while held."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = PidLock(path)

    def acquire(self) -> None:
        """Take the lock or raise AgentRunningError naming the holder's PID."""
        if not self._lock.try_acquire():
            pid = holder(self.path)
            who = f"PID {pid}" if pid else "PID unknown"
            raise AgentRunningError(
                f"another selfwatch agent is already running ({who}; lock {self.path}); "
                "stop it first, or use 'selfwatch status' to see what it does"
            )

    def release(self) -> None:
        """Clear our PID and drop the lock (the file stays: removing it would race)."""
        self._lock.release()

    def __enter__(self) -> AgentLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def running_agent(path: Path | None = None) -> int | None:
    """Return the PID of the agent holding the lock (0 if unreadable), or None if none runs."""
    return locked_by(path or lock_path())


@contextmanager
def stop_on_signals(agent: Agent) -> Iterator[None]:
    """Make SIGTERM and SIGINT ask ``agent`` to stop; restore the previous handlers after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; the caller stops the agent itself
        return
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def handler(signum: int, frame: FrameType | None) -> None:
        # Only set a flag: raising here could land in the middle of a store transaction.
        agent.stop()

    for sig in signals:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


@contextmanager
def agent_logging(settings: AgentSettings, *, once: bool = False) -> Iterator[logging.Handler]:
    """Send selfwatch's log records to ``log_file`` (or stderr) at ``log_level`` meanwhile.

    With ``once`` and no log file, stderr gets warnings and errors only: ``run --once`` prints
    its round on stdout, and cron mails (or a ``>> cron.log 2>&1``) would get it twice.
    """
    handler: logging.Handler
    if settings.log_file:
        path = Path(settings.log_file).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"agent.log_file: cannot open {path}: {exc}") from None
    else:
        handler = logging.StreamHandler(sys.stderr)
        if once:
            handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("selfwatch")
    old_level = logger.level
    logger.setLevel(settings.log_level.upper())
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        handler.close()


def check_ready(config: Config) -> None:
    """Raise ConfigError unless every profile can be mailed (the agent's whole point)."""
    if not config.profiles:
        config.profile(None)  # raises the "run selfwatch init" error
    smtp_settings(config)
    for profile in config.profiles:
        recipients(profile, config)


def run_agent(
    config: Config,
    store: Store,
    *,
    clock: Clock,
    once: bool = False,
    transport: httpx.BaseTransport | None = None,
    env: Mapping[str, str] | None = None,
    lock: Path | None = None,
    tick_seconds: int = TICK_SECONDS,
) -> RunSummary:
    """Run the agent under the lock: one round that polls everything (``once``) or until a signal.

    Raises ConfigError when a profile cannot be mailed, AgentRunningError when another agent
    holds the lock.
    """
    check_ready(config)
    with agent_logging(config.agent, once=once), AgentLock(lock or lock_path()):
        agent = Agent(config, store, clock=clock, transport=transport, env=env)
        with stop_on_signals(agent):
            log.info("agent started (PID %d, %d profile(s))", os.getpid(), len(config.profiles))
            if once:
                agent.run_round(force_poll=True)
            else:
                agent.run_forever(tick_seconds=tick_seconds)
            log.info("agent stopped after %d round(s)", agent.rounds)
        return RunSummary(agent.rounds, agent.last, once)


# --- status --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedProblem:
    """A failing or disabled feed, for ``status``."""

    name: str
    """The feed's label, or its URL."""
    error: str
    failures: int
    last_success: datetime | None
    """Failing since after this (None: it never worked)."""
    disabled: str = ""
    malformed: str = ""
    """Set for a feed that works but sent items with no real text (they were left out)."""


@dataclass(frozen=True)
class FeedsSummary:
    """How a profile's configured feeds are doing."""

    ok: int = 0
    failing: int = 0
    disabled: int = 0
    unpolled: int = 0
    problems: tuple[FeedProblem, ...] = ()


@dataclass(frozen=True)
class ProfileStatus:
    """What ``selfwatch status`` shows for one profile."""

    key: str
    name: str
    schedule: str
    timezone: str
    last_poll: tuple[datetime, str] | None
    last_digest: tuple[datetime, str] | None
    """When and which kind (baseline, regular, heartbeat, silent)."""
    next_digest: datetime | None
    next_note: str
    """How the next digest comes when there is no time (realtime, baseline), or that it is due."""
    pending: int
    flagged: int
    """Open flags among the pending posts."""
    last_error: tuple[datetime, str] | None
    """The newest failed send after the newest delivered digest."""
    feeds: FeedsSummary
    open_flags: int = 0
    """Every open flag of the profile, delivered or not (``model.is_open_flag``)."""


def status(config: Config, store: Store, now: datetime) -> list[ProfileStatus]:
    """Return each profile's last poll, next digest, pending posts, last error and feed health."""
    return [_profile_status(p, store, now) for p in config.profiles]


def _profile_status(profile: Profile, store: Store, now: datetime) -> ProfileStatus:
    last = store.last_digest(profile.key)
    error = store.last_event(profile.key, "digest_error")
    if error is not None and last is not None and error[0] <= last.created_at:
        error = None
    settings = profile.digest
    next_at, note = None, ""
    if last is None:
        note = "baseline after the first poll that reaches a feed"
    elif settings.schedule == "realtime":
        note = f"after a poll finds a flagged post ({settings.realtime_level.label} or above)"
    else:
        next_at = next_digest_at(settings, profile.timezone, settled_at(store, profile.key), now)
        if next_at is not None and next_at <= now:
            note = "due: it goes out on the agent's next round"
    pending = store.pending(profile.key)
    return ProfileStatus(
        key=profile.key,
        name=profile.name,
        schedule=settings.schedule,
        timezone=profile.timezone,
        last_poll=last_poll(store, profile.key),
        last_digest=(last.created_at, last.kind) if last else None,
        next_digest=next_at,
        next_note=note,
        pending=len(pending),
        flagged=sum(1 for sp in pending if sp.open_flag),
        last_error=error,
        feeds=_feeds_summary(profile, store),
        open_flags=store.open_flags(profile.key),
    )


def _feeds_summary(profile: Profile, store: Store) -> FeedsSummary:
    health = {h.configured_url: h for h in store.feed_health(profile.key)}
    health.update({h.spec.url: h for h in health.values()})
    ok = failing = disabled = unpolled = 0
    problems = []
    for spec in feeds_for(profile):
        h = health.get(spec.url)
        if h is None or (h.state.last_success is None and not h.state.last_error):
            unpolled += 1
            continue
        state = h.state
        if state.disabled:
            disabled += 1
        elif state.failures:
            failing += 1
        else:
            ok += 1
            if not state.malformed:
                continue
        problems.append(
            FeedProblem(
                spec.label or spec.url,
                state.last_error,
                state.failures,
                state.last_success,
                state.disabled,
                state.malformed if not (state.failures or state.disabled) else "",
            )
        )
    return FeedsSummary(ok, failing, disabled, unpolled, tuple(problems))


def render_status(statuses: Sequence[ProfileStatus], agent_pid: int | None = None) -> str:
    """Return ``selfwatch status`` as text; feed-supplied text is made terminal-safe."""
    running = "not running" if agent_pid is None else f"running (PID {agent_pid or '?'})"
    lines = [f"agent: {running}"]
    for s in statuses:
        lines.extend(["", *_status_lines(s)])
    return "\n".join(lines)


def _status_lines(s: ProfileStatus) -> list[str]:
    def at(value: tuple[datetime, str] | None, show: Callable[[str], str]) -> str:
        return f"{when(value[0])} UTC  {show(value[1])}" if value else "never"

    settings = f"{s.schedule} ({s.timezone})"
    lines = [
        f"{s.key} ({terminal_safe(s.name)}), {settings}",
        f"  last poll:    {at(s.last_poll, terminal_safe)}",
        f"  last digest:  {at(s.last_digest, str)}",
        f"  next digest:  {_next(s)}",
        f"  pending:      {s.pending} post(s), {s.flagged} flagged",
        f"  open flags:   {s.open_flags} open flag(s) (flagged, neither acked nor ignored)",
    ]
    if s.last_error:
        lines.append(f"  last error:   {at(s.last_error, terminal_safe)}")
    f = s.feeds
    lines.append(
        f"  feeds:        {f.ok} ok, {f.failing} failing, {f.disabled} disabled"
        + (f", {f.unpolled} not polled yet" if f.unpolled else "")
    )
    for p in f.problems:
        name, error = terminal_safe(p.name), terminal_safe(p.error)
        if p.disabled:
            lines.append(f"    DISABLED {name}: {terminal_safe(p.disabled)}")
            continue
        if p.malformed:
            lines.append(f"    MALFORMED {name}: {terminal_safe(p.malformed)}")
            continue
        since = f"since {when(p.last_success)} UTC" if p.last_success else "never worked"
        lines.append(f"    FAILING  {name}: {p.failures} failure(s), {since}: {error}")
    return lines


def _next(s: ProfileStatus) -> str:
    if s.next_digest is None:
        return s.next_note
    local = s.next_digest.astimezone(ZoneInfo(s.timezone)).strftime("%a %H:%M")
    due = f"; {s.next_note}" if s.next_note else ""
    return f"{when(s.next_digest)} UTC ({local} {s.timezone}){due}"
