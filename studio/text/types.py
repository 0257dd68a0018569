"""The shapes every text backend shares: sampling settings, a stream's statistics, and the interface
the text engine talks to. Imports nothing of ``studio``, so each backend (and anything that streams
from one) can use them without importing the module that picks a backend (:mod:`.backends`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from typing import Protocol


@dataclasses.dataclass
class SamplingParams:
    """Sampling settings, passed through to the model unchanged.

    ``temperature`` 0 means greedy decoding. ``max_new_tokens`` and
    ``min_new_tokens`` count tokens of the reply.
    """

    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 50
    repetition_penalty: float = 1.1
    max_new_tokens: int = 512
    min_new_tokens: int = 0
    seed: int = 0
    # llama-server: start from what the slot already read (a long article's sections share their leading
    # context). Off by default: a prompt read partly from the cache can give slightly different numbers than
    # read whole, and the same seed must give the same text whatever ran before
    cache_prompt: bool = False


@dataclasses.dataclass
class StreamStats:
    """Filled in while a stream runs: tokens made, seconds from start to the first and the last token,
    and how the reply ended."""

    tokens: int = 0
    first_token_s: float | None = None
    elapsed_s: float = 0.0
    waited_s: float = 0.0
    stopped: bool = False
    # llama-server only: prompt tokens read, how many of them came from its prompt cache, seconds reading
    prompt_tokens: int = 0
    cached_tokens: int = 0
    prefill_s: float = 0.0
    # how the server ended the reply, where a backend knows: "" (it finished, or cannot tell), "length"
    # (it reached max_new_tokens), "early" (the stream ended without a finish_reason), "reasoning" (the
    # model sent only its reasoning, no text)
    ended: str = ""

    @property
    def tokens_per_s(self) -> float:
        gen = self.elapsed_s - (self.first_token_s or 0.0)
        return (self.tokens - 1) / gen if self.tokens > 1 and gen > 0 else 0.0


class TextBackend(Protocol):
    """What the text engine needs of a language model.

    ``name`` is the model reference; ``engine`` names what runs it ("llama-server",
    "llama.cpp", "transformers", "openai"), for display; ``context_size`` is in tokens.
    """

    name: str
    engine: str
    context_size: int

    def count_tokens(self, text: str) -> int: ...

    def render(self, messages: list[dict], assistant_prefix: str = "") -> str: ...

    def keep_last_tokens(self, text: str, n: int) -> str: ...

    def stream(self, prompt: str, params: SamplingParams, stop: threading.Event,
               stats: StreamStats | None = None) -> Iterator[str]: ...
