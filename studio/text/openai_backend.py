"""The OpenAI-compatible text backend: writing on a server (vLLM, llama.cpp server, ...).

Studio sends chat messages with the official ``openai`` client and streams the
reply; the server runs the model (on its GPUs, with tensor parallelism when it
was started so). Settings map as follows: temperature, top_p, seed and
max_new_tokens (``max_tokens``) are standard fields; top_k, repetition_penalty
(also sent as llama.cpp's ``repeat_penalty``) and min_new_tokens (``min_tokens``)
go in the request body as vLLM and the llama.cpp servers accept them. The chat
template is the server's. For Continue, the draft is sent as an unfinished
assistant message with vLLM's ``continue_final_message``; servers without that
option answer it as a new reply that has the draft in view. The writer's text is sent with special-token
shapes broken by an invisible WORD JOINER (:func:`.plaintext.neutralise`), taken out of the reply again,
since the server parses special tokens in the prompt it renders.

Streams end honestly (:attr:`StreamStats.ended`): a last chunk with only ``usage`` and no ``choices``
is fine; ``finish_reason: length`` says the limit was reached; a stream that ends without any
``finish_reason`` and without ``data: [DONE]`` keeps its text and says the server ended the reply
early; a model that sent only reasoning (``reasoning_content`` / ``reasoning``) and no text says so.

Context size: ``--openai-context-size`` if given, else the ``max_model_len`` that
vLLM reports in ``/v1/models``, else 2,048 tokens (a safe floor; a warning says so).

Token counting uses the server's tokenizer when it offers one, asked in its own field names (vLLM's
``/tokenize`` with ``prompt``, llama.cpp server's ``/tokenize`` with ``content``, llama-cpp-python's
``/extras/tokenize/count`` with ``input``) and trusted only when it counts a known sentence sensibly
(a server that reads another field answers 0 tokens); a later answer that cannot be right (0 tokens for
real text) switches to the estimate. Otherwise it is an estimate meant to over-count, never under-count,
for common text: one token per 3 ASCII characters and 1.5 per other character, so the context
budget errs on the safe side (max_new_tokens may be reduced a little more than needed).

No server is contacted at start-up: the first request connects, and says clearly
what is wrong (unreachable URL, refused key, unknown model, a reply that is not
OpenAI-shaped).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import ModelUnavailable
from ..messages import Message
from ..settings import Settings
from .plaintext import neutralise, restore
from .types import SamplingParams, StreamStats

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 2048
_CHAT = "\x00studio-chat:"  # marks a rendered prompt; user text never holds NUL (it is refused)
_PER_MESSAGE = 8  # tokens a chat template adds per message (role markers), counted generously


def estimate_tokens(text: str) -> int:
    """A conservative token estimate for servers without a tokenizer endpoint (see the module docstring)."""
    ascii_chars = sum(1 for c in text if c < "\x80")
    return math.ceil(ascii_chars / 3 + (len(text) - ascii_chars) * 1.5)


def _root(url: str) -> str:
    url = url.rstrip("/")
    return url[:-3] if url.endswith("/v1") else url


class OpenAIBackend:
    """A model on an OpenAI-compatible server.

    Args:
        client: an ``openai.OpenAI`` client for the server.
        base_url: the server's address (shown in messages).
        model: the server's name of the model.
        context_size: the model's context length in tokens.
        tokenize: ``fn(text) -> int`` counting tokens with the server's tokenizer, or None to estimate.
    """

    engine = "openai"

    def __init__(self, client, base_url: str, model: str, context_size: int, tokenize=None):
        self.client = client
        self.base_url = base_url
        self.name = model
        self.context_size = context_size
        self._tokenize = tokenize
        self.exact_tokens = tokenize is not None

    # ----- tokens ---------------------------------------------------------------------
    def _count(self, text: str) -> int:
        if self._tokenize is not None:
            try:
                return self._tokenize(text)
            except Exception as exc:  # noqa: BLE001 - fall back to the estimate, from now on
                log.warning("token counting at %s failed (%s); estimating from now on", self.base_url, exc)
                self._tokenize, self.exact_tokens = None, False
        return estimate_tokens(text)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text``; for a rendered prompt, its messages plus a few per message for the template."""
        if text.startswith(_CHAT):
            chat = json.loads(text[len(_CHAT):])
            parts = [neutralise(m["content"]) for m in chat["messages"]] + [neutralise(chat["assistant_prefix"])]
            return self._count("\n".join(parts)) + _PER_MESSAGE * (len(parts))
        return self._count(text)

    def keep_last_tokens(self, text: str, n: int) -> str:
        """The end of ``text`` that fits in ``n`` tokens, cut at a word boundary (found by bisection)."""
        if self.count_tokens(text) <= n:
            return text
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == " "]
        lo, hi = 0, len(starts) - 1  # find the earliest start whose tail fits
        while lo < hi:
            mid = (lo + hi) // 2
            if self.count_tokens(text[starts[mid]:]) <= n:
                hi = mid
            else:
                lo = mid + 1
        return text[starts[lo]:]

    def render(self, messages: list[dict], assistant_prefix: str = "") -> str:
        """The messages as one string the stream sends as chat messages (the server applies its template)."""
        return _CHAT + json.dumps({"messages": messages, "assistant_prefix": assistant_prefix})

    # ----- generation -------------------------------------------------------------------
    def _request(self, prompt: str, params: SamplingParams) -> dict:
        if prompt.startswith(_CHAT):
            chat = json.loads(prompt[len(_CHAT):])
            messages, prefix = list(chat["messages"]), chat["assistant_prefix"]
        else:
            messages, prefix = [{"role": "user", "content": prompt}], ""
        extra = {"top_k": params.top_k, "repetition_penalty": params.repetition_penalty,
                 "repeat_penalty": params.repetition_penalty}
        if params.min_new_tokens:
            extra["min_tokens"] = params.min_new_tokens
        messages = [{**m, "content": neutralise(m["content"])} for m in messages]
        if prefix:
            messages.append({"role": "assistant", "content": neutralise(prefix)})
            extra.update(continue_final_message=True, add_generation_prompt=False)
        kw = dict(model=self.name, messages=messages, stream=True, max_tokens=params.max_new_tokens,
                  temperature=params.temperature, seed=params.seed, extra_body=extra)
        if params.temperature > 0:
            kw["top_p"] = params.top_p
        return kw

    def stream(self, prompt: str, params: SamplingParams, stop: threading.Event,
               stats: StreamStats | None = None) -> Iterator[str]:
        """Yield text chunks of the server's reply as they arrive.

        ``stop`` is checked at every chunk (about one token); Stop, or closing this
        iterator, closes the HTTP stream, which ends the generation on the server.

        Raises:
            RuntimeError: the server could not be reached, refused the request, died
                mid-reply or answered in another shape; the message names the URL or field.
        """
        import openai

        stats = stats if stats is not None else StreamStats()
        t0 = time.perf_counter()
        if stop.is_set():
            stats.stopped = True
            return
        try:
            response = self.client.chat.completions.create(**self._request(prompt, params))
        except Exception as exc:  # noqa: BLE001 - worded for the writer below
            raise RuntimeError(describe_error(exc, self.base_url, self.name)) from exc
        stats.waited_s = time.perf_counter() - t0
        seen: dict = {"usage": None, "finish": None, "reasoning": 0, "choices": False, "done": False}
        _watch_done(response, seen)
        pending = ""  # a piece that may end inside a neutralised token (restore() needs its next character)
        try:
            for chunk in response:
                if stop.is_set():
                    break
                text = _read_chunk(chunk, seen)
                if text:
                    stats.tokens += 1
                    if stats.first_token_s is None:
                        stats.first_token_s = time.perf_counter() - t0
                    stats.elapsed_s = time.perf_counter() - t0
                    pending += text
                    keep = len(pending) - (1 if pending[-1] in "<[｜\u2060" else 0)
                    if keep > 0:
                        yield restore(pending[:keep])
                        pending = pending[keep:]
        except (openai.APIError, OSError, ValueError, AttributeError, TypeError) as exc:
            raise RuntimeError(describe_error(exc, self.base_url, self.name, mid_stream=True)) from exc
        except Exception as exc:  # noqa: BLE001 - httpx transport errors and the like
            raise RuntimeError(describe_error(exc, self.base_url, self.name, mid_stream=True)) from exc
        finally:
            response.close()  # Stop / closed tab: the server sees the connection go and stops
            stats.stopped = stop.is_set()
            stats.elapsed_s = time.perf_counter() - t0
        if pending:
            yield restore(pending)
        if stats.stopped:
            return
        if not seen["choices"] and seen["usage"] is None:
            raise RuntimeError(Message("The text server at {u} sent a reply that is not OpenAI-shaped (no 'choices' "
                                       "field in any stream chunk).", u=self.base_url))
        if seen["usage"] is not None:
            stats.tokens = seen["usage"]
        stats.ended = _ending(seen, stats.first_token_s is not None)


def _watch_done(response, seen: dict) -> None:
    """Note in ``seen["done"]`` when the stream's ``data: [DONE]`` arrives (the openai client hides it)."""
    events = getattr(response, "_iter_events", None)
    if not callable(events):
        return  # another client version: a finish_reason alone says the reply is complete

    def watched():
        for sse in events():
            if str(getattr(sse, "data", "")).startswith("[DONE]"):
                seen["done"] = True
            yield sse

    response._iter_events = watched


def _read_chunk(chunk, seen: dict) -> str:
    """The text of one stream chunk ("" for none); notes its usage, finish_reason and reasoning in ``seen``.
    A chunk without ``choices`` (the usage that ends a stream) is fine."""
    usage = getattr(chunk, "usage", None)
    if usage is not None and getattr(usage, "completion_tokens", None):
        seen["usage"] = int(usage.completion_tokens)
    choices = getattr(chunk, "choices", None)
    if not choices:
        return ""
    seen["choices"] = True
    choice = choices[0]
    if getattr(choice, "finish_reason", None):
        seen["finish"] = str(choice.finish_reason)
    delta = getattr(choice, "delta", None)
    if delta is None:
        return ""
    extra = getattr(delta, "model_extra", None) or {}
    thought = getattr(delta, "reasoning_content", None) or extra.get("reasoning_content") or extra.get("reasoning")
    if isinstance(thought, str):
        seen["reasoning"] += len(thought)
    text = getattr(delta, "content", None)
    return text if isinstance(text, str) else ""


def _ending(seen: dict, wrote: bool) -> str:
    """How the reply ended (:attr:`StreamStats.ended`): only reasoning, cut at the limit, ended early, or ""."""
    if not wrote and seen["reasoning"]:
        return "reasoning"
    if seen["finish"] == "length":
        return "length"
    if seen["finish"] is None and not seen["done"]:
        return "early"
    return ""


def describe_error(exc: BaseException, url: str, model: str, mid_stream: bool = False) -> Message:
    """One sentence for the writer about what went wrong talking to the server at ``url``."""
    import openai

    detail = f"{type(exc).__name__}: {str(exc)[:200]}"
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return Message("The text server at {u} refused the API key (HTTP {c}). Check --openai-api-key "
                       "(OPENAI_API_KEY).", u=url, c=exc.status_code)
    if isinstance(exc, openai.NotFoundError):
        return Message("The text server at {u} does not know the model '{m}' or the address is wrong (HTTP 404). "
                       "Check --text-model and --openai-base-url (it usually ends in /v1).", u=url, m=model)
    if isinstance(exc, openai.APIStatusError):
        return Message("The text server at {u} answered with an error (HTTP {c}): {e}", u=url, c=exc.status_code,
                       e=str(exc)[:200])
    if mid_stream:
        return Message("The text server at {u} stopped answering in the middle of the reply ({e}).", u=url, e=detail)
    if isinstance(exc, openai.APIConnectionError):
        return Message("Cannot reach the text server at {u} ({e}). Check --openai-base-url and that the server is "
                       "running.", u=url, e=detail)
    if isinstance(exc, openai.APIResponseValidationError):
        return Message("The text server at {u} sent a reply that is not OpenAI-shaped ({e}).", u=url, e=detail)
    return Message("Talking to the text server at {u} failed ({e}).", u=url, e=detail)


# A sentence every tokenizer splits into somewhere between 8 and 80 tokens (16 words, 71 characters):
# a server's count for it outside that range (0 from a server that read another field) is not trusted.
KNOWN = "The quick brown fox jumps over the lazy dog, and then it runs far away."
KNOWN_RANGE = (8, 80)


def _probes(root: str, model: str) -> list[tuple[str, Callable[[str], dict], Callable[[dict], Any]]]:
    """``(url, body(text), read(json) -> count)`` of each server's tokenizer endpoint, in its own field names."""
    return [
        # vLLM: {"model", "prompt"} -> {"count", "tokens"}
        (f"{root}/tokenize", lambda t: {"model": model, "prompt": t, "add_special_tokens": False},
         lambda j: j["count"] if "count" in j else len(j["tokens"])),
        # llama.cpp's llama-server: {"content"} -> {"tokens"}
        (f"{root}/tokenize", lambda t: {"content": t, "add_special": False}, lambda j: len(j["tokens"])),
        # llama-cpp-python's server: {"input"} -> {"count"}
        (f"{root}/extras/tokenize/count", lambda t: {"input": t}, lambda j: j["count"]),
    ]


def plausible(count, text: str) -> bool:
    """Whether ``count`` tokens can be right for ``text``: a whole number, and not 0 (nor far too few) for
    real text. No tokenizer makes one token of more than about 24 characters of ordinary text."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return False
    return count >= len("".join(text.split())) / 24


def _server_tokenizer(settings: Settings, model: str):
    """A ``fn(text) -> int`` using the server's tokenizer endpoint, or None when it has none that counts
    :data:`KNOWN` within :data:`KNOWN_RANGE`.

    Each server is asked in its own field names (:func:`_probes`); a count that is not
    :func:`plausible` for the text asked about (a server reading another field answers 0) raises
    ``ValueError``, so the caller estimates instead."""
    import httpx

    root = _root(settings.openai_base_url)
    headers = {"Authorization": f"Bearer {settings.openai_api_key}"} if settings.openai_api_key else {}
    http = httpx.Client(timeout=30, headers=headers)
    for url, body, read in _probes(root, model):
        try:
            r = http.post(url, json=body(KNOWN))
            known = read(r.json()) if r.status_code == 200 else None
        except Exception:  # noqa: BLE001 - try the next form
            continue
        if not isinstance(known, int) or not KNOWN_RANGE[0] <= known <= KNOWN_RANGE[1]:
            log.info("%s answered %r tokens for a %d-word sentence: not used", url, known, len(KNOWN.split()))
            continue

        def count(text: str, url=url, body=body, read=read) -> int:
            resp = http.post(url, json=body(text))
            resp.raise_for_status()
            n = read(resp.json())
            if not plausible(n, text):
                raise ValueError(f"the server counted {n!r} tokens for {len(text):,} characters")
            return int(n)
        return count
    http.close()
    return None


def connect(settings: Settings, model: str) -> OpenAIBackend:
    """Check the server of ``settings.openai_base_url`` serves ``model``; return its backend.

    Raises:
        ModelUnavailable: unreachable URL, refused key, unknown model, or a reply that is
            not OpenAI-shaped (each says which URL or field).
    """
    import openai

    url = settings.openai_base_url
    client = openai.OpenAI(base_url=url, api_key=settings.openai_api_key or "none", max_retries=0,
                           timeout=openai.Timeout(120.0, connect=10.0))
    try:
        page = client.models.list()
    except (openai.APIStatusError, openai.APIConnectionError) as exc:
        why = describe_error(exc, url, model)
        raise ModelUnavailable(why.template, **why.params) from exc
    except Exception as exc:  # noqa: BLE001 - not JSON, or JSON of another shape
        raise ModelUnavailable("The text server at {u} sent a reply that is not OpenAI-shaped: GET /models "
                               "did not give a model list ({e}).", u=url, e=type(exc).__name__) from exc
    try:
        ids = [str(e.id) for e in page.data]
        entries = list(page.data)
    except (AttributeError, TypeError):
        raise ModelUnavailable("The text server at {u} sent a reply that is not OpenAI-shaped: GET /models "
                               "has no 'data' list of models with an 'id'.", u=url) from None
    if model not in ids:
        offer = ", ".join(ids[:10]) or "no models"
        raise ModelUnavailable("The text server at {u} has no model '{m}'. It serves: {l}. "
                               "Name one with --text-model.", u=url, m=model, l=offer)
    entry = entries[ids.index(model)]
    extra = getattr(entry, "model_extra", None) or {}
    context = settings.openai_context_size or int(extra.get("max_model_len") or 0)
    if not context:
        context = DEFAULT_CONTEXT
        log.warning("%s does not report the context length of %s; assuming %d tokens (set --openai-context-size)",
                    url, model, context)
    tokenize = _server_tokenizer(settings, model)
    if tokenize is None:
        log.info("%s has no tokenizer endpoint; token counts are estimated", url)
    return OpenAIBackend(client, url, model, context, tokenize)
