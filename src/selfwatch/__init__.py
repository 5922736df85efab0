"""selfwatch: watch your own online presence and lint drafts against an employer's-eye checklist.

The stable Python API::

    from selfwatch import lint_text
    verdict = lint_text("My boss is a clown and this job sucks")
    verdict.score, verdict.flagged, verdict.findings
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Author, Finding, Profile, Verdict

__all__ = ["Finding", "Verdict", "__version__", "lint_text"]


def lint_text(text: str, profile: Profile | None = None, author: Author = "self") -> Verdict:
    """Score ``text`` against the built-in checklist (plus the profile's settings).

    ``author`` is "self" when the person wrote the text, "other" when someone else wrote it
    about them: a leak or a rant is only the person's risk when they wrote it.
    """
    from .checklist import default_engine

    return default_engine(profile).lint(text, author)


def __getattr__(name: str) -> object:
    # Looked up on first use: importlib.metadata costs more start-up time than the whole lint.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("selfwatch")
        except PackageNotFoundError:  # running from a checkout without an install
            return "0.0.0"
    if name in ("Finding", "Verdict"):
        from . import model

        return getattr(model, name)
    raise AttributeError(name)
