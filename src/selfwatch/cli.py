"""The command line: load, call one function, print. Domain errors become ``Error:`` lines here.

Exit codes: 0 ok; 1 ``lint`` found risks at or above ``--fail-on``; 2 usage or config error;
3 runtime error (a feed, the store, the mail server).

Heavy modules (httpx, feedparser, jinja2) are imported inside the commands that need them, so
``selfwatch lint`` starts fast.
"""

from __future__ import annotations

import atexit
import gc
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .errors import SelfwatchError

# Leaving, the interpreter's last garbage collection walks every object still alive (a cycle's
# posts, the parsers' tables) to free nothing the process exit would not: frozen, it skips them
# (~12 ms of every 500-feed check, after its work is done).
atexit.register(gc.freeze)

DEEP_HELP = "Also ask the deep checklist (MiniLM; needs pip install 'selfwatch[deep]')."


class _Failure(click.ClickException):
    """A domain error on its way out: ``Error: <message>`` and the error's exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]


class _Group(click.Group):
    """A group that turns SelfwatchError into ``Error: ...`` with the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SelfwatchError as exc:
            if ctx.params.get("verbose"):
                import traceback  # only for --verbose: not on every start

                traceback.print_exc()
            raise _Failure(str(exc), exc.exit_code) from exc


class Options:
    """Options shared by every command.

    A plain class: on Python 3.11 creating a dataclass costs about a millisecond of every start.
    """

    def __init__(self, config_path: Path | None, verbose: bool) -> None:
        self.config_path = config_path
        self.verbose = verbose

    def config(self, *, required: bool = False) -> Any:
        """Load and validate the config (raises ConfigError with every problem)."""
        from .config import load_config

        return load_config(self.config_path, required=required)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $SELFWATCH_CONFIG or ~/.config/selfwatch/config.toml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="selfwatch", prog_name="selfwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """Watch your online presence and lint drafts the way an employer would read them."""
    ctx.obj = Options(config_path, verbose)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), help="Output format.")
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error", "never"]),
    help="Exit 1 when a risk finding is at or above this level (default: warning).",
)
@click.option("--explain", is_flag=True, default=None, help="Add why and a suggestion.")
@click.option("--profile", help="Use this profile's employers, codenames and contacts.")
@click.option("--deep", is_flag=True, help=DEEP_HELP)
@click.option("--threshold", type=click.IntRange(0, 100), help="Score at which a file is flagged.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    help="Refuse files larger than this (default: [lint] max_bytes, 2000000).",
)
@click.pass_obj
def lint(
    opts: Options,
    paths: tuple[str, ...],
    fmt: str | None,
    fail_on: str | None,
    explain: bool | None,
    profile: str | None,
    threshold: int | None,
    deep: bool,
    max_bytes: int | None,
) -> None:
    """Check drafts before you post them; PATH may be a file or - for stdin.

    Plain text, Markdown (front matter, code and link targets skipped) and HTML.

    \b
    Examples:
      selfwatch lint post.md
      echo "my boss is a clown" | selfwatch lint -
      selfwatch lint --format json --fail-on error drafts/*.md
    """
    from dataclasses import replace

    from .checklist import cached_engine
    from .lint import lint_document, read_inputs
    from .model import Level
    from .output import json_report, text_report

    config = opts.config()
    settings = config.lint
    key = profile or settings.profile
    person = config.profile(key) if key else None
    checklist = config.checklist
    if threshold is not None:
        checklist = replace(checklist, threshold=threshold)
    if deep:
        checklist = replace(checklist, deep=True)
    limit = max_bytes or settings.max_bytes
    # Read at most one byte past the limit: enough to refuse a huge pipe without holding it.
    stdin = sys.stdin.buffer.read(limit + 1) if "-" in paths else None
    inputs = read_inputs(paths, stdin, max_bytes=limit)
    engine = cached_engine(person, checklist)
    reports = [lint_document(engine, p, t) for p, t in inputs]
    if (fmt or settings.format) == "json":
        click.echo(json_report(reports))
    else:
        click.echo(text_report(reports, explain=settings.explain if explain is None else explain))
    bar = fail_on or settings.fail_on.label
    if bar != "never":
        level = Level.parse(bar)
        if any((r.worst() or 0) >= level for r in reports):
            sys.exit(1)


@cli.command()
@click.option("--category", help="Only rules in this category.")
@click.option("--profile", help="Include this profile's overrides and custom rules.")
@click.pass_obj
def rules(opts: Options, category: str | None, profile: str | None) -> None:
    """List the checklist rules: id, level, category and why it matters.

    \b
    Example:
      selfwatch rules --category employer
    """
    from .checklist import default_engine
    from .errors import did_you_mean
    from .model import CATEGORIES
    from .output import terminal_safe

    if category is not None and category not in CATEGORIES:
        hint = did_you_mean(category, CATEGORIES)
        raise click.BadParameter(
            f"unknown category {category!r}{hint}; categories: {', '.join(CATEGORIES)}",
            param_hint="'--category'",
        )
    config = opts.config()
    person = config.profile(profile) if profile else None
    engine = default_engine(person, config.checklist)
    click.echo(f"checklist {engine.checklist.version}, flag threshold {engine.checklist.threshold}")
    for rule in sorted(engine.checklist.rules, key=lambda r: (r.category, r.id)):
        if category and rule.category != category:
            continue
        click.echo(f"{rule.id:32} {rule.level.label:8} {terminal_safe(rule.message)}")


def _now() -> datetime:
    return datetime.now(UTC)


def _profiles(config: Any, key: str | None) -> list[Any]:
    """Return the profile named ``key``, or every profile when ``key`` is None."""
    if key:
        return [config.profile(key)]
    if not config.profiles:
        config.profile(None)  # raises the "run selfwatch init" error
    return list(config.profiles)


@cli.command()
@click.option("--name", help="Your name as it appears online.")
@click.option("--email", "emails", multiple=True, help="Your email address (repeatable).")
@click.option("--phone", "phones", multiple=True, help="Your phone number (repeatable).")
@click.option("--employer", "employers", multiple=True, help="Current employer (repeatable).")
@click.option(
    "--handle", "handles", multiple=True, metavar="SITE=HANDLE", help="e.g. github=janedoe."
)
@click.option("--variant", "variants", multiple=True, help="Another form of your name.")
@click.option("--context", "context_terms", multiple=True, help="A word that makes a match you.")
@click.option("--exclude", "exclude_terms", multiple=True, help="A namesake's word to exclude.")
@click.option(
    "--birth-year",
    type=click.IntRange(1900, 2020),
    help="The year you were born: namesakes of another age are told apart.",
)
@click.option("--feed", "feeds", multiple=True, help="An extra feed URL or file.")
@click.option("--timezone", default="UTC", show_default=True, help="Your time zone.")
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
@click.pass_obj
def init(opts: Options, /, name: str | None, force: bool, **lists: Any) -> None:
    """Write a working config for one person, from flags or a few questions.

    \b
    Example:
      selfwatch init --name "Jane Doe" --email jane@example.com --employer "Acme Corp" \\
        --handle mastodon=@jane@mastodon.social --handle github=janedoe --context Portland
    """
    from .config import user_config_path
    from .errors import ConfigError
    from .wizard import Answers, check_config, parse_handle, render_config

    path = opts.config_path or user_config_path()
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; pass --force to overwrite it")
    try:
        handles = tuple(parse_handle(h) for h in lists.pop("handles"))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--handle") from None
    birth_year = lists.pop("birth_year")
    if not name:
        name, asked, handles = _interview(lists, handles)
        birth_year = birth_year or asked
    text = render_config(Answers(name=name or "", handles=handles, birth_year=birth_year, **lists))
    try:
        _config, feeds = check_config(text, path)
    except ConfigError as exc:
        raise ConfigError(exc.problems, f"{path} (not written)") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Failure(f"{path}: cannot write the config: {exc.strerror or exc}", 3) from None
    click.echo(f"wrote {path}")
    for feed in feeds:
        click.echo(f"  {feed.kind:14} {feed.url}")


def _interview(
    lists: dict[str, Any], handles: tuple[tuple[str, str], ...]
) -> tuple[str, int | None, tuple[tuple[str, str], ...]]:
    """Ask what a config and telling namesakes apart need; a bad answer asks that question again."""
    from . import wizard

    def named(text: str) -> str:
        if len(text.strip()) < 2 or not any(c.isalpha() for c in text):
            raise ValueError("give your name as people write it, e.g. Jane Doe")
        return text.strip()

    name = _ask("Your name as it appears online", named, required=True)
    if not lists["emails"]:
        lists["emails"] = _ask("Email addresses (comma separated)", wizard.parse_emails)
    if not lists["employers"]:
        lists["employers"] = tuple(_ask("Current employer(s)", wizard.split_answer))
    if not handles:
        handles = _ask("Handles as site=handle (comma separated)", wizard.parse_handles)
    if not lists["context_terms"]:
        click.echo(
            "Words that appear near your name when a post is about you (your city, school,\n"
            "profession) tell you apart from people with the same name."
        )
        lists["context_terms"] = _ask(
            "City, school, profession (comma separated)",
            lambda text: wizard.parse_terms(text, name),
        )
    if not lists["exclude_terms"]:
        mine = (*lists["context_terms"], *lists["employers"], name)
        lists["exclude_terms"] = _ask(
            "People with your name you know of, e.g. 'Tampa realtor, Duke basketball' (optional)",
            lambda text: wizard.parse_namesakes(text, mine),
        )
    birth_year = _ask(
        "Year you were born (optional: namesakes of another age are then told apart)",
        lambda text: wizard.parse_birth_year(text, _now().year),
    )
    return name, birth_year, handles


def _ask(question: str, parse: Callable[[str], Any], *, required: bool = False) -> Any:
    """Prompt until ``parse`` accepts the answer; on a ValueError, show it and ask again."""

    def check(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    if required:
        return click.prompt(question, value_proc=check)
    return click.prompt(question, default="", show_default=False, value_proc=check)


@cli.command()
@click.option("--profile", help="Only this profile (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the new posts as JSON.")
@click.option("--all", "show_all", is_flag=True, help="Also list posts about namesakes.")
@click.pass_obj
def check(opts: Options, profile: str | None, as_json: bool, show_all: bool) -> None:
    """Run one watch cycle now: fetch, match, score, store; list your new posts, flagged first.

    Posts decided to be about a namesake are stored but set aside: they are counted, and
    listed with --all.

    \b
    Example:
      selfwatch check --profile jane
    """
    import json

    from .output import post_table, stored_dict, terminal_safe
    from .watch import open_store, run_cycle

    config = opts.config(required=True)
    everything = []
    with open_store() as store:
        for person in _profiles(config, profile):
            report = run_cycle(config, person, store, now=_now(), on_wait=_waiting)
            new = sorted(report.new, key=lambda sp: (-sp.verdict.score, sp.id))
            shown = [sp for sp in new if show_all or sp.identity.confidence != "not_me"]
            everything.extend(shown)
            for failed in report.errors:
                assert failed.result is not None
                click.echo(f"warning: {terminal_safe(failed.result.error)}", err=True)
            if not as_json:
                polled = sum(1 for f in report.feeds if f.result is not None)
                aside = sum(1 for sp in new if sp.identity.confidence == "not_me")
                note = ""
                if aside:
                    how = "listed below" if show_all else "--all lists them"
                    note = f", {aside} about a namesake or not naming you set aside ({how})"
                click.echo(
                    f"{person.key}: {polled} feed(s) polled, {len(report.errors)} failed, "
                    f"{len(new)} new post(s){note}"
                )
                if shown:
                    click.echo(post_table(shown))
    if as_json:
        click.echo(json.dumps([stored_dict(sp) for sp in everything], indent=2))


@cli.command()
@click.option("--profile", help="Only this profile (default: all).")
@click.pass_obj
def feeds(opts: Options, profile: str | None) -> None:
    """List every feed of each profile with its URL and health.

    \b
    Example:
      selfwatch feeds --profile jane
    """
    from .output import feed_lines
    from .sources import feeds_for
    from .watch import open_store

    config = opts.config(required=True)
    with open_store() as store:
        for person in _profiles(config, profile):
            click.echo(f"{person.key} ({person.name}):")
            health = {h.configured_url or h.spec.url: h for h in store.feed_health(person.key)}
            click.echo(feed_lines(feeds_for(person), health))


@cli.command()
@click.option("--profile", help="Only this profile (default: all).")
@click.option("--flagged", is_flag=True, help="Only flagged posts.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only posts seen since DATE.")
@click.option("--all", "show_all", is_flag=True, help="Include posts decided to be not you.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Most posts to list per profile (0: all).",
)
@click.pass_obj
def history(
    opts: Options,
    profile: str | None,
    flagged: bool,
    since: datetime | None,
    show_all: bool,
    limit: int,
) -> None:
    """List stored posts, newest first.

    \b
    Example:
      selfwatch history --profile jane --flagged --since 2026-01-01
    """
    from .output import post_table
    from .watch import open_store

    config = opts.config(required=True)
    confidence = None if show_all else ("me", "maybe")
    with open_store() as store:
        for person in _profiles(config, profile):
            posts = store.posts(
                person.key,
                flagged=True if flagged else None,
                since=since.replace(tzinfo=UTC) if since else None,
                confidence=confidence,  # type: ignore[arg-type]
                limit=limit or None,
            )
            click.echo(f"{person.key}: {len(posts)} post(s)")
            click.echo(post_table(posts))


@cli.command()
@click.argument("post_id")
@click.option("--profile", help="The profile the post belongs to, if several have it.")
@click.pass_obj
def show(opts: Options, post_id: str, profile: str | None) -> None:
    """Show one post and every finding with its evidence; ID may be a unique prefix.

    \b
    Example:
      selfwatch show 3fa2c91b0e
    """
    from .output import post_detail
    from .watch import open_store

    opts.config()
    with open_store() as store:
        click.echo(post_detail(store.get(post_id, profile)))


def _waiting(pid: int | None) -> None:
    who = f"PID {pid}" if pid else "PID unknown"
    click.echo(f"waiting for another selfwatch poll ({who}) to finish...", err=True)


def _mark(opts: Options, post_id: str, profile: str | None, kind: str, scope: str) -> None:
    from .triage import mark
    from .watch import POLL_LOCK, PollLock, open_store

    config = opts.config(required=True)
    # A poll decides new posts with the feedback it read when it started: a mark waits for it
    # (and it for the mark), so no post is stored with the lesson half applied.
    with open_store() as store, PollLock(store.path.parent / POLL_LOCK, on_wait=_waiting):
        owner = store.get(post_id, profile).profile
        lesson = mark(
            store,
            config.profile(owner),
            post_id,
            kind,  # type: ignore[arg-type]
            _now(),
            scope,  # type: ignore[arg-type]
            engine_for=_engine_for(config),
        )
    _print_lesson(lesson, undone=False)


def _engine_for(config: Any) -> Callable[[Any], Any]:
    """Return a loader of a profile's checklist engine, for posts scored after a mark."""
    from .checklist import cached_engine

    return lambda person: cached_engine(person, config.checklist)


def _print_lesson(lesson: Any, *, undone: bool) -> None:
    from .output import relabel_lines, short_id, terminal_safe

    sp = lesson.post
    label = {"me": "me", "maybe": "maybe", "not_me": "not me"}
    verb = "undid" if undone else ("recorded" if lesson.recorded else "already recorded")
    click.echo(
        f"{short_id(sp.id)}: {verb} {lesson.kind}; now {label[sp.identity.confidence]} "
        f"({terminal_safe(sp.identity.reason)})"
    )
    side = "a namesake" if lesson.kind == "notme" else "you"
    if lesson.words:
        words = ", ".join(f"'{w}'" for w in lesson.words)
        prefix = "forgot" if undone else "learned"
        click.echo(f"{prefix}: {words} point{'s' if len(lesson.words) == 1 else ''} to {side}")
    elif not undone:
        click.echo("learned: no words (nothing here tells this post apart from your others)")
    if lesson.scope != "post":
        what = sp.post.author.strip() if lesson.scope == "author" else sp.post.url
        click.echo(f"{'no longer covers' if undone else 'covers'} every post by that "
                   f"{lesson.scope}: {terminal_safe(what)}")  # fmt: skip
    if lesson.others:
        click.echo(f"{len(lesson.others)} other post(s) changed:")
        click.echo("\n".join(relabel_lines(lesson.others)))
    else:
        click.echo("no other post changed")


_SCOPE_OPTIONS = (
    click.option("--author", "scope", flag_value="author",
                 help="Also every post by this post's author (not your own name)."),
    click.option("--site", "scope", flag_value="site",
                 help="Also every post from this site (never news.google.com, reddit.com, ...)."),
)  # fmt: skip


def _scoped(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_SCOPE_OPTIONS):
        command = option(command)
    return command


@cli.command()
@click.argument("post_id")
@click.option("--profile", help="The profile the post belongs to, if several have it.")
@_scoped
@click.pass_obj
def notme(opts: Options, post_id: str, profile: str | None, scope: str | None) -> None:
    """Mark a post as not about you, and learn the words that point to the namesake.

    Only this post is decided by the mark. The words learned from it weigh against later
    posts, never more than their own evidence for you; every post it changed is listed.
    --author or --site makes the mark cover every post by that author or from that site.

    \b
    Example:
      selfwatch notme 3fa2c91b0e
      selfwatch notme 3fa2c91b0e --site
    """
    _mark(opts, post_id, profile, "notme", scope or "post")


@cli.command()
@click.argument("post_id")
@click.option("--profile", help="The profile the post belongs to, if several have it.")
@_scoped
@click.pass_obj
def me(opts: Options, post_id: str, profile: str | None, scope: str | None) -> None:
    """Mark a post as about you, and learn the words that point to you.

    \b
    Example:
      selfwatch me 3fa2c91b0e
      selfwatch me 3fa2c91b0e --author
    """
    _mark(opts, post_id, profile, "me", scope or "post")


@cli.command()
@click.option("--profile", help="Undo this profile's last feedback (default: the newest).")
@click.pass_obj
def undo(opts: Options, profile: str | None) -> None:
    """Undo the last `me` or `notme`: forget it and what it taught, and re-decide the posts.

    \b
    Example:
      selfwatch undo
    """
    from .triage import undo as undo_feedback
    from .watch import POLL_LOCK, PollLock, open_store

    config = opts.config(required=True)
    with open_store() as store, PollLock(store.path.parent / POLL_LOCK, on_wait=_waiting):
        lesson = undo_feedback(
            store,
            {p.key: p for p in config.profiles},
            profile,
            engine_for=_engine_for(config),
        )
    _print_lesson(lesson, undone=True)


@cli.command()
@click.option("--profile", help="Only this profile (default: all).")
@click.option("--all", "all_clients", is_flag=True, help="One combined digest for the coach.")
@click.option("--preview", "mode", flag_value="preview", default=True, help="Print it (default).")
@click.option("--send", "mode", flag_value="send", help="Mail it with the [smtp] settings.")
@click.option(
    "--to-file",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write HTML, text and .eml files to DIR.",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    help="With --all: show times in this zone (default: [coach] timezone, else UTC).",
)
@click.pass_obj
def digest(
    opts: Options,
    profile: str | None,
    all_clients: bool,
    mode: str,
    directory: Path | None,
    timezone: str | None,
) -> None:
    """Build the digest of everything new since the last one: preview, send or write it.

    --send and --to-file mark the posts delivered (only once the mail server accepted the
    message); --preview changes nothing. The coach's combined digest (--all) keeps its own
    record of what it delivered, so the clients still get their own digests.

    \b
    Examples:
      selfwatch digest --profile jane            # show what the next digest holds
      selfwatch digest --send                    # mail every profile its digest
      selfwatch digest --all --send              # one combined digest to [digest] cc
      selfwatch digest --to-file ~/digests
    """
    from .deliver import compose, deliver, deliver_combined
    from .output import terminal_safe
    from .watch import open_store

    if timezone is not None and not all_clients:
        raise click.UsageError("--timezone needs --all (a client's digest uses their timezone)")
    if timezone is not None and not _known_zone(timezone):
        raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="'--timezone'")
    if directory is not None:
        mode = "files"
        directory.mkdir(parents=True, exist_ok=True)
    config = opts.config(required=True)
    people = _profiles(config, profile)
    now = _now()
    with open_store() as store:
        if all_clients:
            whole = deliver_combined(
                config, people, store, now=now, mode=mode, directory=directory,  # type: ignore[arg-type]
                timezone=timezone,
            )  # fmt: skip
            if whole.skipped:
                click.echo(f"coach: {whole.skipped}; no digest")
                return
            _report_digest(mode, terminal_safe(whole.digest.subject), whole.text, whole.paths)
            return
        for person in people:
            if mode == "preview":
                composed = compose(config, person, store, now=now)
                if not composed.posts:
                    click.echo(f"{person.key}: nothing new; no digest")
                    continue
                _report_digest(mode, terminal_safe(composed.digest.subject), composed.text, ())
                continue
            done = deliver(config, person, store, now=now, mode=mode, directory=directory)  # type: ignore[arg-type]
            if done.skipped:
                click.echo(f"{person.key}: {done.skipped}; no digest")
                continue
            _report_digest(mode, terminal_safe(done.subject), "", done.paths)


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _report_digest(mode: str, subject: str, text: str, paths: tuple[Path, ...]) -> None:
    if mode == "preview":
        click.echo(f"Subject: {subject}\n")
        click.echo(text)
    elif mode == "files":
        click.echo(f"{subject}\n" + "\n".join(f"  wrote {p}" for p in paths))
    else:
        click.echo(f"sent: {subject}")


@cli.command()
@click.argument("post_id")
@click.option("--profile", help="The profile the post belongs to, if several have it.")
@click.pass_obj
def ack(opts: Options, post_id: str, profile: str | None) -> None:
    """Mark a post as seen and handled; it stays in history, shown as handled.

    \b
    Example:
      selfwatch ack 3fa2c91b0e
    """
    from .triage import ack as acknowledge
    from .watch import open_store

    opts.config()
    with open_store() as store:
        done = acknowledge(store, post_id, profile)
    click.echo(f"{done.id[:10]}: acked")


@cli.command()
@click.argument("post_id")
@click.option("--profile", help="The profile the post belongs to, if several have it.")
@click.option("--rule", help="Ignore only this rule (id or category) on this post.")
@click.pass_obj
def ignore(opts: Options, post_id: str, profile: str | None, rule: str | None) -> None:
    """Never show this post again, or with --rule, never report that rule on it.

    \b
    Examples:
      selfwatch ignore 3fa2c91b0e
      selfwatch ignore 3fa2c91b0e --rule profanity.obscene
    """
    from .triage import ignore as drop
    from .watch import open_store

    config = opts.config()
    with open_store() as store:
        owner = store.get(post_id, profile).profile
        person = next((p for p in config.profiles if p.key == owner), None)
        threshold = (person.checklist if person else config.checklist).threshold
        done = drop(store, post_id, owner, rule=rule, threshold=threshold, now=_now())
    what = f"rule {rule} ignored; score now {done.verdict.score}" if rule else "ignored"
    click.echo(f"{done.id[:10]}: {what}")


@cli.command()
@click.pass_obj
def profiles(opts: Options) -> None:
    """List the profiles (clients) with last check, open flags and feed health.

    \b
    Example:
      selfwatch profiles
    """
    from .output import profile_lines
    from .watch import open_store

    config = opts.config(required=True)
    with open_store() as store:
        click.echo(profile_lines(config.profiles, store))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--profile", help="Whose archive this is (needed when there are several).")
@click.option("--name", help="Your name, when the config has no profile for you (or no config).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
    help="text: the risky posts here; csv/json: the action list, to --out or stdout.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="File for csv or json output."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=25,
    show_default=True,
    help="Risky posts to print in text format (0: all).",
)
@click.option("--workers", type=click.IntRange(min=1), help="Lint processes (default: by CPU).")
@click.option("--deep", is_flag=True, help=DEEP_HELP)
@click.pass_obj
def audit(
    opts: Options,
    paths: tuple[Path, ...],
    profile: str | None,
    name: str | None,
    fmt: str,
    out: Path | None,
    limit: int,
    workers: int | None,
    deep: bool,
) -> None:
    """Score your own old posts from data exports; list the risky ones and what to do.

    PATH is an export as downloaded (a zip) or unpacked (a folder), or one file from it:
    X/Twitter (data/tweets.js), Mastodon (outbox.json), Facebook (your_posts_1.json),
    Reddit (posts.csv, comments.csv), LinkedIn (Shares.csv, Comments.csv), or a CSV, JSON
    Lines or plain-text file of your own posts. Retweets and boosts are skipped. Every post
    is stored as yours, so it shows in history and the report; re-running adds nothing and
    lints only posts this checklist has not read before.
    Needs no config: without one, --name says whose archive it is (else it is filed under
    the profile "me").

    \b
    Examples:
      selfwatch audit ~/Downloads/twitter-2026-11-01.zip --profile jane
      selfwatch audit outbox.json posts.csv --format csv --out to-fix.csv
      selfwatch audit tweets.js --name "Jane Doe"      # no config needed
    """
    from dataclasses import replace

    from .audit import audit as run_audit
    from .audit import csv_report, json_report, render_text, write_csv, write_json
    from .checklist import cached_engine, verdict_key
    from .watch import open_store

    if out is not None and fmt == "text":
        raise click.UsageError("--out needs --format csv or --format json")
    config = opts.config()
    person = _person(config, profile, name)
    checklist = replace(config.checklist, deep=True) if deep else config.checklist
    engine = cached_engine(person, checklist)
    with open_store() as store:
        result = run_audit(
            list(paths),
            person,
            store=store,
            engine=engine,
            now=_now(),
            progress=_progress_printer(),
            workers=workers,
            memo=verdict_key(person, checklist),
        )
    if fmt == "text":
        click.echo(render_text(result, limit=limit or None))
    elif out is not None:
        (write_csv if fmt == "csv" else write_json)(result, out)
        click.echo(f"{len(result.entries)} risky post(s) of {result.linted}: wrote {out}")
    else:
        text = csv_report(result) if fmt == "csv" else json_report(result)
        click.echo(text, nl=fmt == "json")


ANONYMOUS = "me"
"""The profile key of an audit or report run with no config profile and no --name."""


def _person(config: Any, key: str | None, name: str | None) -> Any:
    """Return the profile to audit or report on: configured, from ``--name``, or anonymous.

    A configured profile wins (by ``--profile``, or one whose key or name is ``--name``);
    without profiles, ``--name "Jane Doe"`` makes one keyed ``jane-doe`` and no name at all
    one keyed ``me``, so ``audit`` and ``report`` work on an archive alone.
    """
    from .config import slug
    from .model import Profile

    if key is not None or (config.profiles and name is None):
        return config.profile(key)
    if name is not None:
        wanted = " ".join(name.split())
        if not wanted:
            raise click.BadParameter("give a name", param_hint="'--name'")
        for p in config.profiles:
            if wanted in (p.key, p.name):
                return p
        return Profile(key=slug(wanted) or ANONYMOUS, name=wanted)
    return Profile(key=ANONYMOUS, name="Anonymous")


def _progress_printer() -> Callable[[int, bool], None]:
    """Return a progress callback for long audits: one line on stderr per stored batch."""
    started = time.monotonic()
    spoke = False

    def progress(done: int, final: bool) -> None:
        nonlocal spoke
        # Small archives finish in one batch, at once: only say something when there is a wait.
        if final and not spoke:
            return
        spoke = True
        rate = done / max(time.monotonic() - started, 1e-9)
        total = " in all" if final else " so far"
        click.echo(f"audited {done:,} posts{total} ({rate:,.0f}/s)", err=True)

    return progress


@cli.command()
@click.option("--profile", help="The person to report on (needed when there are several).")
@click.option("--name", help="The name given to 'selfwatch audit --name' (no config needed).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="HTML file to write (default: selfwatch-report-PROFILE-DATE.html here).",
)
@click.pass_obj
def report(opts: Options, profile: str | None, name: str | None, out: Path | None) -> None:
    """Write a pre-screen report: one HTML page of what an employer's search would find.

    The overall score and what it means, charts by month and by category, every flagged post
    with its evidence and a suggested action, good news, the posts you marked not you, and the
    feeds and archives read. Self-contained: open it in any browser, or print it to PDF.
    Needs no config after 'selfwatch audit': pass the same --name (or none, for "me").

    \b
    Examples:
      selfwatch report --profile jane
      selfwatch report --profile jane --out jane-report.html
      selfwatch report --name "Jane Doe"               # after audit --name, no config
    """
    from .report import render_report, report_from_store
    from .watch import open_store

    config = opts.config()
    person = _person(config, profile, name)
    now = _now()
    with open_store() as store:
        made = report_from_store(store, person, now=now)
    templates = person.digest.templates_dir
    html = render_report(made, Path(templates).expanduser() if templates else None)
    path = out or Path(f"selfwatch-report-{person.key}-{now:%Y-%m-%d}.html")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # like digest --to-file
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise _Failure(f"{path}: cannot write the report: {exc.strerror or exc}", 3) from None
    click.echo(str(path))


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("selfwatch-demo"),
    show_default=True,
    help="Directory for the digest's HTML and text files.",
)
@click.option("--send", is_flag=True, help="Also mail the digest with your config's [smtp].")
@click.option("--to", metavar="EMAIL", help="With --send: the recipient (default: your profile's).")
@click.pass_obj
def demo(opts: Options, out_dir: Path, send: bool, to: str | None) -> None:
    """Try selfwatch offline on a made-up person: sample feeds in, a digest out.

    Watches Alex Rivera, a Denver data engineer with a namesake who boxes, through five sample
    feeds bundled with selfwatch, and writes the digest as HTML and text into --out. Needs no
    config and no network, and leaves your own state alone. --send also mails it with the
    [smtp] settings of your config.

    \b
    Examples:
      selfwatch demo
      selfwatch demo --out /tmp/demo
      selfwatch demo --send --to me@example.com
    """
    from .demo import mail_target, run_demo
    from .output import terminal_safe

    if to and not send:
        raise click.UsageError("--to needs --send")
    target = mail_target(opts.config(required=True), to) if send else None
    result = run_demo(out_dir, now=_now(), send=target)
    click.echo(terminal_safe(result.subject))
    click.echo(f"  {result.summary}")
    click.echo(f"  wrote {result.html}\n  wrote {result.text}")
    if result.sent_to:
        click.echo(f"  sent to {', '.join(result.sent_to)}")
    click.echo("Open the HTML file in a browser. To watch yourself: selfwatch init")


@cli.command()
@click.option("--once", is_flag=True, help="Run one round (poll all, send what is due) and exit.")
@click.pass_obj
def run(opts: Options, once: bool) -> None:
    """Run the background agent: poll the feeds and mail each profile's digest on time.

    Polls every [agent] poll_minutes and sends daily/weekly digests at [digest] time in each
    profile's time zone (realtime: right after a poll finds a flagged post). The first run
    sends one baseline digest of what exists. Stops cleanly on SIGTERM or Ctrl-C. Only one
    agent runs per state dir. Logs go to stderr or [agent] log_file.

    \b
    Examples:
      selfwatch run              # keep running (systemd, launchd, a terminal)
      selfwatch run --once       # one round, for cron
    """
    from .agent import render_run, run_agent
    from .watch import open_store

    config = opts.config(required=True)
    with open_store() as store:
        summary = run_agent(config, store, clock=_now, once=once)
    click.echo(render_run(summary))


@cli.command()
@click.option("--profile", help="Only this profile (default: all).")
@click.pass_obj
def status(opts: Options, profile: str | None) -> None:
    """Show the agent's state: last poll, next digest, pending posts, errors, feed health.

    Per profile: when its feeds were last polled, when the next digest goes out, how many
    posts wait for it (and how many are flagged), the last failed send since the last
    delivered digest, and which feeds fail or were disabled. Works while the agent runs.

    \b
    Example:
      selfwatch status --profile jane
    """
    from dataclasses import replace

    from .agent import render_status, running_agent
    from .agent import status as agent_status
    from .watch import open_store

    config = opts.config(required=True)
    config = replace(config, profiles=tuple(_profiles(config, profile)))
    with open_store() as store:
        statuses = agent_status(config, store, _now())
    click.echo(render_status(statuses, agent_pid=running_agent()))


def main() -> None:
    """Run the command line (the ``selfwatch`` console script)."""
    cli(prog_name="selfwatch")


if __name__ == "__main__":  # pragma: no cover
    main()
