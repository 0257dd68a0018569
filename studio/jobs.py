"""Stop events for running jobs, keyed by the Gradio session and the kind of work.

Each long job (a text stream, a batch of images, a restyle) gets a fresh
``threading.Event`` from :meth:`Jobs.start`. The engine checks it between
tokens or steps. Stop sets it; so does closing the browser tab
(``Blocks.unload``). Another session's jobs are never touched.
"""

from __future__ import annotations

import threading
from collections import defaultdict


class Jobs:
    """Registry of the stop events of running jobs. Thread-safe; holds no user data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, dict[str, set[threading.Event]]] = defaultdict(lambda: defaultdict(set))

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

    def stop(self, session: str | None, kind: str | None = None) -> int:
        """Set the stop events of ``session`` (only those of ``kind`` when given). Returns how many."""
        with self._lock:
            kinds = self._events.get(session or "", {})
            events = [e for k, evs in kinds.items() if kind is None or k == kind for e in evs]
        for e in events:
            e.set()
        return len(events)

    def running(self, session: str | None, kind: str | None = None) -> int:
        """How many jobs ``session`` has running (of ``kind`` when given)."""
        with self._lock:
            kinds = self._events.get(session or "", {})
            return sum(len(evs) for k, evs in kinds.items() if kind is None or k == kind)
