"""Errors that carry a message meant for the user: what failed, where, and what to check."""

from __future__ import annotations

from collections.abc import Sequence


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the choice closest to ``word``, or ``""``."""
    import difflib  # only when a config has a mistake: not on every start

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class SelfwatchError(Exception):
    """Base class: the CLI prints ``Error: <message>`` and exits 3 (2 for usage-like errors)."""

    exit_code = 3


class ConfigError(SelfwatchError):
    """The config file (or a checklist file) is missing, unreadable or invalid."""

    exit_code = 2

    def __init__(self, problems: list[str] | str, path: str = "") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        if len(self.problems) == 1:
            text = f"{where}{self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            text = f"{where}{len(self.problems)} problems in the config:\n{lines}"
        super().__init__(text)


class ChecklistError(ConfigError):
    """A checklist rule file is invalid."""


class FetchError(SelfwatchError):
    """A feed could not be fetched or parsed."""


class StoreError(SelfwatchError):
    """The state database cannot be opened or is in an unexpected state."""


class MailError(SelfwatchError):
    """A digest could not be delivered."""


class NotFoundError(SelfwatchError):
    """A post, profile or feed named on the command line does not exist."""

    exit_code = 2


class InputError(SelfwatchError):
    """An input file cannot be read or has an unsupported format."""

    exit_code = 2


class FeedbackError(SelfwatchError):
    """A ``me`` / ``notme`` mark that may not cover what was asked (an aggregator site, ...)."""

    exit_code = 2


class InputRefusedError(InputError):
    """An input file is readable but not a draft: binary, or over the size limit."""

    exit_code = 3
