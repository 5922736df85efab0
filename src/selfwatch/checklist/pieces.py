"""Decide which patterns each piece of a long text calls for, from one multi-literal scan.

A long draft is gated a few sentences (a piece) at a time: each piece opens only the pattern
groups its own words call for (:class:`~selfwatch.checklist.prefilter.GateSet`), and a pattern
runs only where its needle's words occur (:meth:`~selfwatch.checklist.prefilter.Probe.sifts`).
Asked by substring tests, piece by piece and pattern by pattern, that cost about 0.45 ms a
piece: half the pattern stage of a 1 MB draft. Here one Aho-Corasick automaton (pyahocorasick)
per case lists the gate literals and needle words each piece holds, and the gates and needles
are answered from those sets. The answers are exactly the substring tests' answers: a literal
of three characters or more is in the piece's text (or its lowercase form) exactly when the
automaton finds it there; shorter ones, and the gates a regex decides, are still asked as
before. A piece whose lowercase form the literals cannot be read in (see ``Probe.lower``) is
left to the per-piece path.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .prefilter import _KEY, GateSet, Probe, Sieve

Word = tuple[frozenset[str], tuple[str, ...]]
"""One word set of a needle: its words of ``_KEY`` characters or more, and the shorter ones."""


class PiecePlan:
    """The automata of a checklist's gate literals and needle words, and what each pattern needs.

    ``sieves``: for each pattern, in the engine's order (groups in turn, their patterns in
    order), its needle's sieve or None (no needle: it runs wherever its gate opens).
    ``groups``: the group (gate number) of each pattern.
    """

    def __init__(self, gates: GateSet, sieves: Sequence[Sieve | None], groups: Sequence[int]):
        import ahocorasick  # only a long text gets here: a short lint never loads it

        self.gates = gates
        self.by_gate: dict[int, list[int]] = {}
        for j, i in enumerate(groups):
            self.by_gate.setdefault(i, []).append(j)
        gate_words = gates.literals()
        self.needs: list[tuple[bool, tuple[Word, ...]] | None] = []
        needle_words: dict[bool, set[str]] = {True: set(), False: set()}
        for found in sieves:
            if found is None:
                self.needs.append(None)
                continue
            sets = tuple(
                (
                    frozenset(w for w in words if len(w) >= _KEY),
                    tuple(w for w in words if len(w) < _KEY),
                )
                for words in found.words
            )
            for long, _short in sets:
                needle_words[found.fold] |= long
            self.needs.append((found.fold, sets))
        self.gate_automata: dict[bool, Any] = {}
        self.needle_automata: dict[bool, Any] = {}
        for fold in (True, False):
            if gate_words[fold]:
                automaton = ahocorasick.Automaton()
                for word, owners in gate_words[fold].items():
                    automaton.add_word(word, tuple(sorted(owners)))
                automaton.make_automaton()
                self.gate_automata[fold] = automaton
            if needle_words[fold]:
                automaton = ahocorasick.Automaton()
                for word in needle_words[fold]:
                    automaton.add_word(word, word)
                automaton.make_automaton()
                self.needle_automata[fold] = automaton

    def runs(self, piece: str, probe: Probe) -> list[int] | None:
        """Return the numbers of the patterns to run on ``piece``, in order, or None when the
        piece is to be asked the per-piece way (its lowercase form is not the literals' hay)."""
        lower = probe.lower
        if lower is None or len(lower) != len(piece):
            return None
        hays = {True: lower, False: piece}
        found: set[int] = set()
        for fold, automaton in self.gate_automata.items():
            for owners in {owners for _end, owners in automaton.iter(hays[fold])}:
                found.update(owners)
        present: dict[bool, set[str]] = {True: set(), False: set()}
        for fold, automaton in self.needle_automata.items():
            present[fold] = {word for _end, word in automaton.iter(hays[fold])}
        todo: list[int] = []
        needs = self.needs
        # The needles asked inline, as Probe.sifts does: a call each cost a third of the plan
        for i in self.gates.opened(probe, found):
            for j in self.by_gate[i]:
                need = needs[j]
                if need is not None:
                    fold, sets = need
                    seen, hay = present[fold], hays[fold]
                    for long, short in sets:
                        if seen.isdisjoint(long) and not any(word in hay for word in short):
                            break
                    else:
                        todo.append(j)
                else:
                    todo.append(j)
        return todo


def in_child(compute: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``compute`` in a forked child process; return what waits for its result.

    The result travels back marshalled through a pipe, so it must be plain data (numbers,
    strings, tuples, lists). The returned function gives it, or None when the child could not
    be started or failed: the caller then computes it itself. The child inherits everything
    loaded (the engine, its compiled patterns), so it starts in a few milliseconds; it exits
    with ``os._exit``, never running the parent's clean-up or flushing its output.
    """
    if not can_fork():
        return lambda: None
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return lambda: None
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read)
            with os.fdopen(write, "wb") as out:
                out.write(marshal.dumps(compute()))
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return _Child(pid, read).result


def shared(count: int, work: Callable[[int], Any]) -> Callable[[], list[Any]]:
    """Start ``work(i)`` for each ``i < count`` in a forked child; return what finishes them.

    The child takes the items one at a time from the start of a queue. The returned function
    (called once this process is free) takes what is left from the same queue, does those
    items itself, and returns every item's result in order of ``i``. Neither waits for the
    other while items remain, so the two end together whichever was busier before. Each
    result must be plain data (see :func:`in_child`). Without a child (one processor, another
    thread, a failed fork) or when the child fails, this process does what the child left.

    The queue is a pipe filled with the item numbers (two bytes each) before the fork and read
    by both without blocking: a read of two bytes from a pipe is whole, so no item is taken
    twice, and there is no lock for a dying child to leave held.
    """
    if count <= 0:
        return lambda: []
    if count > _QUEUE_MAX or not can_fork():
        return lambda: [work(i) for i in range(count)]
    try:
        queue = _Queue(count)
    except OSError:  # no pipe, or one too small to hold the numbers: the work is done here
        return lambda: [work(i) for i in range(count)]
    child = in_child(lambda: [(i, work(i)) for i in queue.take()])

    def finish() -> list[Any]:
        try:
            mine = [(i, work(i)) for i in queue.take()]
        finally:
            queue.close()
        theirs = child()
        done = dict(mine)
        if theirs is None:  # no child, or it failed: what it took is done here
            return [done[i] if i in done else work(i) for i in range(count)]
        done.update(theirs)
        return [done[i] for i in range(count)]

    return finish


class _Queue:
    """The item numbers of :func:`shared`, in a pipe both processes read; closed once, also
    when dropped unread (the caller failed before finishing)."""

    def __init__(self, count: int) -> None:
        self.fd, fill = os.pipe()
        self.closed = False
        try:
            os.set_blocking(self.fd, False)
            # Never blocking: a pipe the system has made small (one page when a user's pipes
            # take too much memory) could never take the numbers while nobody reads it yet
            os.set_blocking(fill, False)
            numbers = b"".join(i.to_bytes(2, "big") for i in range(count))
            if os.write(fill, numbers) != len(numbers):
                raise BlockingIOError("the pipe took only part of the item numbers")
        except OSError:
            self.close()
            raise
        finally:
            os.close(fill)  # written and closed: a read gives b"" once every item is taken

    def take(self) -> Iterator[int]:
        """Yield the numbers of the items not yet taken by either process, one at a time."""
        while True:
            try:
                got = os.read(self.fd, 2)
            except BlockingIOError:  # pragma: no cover - the write end is closed first
                return
            if len(got) < 2:
                return
            yield int.from_bytes(got, "big")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)

    def __del__(self) -> None:
        self.close()


_QUEUE_MAX = 30_000
"""Most items :func:`shared` queues: their numbers must fit in a pipe's 64 KB before the fork."""


class _Child:
    """A forked child's end of the pipe: read once, or the child is ended when dropped (the
    caller failed before asking, or was interrupted while waiting)."""

    def __init__(self, pid: int, read: int) -> None:
        self.pid, self.read = pid, read
        self.reaped = self.closed = False

    def result(self) -> Any:
        """Return the child's marshalled result, or None if it failed."""
        try:
            with os.fdopen(self.read, "rb", closefd=False) as pipe:
                data = pipe.read()
            _pid, status = os.waitpid(self.pid, 0)
            self.reaped = True
        finally:
            self._end()
        return marshal.loads(data) if status == 0 and data else None

    def _end(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.read)
        if not self.reaped:  # never kill a reaped child's number: it may be another's now
            self.reaped = True
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)

    def __del__(self) -> None:
        self._end()


def can_fork() -> bool:
    """Return whether a child process may be forked here to share the work.

    Only on Linux (macOS's system libraries are not safe across a fork), with two or more
    processors to run on, and in a process with no other thread (a fork copies none of them,
    and a lock one of them held would stay locked in the child).
    """
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and len(os.sched_getaffinity(0)) > 1
        and threading.active_count() == 1
    )
