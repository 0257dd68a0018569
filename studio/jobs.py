"""Stop events for running jobs, keyed by the Gradio session and the kind of work.

Each long job (a text stream, a batch of images, a restyle) gets a fresh
``threading.Event`` from :meth:`Jobs.start`. The engine checks it between
tokens or steps. Stop sets it; so does closing the browser tab
(``Blocks.unload``). Another session's jobs are never touched.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict, deque
from collections.abc import Callable

# ``progress(done, total)``: how engines report progress (steps, images, frames...), called often
Progress = Callable[[int, int], None]


class Jobs:
    """Registry of the stop events of running jobs. Thread-safe; holds no user data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, dict[str, set[threading.Event]]] = defaultdict(lambda: defaultdict(set))
        self._gone: deque[str] = deque(maxlen=1000)  # sessions whose page was closed or reloaded
        self._writing: dict[int, threading.Event] = {}  # article id -> set when its generation has ended
        self._on_gone: dict[str, list] = defaultdict(list)  # session -> what to do if its page goes away

    def start(self, session: str | None, kind: str) -> threading.Event:
        """A new stop event for a job of ``kind`` in ``session``; pair it with :meth:`finish`."""
        event = threading.Event()
        with self._lock:
            self._events[session or ""][kind].add(event)
        return event

    def finish(self, session: str | None, kind: str, event: threading.Event) -> None:
        """Forget ``event`` once its job has ended."""
        with self._lock:
            kinds = self._events.get(session or "")
            if kinds is not None:
                kinds[kind].discard(event)
                if not kinds[kind]:
                    del kinds[kind]
                if not kinds:
                    del self._events[session or ""]

    def stop(self, session: str | None, kind: str | None = None, gone: bool = False) -> int:
        """Set the stop events of ``session`` (only those of ``kind`` when given). Returns how many.
        ``gone``: the session's page was closed or reloaded (remembered for :meth:`is_gone`)."""
        with self._lock:
            if gone and session:
                self._gone.append(session)
            kinds = self._events.get(session or "", {})
            events = [e for k, evs in kinds.items() if kind is None or k == kind for e in evs]
        for e in events:
            e.set()
        if gone and session:
            with self._lock:
                hooks = self._on_gone.pop(session, [])
            for hook in hooks:
                hook()
        return len(events)

    def running(self, session: str | None, kind: str | None = None) -> int:
        """How many jobs ``session`` has running (of ``kind`` when given)."""
        with self._lock:
            kinds = self._events.get(session or "", {})
            return sum(len(evs) for k, evs in kinds.items() if kind is None or k == kind)

    def is_gone(self, session: str | None) -> bool:
        """True when ``session``'s page was closed or reloaded (its jobs were stopped for that reason)."""
        with self._lock:
            return bool(session) and session in self._gone

    @contextlib.contextmanager
    def when_gone(self, session: str | None, hook):
        """Context manager: while inside, ``hook()`` runs (once, in the thread that learns it) if ``session``'s
        page is closed or reloaded. Used to save what a generation streamed: the page's own generator may
        only be closed much later, when Python collects it."""
        if not session:
            yield
            return
        with self._lock:
            self._on_gone[session].append(hook)
        try:
            yield
        finally:
            with self._lock:
                hooks = self._on_gone.get(session)
                if hooks is not None and hook in hooks:
                    hooks.remove(hook)
                    if not hooks:
                        del self._on_gone[session]

    @contextlib.contextmanager
    def writing(self, article_id: int | None):
        """Context manager around a generation into article ``article_id``: until it has ended (and saved
        what it streamed), :meth:`wait_written` waits for it, so a reloaded page opens the saved text."""
        done = threading.Event()  # yielded: set it early once the text is saved
        if article_id is None:
            yield done
            return
        with self._lock:
            self._writing[article_id] = done
        try:
            yield done
        finally:
            with self._lock:
                if self._writing.get(article_id) is done:
                    del self._writing[article_id]
            done.set()

    def wait_written(self, article_id: int | None, timeout: float = 30.0) -> bool:
        """Wait (up to ``timeout`` seconds) for a generation into ``article_id`` to end. True when none runs now."""
        with self._lock:
            done = self._writing.get(article_id) if article_id is not None else None
        return done is None or done.wait(timeout)
