"""The device's locks: what computes now, and how long a job that must wait will wait.

Writing and pictures have a lock each (:meth:`studio.models.ModelManager.device_lock`), so on a CPU a
picture never waits for a whole writing call, nor a Continue for a picture. Each lock has
``settings.concurrency`` slots. A job that finds every slot taken tells the writer, through
:attr:`DeviceLock.on_wait` (the UI shows it as a toast), what it waits for and about how long
(:meth:`DeviceLock.wait_message`), from how long that kind of job took before.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from .messages import Message

# what each kind of work is called in a waiting message
WORK_NAMES = {"text": Message("another writing job"), "pictures": Message("another picture job")}
_SMOOTHING = 0.5  # weight of the newest duration in the typical one


class DeviceLock:
    """A semaphore of ``slots`` that knows what holds it and for about how long (thread-safe).

    Use it as a context manager, or :meth:`holding` to say which kind of work takes it (a lock shared by
    writing and pictures, on a GPU).

    Args:
        slots: jobs at once (``settings.concurrency``).
        work: the kind of work that takes it by default (a key of :data:`WORK_NAMES`).
        on_wait: called with :meth:`wait_message` when a job must wait; ``None``: nothing is said.
    """

    def __init__(self, slots: int, work: str = "pictures", on_wait: Callable[[str], None] | None = None):
        self._sem = threading.Semaphore(slots)
        self._mutex = threading.Lock()
        self._held: list[tuple[str, float]] = []  # (work, started) of each slot taken, oldest first
        self._typical: dict[str, float] = {}  # work -> how long it typically holds the lock, in seconds
        self.work = work
        self.on_wait = on_wait

    # ----- what a waiting job is told
    def remaining_s(self, now: float | None = None) -> float | None:
        """About how many seconds until a slot is free (from the typical duration of what holds it);
        ``None`` when nothing holds it, no such job has ended before, or it has already run longer."""
        now = time.monotonic() if now is None else now
        with self._mutex:
            left = [self._typical[w] - (now - t0) for w, t0 in self._held if w in self._typical]
        left = [x for x in left if x > 0]
        return max(1.0, min(left)) if left else None

    def running_s(self, now: float | None = None) -> float:
        """How long the oldest job holding the lock has run, in seconds (0 when none holds it)."""
        now = time.monotonic() if now is None else now
        with self._mutex:
            return now - self._held[0][1] if self._held else 0.0

    def wait_message(self, now: float | None = None) -> str:
        """What a job that must wait is told: for what, and about how long (or how long that job has run,
        when it runs longer than such jobs did before)."""
        with self._mutex:
            work = self._held[0][0] if self._held else self.work
        what = WORK_NAMES.get(work, WORK_NAMES["pictures"])
        left, ran = self.remaining_s(now), self.running_s(now)
        if left is not None:
            return Message("Waiting for {t_what} to finish first: about {num_s} s.", t_what=what,
                           num_s=f"{round(left):,}")
        if ran >= 1:
            return Message("Waiting for {t_what} to finish first; it has run for {num_s} s.", t_what=what,
                           num_s=f"{round(ran):,}")
        return Message("Waiting for {t_what} to finish first.", t_what=what)

    # ----- the lock
    def acquire(self, blocking: bool = True, timeout: float | None = None, work: str | None = None) -> bool:
        work = work or self.work
        got = self._sem.acquire(blocking=False)
        if not got and blocking:
            hook = self.on_wait
            if hook is not None:
                with contextlib.suppress(Exception):  # a message that cannot be shown never stops the job
                    hook(self.wait_message())
            got = self._sem.acquire(timeout=timeout)
        if got:
            with self._mutex:
                self._held.append((work, time.monotonic()))
        return got

    def release(self, work: str | None = None) -> None:
        work = work or self.work
        now = time.monotonic()
        with self._mutex:
            for i, (w, t0) in enumerate(self._held):
                if w == work:
                    del self._held[i]
                    took = now - t0
                    old = self._typical.get(w)
                    self._typical[w] = took if old is None else _SMOOTHING * took + (1 - _SMOOTHING) * old
                    break
        self._sem.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def holding(self, work: str) -> _Holding:
        """A context manager that takes the lock for ``work`` (``"text"`` or ``"pictures"``)."""
        return _Holding(self, work)


class _Holding:
    def __init__(self, lock: DeviceLock, work: str):
        self.lock, self.work = lock, work

    def __enter__(self):
        self.lock.acquire(work=self.work)
        return self.lock

    def __exit__(self, *exc) -> None:
        self.lock.release(work=self.work)


__all__ = ["DeviceLock", "WORK_NAMES"]
