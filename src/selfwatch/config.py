"""Load and validate the TOML config: every problem at once, each with file, dotted key and fix.

Where things live:

* the config file: ``--config``, else ``$SELFWATCH_CONFIG``, else ``<user config dir>/config.toml``;
* the state dir (SQLite, lock, digests): ``$SELFWATCH_HOME``, else ``<user state dir>``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, did_you_mean
from .model import (
    CATEGORIES,
    WEEKDAYS,
    CategoryOverride,
    ChecklistSettings,
    CustomRule,
    DigestSettings,
    FeedSpec,
    Level,
    Profile,
)
from .sources import FEED_SITES, handle_feed


@dataclass(frozen=True)
class LintSettings:
    """Defaults for ``selfwatch lint``."""

    fail_on: Level = Level.WARNING
    format: str = "text"
    profile: str | None = None
    explain: bool = False
    max_bytes: int = 2_000_000
    """The largest file (or standard input) ``lint`` reads."""


@dataclass(frozen=True)
class FetchSettings:
    """How feeds are fetched."""

    concurrency: int = 16
    per_host: int = 2
    timeout: float = 20.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = ""


@dataclass(frozen=True)
class CoachSettings:
    """The coach who gets ``selfwatch digest --all``: a name for the greeting, a time zone."""

    name: str = ""
    """Shown as ``selfwatch digest for NAME's clients``; empty: the clients' names."""
    timezone: str = "UTC"
    """Every time in the combined digest is shown in this zone."""


@dataclass(frozen=True)
class AgentSettings:
    """How ``selfwatch run`` behaves."""

    poll_minutes: int = 60
    log_file: str = ""
    log_level: str = "info"


@dataclass(frozen=True)
class Config:
    """The whole validated config."""

    path: Path | None = None
    lint: LintSettings = field(default_factory=LintSettings)
    checklist: ChecklistSettings = field(default_factory=ChecklistSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    profiles: tuple[Profile, ...] = ()
    digest: DigestSettings = field(default_factory=DigestSettings)
    agent: AgentSettings = field(default_factory=AgentSettings)
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Validated sections owned by other modules, as their values (``smtp`` -> SmtpSettings)."""
    coach: CoachSettings = field(default_factory=CoachSettings)

    def profile(self, key: str | None) -> Profile:
        """Return the profile ``key`` (with None, the only one); raise ConfigError if absent."""
        where = str(self.path) if self.path else ""
        if key is None:
            if len(self.profiles) == 1:
                return self.profiles[0]
            if not self.profiles:
                raise ConfigError("no [[profiles]] configured; run 'selfwatch init' first", where)
            keys = ", ".join(p.key for p in self.profiles)
            raise ConfigError(
                f"several profiles configured ({keys}); pick one with --profile", where
            )
        for p in self.profiles:
            if p.key == key:
                return p
        names = [p.key for p in self.profiles]
        known = f"; profiles: {', '.join(names)}" if names else "; no [[profiles]] configured"
        raise ConfigError(f"no profile named {key!r}{did_you_mean(key, names)}{known}", where)


def user_config_path() -> Path:
    """Return the config file to use when ``--config`` is not given."""
    env = os.environ.get("SELFWATCH_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "selfwatch" / "config.toml"


def state_dir() -> Path:
    """Return the state directory (``$SELFWATCH_HOME`` moves it, e.g. for tests)."""
    env = os.environ.get("SELFWATCH_HOME")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "selfwatch"


def load_config(path: Path | None = None, *, required: bool = False) -> Config:
    """Load the config at ``path`` (or the default location) and validate all of it.

    A missing default config gives the defaults unless ``required``; a missing explicit path is
    always an error.
    """
    explicit = path is not None
    path = path or user_config_path()
    if not path.exists():
        if explicit or required or os.environ.get("SELFWATCH_CONFIG"):
            raise ConfigError(
                "config file not found; create one with 'selfwatch init' "
                "or copy config.example.toml",
                str(path),
            )
        return Config()
    import tomllib  # here, not at the top: lint without a config never needs it

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", str(path)) from None
    return parse_config(raw, path)


def parse_config(raw: Mapping[str, Any], path: Path | None = None) -> Config:
    """Validate a parsed TOML document; raise one ConfigError listing every problem."""
    v = _Validator(path.parent if path else None)
    v.keys(raw, "", TOP_KEYS)
    lint = _lint(v, raw.get("lint", {}))
    checklist = _checklist(v, raw.get("checklist", {}), "checklist")
    fetch = _fetch(v, raw.get("fetch", {}))
    digest = _digest(v, raw.get("digest", {}), "digest", DigestSettings())
    agent = _agent(v, raw.get("agent", {}))
    coach = _coach(v, raw.get("coach", {}))
    profiles = _profiles(v, raw.get("profiles", []), digest, checklist)
    extra: dict[str, Any] = {}
    for name, check in EXTRA_SECTIONS.items():
        if name in raw:
            extra[name] = check(v, raw[name], name)
    if v.problems:
        raise ConfigError(v.problems, str(path) if path else "")
    return Config(path, lint, checklist, fetch, profiles, digest, agent, extra, coach)


def _smtp(v: _Validator, raw: Any, key: str) -> Any:
    # Imported here: the mailer owns its settings, and lint must not pay for it at start-up.
    from .mailer import check_smtp

    settings, problems = check_smtp(raw, key)
    v.problems.extend(problems)
    return settings


EXTRA_SECTIONS: dict[str, Callable[[_Validator, Any, str], Any]] = {"smtp": _smtp}
"""Sections validated by the module that owns them: ``name -> check(v, value, key) -> value``."""

TOP_KEYS = (
    "lint", "checklist", "fetch", "profiles", "smtp", "digest", "agent", "report", "coach",
)  # fmt: skip
COACH_KEYS = ("name", "timezone")

LINT_KEYS = ("fail_on", "format", "profile", "explain", "max_bytes")
CHECKLIST_KEYS = ("threshold", "categories", "rules", "disabled_rules", "rule_dirs", "deep")
CATEGORY_KEYS = ("enabled", "level", "terms")
RULE_KEYS = ("id", "category", "level", "terms", "patterns", "message", "suggestion")
FETCH_KEYS = ("concurrency", "per_host", "timeout", "max_bytes", "max_redirects", "user_agent")
PROFILE_KEYS = (
    "key",
    "name",
    "variants",
    "handles",
    "emails",
    "phones",
    "employers",
    "past_employers",
    "confidential_terms",
    "context_terms",
    "exclude_terms",
    "birth_year",
    "feeds",
    "search",
    "recipients",
    "timezone",
    "checklist",
    "digest",
)
FEED_KEYS = ("url", "own", "label", "kind")
MIN_BIRTH_YEAR, MAX_BIRTH_YEAR = 1900, 2020
DIGEST_KEYS = (
    "schedule", "time", "day", "realtime_level", "heartbeat", "baseline", "cc", "templates_dir",
)  # fmt: skip
AGENT_KEYS = ("poll_minutes", "log_file", "log_level")
MATCH_HANDLE_SITES = (
    "x", "twitter", "linkedin", "facebook", "instagram", "threads", "tiktok", "reddit",
)  # fmt: skip
"""Handle sites without a feed: the handle is only looked for in posts (and archives, for x)."""
HANDLE_SITES = FEED_SITES + MATCH_HANDLE_SITES
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


class _Validator:
    """Collects problems as ``dotted.key: what is wrong`` strings."""

    def __init__(self, base: Path | None = None) -> None:
        self.problems: list[str] = []
        self.base = base or Path.cwd()
        """The folder relative paths in the config are read from: the config file's own."""

    def add(self, key: str, problem: str) -> None:
        self.problems.append(f"{key}: {problem}" if key else problem)

    def keys(self, table: Any, prefix: str, allowed: tuple[str, ...]) -> bool:
        if not isinstance(table, Mapping):
            self.add(prefix, f"expected a table, got {_kind(table)}")
            return False
        for key in table:
            if key not in allowed:
                hint = did_you_mean(key, list(allowed))
                self.add(_join(prefix, key), f"unknown key{hint}")
        return True

    def typed(
        self, table: Mapping[str, Any], prefix: str, key: str, kind: type, default: Any
    ) -> Any:
        if key not in table:
            return default
        value = table[key]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not ok:
            self.add(_join(prefix, key), f"expected {kind.__name__}, got {_kind(value)}")
            return default
        return value

    def strings(self, table: Mapping[str, Any], prefix: str, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            self.add(_join(prefix, key), "expected a list of strings")
            return ()
        return tuple(x.strip() for x in value if x.strip())

    def level(self, table: Mapping[str, Any], prefix: str, key: str, default: Any) -> Any:
        if key not in table:
            return default
        try:
            return Level.parse(str(table[key]))
        except ValueError as exc:
            self.add(_join(prefix, key), str(exc))
            return default

    def positive(self, table: Mapping[str, Any], prefix: str, key: str, default: Any) -> Any:
        value = self.typed(table, prefix, key, type(default), default)
        if value <= 0:
            self.add(_join(prefix, key), f"must be greater than 0, got {value}")
            return default
        return value


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _lint(v: _Validator, table: Any) -> LintSettings:
    if not v.keys(table, "lint", LINT_KEYS):
        return LintSettings()
    fmt = v.typed(table, "lint", "format", str, "text")
    if fmt not in ("text", "json"):
        v.add("lint.format", f"must be 'text' or 'json', got {fmt!r}")
        fmt = "text"
    return LintSettings(
        fail_on=v.level(table, "lint", "fail_on", Level.WARNING),
        format=fmt,
        profile=v.typed(table, "lint", "profile", str, None),
        explain=v.typed(table, "lint", "explain", bool, False),
        max_bytes=v.positive(table, "lint", "max_bytes", LintSettings.max_bytes),
    )


def _checklist(
    v: _Validator, table: Any, prefix: str, inherited: tuple[str, ...] = ()
) -> ChecklistSettings:
    """Validate a [checklist] table; ``inherited`` are custom rule ids from the global one."""
    if not v.keys(table, prefix, CHECKLIST_KEYS):
        return ChecklistSettings()
    threshold = v.typed(table, prefix, "threshold", int, 40)
    if not 0 <= threshold <= 100:
        v.add(_join(prefix, "threshold"), f"must be between 0 and 100, got {threshold}")
        threshold = 40
    cats: list[tuple[str, CategoryOverride]] = []
    cat_table = table.get("categories", {})
    if v.keys(cat_table, _join(prefix, "categories"), CATEGORIES):
        for name, spec in cat_table.items():
            if name in CATEGORIES:
                cats.append((name, _category(v, spec, _join(prefix, f"categories.{name}"))))
    rules = []
    raw_rules = table.get("rules", [])
    if not isinstance(raw_rules, list):
        v.add(_join(prefix, "rules"), "expected a list of tables ([[checklist.rules]])")
        raw_rules = []
    for i, spec in enumerate(raw_rules):
        rule = _custom_rule(v, spec, _join(_join(prefix, "rules"), i))
        if rule:
            rules.append(rule)
    disabled = v.strings(table, prefix, "disabled_rules")
    if disabled:
        custom = (*inherited, *_named_ids(raw_rules))
        _check_rule_ids(v, table["disabled_rules"], _join(prefix, "disabled_rules"), custom)
    return ChecklistSettings(
        threshold=threshold,
        categories=tuple(cats),
        rules=tuple(rules),
        disabled_rules=disabled,
        rule_dirs=_rule_dirs(v, table, prefix),
        deep=_deep(v, table, prefix),
    )


def _deep(v: _Validator, table: Any, prefix: str) -> bool:
    """Validate ``deep``: the deep checklist needs its extra installed, said at load."""
    deep = bool(v.typed(table, prefix, "deep", bool, False))
    if deep and not deep_installed():
        v.add(_join(prefix, "deep"), "needs numpy and tokenizers: pip install 'selfwatch[deep]'")
        return False
    return deep


def deep_installed() -> bool:
    """Return True when the deep checklist's packages (numpy, tokenizers) can be imported."""
    from importlib.util import find_spec

    return find_spec("numpy") is not None and find_spec("tokenizers") is not None


def _rule_dirs(v: _Validator, table: Any, prefix: str) -> tuple[str, ...]:
    """Validate ``rule_dirs``: folders of extra rule files, relative to the config file."""
    dirs = []
    for i, raw in enumerate(v.strings(table, prefix, "rule_dirs")):
        folder = (v.base / Path(raw).expanduser()).resolve()
        if not folder.is_dir():
            v.add(_join(_join(prefix, "rule_dirs"), i), f"not a folder: {folder}")
        elif not any(folder.glob("*.toml")):
            v.add(_join(_join(prefix, "rule_dirs"), i), f"no rule files (*.toml) in {folder}")
        else:
            dirs.append(str(folder))
    return tuple(dirs)


def _named_ids(raw_rules: list[Any]) -> list[str]:
    # Every id given, valid or not: a broken custom rule is reported once, at the rule itself.
    return [str(r["id"]) for r in raw_rules if isinstance(r, Mapping) and "id" in r]


def _check_rule_ids(v: _Validator, raw: Any, prefix: str, custom: Sequence[str]) -> None:
    """Add a problem for each rule id that is neither built in nor one of ``custom``."""
    from .checklist import builtin_rule_ids  # here: only configs that disable rules pay for it

    known = {*builtin_rule_ids(), *custom}
    for i, rule_id in enumerate(raw if isinstance(raw, list) else [raw]):
        rule_id = rule_id.strip()
        if not rule_id or rule_id in known:
            continue
        key = _join(prefix, i) if isinstance(raw, list) else prefix
        if rule_id in CATEGORIES:
            where = "profiles.checklist" if prefix.startswith("profiles") else "checklist"
            table = f"[{where}.categories.{rule_id}]"
            v.add(key, f"{rule_id!r} is a category, not a rule; use {table} enabled = false")
        else:
            hint = did_you_mean(rule_id, sorted(known))
            v.add(key, f"unknown rule {rule_id!r}{hint}; 'selfwatch rules' lists them")


def _category(v: _Validator, spec: Any, prefix: str) -> CategoryOverride:
    if not v.keys(spec, prefix, CATEGORY_KEYS):
        return CategoryOverride()
    terms: list[tuple[str, float]] = []
    raw = spec.get("terms", {})
    if not isinstance(raw, Mapping):
        v.add(_join(prefix, "terms"), 'expected a table of term = weight, e.g. { "crunch" = -1 }')
    else:
        for term, weight in raw.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                v.add(f"{prefix}.terms.{term}", f"weight must be a number, got {_kind(weight)}")
            elif not term.strip():
                v.add(f"{prefix}.terms", "a term must not be empty")
            else:
                terms.append((term.strip(), float(weight)))
    return CategoryOverride(
        enabled=v.typed(spec, prefix, "enabled", bool, True),
        level=v.level(spec, prefix, "level", None),
        terms=tuple(terms),
    )


def _custom_rule(v: _Validator, spec: Any, prefix: str) -> CustomRule | None:
    if not v.keys(spec, prefix, RULE_KEYS):
        return None
    before = len(v.problems)
    rule_id = v.typed(spec, prefix, "id", str, "")
    if not RULE_ID.match(rule_id):
        v.add(_join(prefix, "id"), f"must be a dotted id like 'custom.crunch', got {rule_id!r}")
    category = v.typed(spec, prefix, "category", str, "")
    if category not in CATEGORIES:
        hint = did_you_mean(category, list(CATEGORIES))
        v.add(_join(prefix, "category"), f"unknown category {category!r}{hint}")
    terms = v.strings(spec, prefix, "terms")
    patterns = v.strings(spec, prefix, "patterns")
    for i, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            v.add(f"{prefix}.patterns[{i}]", f"invalid regular expression: {exc}")
    if not terms and not patterns:
        v.add(prefix, "a rule needs 'terms' or 'patterns'")
    if len(v.problems) > before:
        return None
    return CustomRule(
        id=rule_id,
        category=category,
        level=v.level(spec, prefix, "level", Level.WARNING),
        terms=terms,
        patterns=patterns,
        message=v.typed(spec, prefix, "message", str, f"Matches your rule {rule_id}."),
        suggestion=v.typed(spec, prefix, "suggestion", str, "Rephrase or remove it."),
    )


def _fetch(v: _Validator, table: Any) -> FetchSettings:
    if not v.keys(table, "fetch", FETCH_KEYS):
        return FetchSettings()
    d = FetchSettings()
    return FetchSettings(
        concurrency=v.positive(table, "fetch", "concurrency", d.concurrency),
        per_host=v.positive(table, "fetch", "per_host", d.per_host),
        timeout=v.positive(table, "fetch", "timeout", d.timeout),
        max_bytes=v.positive(table, "fetch", "max_bytes", d.max_bytes),
        max_redirects=v.positive(table, "fetch", "max_redirects", d.max_redirects),
        user_agent=v.typed(table, "fetch", "user_agent", str, ""),
    )


def _digest(v: _Validator, table: Any, prefix: str, base: DigestSettings) -> DigestSettings:
    """Validate a [digest] table; keys it leaves out keep the values of ``base``."""
    if not v.keys(table, prefix, DIGEST_KEYS):
        return base
    schedule = v.typed(table, prefix, "schedule", str, base.schedule)
    if schedule not in ("realtime", "daily", "weekly"):
        v.add(_join(prefix, "schedule"), f"must be realtime, daily or weekly, got {schedule!r}")
        schedule = base.schedule
    time = v.typed(table, prefix, "time", str, base.time)
    if not _HHMM.match(time):
        v.add(_join(prefix, "time"), f"expected HH:MM (24-hour), got {time!r}")
        time = base.time
    day = v.typed(table, prefix, "day", str, base.day).lower()
    if day not in WEEKDAYS:
        v.add(_join(prefix, "day"), f"unknown day {day!r}{did_you_mean(day, list(WEEKDAYS))}")
        day = base.day
    cc = v.strings(table, prefix, "cc") if "cc" in table else base.cc
    for i, email in enumerate(cc):
        if "@" not in email:
            v.add(f"{prefix}.cc[{i}]", f"not an email address: {email!r}")
    return DigestSettings(
        schedule=schedule,
        time=time,
        day=day,
        realtime_level=v.level(table, prefix, "realtime_level", base.realtime_level),
        heartbeat=v.typed(table, prefix, "heartbeat", bool, base.heartbeat),
        baseline=v.typed(table, prefix, "baseline", bool, base.baseline),
        cc=cc,
        templates_dir=v.typed(table, prefix, "templates_dir", str, base.templates_dir),
    )


def _coach(v: _Validator, table: Any) -> CoachSettings:
    if not v.keys(table, "coach", COACH_KEYS):
        return CoachSettings()
    tz = v.typed(table, "coach", "timezone", str, "UTC")
    if not _valid_timezone(tz):
        v.add("coach.timezone", f"unknown time zone {tz!r} (e.g. 'Europe/Berlin')")
        tz = "UTC"
    return CoachSettings(name=v.typed(table, "coach", "name", str, ""), timezone=tz)


def _agent(v: _Validator, table: Any) -> AgentSettings:
    if not v.keys(table, "agent", AGENT_KEYS):
        return AgentSettings()
    level = v.typed(table, "agent", "log_level", str, "info").lower()
    if level not in ("debug", "info", "warning", "error"):
        v.add("agent.log_level", f"must be debug, info, warning or error, got {level!r}")
        level = "info"
    return AgentSettings(
        poll_minutes=v.positive(table, "agent", "poll_minutes", 60),
        log_file=v.typed(table, "agent", "log_file", str, ""),
        log_level=level,
    )


def _profiles(
    v: _Validator, items: Any, digest: DigestSettings, checklist: ChecklistSettings
) -> tuple[Profile, ...]:
    if not isinstance(items, list):
        v.add("profiles", "expected a list of tables ([[profiles]])")
        return ()
    profiles: list[Profile] = []
    seen: set[str] = set()
    for i, spec in enumerate(items):
        prefix = f"profiles[{i}]"
        profile = _profile(v, spec, prefix, digest, checklist)
        if profile is None:
            continue
        if profile.key in seen:
            v.add(_join(prefix, "key"), f"duplicate profile key {profile.key!r}")
        seen.add(profile.key)
        profiles.append(profile)
    return tuple(profiles)


def slug(name: str) -> str:
    """Return a command-line friendly key for a name ("José Núñez" -> "jose-nunez")."""
    # Letters lose their accents (combining marks after NFKD) rather than being cut out as
    # symbols; letters of other scripts stay, so "李小龍" is a key and not "me".
    decomposed = unicodedata.normalize("NFKD", name.lower().translate(_UNACCENTED))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "-", plain).strip("-") or "me"


_UNACCENTED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "þ": "th"}
)


def _profile(
    v: _Validator, spec: Any, prefix: str, digest: DigestSettings, checklist: ChecklistSettings
) -> Profile | None:
    if not v.keys(spec, prefix, PROFILE_KEYS):
        return None
    name = v.typed(spec, prefix, "name", str, "").strip()
    if not name:
        v.add(_join(prefix, "name"), "required: the person's name as it appears online")
    key = v.typed(spec, prefix, "key", str, "") or slug(name)
    handle_pairs = _handles(v, spec.get("handles", {}), _join(prefix, "handles"))
    tz = v.typed(spec, prefix, "timezone", str, "UTC")
    if not _valid_timezone(tz):
        v.add(_join(prefix, "timezone"), f"unknown time zone {tz!r} (e.g. 'Europe/Berlin')")
        tz = "UTC"
    emails = v.strings(spec, prefix, "emails")
    for i, email in enumerate(emails):
        if "@" not in email:
            v.add(f"{prefix}.emails[{i}]", f"not an email address: {email!r}")
    recipients = v.strings(spec, prefix, "recipients")
    for i, email in enumerate(recipients):
        if "@" not in email:
            v.add(f"{prefix}.recipients[{i}]", f"not an email address: {email!r}")
    birth_year = v.typed(spec, prefix, "birth_year", int, None)
    if birth_year is not None and not MIN_BIRTH_YEAR <= birth_year <= MAX_BIRTH_YEAR:
        v.add(
            _join(prefix, "birth_year"),
            f"expected a year between {MIN_BIRTH_YEAR} and {MAX_BIRTH_YEAR}, got {birth_year}",
        )
        birth_year = None
    inherited = tuple(r.id for r in checklist.rules)
    checklist = _checklist(v, spec.get("checklist", {}), _join(prefix, "checklist"), inherited)
    return Profile(
        key=key,
        name=name,
        variants=v.strings(spec, prefix, "variants"),
        handles=tuple(handle_pairs),
        emails=emails,
        phones=v.strings(spec, prefix, "phones"),
        employers=v.strings(spec, prefix, "employers"),
        past_employers=v.strings(spec, prefix, "past_employers"),
        confidential_terms=v.strings(spec, prefix, "confidential_terms"),
        context_terms=v.strings(spec, prefix, "context_terms"),
        exclude_terms=v.strings(spec, prefix, "exclude_terms"),
        birth_year=birth_year,
        feeds=_feeds(v, spec.get("feeds", []), _join(prefix, "feeds"), key),
        search=v.typed(spec, prefix, "search", bool, True),
        recipients=recipients,
        timezone=tz,
        checklist=checklist,
        digest=_digest(v, spec.get("digest", {}), _join(prefix, "digest"), digest),
    )


def _handles(v: _Validator, table: Any, prefix: str) -> tuple[tuple[str, str], ...]:
    """Validate ``handles = { site = "handle" }``: known sites only, non-empty handles."""
    if not isinstance(table, Mapping):
        v.add(prefix, 'expected a table like { mastodon = "@jane@example.social" }')
        return ()
    pairs: list[tuple[str, str]] = []
    for site, handle in table.items():
        key = _join(prefix, site)
        # Sites compare lower-case: sources and ``init`` know them that way.
        name = site.strip().lower()
        if name not in HANDLE_SITES:
            hint = did_you_mean(name, HANDLE_SITES)
            v.add(key, f"unknown site {site!r}{hint}; known sites: {', '.join(HANDLE_SITES)}")
        elif not isinstance(handle, str) or not handle.strip():
            v.add(key, "expected a non-empty string")
        else:
            try:
                if name in FEED_SITES:  # the handle must make a feed URL (checked now, not at poll)
                    handle_feed(name, handle.strip(), "")
            except ValueError as exc:
                v.add(key, str(exc))
            else:
                pairs.append((name, handle.strip()))
    return tuple(pairs)


def _valid_timezone(name: str) -> bool:
    if name == "UTC":  # the default: no need to load the zone database for it
        return True
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


FEED_KINDS = (
    "google_news",
    "bing_news",
    "reddit",
    "hn",
    "hn_comments",
    "mastodon",
    "bluesky",
    "youtube",
    "github",
    "medium",
    "substack",
    "stackoverflow",
    "google_alerts",
    "url",
    "file",
)


def _feeds(v: _Validator, items: Any, prefix: str, profile: str) -> tuple[FeedSpec, ...]:
    if not isinstance(items, list):
        v.add(prefix, 'expected a list of URLs or tables like { url = "...", own = true }')
        return ()
    feeds = []
    for i, item in enumerate(items):
        key = _join(prefix, i)
        if isinstance(item, str):
            item = {"url": item}
        if not v.keys(item, key, FEED_KEYS):
            continue
        url = v.typed(item, key, "url", str, "").strip()
        if not url:
            v.add(_join(key, "url"), "required")
            continue
        kind = v.typed(item, key, "kind", str, "")
        if kind and kind not in FEED_KINDS:
            v.add(
                _join(key, "kind"),
                f"unknown feed kind {kind!r}{did_you_mean(kind, list(FEED_KINDS))}",
            )
            continue
        problem = feed_url_problem(url)
        if problem:
            v.add(_join(key, "url"), problem)
            continue
        if not kind:
            kind = "file" if _is_local(url) else "url"
        feeds.append(
            FeedSpec(
                url=url,
                kind=kind,
                profile=profile,
                own=v.typed(item, key, "own", bool, False),
                label=v.typed(item, key, "label", str, ""),
            )
        )
    return tuple(feeds)


def _is_local(url: str) -> bool:
    return url.startswith("file://") or not re.match(r"^[a-z][a-z0-9+.-]*://", url)


FEED_SCHEMES = ("http", "https", "file")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_PLAIN_WEB_URL = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?:[/?#]\S*)?")
"""An http(s) URL with a host of plain labels, no port, no user and no space: a good one."""
_BARE_HOST = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?/")


def feed_url_problem(url: str) -> str | None:
    """Return what is wrong with a feed URL or path, or None when it can be fetched.

    A feed is an ``http``/``https`` URL with a host, a ``file://`` URL, or a local path.
    Anything else with a scheme (``ftp:``, ``javascript:``, a typo like ``htp:/``) is refused
    here rather than read as a file name; so is a web address without its scheme
    (``example.com/feed.xml``) unless a file by that name exists.
    """
    if _PLAIN_WEB_URL.fullmatch(url):  # most are: no need to split them (a config lists hundreds)
        return None
    from urllib.parse import urlsplit

    match = _SCHEME.match(url)  # one letter before ":" is a Windows drive, not a scheme
    if match is None:
        if _BARE_HOST.match(url) and not Path(url).expanduser().exists():
            return (
                f"{url!r} looks like a web address without its scheme; "
                f"write 'https://{url}' (or give the path of a file that exists)"
            )
        return None
    scheme = match.group(1).lower()
    if scheme not in FEED_SCHEMES:
        hint = did_you_mean(scheme, list(FEED_SCHEMES))
        return f"unsupported scheme {scheme!r} in {url!r}{hint}; use http, https or file"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what raises for a bad one
    except ValueError as exc:
        return f"not a valid URL: {url!r} ({exc})"
    if scheme == "file":
        if not url.lower().startswith("file://") or parts.netloc not in ("", "localhost"):
            return f"{url!r}: a file URL is file:///absolute/path (or write the path itself)"
        if not parts.path:
            return f"{url!r}: the file URL has no path"
        return None
    if not url[len(scheme) + 1 :].startswith("//") or not parts.hostname:
        return f"{url!r} has no host; write it like 'https://example.com/feed.xml'"
    if any(map(str.isspace, url)):
        return f"{url!r} contains a space; encode it as %20"
    return None
