"""Benchmark a whole watch cycle against rss2email, side by side in one run.

    pip install -e '.[bench]'
    python benchmarks/poll.py [--feeds 500] [--repeat 3] [--latency 0]

Both tools run as the commands people type, each in a fresh process: ``selfwatch check`` and
``r2e run --no-send``, over the same feeds, in turns (selfwatch, rss2email, selfwatch, ...)
so a drifting machine speed hits both alike. Two layouts:

* one host: every feed on 127.0.0.2 (many Google News searches share one host);
* ten hosts: the feeds spread over 127.0.0.3 ... 127.0.0.12.

Each layout is timed twice per tool: the first cycle (empty state: every feed answers 200 and
every item is new) and the next one (every feed answers 304 to the validators the first
stored). The feeds are the realistic fixtures in tests/fixtures/feeds (Google News, Bing,
Reddit, hnrss, Mastodon, Google Alerts, YouTube, GitHub), each served under its own path with
its own ETag and its own links (so no item repeats across feeds), by ThreadingHTTPServers in a
child process that send with TCP_NODELAY as real servers do. ``--latency`` adds server-side
seconds per request.

Printed: each cycle's median wall time and ratio rss2email / selfwatch (median of the pairwise
ratios), the median CPU times (user + system, workers included) and their ratio, the CPU the
feed server spent answering each tool's first cycle (Linux; it runs on the same CPUs, so at no
latency a concurrent client shares them with it while a sequential one mostly waits for it),
and the targets: first cycle at least 2x faster than rss2email on one host and 5x on ten; the
304 cycle faster than rss2email's and at most 1.5 s for 500 feeds.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from feedserver import FeedServer, Route, fixture  # noqa: E402

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
PERSON = "Jane Doe"  # the person the fixtures are about


def feed_body(index: int) -> bytes:
    """Return fixture ``index`` with links of its own: ``https://`` becomes ``https://fN.``.

    Namespace names (``xmlns="http://www.w3.org/2005/Atom"``) are left as they are: changed,
    the Atom feeds were no longer Atom, nor Media RSS elements Media RSS.
    """
    body = fixture(FIXTURES[index % len(FIXTURES)])
    own = b"https://f%d." % index
    return re.sub(
        rb'(xmlns(?::[\w.-]+)?\s*=\s*["\'])?https?://',
        lambda m: m.group(0) if m.group(1) else own,
        body,
    )


def serve(hosts: list[str], feeds: int, latency: float, ports: Any, stop: Event) -> None:
    """Serve ``feeds`` feeds spread over ``hosts`` until ``stop`` is set (in a child process)."""
    servers = [FeedServer(host, delay=latency) for host in hosts]
    for i in range(feeds):
        server = servers[i % len(servers)]
        server.add(f"/feed/{i}.xml", Route(body=feed_body(i), etag=f'"v{i}"'))
    for server in servers:
        server.start()
    ports.put([s.port for s in servers])
    stop.wait()
    for server in servers:
        server.stop()


@dataclass
class Layout:
    """A set of feeds served for one comparison."""

    name: str
    urls: list[str]
    server: int | None = None
    """The feed server's process id, to read the CPU it spends on each tool's requests."""


def selfwatch_setup(folder: Path, urls: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Write a selfwatch config for ``urls``; return the command and its environment."""
    config = folder / "config.toml"
    listed = ",\n  ".join(f'"{u}"' for u in urls)
    config.write_text(
        f'[[profiles]]\nname = "{PERSON}"\nsearch = false\nfeeds = [\n  {listed},\n]\n',
        encoding="utf-8",
    )
    env = {
        **_compiled_env(),
        "SELFWATCH_HOME": str(folder / "state"),
        # One warm engine cache for every run: a user's checks after the very first.
        "SELFWATCH_CACHE": str(folder.parent / "cache"),
    }
    # The console script, as people type it (and as rss2email's ``r2e`` is run below)
    script = shutil.which("selfwatch", path=str(Path(sys.executable).parent))
    launcher = [script] if script else [sys.executable, "-m", "selfwatch"]
    return [*launcher, "--config", str(config), "check"], env


def r2e_setup(folder: Path, urls: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Write an rss2email config for ``urls``; return the command and its environment."""
    config = folder / "rss2email.cfg"
    sections = "".join(f"\n[feed.f{i}]\nurl = {url}\n" for i, url in enumerate(urls))
    config.write_text(f"[DEFAULT]\nto = jane@example.com\n{sections}", encoding="utf-8")
    r2e = shutil.which("r2e", path=str(Path(sys.executable).parent)) or "r2e"
    command = [r2e, "-c", str(config), "-d", str(folder / "rss2email.json"), "run", "--no-send"]
    return command, _compiled_env()


def _compiled_env() -> dict[str, str]:
    """Return the environment with byte-code caching on, as an installed package has it.

    pip compiles a package when it installs it; a checkout installed in editable mode is
    compiled on first import only if Python may write ``__pycache__``. Without it, selfwatch
    would compile its sources on every run while rss2email loads compiled files.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command`` to the end; return its wall time and CPU time; fail loudly if it fails.

    The CPU time (user + system) counts the command's own child processes it waited for (its
    scoring workers): on a machine shared with other work it varies less than the wall time.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        if child.returncode != 0:
            err.seek(0)
            text = err.read().decode("utf-8", "replace")
            raise SystemExit(f"{command[0]} failed ({child.returncode}):\n{text[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def server_cpu(pid: int | None) -> float | None:
    """Return the CPU seconds process ``pid`` has used (Linux's /proc), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:  # not Linux, or the server has gone
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compare(layout: Layout, repeat: int, work: Path) -> dict[str, list[float]]:
    """Time both tools' first and 304 cycles ``repeat`` times, in turns.

    Keys: ``sw1``, ``sw2``, ``r2e1``, ``r2e2`` (wall times), the same with ``cpu`` before, and
    with ``srv`` before: the CPU the feed server spent answering that run (Linux only).
    """
    times: dict[str, list[float]] = {}
    for round_ in range(repeat):
        for tool, setup in (("sw", selfwatch_setup), ("r2e", r2e_setup)):
            folder = work / f"{layout.name}-{tool}-{round_}"
            folder.mkdir(parents=True)
            command, env = setup(folder, layout.urls)
            for cycle in ("1", "2"):
                before = server_cpu(layout.server)
                wall, cpu = timed(command, env)
                after = server_cpu(layout.server)
                times.setdefault(f"{tool}{cycle}", []).append(wall)
                times.setdefault(f"cpu{tool}{cycle}", []).append(cpu)
                if before is not None and after is not None:
                    times.setdefault(f"srv{tool}{cycle}", []).append(after - before)
    return times


def ratio(slow: list[float], fast: list[float]) -> float:
    """Return the median of the pairwise ratios ``slow / fast``."""
    return statistics.median(s / f for s, f in zip(slow, fast, strict=True))


def report(layout: Layout, times: dict[str, list[float]], target: float) -> bool:
    med = {k: statistics.median(v) for k, v in times.items()}
    first, second = ratio(times["r2e1"], times["sw1"]), ratio(times["r2e2"], times["sw2"])
    n = len(layout.urls)
    print(f"\n{layout.name}: {n} feeds, {len(times['sw1'])} run(s) each, medians")
    print(f"  {'':22}{'selfwatch':>11}{'rss2email':>11}{'ratio':>8}")
    print(f"  {'first cycle (200s)':22}{med['sw1']:10.2f}s{med['r2e1']:10.2f}s{first:7.1f}x")
    print(f"  {'next cycle (304s)':22}{med['sw2']:10.2f}s{med['r2e2']:10.2f}s{second:7.1f}x")
    for cycle, name in (("1", "first"), ("2", "next")):
        sw, r2e = med[f"cpusw{cycle}"], med[f"cpur2e{cycle}"]
        print(f"  {f'  CPU, {name} cycle':22}{sw:10.2f}s{r2e:10.2f}s{r2e / sw:7.1f}x")
    if "srvsw1" in med:  # on the same CPUs: at no latency, a share of them the tools lack
        sw, r2e = med["srvsw1"], med["srvr2e1"]
        print(f"  {'  server CPU, first':22}{sw:10.2f}s{r2e:10.2f}s")
    limit = 1.5 * n / 500
    ok = first >= target and second > 1 and med["sw2"] <= limit
    print(
        f"  targets: first cycle >= {target:g}x ({first:.1f}x), 304 cycle faster than "
        f"rss2email ({second:.1f}x) and <= {limit:.2f} s ({med['sw2']:.2f} s): "
        + ("met" if ok else "MISSED")
    )
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--latency", type=float, default=0.0, help="server-side seconds per request")
    args = ap.parse_args()

    hosts = ["127.0.0.2"] + [f"127.0.0.{3 + i}" for i in range(10)]
    ports: multiprocessing.Queue[list[int]] = multiprocessing.Queue()
    stops = []
    layouts = []
    children = []
    try:
        for name, group in (("one host", hosts[:1]), ("ten hosts", hosts[1:])):
            stop = multiprocessing.Event()
            child = multiprocessing.Process(
                target=serve, args=(group, args.feeds, args.latency, ports, stop), daemon=True
            )
            child.start()
            children.append(child)
            stops.append(stop)
            port_list = ports.get(timeout=60)
            urls = [
                f"http://{group[i % len(group)]}:{port_list[i % len(group)]}/feed/{i}.xml"
                for i in range(args.feeds)
            ]
            layouts.append(Layout(name, urls, child.pid))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs, load average {load}; server latency {args.latency:g} s")
        ok = True
        with tempfile.TemporaryDirectory(prefix="selfwatch-poll-") as tmp:
            work = Path(tmp)
            # Warm-up, not counted: builds selfwatch's engine cache and the OS file cache.
            warm = work / "warm"
            warm.mkdir()
            timed(*selfwatch_setup(warm, layouts[0].urls[:5]))
            for layout, target in zip(layouts, (2.0, 5.0), strict=True):
                ok = report(layout, compare(layout, args.repeat, work), target) and ok
        print("\ntargets met" if ok else "\nTARGETS MISSED")
        return 0 if ok else 1
    finally:
        for stop in stops:
            stop.set()
        for child in children:
            child.join(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
