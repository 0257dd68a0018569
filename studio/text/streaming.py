"""Streaming one model call with stop sequences, without losing the writer's Stop.

A small model's reply often turns into remarks to the user ("I hope this
helps"); :func:`stream_until` ends the call there. It works with any
:class:`~studio.text.backends.TextBackend`: the backend sees a per-call stop
event that is set by a stop sequence *or* by the writer's Stop.
"""

from __future__ import annotations

import threading
from typing import Iterator

from .backends import SamplingParams, StreamStats, TextBackend


class Halt(threading.Event):
    """A stop event for one model call: set by the engine (a stop sequence) or by the writer's ``parent`` Stop."""

    def __init__(self, parent: threading.Event):
        super().__init__()
        self.parent = parent

    def is_set(self) -> bool:
        return super().is_set() or self.parent.is_set()


def stream_until(backend: TextBackend, prompt: str, params: SamplingParams, stop: threading.Event,
                 stats: StreamStats, stops: tuple[str, ...], result: list[str]) -> Iterator[str]:
    """Stream ``backend``'s reply, ending it at the first of ``stops`` (stop sequences).

    Yields chunks as they come (a stop sequence split over two chunks may show its start
    briefly); appends to ``result`` the whole reply cut before the stop sequence. ``stop`` (the
    writer's Stop) still ends it within one token.
    """
    halt = Halt(stop)
    text = ""
    gen = backend.stream(prompt, params, halt, stats)
    try:
        for chunk in gen:
            text += chunk
            at = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
            if at >= 0:
                keep = at - (len(text) - len(chunk))
                text = text[:at]
                if keep > 0:
                    yield chunk[:keep]
                halt.set()
                break
            yield chunk
    finally:
        gen.close()
        result.append(text)
