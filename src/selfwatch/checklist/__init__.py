"""The do/don't checklist: rule files, the engine that scores a text, and its caches.

The disk cache also serves reference tables from outside the checklist (``cached_table``).

Everything outside this package uses only what is exported here; the modules inside (tokens,
lexicon, prefilter, classifier, engine, load, cache) are its own business.
"""

from __future__ import annotations

from .cache import cache_key, cached_engine, cached_table, verdict_key
from .engine import Engine, default_engine, risk_score
from .load import (
    Checklist,
    Rule,
    apply_settings,
    builtin_rule_files,
    builtin_rule_ids,
    load_builtin,
    load_files,
    parse_files,
)

__all__ = [
    "Checklist",
    "Engine",
    "Rule",
    "apply_settings",
    "builtin_rule_files",
    "builtin_rule_ids",
    "cache_key",
    "cached_engine",
    "cached_table",
    "default_engine",
    "load_builtin",
    "load_files",
    "parse_files",
    "risk_score",
    "verdict_key",
]
