"""Streaming one model call with stop sequences, without losing the writer's Stop.

A small model's reply often turns into remarks to the user ("I hope this
helps"); :func:`stream_until` ends the call there. It works with any
:class:`~studio.text.backends.TextBackend`: the backend sees a per-call stop
event that is set by a stop sequence *or* by the writer's Stop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from ..unitext import count_words
from .backends import SamplingParams, StreamStats, TextBackend


class WordCount:
    """:func:`studio.unitext.count_words` of a text that grows at its end, for each token of a stream.

    Counting the whole reply again for every token costs time in proportion to its length (2.5 ms
    per token at 5,000 characters on a busy 2-core machine, on the cores the model computes on);
    this counts only the end that may still change. The count is exact: nothing ``count_words``
    matches crosses a line break, nor a space outside ``[...]`` (a Markdown link or picture), so
    the text before such a point is counted once and kept.

    ``count(text)`` must be called with texts that each extend the previous one.
    """

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self.settled = 0  # length of the start of the text whose words are counted in `words`
        self.words = 0
        self.bracket = False  # a "[" since the last line break: spaces are not safe points until the next one

    def count(self, text: str) -> int:
        """Words in ``text`` (which extends the text of the previous call)."""
        if len(text) < self.settled:  # not a continuation after all: count from the start
            self._reset()
        end = max(text.rfind(" ", self.settled), text.rfind("\n", self.settled), text.rfind("\t", self.settled))
        if end >= 0:
            line = text.rfind("\n", self.settled, end + 1)
            if line >= 0:  # a line break: always a safe point
                self.words += count_words(text[self.settled:line + 1])
                self.settled, self.bracket = line + 1, False
            if not self.bracket and end >= self.settled:
                self.bracket = "[" in text[self.settled:end + 1]
                if not self.bracket:
                    self.words += count_words(text[self.settled:end + 1])
                    self.settled = end + 1
        return self.words + count_words(text[self.settled:])


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
            # only the end can hold a new match: earlier text was searched with the previous chunks
            at = min((i for i in (text.find(s, max(0, len(text) - len(chunk) - len(s) + 1)) for s in stops)
                      if i >= 0), default=-1)
            if at >= 0:
                keep = at - (len(text) - len(chunk))
                text = text[:at]
                if keep > 0:
                    yield chunk[:keep]
                halt.set()
                break
            yield chunk
    finally:
        gen.close()  # type: ignore[attr-defined]  # every backend's stream is a generator (backends.py types it Iterator)
        result.append(text)


def ending_notes(ended: str) -> list[str]:
    """What the writer is told when the server ended the reply early or sent only reasoning."""
    if ended == "early":
        return ["The text server ended the reply early (its stream stopped without a finish_reason). "
                "The text so far is kept."]
    if ended == "reasoning":
        return ["The model sent only its reasoning (thinking) and no text before the token limit. Raise "
                "max_new_tokens, or turn thinking off on the server (for example chat_template_kwargs "
                "enable_thinking: false)."]
    return []
