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
        return _installed_version()
    if name in ("Finding", "Verdict"):
        from . import model

        return getattr(model, name)
    raise AttributeError(name)


def _installed_version() -> str:
    """Return the installed version, from the one METADATA file of the install if it is found.

    Importing importlib.metadata and searching every path entry with it took ~25 ms of each
    ``check`` (for the User-Agent); the install's own dist-info folder sits beside the package
    or in the environment's site-packages (an editable install). Anything else (none found, or
    two) is left to importlib.metadata.
    """
    import sysconfig
    from pathlib import Path

    beside = Path(__file__).resolve().parent.parent
    for folder in dict.fromkeys((beside, Path(sysconfig.get_paths()["purelib"]))):
        found = list(folder.glob("selfwatch-*.dist-info/METADATA"))
        if len(found) == 1:
            for line in found[0].read_text(encoding="utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip()
                if not line:  # the end of the headers
                    break
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("selfwatch")
    except PackageNotFoundError:  # running from a checkout without an install
        return "0.0.0"
