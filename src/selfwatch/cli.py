"""The command line: load, call one function, print. Domain errors become ``Error:`` lines here.

Exit codes: 0 ok; 1 ``lint`` found risks at or above ``--fail-on``; 2 usage or config error;
3 runtime error (a feed, the store, the mail server).

Heavy modules (httpx, feedparser, jinja2) are imported inside the commands that need them, so
``selfwatch lint`` starts fast.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .errors import SelfwatchError


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
                traceback.print_exc()
            raise _Failure(str(exc), exc.exit_code) from exc


@dataclass
class Options:
    """Options shared by every command."""

    config_path: Path | None
    verbose: bool

    def config(self, *, required: bool = False) -> Any:
        """Load and validate the config (raises ConfigError with every problem)."""
        from .config import load_config

        return load_config(self.config_path, required=required)


def _version() -> str:
    from . import __version__

    return __version__


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $SELFWATCH_CONFIG or ~/.config/selfwatch/config.toml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(version=_version(), prog_name="selfwatch")
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
@click.option("--threshold", type=click.IntRange(0, 100), help="Score at which a file is flagged.")
@click.pass_obj
def lint(
    opts: Options,
    paths: tuple[str, ...],
    fmt: str | None,
    fail_on: str | None,
    explain: bool | None,
    profile: str | None,
    threshold: int | None,
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

    from .engine import default_engine
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
    engine = default_engine(person, checklist)
    stdin = sys.stdin.read() if "-" in paths else None
    reports = [lint_document(engine, p, t) for p, t in read_inputs(paths, stdin)]
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
    from .engine import default_engine
    from .output import terminal_safe

    config = opts.config()
    person = config.profile(profile) if profile else None
    engine = default_engine(person, config.checklist)
    click.echo(f"checklist {engine.checklist.version}, flag threshold {engine.checklist.threshold}")
    for rule in sorted(engine.checklist.rules, key=lambda r: (r.category, r.id)):
        if category and rule.category != category:
            continue
        click.echo(f"{rule.id:32} {rule.level.label:8} {terminal_safe(rule.message)}")


def main() -> None:
    """Run the command line (the ``selfwatch`` console script)."""
    cli(prog_name="selfwatch")


if __name__ == "__main__":  # pragma: no cover
    main()
