"""One worker thread feeding one consumer: the stream loop every model backend and the Voice tab share.

:func:`worker_stream` runs ``produce(emit)`` in a daemon thread (in a copy of the caller's context, so a
job that waits for the device can say so on its page) and yields each item the worker emits, in order.

- The worker ends: the stream ends and returns what ``produce`` returned (``result = yield from ...``).
- The worker raises: the consumer raises it (or what ``failed`` makes of it), after the thread ended.
- The consumer goes away (the generator is closed, or raises): ``stop`` is set, so a worker that checks
  it between steps ends within one step, and the thread is joined (at most ``join_timeout`` seconds).

Imports nothing of ``studio``: any layer may use it.

:func:`throttled` passes a stream of snapshots on at a steady rate (a page needs 20 updates a second, not one
per token).
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


@dataclass
class _Outcome:
    """How the worker ended: what ``produce`` returned, or what it raised."""

    result: object = None
    error: BaseException | None = None


def newest(items: queue.SimpleQueue | queue.Queue, end: object = None):
    """The next item of ``items``, skipping to the newest one waiting (never past ``end``, which is returned
    as it is)."""
    item = items.get()
    while item is not end and not items.empty():
        nxt = items.get()
        if nxt is end:
            items.put(end)
            break
        item = nxt
    return item


def worker_stream(produce: Callable[[Callable[[T], None]], R], stop: threading.Event, *, name: str,
                  latest_only: bool = False, join_timeout: float | None = 30,
                  failed: Callable[[BaseException], BaseException] | None = None) -> Generator[T, None, R]:
    """Yield what ``produce(emit)`` emits from a worker thread named ``name``; return what it returned.

    ``latest_only``: a slow consumer gets only the newest item waiting (progress reports), not each one.
    ``failed``: what to raise for the worker's exception (default: the exception itself).
    """
    items: queue.SimpleQueue = queue.SimpleQueue()
    outcome = _Outcome()

    def work():
        try:
            outcome.result = produce(items.put)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            outcome.error = exc
        finally:
            items.put(_DONE)

    worker = threading.Thread(target=contextvars.copy_context().run, args=(work,), name=name, daemon=True)
    worker.start()
    ended = False
    try:
        while (item := newest(items, _DONE) if latest_only else items.get()) is not _DONE:
            yield item
        ended = True
    finally:
        if not ended:  # the consumer went away (Stop, closed tab, error): end the worker too
            stop.set()
        worker.join(timeout=join_timeout)
    if outcome.error is not None:
        shown = failed(outcome.error) if failed else outcome.error
        if shown is outcome.error:
            raise shown
        raise shown from outcome.error
    return outcome.result  # type: ignore[return-value]  # what `produce` returned, an R


def throttled(items: Iterator[T], interval_s: float, urgent: Callable[[T], bool] | None = None) -> Iterator[T]:
    """``items`` (each a whole snapshot of a state, such as a draft so far), at most one every ``interval_s``
    seconds: an item that comes sooner is held, and replaced by the next one; ``urgent`` items (a new status,
    the last event) go at once. The item held at the end is yielded, so the last state is never lost; closing
    this generator closes ``items``.

    A stream of tokens sent to a page one event per token costs a page update, a diff of the whole draft and its
    network frame per token, on the cores the model computes on; at 20 updates a second a writer sees the same.
    """
    last = None  # when the last item went out
    held: list[T] = []
    try:
        for item in items:
            now = time.monotonic()
            if last is None or now - last >= interval_s or (urgent is not None and urgent(item)):
                held.clear()
                last = now
                yield item
            else:
                held[:] = [item]
        if held:
            yield held.pop()
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
