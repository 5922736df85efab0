"""A forked child process and the socket it is talked to over: pickles, each behind its length.

What ``multiprocessing``'s fork context and ``Pipe`` gave the scoring workers, without what
they never used: importing those cost every ``check`` ~14 ms (temporary files, archives, random
numbers, subprocesses) before its first request could go out, and its ``wait`` built a new
selector for every answer read. Linux only, as the workers are: the child is forked, so it
starts with the parent's modules and values already in memory.

The child leaves with ``os._exit``: no finalizer, ``atexit`` hook or buffered output of the
parent's runs twice, and the parent's SQLite connection is never closed from there. It closes
its end of the socket first (and the kernel does if it dies), so the parent reads the end of
the socket as soon as the child is on its way out, not once its memory has been released.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable

__all__ = ["Channel", "Child", "ChildGone", "settle"]

HEADER = 8
"""Bytes of the length before each message (big-endian)."""

CHUNK = 262_144
"""Bytes asked of the socket at a time: several small messages come in one read."""


_LEAVING: set[threading.Thread] = set()
"""The threads reaping released children: a fork waits for them (see ``settle``)."""
_LEAVING_LOCK = threading.Lock()


def settle(timeout: float = 5.0) -> bool:
    """Wait up to ``timeout`` s for the released children to be reaped; True if none is left.

    Their reaping threads are this process's until then, and a process forks safely only
    with no other thread running: a cycle that follows another at once (``check`` of several
    profiles) waits here the few milliseconds the last one's workers take to exit.
    """
    deadline = time.monotonic() + timeout
    with _LEAVING_LOCK:
        leaving = list(_LEAVING)
    for thread in leaving:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in leaving)


class ChildGone(EOFError):
    """The other end of a channel closed: its process has left (or died)."""


class Channel:
    """One end of a connected socket pair, carrying pickled messages both ways.

    ``recv`` reads what has arrived in big reads and keeps what follows the message it returns,
    so a burst of small answers costs one system call, not two each.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()

    @classmethod
    def pair(cls) -> tuple[Channel, Channel]:
        """Return two connected ends."""
        here, there = socket.socketpair()
        return cls(here), cls(there)

    def fileno(self) -> int:
        """Return the socket's descriptor (for a selector)."""
        return self.sock.fileno()

    @staticmethod
    def frame(data: bytes) -> bytes:
        """Return one pickled message with its length before it, as it goes down the socket."""
        return len(data).to_bytes(HEADER, "big") + data

    def send_frame(self, frame: bytes | memoryview) -> None:
        """Send a framed message, or the rest of one (waits while the other end is full)."""
        self.sock.sendall(frame)

    def send_some(self, frame: bytes) -> int:
        """Send what the socket takes of ``frame`` now, without waiting; return how much."""
        try:
            return self.sock.send(frame, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return 0

    def send(self, message: object) -> None:
        """Pickle and send one message."""
        self.send_frame(self.frame(pickle.dumps(message, pickle.HIGHEST_PROTOCOL)))

    def pending(self) -> bool:
        """Return True when a whole message has already been read from the socket."""
        buffer = self._buffer
        return len(buffer) >= HEADER and len(buffer) >= HEADER + int.from_bytes(
            buffer[:HEADER], "big"
        )

    def recv(self) -> object:
        """Return the next message, waiting for it; raise ChildGone when the other end closed."""
        size = self._fill(HEADER)
        end = HEADER + int.from_bytes(self._buffer[:HEADER], "big")
        if size < end:
            self._fill(end)
        with memoryview(self._buffer) as view:
            message = pickle.loads(view[HEADER:end])
        del self._buffer[:end]
        return message

    def _fill(self, wanted: int) -> int:
        buffer = self._buffer
        while len(buffer) < wanted:
            chunk = self.sock.recv(max(CHUNK, wanted - len(buffer)))
            if not chunk:
                raise ChildGone("the other end closed")
            buffer += chunk
        return len(buffer)

    def close(self) -> None:
        """Close this end."""
        self.sock.close()


class Child:
    """A process forked to run ``target(channel, *args)``; the parent keeps the other end.

    Only fork from a process with no other thread running: the child would start with locks
    that those threads held and will never release there.
    """

    def __init__(self, pid: int, channel: Channel) -> None:
        self.pid = pid
        self.channel = channel
        """The parent's end of the child's socket."""
        self.exitcode: int | None = None
        self._reaper: threading.Thread | None = None

    @classmethod
    def start(
        cls,
        target: Callable[..., object],
        args: tuple[object, ...],
        *,
        close: Iterable[Channel] = (),
    ) -> Child:
        """Fork a child running ``target``; ``close`` are parent ends it must not hold open.

        A child holding another child's parent end would keep that child from ever reading
        the end of its socket, were the parent to die.
        """
        here, there = Channel.pair()
        for stream in (sys.stdout, sys.stderr):  # what is buffered must not be written twice
            with contextlib.suppress(Exception):
                stream.flush()
        try:
            pid = os.fork()
        except OSError:
            here.close()
            there.close()
            raise
        if pid == 0:  # the child
            code = 1
            try:
                import signal  # here: only a child needs it

                # Ctrl-C reaches the whole process group: the parent handles it, and the
                # child leaves when its socket ends.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                here.close()
                for channel in close:
                    channel.close()
                target(there, *args)
                code = 0
            finally:
                there.close()
                os._exit(code)
        there.close()
        return cls(pid, here)

    def release(self) -> None:
        """Reap the child when it exits, in a thread: a child on its way out is not waited for.

        Its teardown (freeing a worker's tables and engine) took ~5 ms at the end of every
        cycle; reaped here, it leaves no zombie behind in a process that runs cycle after cycle.
        """
        if self.exitcode is None and self._reaper is None:
            self._reaper = threading.Thread(target=self._reap, name="selfwatch-reap", daemon=True)
            with _LEAVING_LOCK:
                _LEAVING.add(self._reaper)
            self._reaper.start()

    def _reap(self) -> None:
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            self.exitcode = -1
        else:
            self.exitcode = os.waitstatus_to_exitcode(status)
        finally:
            with _LEAVING_LOCK:
                _LEAVING.discard(threading.current_thread())

    def alive(self) -> bool:
        """Return True until the child has exited (reaping it when it has)."""
        if self._reaper is not None:
            return self._reaper.is_alive()
        if self.exitcode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.exitcode = -1
                return False
            if pid:
                self.exitcode = os.waitstatus_to_exitcode(status)
        return self.exitcode is None

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the child to exit; return True when it has."""
        if self._reaper is not None:
            self._reaper.join(timeout)
            return not self._reaper.is_alive()
        deadline = time.monotonic() + timeout
        try:
            watch = os.pidfd_open(self.pid)
        except (AttributeError, OSError):  # an old kernel: look every few milliseconds
            watch = None
        try:
            while self.alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if watch is not None:
                    select.select([watch], [], [], left)
                else:
                    time.sleep(min(left, 0.005))
        finally:
            if watch is not None:
                os.close(watch)
        return True

    def kill(self) -> None:
        """Kill the child and reap it."""
        import signal  # here: a child that will not leave is rare

        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.join(60)
