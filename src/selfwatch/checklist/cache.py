"""A disk cache of the compiled checklist, so ``selfwatch lint`` starts fast.

Compiling the checklist (parsing the TOML rule files, expanding thousands of terms into their
inflections and disguises) takes tens of milliseconds; loading the result with ``marshal``
takes a few. The cache key covers everything the result depends on: the rule files, the
profile and settings, and the engine's own source files, so a change to any of them simply
misses the cache. A cache that cannot be read or written is ignored.

Each pattern's needle (the literals every match contains, see ``prefilter.needle``) is stored
with the engine: a cold lint then skips the patterns whose needle is not in the text without
parsing or compiling them. So is each pattern compiled, as the arguments ``_sre.compile`` takes
(``prefilter.program``): a lint of a long draft, which meets most patterns, compiled a few
hundred of them, about 0.1 s of every run.

The classifier's weights are kept there too, decoded: ``marshal`` reads them in about half the
time ``json`` takes, keyed on the weights file's size and modification time. So are reference
tables from outside the checklist (``cached_table``: the place names, the occupation titles),
which cost more to build than to read back, keyed on what they were built from.

Location: ``$SELFWATCH_CACHE``, else ``$XDG_CACHE_HOME/selfwatch``, else ``~/.cache/selfwatch``.
"""

from __future__ import annotations

import gc
import marshal
import mmap
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from ..model import ChecklistSettings, Profile
from .engine import Engine, default_engine, user_rule_files, with_deep
from .load import builtin_rule_files, profile_concepts
from .prefilter import Needle, Program, needle, program

try:
    # hashlib's own blake2b, without the OpenSSL start-up hashlib costs a cold lint (~3 ms)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

# 2: each word's entries stored as their own marshal bytes; 3: needles; 4: others; 5: unless_near;
# 6: requires_near; 7: compiled patterns (the running Python's own: sys.version is in the key);
# 8: the rule terms' keys as sets, the pattern gates; 9: classifier bigrams as word pairs
FORMAT = "9"
KEEP = 16
TABLE_FORMAT = "1"
TABLE_KEEP = 4
"""Entries kept per table name: a few versions of the sources side by side (branches, venvs)."""

T = TypeVar("T")
_SOURCES = (
    "engine.py", "context.py", "lexicon.py", "tokens.py", "load.py", "cache.py", "prefilter.py",
    "../model.py",
    "data/english_words.txt",
)  # fmt: skip


def cache_dir() -> Path:
    """Return the directory for cached compiled checklists (and reference tables)."""
    env = os.environ.get("SELFWATCH_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "selfwatch"


def cache_key(profile: Profile | None, settings: ChecklistSettings | None) -> str:
    """Return a digest of everything a compiled engine depends on."""
    h = blake2b(f"{FORMAT}:{sys.version}".encode(), digest_size=16)
    for name, text in builtin_rule_files():
        h.update(name.encode())
        h.update(text.encode())
    # Only what the engine reads of a profile: its names, employers, codenames and contacts,
    # and its checklist settings. A new feed or recipient is not a new engine (a changed
    # profile used to rebuild it, about a second, on the first check after every edit).
    h.update(repr(sorted(profile_concepts(profile).items())).encode())
    h.update(repr(profile.checklist if profile else None).encode())
    h.update(repr(settings).encode())
    extra = [s for s in (settings, profile.checklist if profile else None) if s is not None]
    for path in user_rule_files(*extra):
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    here = Path(__file__).parent
    for name in _SOURCES:
        try:
            st = (here / name).stat()
        except OSError:
            continue
        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


def verdict_key(profile: Profile | None, settings: ChecklistSettings | None) -> str:
    """Return a digest of everything a verdict depends on, for verdicts kept across runs.

    More than ``cache_key`` (what the compiled rules depend on): every file of the selfwatch
    package, code and data (the learned models, the word tables, the text a post is read as),
    VADER's lexicon, the Python version, and numpy's with the deep checklist. A change to any
    of them is a new key, under which nothing was said yet.
    """
    h = blake2b(f"{cache_key(profile, settings)}:{sys.version}".encode(), digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        st = path.stat()
        h.update(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}".encode())
    from importlib.util import find_spec

    for name in ("vaderSentiment",) + (
        ("numpy",) if settings is not None and settings.deep else ()
    ):
        spec = find_spec(name)
        folder = Path(spec.origin).parent if spec and spec.origin else None
        for path in sorted(folder.iterdir()) if folder else ():
            if path.is_file():
                st = path.stat()
                h.update(f"{name}/{path.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def cached_engine(
    profile: Profile | None = None, settings: ChecklistSettings | None = None
) -> Engine:
    """Return the engine for ``profile`` and ``settings``, from the disk cache when possible."""
    path = cache_dir() / f"engine-{cache_key(profile, settings)}.marshal"
    classifier = cached_classifier()
    try:
        with _no_gc():
            state, needles, programs = _read(path)
            engine = Engine.from_state(state, classifier)
        engine.support_source = cached_support
        for (_rule, regex, _prefilter), found, compiled in zip(
            engine.patterns, needles, programs, strict=True
        ):
            regex.know(Needle(*found) if found else None)
            regex.program = compiled
        return with_deep(engine, settings, profile.checklist if profile else None)
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass
    engine = default_engine(profile, settings)
    engine.support_source = cached_support
    needles = [needle(regex.source, regex.flags) for _rule, regex, _prefilter in engine.patterns]
    # Compiled here once (~0.1 s), not again in every lint that meets them
    programs = [
        _program(regex.source, regex.flags) if regex.compiled is None else None
        for _rule, regex, _prefilter in engine.patterns
    ]
    needles_data = [tuple(found) if found else None for found in needles]
    _store(path, (engine.state(), needles_data, programs))
    return engine


def _program(source: str, flags: int) -> Program | None:
    """Return the compiled pattern as data, or None to leave it to be compiled when used."""
    try:
        return program(source, flags)
    except (re.error, RecursionError, OverflowError):
        return None


def cached_table(name: str, sources: Sequence[Path], build: Callable[[], T]) -> T:
    """Return ``build()``, read back from the cache when ``sources`` are unchanged since.

    ``build`` must return a value ``marshal`` can store (dicts, tuples, sets, str, int ...).
    An entry is keyed on each source's path, size and modification time and on the Python
    version (whose ``marshal`` format it is); a cache that cannot be read or written only
    costs the build.
    """
    path = cache_dir() / f"{name}-{_table_key(sources)}.marshal"
    try:
        with _no_gc(freeze=False):
            return _read(path)  # type: ignore[no-any-return]
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not cached yet, or a damaged file: build it again
    table = build()
    _store(path, table, TABLE_KEEP)
    return table


def _table_key(sources: Sequence[Path]) -> str:
    h = blake2b(f"{TABLE_FORMAT}:{sys.version}".encode(), digest_size=16)
    for source in sources:
        try:
            st = source.stat()
        except OSError:
            h.update(f"{source}:missing".encode())
            continue
        h.update(f"{source}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


@lru_cache(maxsize=1)
def cached_classifier() -> Any:
    """Return the packaged classifier, its decoded weights from the disk cache when possible.

    None when it is not available, as for :func:`selfwatch.checklist.engine.load_classifier`.
    """
    return _cached_weights("classifier")


@lru_cache(maxsize=1)
def cached_support() -> Any:
    """Return the packaged support model, from the disk cache when possible (or None)."""
    return _cached_weights("support")


def _cached_weights(kind: str) -> Any:
    try:
        from .classifier import DEFAULT_PATH, SUPPORT_PATH, parse_classifier, stored_weights
    except ImportError:
        return None
    source = SUPPORT_PATH if kind == "support" else DEFAULT_PATH
    try:
        st = source.stat()
        key = blake2b(f"{FORMAT}:{source}:{st.st_size}:{st.st_mtime_ns}".encode(), digest_size=16)
        path = cache_dir() / f"{kind}-{key.hexdigest()[:32]}.marshal"
        try:
            with _no_gc():
                return parse_classifier(_read(path))
        except (OSError, EOFError, ValueError, TypeError):
            pass  # not cached yet, or a damaged file: decode the weights again
        import json  # only when the cache misses

        data = json.loads(source.read_text(encoding="utf-8"))
        classifier = parse_classifier(data)
        _store(path, stored_weights(data))
        return classifier
    except (OSError, ValueError):
        return None


def _read(path: Path) -> Any:
    """Decode a cache file from a read-only map of it.

    Reading it into a bytes object first made the process fault in and fill 5 MB of fresh
    memory it then threw away: about 1,200 page faults, ~4 ms of a cold lint. An empty file
    cannot be mapped (ValueError): the caller rebuilds it, as for any damaged file.
    """
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return marshal.loads(view)


@contextmanager
def _no_gc(*, freeze: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector while a cache file is decoded.

    Decoding builds hundreds of thousands of tuples and lists, and each allocation burst set off
    a collection that found nothing to free: it cost a third of the load (30 -> 19 ms). The
    decoded engine lives as long as the process, so with ``freeze`` it is then frozen out of
    later collections too, which would otherwise scan it all once more (13 ms).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


def _store(path: Path, data: Any, keep: int = KEEP) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(data))
        tmp.replace(path)  # atomic: a concurrent reader sees the old file or the new one
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        return
    _prune(path.parent, path.name.partition("-")[0], keep)


def _prune(folder: Path, kind: str, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` newest cache files of ``kind`` (engine, classifier, a table).

    Every edit of a profile's names or of a rule file makes a new key; without pruning the
    folder grew by about 3 MB an edit. A coach with many profiles keeps one file per profile,
    up to ``keep``.
    """
    try:
        found = sorted(
            folder.glob(f"{kind}-*.marshal"), key=lambda p: p.stat().st_mtime_ns, reverse=True
        )
        for old in found[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        return
