"""Benchmark one watch cycle: 500 feeds from local servers, selfwatch vs a naive loop.

    python benchmarks/poll.py [--feeds 500] [--hosts 10] [--latency 0.03]

The feeds are the realistic fixtures in tests/fixtures/feeds (Google News, Bing, Reddit,
hnrss, Mastodon, Google Alerts, YouTube, GitHub), each served under its own path with its
own ETag, by ``--hosts`` servers on 127.0.0.2, 127.0.0.3, ... (all loopback on Linux), so
the per-host limit applies per server as it would per site. Every request waits
``--latency`` seconds on the server side, like a remote site would. The servers run in a
child process so they do not compete with the client for the GIL.

Four runs over the same feeds: selfwatch's first cycle (all 200s, parsed) and its second
cycle (all 304s, from the validators the first returned), then the same two cycles as a
naive loop: one plain ``httpx.Client``, one feed after another, parsing with the same
``parse_feed``. Peak memory is measured with tracemalloc in separate, untimed runs
(tracing slows Python down), and the process's max RSS is printed at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from feedserver import FeedServer, Route, fixture  # noqa: E402

from selfwatch.config import FetchSettings  # noqa: E402
from selfwatch.fetch import USER_AGENT, fetch_all, next_state  # noqa: E402
from selfwatch.model import FeedSpec, FeedState, FetchResult  # noqa: E402
from selfwatch.parse import parse_feed  # noqa: E402

FIXTURES = (
    "google_news.xml",
    "bing_news.xml",
    "reddit_search.atom",
    "hnrss_newest.xml",
    "hnrss_newcomments.xml",
    "mastodon.rss",
    "google_alerts.atom",
    "youtube.atom",
    "github.atom",
)
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
T = TypeVar("T")


def serve(hosts: list[str], paths: list[str], latency: float, ports: Any, stop: Event) -> None:
    """Run one FeedServer per host until ``stop`` is set (in a child process)."""
    servers = []
    for host in hosts:
        server = FeedServer(host, delay=latency)
        for i, path in enumerate(paths):
            name = FIXTURES[i % len(FIXTURES)]
            server.add(path, Route(body=fixture(name), etag=f'"{host}-{i}"'))
        servers.append(server.start())
    ports.put([s.port for s in servers])
    stop.wait()
    for server in servers:
        server.stop()


def selfwatch_cycle(
    specs: list[FeedSpec], states: list[FeedState], settings: FetchSettings
) -> list[FetchResult]:
    return fetch_all(list(zip(specs, states, strict=True)), settings, now=NOW)


def naive_cycle(urls: list[str], etags: list[str | None]) -> list[int]:
    statuses = []
    with httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=20.0) as client:
        for url, etag in zip(urls, etags, strict=True):
            response = client.get(url, headers={"If-None-Match": etag} if etag else {})
            if response.status_code == 200:
                parse_feed(response.content, url, content_type=response.headers.get("content-type"))
            statuses.append(response.status_code)
    return statuses


def timed(run: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = run()
    return value, time.perf_counter() - started


def traced_peak(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--hosts", type=int, default=10)
    ap.add_argument("--latency", type=float, default=0.03, help="server-side seconds per request")
    ap.add_argument("--concurrency", type=int, default=FetchSettings().concurrency)
    ap.add_argument("--per-host", type=int, default=FetchSettings().per_host)
    args = ap.parse_args()

    hosts = [f"127.0.0.{2 + i}" for i in range(args.hosts)]
    per_server = -(-args.feeds // args.hosts)
    paths = [f"/feed/{i}.xml" for i in range(per_server)]
    ports: multiprocessing.Queue[list[int]] = multiprocessing.Queue()
    stop = multiprocessing.Event()
    child = multiprocessing.Process(
        target=serve, args=(hosts, paths, args.latency, ports, stop), daemon=True
    )
    child.start()
    try:
        port_list = ports.get(timeout=30)
        urls = [
            f"http://{host}:{port}{path}"
            for path in paths
            for host, port in zip(hosts, port_list, strict=True)
        ][: args.feeds]
        return run(args, urls)
    finally:
        stop.set()
        child.join(timeout=10)


def run(args: argparse.Namespace, urls: list[str]) -> int:
    settings = replace(FetchSettings(), concurrency=args.concurrency, per_host=args.per_host)
    specs = [FeedSpec(url=u, kind="url", profile="bench") for u in urls]
    fresh = [FeedState(u) for u in urls]

    first, first_s = timed(lambda: selfwatch_cycle(specs, fresh, settings))
    states = [next_state(s, r, NOW) for s, r in zip(fresh, first, strict=True)]
    second, second_s = timed(lambda: selfwatch_cycle(specs, states, settings))
    naive_first, naive_first_s = timed(lambda: naive_cycle(urls, [None] * len(urls)))
    naive_second, naive_second_s = timed(lambda: naive_cycle(urls, [s.etag for s in states]))

    # The same bodies the servers send (feed k is path k // hosts), parsed one by one.
    bodies = [fixture(FIXTURES[(k // args.hosts) % len(FIXTURES)]) for k in range(len(urls))]
    _, parse_s = timed(lambda: [parse_feed(b, u) for b, u in zip(bodies, urls, strict=True)])
    peak_first = traced_peak(lambda: selfwatch_cycle(specs, fresh, settings))
    peak_second = traced_peak(lambda: selfwatch_cycle(specs, states, settings))

    n = len(urls)
    posts = sum(len(r.posts) for r in first)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}")
    print(
        f"{n} feeds ({posts} posts) on {args.hosts} loopback hosts, {args.latency * 1000:g} ms "
        f"server latency; selfwatch concurrency {settings.concurrency}, "
        f"per_host {settings.per_host}"
    )
    print(f"{'':28}{'wall':>9}{'req/s':>9}  statuses")
    rows = [
        ("selfwatch, first cycle", first_s, _count(r.status for r in first)),
        ("selfwatch, 304 cycle", second_s, _count(r.status for r in second)),
        ("naive loop, first cycle", naive_first_s, _count(str(s) for s in naive_first)),
        ("naive loop, 304 cycle", naive_second_s, _count(str(s) for s in naive_second)),
    ]
    for label, seconds, statuses in rows:
        print(f"{label:28}{seconds:8.2f}s{n / seconds:9.0f}  {statuses}")
    ratio_first = naive_first_s / first_s
    ratio_second = naive_second_s / second_s
    print(
        f"speed-up over the naive loop: first cycle {ratio_first:.1f}x (target >= 10x), "
        f"304 cycle {ratio_second:.1f}x"
    )
    print(f"304 cycle wall time {second_s:.2f} s (target < 2 s)")
    print(
        f"parsing the {n} bodies one after another takes {parse_s:.2f} s: the first cycle's "
        "floor, since parsing is CPU work that concurrency cannot overlap"
    )
    print(
        f"peak traced memory: first cycle {peak_first:.1f} MB, 304 cycle {peak_second:.1f} MB; "
        f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    ok = ratio_first >= 10 and second_s < 2
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


def _count(statuses: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))


if __name__ == "__main__":
    raise SystemExit(main())
