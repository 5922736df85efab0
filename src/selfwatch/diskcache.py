"""A disk cache of reference tables decoded once, beside the compiled checklists.

Some tables cost more to build than to read back: the place names are a gzip TSV of 33,000
lines (~75 ms to decode), the occupation titles come from importing ``nameparser`` (~60 ms).
A cycle's scoring worker needs them every run; read back with ``marshal`` they take a few
milliseconds. An entry is keyed on what it was built from (each source file's path, size and
modification time, and the Python version, whose ``marshal`` format it is), so a changed
source simply misses. A cache that cannot be read or written is ignored: the table is built
as if there were none.

Location: ``$SELFWATCH_CACHE``, else ``$XDG_CACHE_HOME/selfwatch``, else ``~/.cache/selfwatch``
(where ``selfwatch.checklist.cache`` keeps the compiled checklists).
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

try:
    # hashlib's own blake2b, without the OpenSSL start-up hashlib costs (~3 ms)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

__all__ = ["cache_dir", "cached_table"]

FORMAT = "1"
KEEP = 4
"""Entries kept per table name: a few versions of the sources side by side (branches, venvs)."""

T = TypeVar("T")


def cache_dir() -> Path:
    """Return the cache directory (``$SELFWATCH_CACHE`` moves it, as for the checklists)."""
    env = os.environ.get("SELFWATCH_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "selfwatch"


def cached_table(name: str, sources: Sequence[Path], build: Callable[[], T]) -> T:
    """Return ``build()``, read back from the cache when ``sources`` are unchanged since.

    ``build`` must return a value ``marshal`` can store (dicts, tuples, sets, str, int ...).
    """
    path = cache_dir() / f"{name}-{_key(sources)}.marshal"
    try:
        return _read(path)  # type: ignore[no-any-return]
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not cached yet, or a damaged file: build it again
    table = build()
    _store(path, table)
    return table


def _key(sources: Sequence[Path]) -> str:
    h = blake2b(f"{FORMAT}:{sys.version}".encode(), digest_size=16)
    for source in sources:
        try:
            st = source.stat()
        except OSError:
            h.update(f"{source}:missing".encode())
            continue
        h.update(f"{source}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


def _read(path: Path) -> Any:
    """Decode a cache file, with the garbage collector paused (it finds nothing to free)."""
    data = path.read_bytes()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(data)
    finally:
        if was_enabled:
            gc.enable()


def _store(path: Path, data: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(data))
        tmp.replace(path)  # atomic: a concurrent reader sees the old file or the new one
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        return
    _prune(path.parent, path.name.partition("-")[0])


def _prune(folder: Path, name: str, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` newest entries of the table ``name``."""
    try:
        found = sorted(
            folder.glob(f"{name}-*.marshal"), key=lambda p: p.stat().st_mtime_ns, reverse=True
        )
        for old in found[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        return
