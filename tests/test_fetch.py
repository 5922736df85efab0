"""fetch.py against a real local HTTP server: statuses, validators, limits, faults."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import tracemalloc
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feedserver import FeedServer, Route, feed_server_fixture, fixture  # noqa: F401

from selfwatch import __version__
from selfwatch.config import FetchSettings
from selfwatch.fetch import (
    BACKOFF_CAP,
    backoff,
    fetch_all,
    is_due,
    next_state,
    parse_retry_after,
    user_agent,
)
from selfwatch.model import FeedSpec, FeedState, FetchResult

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
FAST = FetchSettings(timeout=2.0)


def spec(url: str) -> FeedSpec:
    return FeedSpec(url=url, kind="url", profile="jane")


def poll(url: str, state: FeedState | None = None, settings: FetchSettings = FAST) -> FetchResult:
    (result,) = fetch_all([(spec(url), state or FeedState(url))], settings, now=NOW)
    return result


def rss(name: str = "google_news.xml", **changes: object) -> Route:
    return replace(Route(body=fixture(name)), **changes)  # type: ignore[arg-type]


def test_200_parses_and_304_follows_with_the_validators(feed_server: FeedServer) -> None:
    lm = "Tue, 10 Mar 2026 14:05:12 GMT"
    url = feed_server.add("/news.xml", rss(etag='"gn-v1"', last_modified=lm))
    first = poll(url)
    assert first.status == "ok" and first.http_status == 200
    assert len(first.posts) == 4
    assert (first.etag, first.last_modified) == ('"gn-v1"', lm)
    state = next_state(FeedState(url), first, NOW)
    assert state.etag == '"gn-v1"' and state.last_success == NOW

    second = poll(url, state)
    assert second.status == "not_modified" and second.http_status == 304
    assert second.posts == ()
    assert second.etag == '"gn-v1"'
    sent = feed_server.seen("/news.xml")[1].headers
    assert sent["if-none-match"] == '"gn-v1"'
    assert sent["if-modified-since"] == lm


def test_last_modified_alone_gives_a_304(feed_server: FeedServer) -> None:
    lm = "Mon, 09 Mar 2026 22:41:07 GMT"
    url = feed_server.add("/m.rss", rss("mastodon.rss", last_modified=lm))
    state = next_state(FeedState(url), poll(url), NOW)
    result = poll(url, state)
    assert result.status == "not_modified"
    assert result.last_modified == lm


def test_an_honest_user_agent_and_gzip(feed_server: FeedServer) -> None:
    url = feed_server.add("/gz.xml", rss("reddit_search.atom", gzip=True))
    result = poll(url)
    assert result.status == "ok" and len(result.posts) == 2
    headers = feed_server.seen("/gz.xml")[0].headers
    assert headers["user-agent"] == user_agent()
    assert (
        headers["user-agent"]
        == f"selfwatch/{__version__} (+https://github.com/selfwatch/selfwatch)"
    )
    assert "gzip" in headers["accept-encoding"]
    assert "application/rss+xml" in headers["accept"]
    poll(url, settings=replace(FAST, user_agent="jane-bot/1.0 (jane@example.com)"))
    assert feed_server.seen("/gz.xml")[1].headers["user-agent"] == "jane-bot/1.0 (jane@example.com)"


def test_404_is_an_error_naming_the_url(feed_server: FeedServer) -> None:
    url = feed_server.url("/missing.xml")
    result = poll(url)
    assert result.status == "error" and result.http_status == 404
    assert result.error == f"{url}: HTTP 404 Not Found"


def test_410_disables_the_feed_and_it_is_not_polled_again(feed_server: FeedServer) -> None:
    url = feed_server.add("/gone.xml", Route(status=410, body=b"gone"))
    result = poll(url)
    assert result.status == "gone"
    state = next_state(FeedState(url), result, NOW)
    assert state.disabled == f"{url}: HTTP 410 Gone (the server says the feed was removed for good)"
    assert fetch_all([(spec(url), state)], FAST, now=NOW + timedelta(days=30)) == []
    assert feed_server.count("/gone.xml") == 1


def test_500_backs_off_exponentially_then_recovers(feed_server: FeedServer) -> None:
    url = feed_server.add("/flaky.xml", Route(status=500, body=b"oops"))
    state = FeedState(url)
    now = NOW
    waits = []
    for _ in range(3):
        (result,) = fetch_all([(spec(url), state)], FAST, now=now)
        assert result.status == "error" and result.error == f"{url}: HTTP 500 Internal Server Error"
        state = next_state(state, result, now)
        assert state.next_attempt is not None
        waits.append(state.next_attempt - now)
        assert fetch_all([(spec(url), state)], FAST, now=now) == []  # not due yet
        now = state.next_attempt
    assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert state.failures == 3 and state.last_error.endswith("HTTP 500 Internal Server Error")
    assert feed_server.count("/flaky.xml") == 3

    feed_server.add("/flaky.xml", rss())
    (result,) = fetch_all([(spec(url), state)], FAST, now=now)
    state = next_state(state, result, now)
    assert (state.failures, state.next_attempt, state.last_success) == (0, None, now)


def test_429_retry_after_seconds_sets_the_next_attempt(feed_server: FeedServer) -> None:
    url = feed_server.add("/busy.xml", Route(status=429, headers={"Retry-After": "120"}))
    result = poll(url)
    assert result.status == "error" and result.retry_after == 120.0
    assert result.error == f"{url}: HTTP 429 Too Many Requests; asked to retry after 120 s"
    assert next_state(FeedState(url), result, NOW).next_attempt == NOW + timedelta(seconds=120)


def test_503_retry_after_http_date(feed_server: FeedServer) -> None:
    when = "Tue, 10 Mar 2026 15:30:00 GMT"  # 90 minutes after NOW
    url = feed_server.add("/down.xml", Route(status=503, headers={"Retry-After": when}))
    result = poll(url)
    assert result.retry_after == 5400.0
    assert next_state(FeedState(url), result, NOW).next_attempt == datetime(
        2026, 3, 10, 15, 30, tzinfo=UTC
    )


def test_a_timeout_is_an_error_and_quick(feed_server: FeedServer) -> None:
    url = feed_server.add("/slow.xml", rss(delay=0.6))
    started = time.perf_counter()
    result = poll(url, settings=replace(FAST, timeout=0.1))
    assert time.perf_counter() - started < 0.5
    assert result.status == "error"
    assert result.error == f"{url}: timed out after 0.1 s (fetch.timeout)"


def test_a_redirect_loop_ends_as_an_error(feed_server: FeedServer) -> None:
    feed_server.add("/a", Route(status=302, location="/b"))
    url = feed_server.add("/b", Route(status=302, location="/a"))
    result = poll(url)
    assert result.status == "error"
    assert result.error == f"{url}: redirect loop: {feed_server.url('/a')} redirects back to {url}"
    assert feed_server.count() == 2


def test_too_many_redirects(feed_server: FeedServer) -> None:
    for i in range(6):
        feed_server.add(f"/hop{i}", Route(status=307, location=f"/hop{i + 1}"))
    result = poll(feed_server.url("/hop0"), settings=replace(FAST, max_redirects=3))
    assert result.error.endswith("more than 3 redirects (fetch.max_redirects)")
    assert feed_server.count() == 4


def test_a_301_reports_the_new_url(feed_server: FeedServer) -> None:
    new = feed_server.add("/new.xml", rss("hnrss_newest.xml"))
    old = feed_server.add("/old.xml", Route(status=301, location="/new.xml"))
    result = poll(old)
    assert (result.status, result.url, result.moved_to) == ("ok", old, new)
    assert len(result.posts) == 2
    # A temporary redirect is followed but moves nothing; nor does one after it.
    feed_server.add("/tmp.xml", Route(status=302, location="/new.xml"))
    assert poll(feed_server.url("/tmp.xml")).moved_to is None
    feed_server.add("/p.xml", Route(status=308, location="/tmp.xml"))
    assert poll(feed_server.url("/p.xml")).moved_to == feed_server.url("/tmp.xml")
    # A permanent redirect to something broken moves nothing either.
    feed_server.add("/to404.xml", Route(status=301, location="/nowhere.xml"))
    assert poll(feed_server.url("/to404.xml")).moved_to is None


def test_a_50_mb_body_is_cut_off_without_reading_it(feed_server: FeedServer) -> None:
    url = feed_server.add("/huge.xml", Route(stream_size=50_000_000))
    tracemalloc.start()
    started = time.perf_counter()
    result = poll(url, settings=replace(FAST, max_bytes=1_000_000))
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.status == "error"
    assert "over the limit of 1,000,000 bytes (fetch.max_bytes); stopped reading" in result.error
    assert elapsed < 2.0
    assert peak < 10_000_000


def test_a_declared_length_over_the_cap_is_refused_before_reading(feed_server: FeedServer) -> None:
    url = feed_server.add("/big.xml", rss())  # about 5 kB
    result = poll(url, settings=replace(FAST, max_bytes=1000))
    assert result.error.startswith(f"{url}: the response is 4,92")
    assert result.error.endswith("over the limit of 1,000 (fetch.max_bytes)")


def test_malformed_xml_and_bad_gzip_are_errors(feed_server: FeedServer) -> None:
    url = feed_server.add("/broken.xml", rss("malformed.xml"))
    result = poll(url)
    assert result.status == "error" and result.http_status is None
    assert result.error.startswith(f"{url}: not a readable RSS or Atom feed (not well-formed")
    bad = feed_server.add(
        "/badgz.xml", Route(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    )
    assert poll(bad).error.startswith(f"{bad}: cannot decode the response body (bad gzip?)")


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_a_deflated_body_is_read_wrapped_or_raw(feed_server: FeedServer, wbits: int) -> None:
    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress(fixture("mastodon.rss")) + packer.flush()
    deflated = Route(body=body, headers={"Content-Encoding": "deflate"})
    url = feed_server.add("/deflated.xml", deflated)
    plain = feed_server.add("/plain.xml", rss("mastodon.rss"))
    assert [p.title for p in poll(url).posts] == [p.title for p in poll(plain).posts] != []


def test_the_host_header_names_the_port_and_the_path_keeps_its_query(
    feed_server: FeedServer,
) -> None:
    url = feed_server.add("/q.xml?q=%22Jane+Doe%22&hl=en", rss("mastodon.rss"))
    assert poll(url).status == "ok"
    (seen,) = feed_server.seen("/q.xml?q=%22Jane+Doe%22&hl=en")
    assert seen.headers["host"] == f"127.0.0.1:{feed_server.port}"


def test_a_path_with_characters_to_encode_is_sent_encoded(feed_server: FeedServer) -> None:
    url = feed_server.add("/caf%C3%A9%20news.xml", rss("mastodon.rss"))
    assert poll(url.replace("%C3%A9%20", "é ")).status == "ok"


def _imported(url: str, **env: str) -> set[str]:
    """Poll ``url`` in a fresh process; return which of httpx and ssl that imported."""
    script = (
        "import sys; from datetime import datetime, UTC; "
        "from selfwatch.config import FetchSettings; "
        "from selfwatch.fetch import fetch_all; "
        "from selfwatch.model import FeedSpec, FeedState; "
        f"(r,) = fetch_all([(FeedSpec({url!r}, 'url', 'jane'), FeedState({url!r}))], "
        "FetchSettings(timeout=5.0), now=datetime.now(UTC)); "
        "assert r.status == 'ok', r; print(*(m for m in ('httpx', 'ssl') if m in sys.modules))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=True,
    )
    return set(out.stdout.split())


def test_a_cycle_never_imports_httpx_nor_ssl_without_https(
    feed_server: FeedServer, certificate: tuple[Path, Path]
) -> None:
    # httpx's import alone cost a check ~20 ms; it is kept for proxies and handed-in transports.
    # ssl's ~5 ms only an https feed needs.
    assert _imported(feed_server.add("/n.xml", rss("mastodon.rss"))) == set()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    with FeedServer(tls=context) as server:
        url = server.add("/t.xml", rss("mastodon.rss"))
        assert _imported(url, SSL_CERT_FILE=str(certificate[0])) == {"ssl"}


def test_the_content_type_charset_is_used(feed_server: FeedServer) -> None:
    url = feed_server.add(
        "/cp.xml",
        rss("cp1252_noprolog.xml", content_type="application/rss+xml; charset=windows-1252"),
    )
    (post,) = poll(url).posts
    assert post.title == "“Ship it” – Jane Doe on the €2M migration"


def test_connection_refused_is_an_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed.xml"
    result = poll(url)
    assert result.status == "error"
    assert result.error.startswith(f"{url}: cannot connect or read: ")


def test_unsupported_scheme_is_an_error() -> None:
    assert poll("ftp://example.com/feed.xml").error.startswith(
        "ftp://example.com/feed.xml: unsupported URL"
    )


def test_a_slow_feed_does_not_hold_up_a_fast_one(feed_server: FeedServer) -> None:
    slow = feed_server.add("/slow.xml", rss(delay=0.5))
    fast = feed_server.add("/fast.xml", rss("mastodon.rss"))
    settings = replace(FAST, concurrency=2, per_host=2, timeout=2.0)
    jobs = [(spec(slow), FeedState(slow)), (spec(fast), FeedState(fast))]
    results = fetch_all(jobs, settings, now=NOW)
    assert [r.url for r in results] == [slow, fast]  # job order, whatever finished first
    assert [r.status for r in results] == ["ok", "ok"]
    assert results[1].elapsed < 0.25 and results[0].elapsed >= 0.5
    asked_slow, asked_fast = feed_server.seen("/slow.xml")[0], feed_server.seen("/fast.xml")[0]
    assert abs(asked_fast.at - asked_slow.at) < 0.25  # the fast one did not wait its turn


def test_a_dead_feed_does_not_hold_up_the_cycle(feed_server: FeedServer) -> None:
    dead = feed_server.add("/dead.xml", rss(delay=5.0))
    fine = [feed_server.add(f"/ok{i}.xml", rss("mastodon.rss")) for i in range(6)]
    settings = replace(FAST, concurrency=4, per_host=4, timeout=0.2)
    started = time.perf_counter()
    results = fetch_all([(spec(u), FeedState(u)) for u in [dead, *fine]], settings, now=NOW)
    assert time.perf_counter() - started < 1.0
    assert [r.status for r in results] == ["error"] + ["ok"] * 6


def test_per_host_limit_is_respected(feed_server: FeedServer) -> None:
    urls = [feed_server.add(f"/f{i}.xml", rss("mastodon.rss", delay=0.08)) for i in range(8)]
    jobs = [(spec(u), FeedState(u)) for u in urls]
    results = fetch_all(jobs, replace(FAST, concurrency=16, per_host=2), now=NOW)
    assert all(r.status == "ok" for r in results)
    assert feed_server.peak == 2


def test_overall_limit_is_respected(feed_server: FeedServer) -> None:
    urls = [feed_server.add(f"/g{i}.xml", rss("mastodon.rss", delay=0.08)) for i in range(8)]
    jobs = [(spec(u), FeedState(u)) for u in urls]
    fetch_all(jobs, replace(FAST, concurrency=3, per_host=10), now=NOW)
    assert feed_server.peak == 3


def test_hosts_are_limited_separately() -> None:
    # 127.0.0.2 is loopback too on Linux: a second host for the same client.
    with FeedServer("127.0.0.1") as one, FeedServer("127.0.0.2") as two:
        urls = [
            server.add(f"/h{i}.xml", rss("mastodon.rss", delay=0.3))
            for server in (one, two)
            for i in range(3)
        ]
        fetch_all([(spec(u), FeedState(u)) for u in urls], replace(FAST, per_host=3), now=NOW)
        assert (one.peak, two.peak) == (3, 3)
        # The second host's requests went out while the first host's were still waiting.
        first = [r.at for r in one.requests]
        second = [r.at for r in two.requests]
        assert max(first + second) - min(first + second) < 0.3


def test_feeds_not_due_are_skipped_and_the_rest_keep_job_order(feed_server: FeedServer) -> None:
    a = feed_server.add("/a.xml", rss("mastodon.rss"))
    b = feed_server.add("/b.xml", rss("github.atom"))
    c = feed_server.add("/c.xml", rss("youtube.atom"))
    later = FeedState(b, next_attempt=NOW + timedelta(minutes=1))
    disabled = FeedState(c, disabled="HTTP 410 Gone")
    jobs = [(spec(c), disabled), (spec(b), later), (spec(a), FeedState(a)), (spec(c), FeedState(c))]
    assert [r.url for r in fetch_all(jobs, FAST, now=NOW)] == [a, c]
    assert feed_server.count("/b.xml") == 0
    assert fetch_all([], FAST, now=NOW) == []


def test_local_files_by_path_and_file_url(tmp_path: Path) -> None:
    path = tmp_path / "blog.xml"
    path.write_bytes(fixture("latin1.xml"))
    for url in (str(path), path.as_uri()):
        result = poll(url)
        assert result.status == "ok" and result.http_status is None
        assert result.posts[0].title == "Rencontre avec Jane Doe, ingénieure chez Acme Corp"
        again = poll(url, next_state(FeedState(url), result, NOW))
        assert again.status == "not_modified"
    missing = str(tmp_path / "nope.xml")
    assert poll(missing).error == f"{missing}: no such file: {missing}"
    broken = tmp_path / "broken.xml"
    broken.write_bytes(fixture("malformed.xml"))
    assert "not a readable RSS or Atom feed" in poll(str(broken)).error


def test_an_unexpected_fault_never_escapes() -> None:
    # A real server cannot make the client library itself fail; a MockTransport can.
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("the resolver caught fire")

    url = "https://feeds.example/feed.xml"
    (result,) = fetch_all(
        [(spec(url), FeedState(url))], FAST, now=NOW, transport=httpx.MockTransport(explode)
    )
    assert result.error == f"{url}: unexpected RuntimeError: the resolver caught fire"


# --- the pure half -------------------------------------------------------------------------


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (0, 1, 2, 3)] == [
        timedelta(0),
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
    ]
    assert backoff(9) == timedelta(hours=21, minutes=20)
    assert backoff(10) == backoff(1000) == BACKOFF_CAP == timedelta(hours=24)


def test_next_state_keeps_validators_on_304_and_clears_them_on_a_new_200() -> None:
    state = FeedState("u", etag='"1"', last_modified="x", failures=2, next_attempt=NOW)
    same = FetchResult("u", "not_modified", 304, etag='"1"', last_modified="x")
    kept = next_state(state, same, NOW)
    assert (kept.etag, kept.last_modified) == ('"1"', "x")
    assert (kept.failures, kept.next_attempt) == (0, None)
    fresh = next_state(state, FetchResult("u", "ok", 200), NOW)
    assert (fresh.etag, fresh.last_modified) == (None, None)


def test_is_due() -> None:
    assert is_due(FeedState("u"), NOW)
    assert is_due(FeedState("u", next_attempt=NOW), NOW)
    assert not is_due(FeedState("u", next_attempt=NOW + timedelta(seconds=1)), NOW)
    assert not is_due(FeedState("u", disabled="410"), NOW)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30", 30.0),
        (" 0 ", 0.0),
        ("Tue, 10 Mar 2026 14:01:00 GMT", 60.0),
        ("Tue, 10 Mar 2026 13:00:00 GMT", 0.0),  # already past
        ("99999999", 7 * 24 * 3600.0),  # capped at a week
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds
