"""Plain chat and completion for the OpenAI-compatible API (``/v1/chat/completions``, ``/v1/completions``).

Unlike :meth:`TextEngine.stream`, nothing is added to what the caller sends: the messages go
through the model's own chat template (``chat``), or the prompt is continued as it is
(``completion``), with the caller's sampling settings and stop sequences. The same backends,
device lock and Stop as the Write tab are used, so API callers and writers share the machine.

:func:`run_text` yields text pieces; the :class:`ChatRun` given to it is filled in as it goes
(tokens, why it ended), for the API's ``usage`` and ``finish_reason``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

from ..errors import InvalidInput
from ..validate import check_float, check_int, check_seed, check_text
from .backends import SamplingParams, StreamStats, TextBackend

ROLES = ("system", "user", "assistant", "developer", "tool")
MAX_MESSAGES = 500
MAX_STOPS = 4
MAX_CHAT_CHARS = 200_000
DEFAULT_MAX_TOKENS = 512


@dataclasses.dataclass
class ChatRun:
    """What one API text request asked for and what came of it.

    Attributes:
        prompt_tokens, completion_tokens: counts for the API's ``usage``.
        finish_reason: ``stop`` (the model ended, or a stop sequence), ``length`` (max_tokens) or
            ``cancelled`` (the caller went away).
        seed: the seed used (drawn when the request gave none). engine: what ran the model.
    """

    params: SamplingParams
    stops: tuple[str, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    seed: int = 0
    engine: str = ""


def content_text(content, field: str) -> str:
    """A message's content as text: a string, or OpenAI's list of parts (``{"type": "text", "text": ...}``)."""
    if isinstance(content, list):
        parts = []
        for i, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") != "text":
                raise InvalidInput(f"{field}[{i}]", "must be a text part (type text, with its text); Studio's text "
                                                    "models read text only.")
            parts.append(check_text(f"{field}[{i}].text", part.get("text"), required=False, max_chars=MAX_CHAT_CHARS))
        return "".join(parts)
    return check_text(field, content, required=False, max_chars=MAX_CHAT_CHARS)


def check_messages(messages) -> list[dict]:
    """OpenAI chat ``messages`` as ``[{"role", "content"}]`` for a chat template (``developer`` becomes
    ``system``). Raises :class:`InvalidInput` naming the message and field."""
    if not isinstance(messages, list) or not messages:
        raise InvalidInput("messages", "must be a non-empty list of messages, each with a role and a content.")
    if len(messages) > MAX_MESSAGES:
        raise InvalidInput("messages", "has {n} messages; the limit is {m}.", n=len(messages), m=MAX_MESSAGES)
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise InvalidInput(f"messages[{i}]", "must be an object with role and content.")
        role = m.get("role")
        if role not in ROLES:
            raise InvalidInput(f"messages[{i}].role", "must be one of {c}, not {user_v}.", c=", ".join(ROLES),
                               user_v=repr(role))
        if m.get("content") is None and not (role == "assistant" and "content" in m):
            raise InvalidInput(f"messages[{i}].content", "is missing: each message needs its text as content "
                                                         "(a string, or a list of text parts).")
        out.append({"role": "system" if role == "developer" else role,
                    "content": content_text(m.get("content"), f"messages[{i}].content")})
    return out


def check_stops(stop) -> tuple[str, ...]:
    """``stop``: None, a string, or a list of up to 4 non-empty strings."""
    if stop is None:
        return ()
    items = [stop] if isinstance(stop, str) else stop
    if not isinstance(items, list) or len(items) > MAX_STOPS:
        raise InvalidInput("stop", "must be a string or a list of at most {n} strings.", n=MAX_STOPS)
    for s in items:
        if not isinstance(s, str) or not s:
            raise InvalidInput("stop", "must hold non-empty strings, not {user_v}.", user_v=repr(s))
    return tuple(items)


def sampling(body: dict, default_max: int) -> tuple[SamplingParams, tuple[str, ...]]:
    """The sampling settings of an OpenAI request body (``temperature``, ``top_p``, ``max_tokens`` or
    ``max_completion_tokens``, ``seed``, ``stop``), checked; absent ones take OpenAI's defaults."""
    def get(name, default):
        value = body.get(name)
        return default if value is None else value

    max_tokens = get("max_completion_tokens", get("max_tokens", default_max))
    params = SamplingParams(
        temperature=check_float("temperature", get("temperature", 1.0), 0.0, 2.0),
        top_p=check_float("top_p", get("top_p", 1.0), 0.0, 1.0) or 1.0,
        top_k=0, repetition_penalty=1.0,
        max_new_tokens=check_int("max_tokens", max_tokens, 1, 8192),
        seed=check_seed(get("seed", -1)),
    )
    if body.get("n") is not None:
        check_int("n", body["n"], 1, 1)  # one reply per request
    return params, check_stops(body.get("stop"))


def run_text(backend: TextBackend, prompt: str, run: ChatRun, stop: threading.Event) -> Iterator[str]:
    """Stream the model's continuation of ``prompt`` (already rendered), held back at a stop sequence:
    no piece of a stop sequence is ever yielded. Fills in ``run`` as it goes."""
    from .streaming import Halt

    budget = backend.context_size - backend.count_tokens(prompt)
    if budget < 1:
        raise InvalidInput("messages", "are {n} tokens long; the model reads at most {m}. Send fewer or shorter "
                                       "messages.", n=backend.count_tokens(prompt), m=backend.context_size)
    run.prompt_tokens = backend.count_tokens(prompt)
    asked = run.params.max_new_tokens
    params = dataclasses.replace(run.params, max_new_tokens=min(asked, budget))
    run.seed, run.engine = params.seed, getattr(backend, "engine", "")
    stats, halt = StreamStats(), Halt(stop)
    hold = max((len(s) for s in run.stops), default=1) - 1
    text, sent = "", 0
    gen = backend.stream(prompt, params, halt, stats)
    try:
        for chunk in gen:
            text += chunk
            at = min((i for i in (text.find(s, max(0, sent - len(s))) for s in run.stops) if i >= 0), default=-1)
            if at >= 0:
                if at > sent:
                    yield text[sent:at]
                sent = at
                halt.set()
                break
            if len(text) - hold > sent:
                yield text[sent:len(text) - hold]
                sent = len(text) - hold
        else:
            if len(text) > sent:
                yield text[sent:]
            run.finish_reason = "length" if stats.tokens >= params.max_new_tokens else "stop"
    finally:
        gen.close()  # type: ignore[attr-defined]  # every backend's stream is a generator (backends.py types it Iterator)
        run.completion_tokens = stats.tokens
        if stop.is_set():
            run.finish_reason = "cancelled"


def open_text(engine, body: dict, *, chat: bool, model: str, voice: str, owner: str,
              stop: threading.Event) -> tuple[ChatRun, Iterator[str]]:
    """Check an API text request and load its model: ``(run, pieces)``, where ``pieces`` streams the reply.

    ``chat``: ``body["messages"]`` through the model's chat template; else ``body["prompt"]`` continued
    as it is. Everything is checked and the model loaded before this returns, so a bad request fails
    here and not half-way through a stream.

    Raises:
        InvalidInput: naming the field. ModelUnavailable: the model cannot be loaded.
    """
    from ..devices import oom_guard
    from .engine import OOM_MESSAGE

    params, stops = sampling(body, DEFAULT_MAX_TOKENS)
    if chat:
        messages = check_messages(body.get("messages"))
    else:
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1:
            prompt = prompt[0]
        prompt = check_text("prompt", prompt, max_chars=MAX_CHAT_CHARS)
    backend = engine.backend(model, voice, owner)
    text = backend.render(messages) if chat else prompt
    run = ChatRun(params, stops)

    def pieces():
        with oom_guard(engine.manager, OOM_MESSAGE):
            yield from run_text(backend, text, run, stop)

    return run, pieces()
