"""The text backend that writes on Studio's own ``llama-server`` (issue #25; the process:
:mod:`.llama_server`).

Studio renders the GGUF's chat template itself and sends ``/completion`` a prompt of token ids, so that
a writer's words stay text: the template's own pieces (``<|im_start|>user\\n`` ...) are tokenised with
special tokens parsed, the writer's text (topic, draft, voice, assistant prefix) without, through the
server's ``/tokenize`` (``parse_special`` false). A typed ``<|im_start|>`` is the characters
``<``, ``|``, ``im``... to the model, never its control token. Token counts (the context budget, the
"left out" notes) are the server's own tokenizer's.

Sampling as the in-process engine (:mod:`.llamacpp`) does it: repetition penalty over the whole context
-> temperature -> top_k -> top_p, llama.cpp's ``min_p`` off; temperature 0 is greedy. ``min_new_tokens``:
the first tokens are asked for with the end-of-generation tokens masked (``ignore_eos``), the rest as a
second request that continues from them (the prompt cache makes it cost nothing). With one slot the same
seed and settings give the same text, also after a restart; with several slots the server batches
writers together, and llama.cpp does not promise identical numbers across batch sizes (README).

Stop: closing the HTTP stream makes the server end that slot's work at its next token. The prompt cache
(``cache_prompt``) is used where a request continues what the server just read: a long article's sections
(they share the article's leading context) and the second request of ``min_new_tokens``. Other requests
read their prompt whole, so that the same seed gives the same text whatever ran before (a prompt read
partly from the cache can give slightly different numbers).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import ModelUnavailable
from ..messages import Message
from ..models import ModelManager
from .llama_server import ServerProcess, find_binary
from .types import SamplingParams, StreamStats

log = logging.getLogger(__name__)

_IDS = "\x00studio-ids:"  # marks a rendered prompt (token ids); a writer's text never holds NUL (it is refused)
_SLOT = "\x00{}\x00"


class LlamaServerBackend:
    """A GGUF model on Studio's own llama-server.

    Args:
        server: the started :class:`~.llama_server.ServerProcess`.
        name: the model reference, for display.
    """

    engine = "llama-server"

    def __init__(self, server: ServerProcess, name: str):
        import httpx

        self.server = server
        self.name = name
        # plain HTTP on loopback: verify=False only skips loading the system's certificates (~40 ms of
        # held GIL, on the thread that starts the server while the page is built)
        self.http = httpx.Client(timeout=httpx.Timeout(600.0, connect=5.0), verify=False,
                                 headers={"Authorization": f"Bearer {server.key}"})
        self._pieces: dict[str, list[int]] = {}  # the template's own pieces, tokenised once
        props = self._post("/props", None)
        settings = props.get("default_generation_settings") or {}
        self.context_size = min(int(settings.get("n_ctx") or server.slot_context), server.slot_context)
        self.slots = int(props.get("total_slots") or server.slots)
        self._template = _compile(props.get("chat_template") or "")
        self._bos_text, self._eos_text = props.get("bos_token") or "", props.get("eos_token") or ""
        with_bos = self.tokenize("a", special=False, add_special=True)
        self._bos = with_bos[:-len(self.tokenize("a", special=False))] if len(with_bos) > 1 else []

    # ----- HTTP ---------------------------------------------------------------------------
    def _post(self, path: str, body: dict | None) -> dict:
        """One JSON request; a server that had died is started again and the request sent once more (and once
        more on a kept-alive connection the server had just closed: :meth:`_send`)."""
        import httpx

        restarted = False
        while True:
            try:
                r = self._send("GET" if body is None else "POST", path, body)
                if r.status_code != 200:
                    raise RuntimeError(Message("llama-server answered {p} with HTTP {c}: {e}", p=path, c=r.status_code,
                                               e=r.text[:200]))
                return r.json()
            except httpx.TransportError:
                if restarted or not self.server.gone() or not self.server.ensure():
                    raise
                restarted = True

    def _send(self, method: str, path: str, body: dict | None, stream: bool = False):
        """Send one request (``stream``: the response's body not read yet). llama-server closes a connection that
        was idle for 5 seconds; a request that went out on it just then gets "Server disconnected without
        sending a response" (nothing was done), and is sent once more on a new connection."""
        import httpx

        request = self.http.build_request(method, self.server.url + path, json=body)
        try:
            return self.http.send(request, stream=stream)
        except httpx.RemoteProtocolError:
            if not self.server.alive():
                raise
            log.debug("llama-server closed a kept-alive connection; sending %s again", path)
            return self.http.send(request, stream=stream)

    # ----- tokens ---------------------------------------------------------------------
    def tokenize(self, text: str, special: bool, add_special: bool = False) -> list[int]:
        """Token ids of ``text`` by the server's tokenizer; ``special``: parse control tokens (template only)."""
        if not text and not add_special:
            return []
        body = {"content": text, "add_special": add_special, "parse_special": special}
        return [int(t) for t in self._post("/tokenize", body)["tokens"]]

    def detokenize(self, ids: list[int]) -> str:
        return self._post("/detokenize", {"tokens": ids}).get("content", "") if ids else ""

    def count_tokens(self, text: str) -> int:
        """Tokens of a rendered prompt, or of a writer's text (as text: control tokens not parsed)."""
        if text.startswith(_IDS):
            return len(_ids_of(text))
        return len(self.tokenize(text, special=False))

    def keep_last_tokens(self, text: str, n: int) -> str:
        """The end of ``text`` that fits in ``n`` tokens (starting at a word boundary where possible)."""
        ids = self.tokenize(text, special=False)
        if len(ids) <= n:
            return text
        tail = self.detokenize(ids[len(ids) - n:])
        cut = tail.find(" ")
        return tail[cut + 1:] if 0 <= cut < 40 else tail

    def _template_ids(self, piece: str) -> list[int]:
        if piece not in self._pieces:
            if len(self._pieces) > 256:
                self._pieces.clear()
            self._pieces[piece] = self.tokenize(piece, special=True)
        return self._pieces[piece]

    def render(self, messages: list[dict], assistant_prefix: str = "") -> str:
        """The prompt as token ids: the GGUF's chat template (or a plain layout) with the writer's text as text."""
        texts = [str(m["content"]) for m in messages]
        if self._template is not None:
            slotted = [{**m, "content": _SLOT.format(i)} for i, m in enumerate(messages)]
            rendered = self._template.render(messages=slotted, add_generation_prompt=True,
                                             bos_token=self._bos_text, eos_token=self._eos_text,
                                             raise_exception=_raise, strftime_now=_strftime_now)
        else:
            rendered = "\n\n".join(_SLOT.format(i) for i in range(len(texts))) + "\n\n"
        ids: list[int] = []
        for n, part in enumerate(rendered.split("\x00")):
            if n % 2 == 0:  # the template's own text: its markers are control tokens
                ids += self._template_ids(part) if part else []
            else:  # a message's content: the writer's words, as text
                ids += self.tokenize(texts[int(part)], special=False)
        ids += self.tokenize(assistant_prefix, special=False)
        if self._bos and ids[:len(self._bos)] != self._bos:
            ids = self._bos + ids
        return _IDS + ",".join(map(str, ids))

    # ----- generation -------------------------------------------------------------------
    def _body(self, ids: list[int], params: SamplingParams, n: int, ignore_eos: bool, cached: bool = False) -> dict:
        greedy = params.temperature <= 0
        return {"prompt": ids, "n_predict": n, "stream": True, "return_tokens": True,
                "cache_prompt": bool(params.cache_prompt or cached),
                "seed": params.seed % 2**32, "temperature": max(params.temperature, 0.0),
                "top_k": 1 if greedy else params.top_k, "top_p": 1.0 if greedy else params.top_p,
                "min_p": 0.0, "typical_p": 1.0, "repeat_penalty": params.repetition_penalty,
                "repeat_last_n": self.context_size, "presence_penalty": 0.0, "frequency_penalty": 0.0,
                "samplers": ["penalties", "top_k"] if greedy else ["penalties", "temperature", "top_k", "top_p"],
                "ignore_eos": ignore_eos}

    def _events(self, body: dict, stop: threading.Event) -> Iterator[dict]:
        """The server's stream for one ``/completion`` request, as JSON objects; closed on Stop."""
        r = self._send("POST", "/completion", body, stream=True)
        try:
            if r.status_code != 200:
                raise RuntimeError(Message("llama-server refused the request (HTTP {c}): {e}", c=r.status_code,
                                           e=repr(r.read()[:200])))
            for line in r.iter_lines():
                if stop.is_set():
                    return  # the connection is closed below: the server stops this slot's work
                if line.startswith("data: ") and line[6:].strip() != "[DONE]":
                    ev = json.loads(line[6:])
                    if isinstance(ev, dict) and ev.get("error"):
                        raise RuntimeError(Message("llama-server: {e}", e=str(ev["error"])[:200]))
                    yield ev
        finally:
            r.close()  # on Stop: closing the connection makes the server stop this slot's work

    def stream(self, prompt: str, params: SamplingParams, stop: threading.Event,
               stats: StreamStats | None = None) -> Iterator[str]:
        """Yield text chunks of the reply to ``prompt`` (from :meth:`render`) as the server makes them.

        Raises:
            RuntimeError: the prompt does not fit, or the server failed or died (it is started again for the
                next request; the message says so).
        """
        import httpx

        stats = stats if stats is not None else StreamStats()
        t0 = time.perf_counter()
        ids = _ids_of(prompt) if prompt.startswith(_IDS) else self.tokenize(prompt, special=False)
        room = self.context_size - len(ids)
        if room < 1:
            raise RuntimeError(Message("The prompt ({n} tokens) does not fit the context of {m} tokens.",
                                       n=f"{len(ids):,}", m=f"{self.context_size:,}"))
        total = min(params.max_new_tokens, room)
        first = min(params.min_new_tokens, total)
        phases = [(first, True), (total - first, False)] if first > 0 else [(total, False)]
        made: list[int] = []
        try:
            for n, ignore_eos in phases:
                if n <= 0 or stop.is_set():
                    break
                ended_early = yield from self._phase(ids + made, params, n, ignore_eos, stop, stats, made, t0)
                if ended_early:
                    break
        except (httpx.TransportError, json.JSONDecodeError) as exc:
            restarted = self.server.gone()
            if restarted:
                self.server.ensure()
            log.warning("llama-server: the reply broke off (%s: %s)%s", type(exc).__name__, exc,
                        "; the server had stopped and was started again" if restarted else "")
            raise RuntimeError(Message("The text engine (llama-server) stopped in the middle of the reply and was "
                                       "started again.") if restarted else
                               Message("The text engine (llama-server) failed ({e}).", e=type(exc).__name__)) from exc
        finally:
            stats.stopped = stop.is_set()
            stats.elapsed_s = time.perf_counter() - t0

    def _phase(self, ids, params, n, ignore_eos, stop, stats, made, t0):
        """One request of :meth:`stream`; returns True when the reply ended (end of text) before ``n`` tokens."""
        if not self.server.alive():  # died between requests: start it again first
            self.server.ensure()
        body = self._body(ids, params, n, ignore_eos, cached=bool(made))  # a second phase continues the first
        got = 0
        for ev in self._events(body, stop):
            if stats.waited_s == 0.0:
                stats.waited_s = time.perf_counter() - t0
            tokens = ev.get("tokens") or []
            made += tokens
            got += len(tokens)
            text = ev.get("content") or ""
            if tokens or text:
                stats.tokens = len(made)
                if stats.first_token_s is None:
                    stats.first_token_s = time.perf_counter() - t0
                stats.elapsed_s = time.perf_counter() - t0
            if text:
                yield text
            if ev.get("stop"):
                timings = ev.get("timings") or {}
                stats.prompt_tokens += int(timings.get("prompt_n") or 0) + int(timings.get("cache_n") or 0)
                stats.cached_tokens += int(timings.get("cache_n") or 0)
                stats.prefill_s += float(timings.get("prompt_ms") or 0) / 1000
                return ev.get("stop_type") == "eos" or got < n
        return stop.is_set()


def _ids_of(prompt: str) -> list[int]:
    body = prompt[len(_IDS):]
    return [int(t) for t in body.split(",")] if body else []


def _raise(message: str):
    raise ValueError(message)


def _strftime_now(fmt: str) -> str:
    import datetime

    return datetime.datetime.now().strftime(fmt)


def _compile(template: str):
    """The chat template as a sandboxed Jinja2 template (as transformers and llama-cpp-python render it)."""
    if not template.strip():
        return None
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(loader=jinja2.BaseLoader(), trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = lambda x, indent=None, **kw: json.dumps(x, ensure_ascii=False, indent=indent)
    return env.from_string(template)


def available(manager: ModelManager) -> bool:
    """True when a llama-server program is there to run."""
    return find_binary(manager.settings) is not None


def load_llama_server(path: Path, manager: ModelManager, name: str, lora: Path | None = None) -> LlamaServerBackend:
    """Start llama-server on the GGUF file ``path`` (``lora``: a GGUF LoRA adapter applied to every request)
    and return its backend.

    Raises:
        ModelUnavailable: there is no llama-server program.
        ValueError: the server could not load the file (corrupt, truncated, unsupported): its own words.
    """
    from .llamacpp import MAX_CONTEXT, gguf_context_length, threads

    binary = find_binary(manager.settings)
    if binary is None:
        raise ModelUnavailable("--text-backend llama-server needs the llama-server program: run `bash "
                               "scripts/build_llama_server.sh` to build it (once), or name it with --llama-server PATH.")
    slot_context = min(gguf_context_length(path) or 2048, MAX_CONTEXT)
    gpu = manager.device_type == "cuda"
    assert manager.settings.cache_dir is not None  # Settings fills it in
    server = ServerProcess(binary, path, manager.settings.text_slots or 1, slot_context, threads(), lora=lora,
                           gpu=gpu, log_dir=manager.settings.cache_dir / "logs")
    server.start()
    return LlamaServerBackend(server, name)
