"""studio.streams.worker_stream: the one worker-thread stream loop of the backends and the Voice tab."""

from __future__ import annotations

import contextvars
import queue
import threading
import time

import pytest

from studio.streams import newest, throttled, worker_stream


def test_items_come_in_order_and_the_stream_returns_the_workers_result():
    def produce(emit):
        for i in range(5):
            emit(i)
        return "done"

    stream = worker_stream(produce, threading.Event(), name="studio-test-stream")
    got = []
    while True:
        try:
            got.append(next(stream))
        except StopIteration as end:
            assert end.value == "done"
            break
    assert got == [0, 1, 2, 3, 4]


def test_the_workers_exception_is_raised_in_the_consumer():
    def produce(emit):
        emit("a")
        raise ValueError("broken")

    stop = threading.Event()
    stream = worker_stream(produce, stop, name="studio-test-stream")
    assert next(stream) == "a"
    with pytest.raises(ValueError, match="broken"):
        next(stream)
    assert not stop.is_set()


def test_failed_says_what_the_consumer_raises():
    def produce(emit):
        raise KeyError("x")

    stream = worker_stream(produce, threading.Event(), name="studio-test-stream",
                           failed=lambda exc: RuntimeError(f"failed: {type(exc).__name__}"))
    with pytest.raises(RuntimeError, match="failed: KeyError") as info:
        list(stream)
    assert isinstance(info.value.__cause__, KeyError)


def test_closing_the_stream_stops_the_worker_within_a_second():
    stop = threading.Event()

    def produce(emit):
        while not stop.is_set():
            emit("tick")
            time.sleep(0.01)

    stream = worker_stream(produce, stop, name="studio-test-stream")
    assert next(stream) == "tick"
    t0 = time.perf_counter()
    stream.close()
    assert stop.is_set() and time.perf_counter() - t0 < 1
    assert not [t for t in threading.enumerate() if t.name == "studio-test-stream" and t.is_alive()]


def test_the_worker_runs_in_the_callers_context():
    var = contextvars.ContextVar("var", default="unset")
    var.set("caller")
    assert list(worker_stream(lambda emit: emit(var.get()), threading.Event(), name="studio-test-stream")) == ["caller"]


def test_a_slow_consumer_sees_only_the_newest_report():
    go, queued, release = threading.Event(), threading.Event(), threading.Event()

    def produce(emit):
        emit("start")
        go.wait(5)
        for i in range(5):
            emit(i)
        queued.set()
        release.wait(5)
        emit("last")

    stream = worker_stream(produce, threading.Event(), name="studio-test-stream", latest_only=True)
    assert next(stream) == "start"  # the worker starts on the first next()
    go.set()
    assert queued.wait(5)
    assert next(stream) == 4
    release.set()
    assert list(stream) == ["last"]


def test_newest_skips_older_items_but_never_the_end():
    updates: queue.Queue = queue.Queue()
    for item in ("step 1", "step 2", "step 3"):
        updates.put(item)
    assert newest(updates) == "step 3"
    updates.put("last")
    updates.put(None)
    assert newest(updates) == "last" and newest(updates) is None


def test_throttled_passes_the_first_the_urgent_and_the_last_snapshot():
    out = list(throttled(iter(range(1000)), 3600, urgent=lambda n: n == 500))
    assert out == [0, 500, 999]  # nothing lost: each item is the whole state so far, and the last one comes


def test_throttled_passes_everything_when_items_come_slower_than_the_interval():
    assert list(throttled(iter("abc"), 0)) == ["a", "b", "c"]


def test_closing_a_throttled_stream_closes_its_source():
    closed = []

    def source():
        try:
            yield from range(10)
        finally:
            closed.append(True)

    paced = throttled(source(), 0)
    next(paced)
    paced.close()
    assert closed == [True]
