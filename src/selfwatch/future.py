"""A result one thread hands to another: a host's addresses, a worker's verdicts.

What ``concurrent.futures.Future`` gave the cycle, without its import: that module brings in
``logging`` (and with it ``traceback``, ``string`` and more), ~3.5 ms of every ``check`` before
its first request, for the few methods used here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Future", "InvalidStateError"]

T = TypeVar("T")


class InvalidStateError(RuntimeError):
    """A future was given its result (or exception) twice."""


class Future(Generic[T]):
    """A value to come, or the exception raised instead of it; any thread may wait for it."""

    __slots__ = ("_callbacks", "_done", "_exception", "_lock", "_result")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._result: T | None = None
        self._exception: BaseException | None = None
        self._callbacks: list[Callable[[Future[T]], object]] = []

    def set_result(self, result: T) -> None:
        """Hand over the value; wake whoever waits and run the callbacks (in this thread)."""
        self._finish(result, None)

    def set_exception(self, exception: BaseException) -> None:
        """Hand over the exception raised instead of a value."""
        self._finish(None, exception)

    def _finish(self, result: T | None, exception: BaseException | None) -> None:
        with self._lock:
            if self._done.is_set():
                raise InvalidStateError("the future has its outcome already")
            self._result, self._exception = result, exception
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def done(self) -> bool:
        """Return True once the value (or the exception) has been handed over."""
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> T:
        """Return the value, waiting up to ``timeout`` s (TimeoutError); raise its exception."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"no result within {timeout:g} s")
        if self._exception is not None:
            raise self._exception
        return self._result  # type: ignore[return-value]

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Return the exception raised instead of a value (None if there is a value)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"no result within {timeout:g} s")
        return self._exception

    def add_done_callback(self, callback: Callable[[Future[T]], object]) -> None:
        """Call ``callback(self)`` once done: at once if it is, else in the finishing thread."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)
