"""The compiled-checklist cache gives the same answers as a fresh build, and misses on change."""

from __future__ import annotations

import marshal
import os

from profiles import EXAMPLE_PROFILE

from selfwatch.checklist.cache import KEEP, cache_dir, cache_key, cached_engine
from selfwatch.checklist.engine import Engine, default_engine
from selfwatch.checklist.prefilter import needle
from selfwatch.model import CategoryOverride, ChecklistSettings

TEXTS = [
    "My boss at Acme Corp is a clueless clown",
    "call me on 503 555 0142, f*ck it",
    "Bluebird ships in May, don't tell anyone",
    "Refugees are not vermin.",
    "Thanks to Jane Doe for the brilliant keynote",
]


def test_cached_engine_matches_a_fresh_build():
    first = cached_engine(EXAMPLE_PROFILE)
    files = list(cache_dir().glob("engine-*.marshal"))
    assert len(files) == 1
    second = cached_engine(EXAMPLE_PROFILE)  # from disk this time
    fresh = default_engine(EXAMPLE_PROFILE)
    for text in TEXTS:
        assert first.lint(text) == second.lint(text) == fresh.lint(text)


def test_an_engine_from_the_cache_knows_each_patterns_needle_without_reading_it():
    cached_engine(EXAMPLE_PROFILE)
    loaded = cached_engine(EXAMPLE_PROFILE)  # from disk
    lazies = [regex for _rule, regex, _prefilter in loaded.patterns]
    assert all(regex.uses == 2 for regex in lazies)
    assert [regex.needle for regex in lazies] == [needle(r.source, r.flags) for r in lazies]
    assert sum(regex.needle is not None for regex in lazies) > 150
    # A pattern the text's words admit but whose needle it lacks is never compiled
    assert loaded.lint("my colleague shipped it without testing") == default_engine(
        EXAMPLE_PROFILE
    ).lint("my colleague shipped it without testing")
    assert any(regex.compiled is None and regex.needle for regex in lazies)


def test_state_round_trip_is_exact():
    engine = default_engine(EXAMPLE_PROFILE)
    again = Engine.from_state(engine.state(), engine.classifier)
    assert again.checklist == engine.checklist
    for text in TEXTS:
        assert again.lint(text) == engine.lint(text)


def test_an_engine_rebuilt_from_state_gives_the_same_state_and_answers():
    # Entries still stored as bytes (a masked word's one-word entries, words no text used)
    # are stored again as they are, not encoded twice
    engine = default_engine(EXAMPLE_PROFILE)
    again = Engine.from_state(engine.state(), engine.classifier)
    again.lint("f*ck, sh!t and a c*nt")  # decodes some entries, leaves the rest as bytes
    assert _decoded(again.state()) == _decoded(engine.state())
    third = Engine.from_state(again.state(), engine.classifier)
    for text in [*TEXTS, "f*ck, sh!t and a c*nt"]:
        assert third.lint(text) == engine.lint(text)


def _decoded(value: object) -> object:
    """Return ``value`` with every marshal-encoded part decoded (their bytes may differ)."""
    if isinstance(value, bytes) and value:  # b"": a rule term's key, nothing encoded
        return _decoded(marshal.loads(value))
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_decoded(v) for v in value)
    return value


def test_key_changes_with_profile_and_settings():
    off = ChecklistSettings(categories=(("profanity", CategoryOverride(enabled=False)),))
    keys = {cache_key(None, None), cache_key(EXAMPLE_PROFILE, None), cache_key(None, off)}
    assert len(keys) == 3


def test_broken_cache_file_is_rebuilt():
    cached_engine(None)
    (path,) = cache_dir().glob("engine-*.marshal")
    path.write_bytes(b"\x00garbage")
    engine = cached_engine(None)
    assert engine.lint("well shit").findings
    assert path.read_bytes() != b"\x00garbage"


def test_empty_cache_file_is_rebuilt():
    # An empty file cannot be mapped: it is treated as damaged, like garbage
    cached_engine(None)
    (path,) = cache_dir().glob("engine-*.marshal")
    path.write_bytes(b"")
    assert cached_engine(None).lint("well shit").findings
    assert path.stat().st_size > 0


def test_unwritable_cache_is_ignored(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("SELFWATCH_CACHE", str(blocked / "sub"))
    assert cached_engine(None).lint("well shit").findings
    assert not os.path.isdir(blocked)


def test_key_ignores_what_the_engine_does_not_read():
    # A new feed or recipient must not rebuild the engine (a second on the next check)
    from dataclasses import replace

    from selfwatch.model import FeedSpec

    feed = FeedSpec(url="https://example.com/feed.xml", kind="url", profile="jane")
    more = replace(EXAMPLE_PROFILE, feeds=(feed,), recipients=("coach@example.com",))
    assert cache_key(more, None) == cache_key(EXAMPLE_PROFILE, None)
    other = replace(EXAMPLE_PROFILE, employers=("Initech",))
    assert cache_key(other, None) != cache_key(EXAMPLE_PROFILE, None)


def test_folder_keeps_only_the_newest_files_of_each_kind():
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stale = []
    for n in range(KEEP + 4):
        path = folder / f"engine-old{n:02d}.marshal"
        path.write_bytes(b"x")
        os.utime(path, ns=(n * 10**9, n * 10**9))  # old00 is the oldest
        stale.append(path)
    other = folder / "classifier-keep.marshal"
    other.write_bytes(b"x")
    os.utime(other, ns=(0, 0))
    cached_engine(None)  # stores a new engine file, the newest
    kept = {p.name for p in folder.glob("engine-*.marshal")}
    assert len(kept) == KEEP
    assert f"engine-{cache_key(None, None)}.marshal" in kept
    assert not any(p.name in kept for p in stale[:5])  # the five oldest went
    assert other.exists()  # another kind is pruned on its own count
