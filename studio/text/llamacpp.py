"""The llama.cpp text backend (llama-cpp-python), the default for GGUF models on the CPU.

It serves a GGUF file as it is (quantised weights, no de-quantising), at several
times the speed of transformers on a CPU. One ``llama_cpp.Llama`` holds one
context, so it writes one reply at a time: generations are serialised with the
studio's device lock and a lock of their own, and every request starts from an
empty KV cache and a fresh sampler seeded with the request's seed, so a reply
never depends on what ran before it (same seed + settings = same text, also
after a restart).

Differences from transformers, kept small on purpose:

* sampling order is repetition penalty -> temperature -> top_k -> top_p, as in
  transformers; llama.cpp's extra ``min_p`` filter is off.
* ``repetition_penalty`` uses llama.cpp's penalty sampler over the whole
  context (prompt + reply), which is transformers' formula (positive logits
  divided, negative multiplied, once per distinct token).
* ``min_new_tokens`` is a small sampler that masks the end-of-generation tokens
  until that many tokens were made.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path

from ..messages import Message
from ..models import ModelManager
from ..streams import worker_stream
from .plaintext import fragments, mark, mark_messages, special_pattern
from .types import SamplingParams, StreamStats

log = logging.getLogger(__name__)

MAX_CONTEXT = 8192  # cap on n_ctx (tokens): the KV cache grows with it; the GGUF's own length applies below this


def physical_cores() -> int:
    """Number of physical CPU cores this process may use (llama.cpp is slower on hyper-threads).

    Read from /proc/cpuinfo (distinct ``physical id``/``core id`` pairs) where it exists,
    else the number of usable logical CPUs; never more than the logical CPUs allowed.
    """
    try:
        logical = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        logical = os.cpu_count() or 1
    try:
        pairs, phys = set(), "0"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "physical id":
                phys = value.strip()
            elif key.strip() == "core id":
                pairs.add((phys, value.strip()))
        if pairs:
            return max(1, min(len(pairs), logical))
    except OSError:
        pass
    return max(1, logical)


def has_amx() -> bool:
    """True when the CPU reports Intel AMX tiles (``amx_tile`` in /proc/cpuinfo)."""
    try:
        return " amx_tile" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def without_extra_buffers():
    """While inside, llama.cpp loads models with its extra CPU buffer types (AMX, weight repacking) off,
    on CPUs with AMX; elsewhere it changes nothing.

    Why: llama-cpp-python 0.3.36 built natively on an AMX machine crashes (SIGSEGV in
    ``ggml_backend_amx_mul_mat``) on the first prompt of more than one token where the
    system does not grant AMX to the process (seen in VMs). ``Llama`` has no argument for
    ``llama_model_params.use_extra_bufts``, so its default is changed meanwhile. Plain
    AVX2/AVX-512 kernels still run.
    """
    if not has_amx():
        yield
        return
    import llama_cpp.llama_cpp as capi

    with _PARAMS_LOCK:
        default = capi.llama_model_default_params

        def params():
            p = default()
            p.use_extra_bufts = False
            return p

        capi.llama_model_default_params = params
        try:
            yield
        finally:
            capi.llama_model_default_params = default


def open_llama(path: Path | str, **kwargs):
    """``llama_cpp.Llama(path, **kwargs)``, safe on CPUs with AMX (:func:`without_extra_buffers`)."""
    import llama_cpp

    with without_extra_buffers():
        return llama_cpp.Llama(str(path), **kwargs)


def threads() -> int:
    """Threads for llama.cpp: ``STUDIO_LLAMA_THREADS`` if set, else :func:`physical_cores`."""
    raw = os.environ.get("STUDIO_LLAMA_THREADS", "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            from ..errors import InvalidInput

            raise InvalidInput("STUDIO_LLAMA_THREADS", "must be a whole number, not {user_v}.", user_v=repr(raw)) from None
    return physical_cores()


def built_with_openmp() -> bool:
    """Whether this llama-cpp-python was compiled with OpenMP (``OPENMP = 1`` in llama.cpp's system info).

    ``scripts/setup.sh`` builds it without (``GGML_OPENMP=OFF``): with OpenMP, llama.cpp's threads share
    libgomp with torch, and once torch has computed in a thread that stays alive (a picture, a voice, a
    web-server worker), libgomp makes them sleep between steps: writing measured 2.6x slower.
    """
    import llama_cpp

    return "OPENMP = 1" in llama_cpp.llama_print_system_info().decode(errors="replace")


def available() -> bool:
    """True when llama-cpp-python can be imported."""
    try:
        import llama_cpp  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken build counts as missing
        return False
    return True


class LlamaCppBackend:
    """A GGUF model served by llama.cpp in this process.

    Args:
        llm: a loaded ``llama_cpp.Llama``.
        device_lock: the studio's device lock, held for the whole generation.
        name: the model reference, for display.

    Attributes:
        context_size: ``n_ctx`` in tokens: the GGUF's ``<arch>.context_length``, capped at :data:`MAX_CONTEXT`.
    """

    engine = "llama.cpp"

    def __init__(self, llm, device_lock, name: str):
        import llama_cpp

        self.llm = llm
        self.device_lock = device_lock
        self.name = name
        self.context_size = int(llm.n_ctx())
        self._lock = threading.Lock()  # one generation per context, whatever --concurrency says
        self._vocab = llama_cpp.llama_model_get_vocab(llm.model)
        self._n_vocab = int(llm.n_vocab())
        self._eog = [t for t in range(self._n_vocab) if llama_cpp.llama_vocab_is_eog(self._vocab, t)]
        self._eog_frozen = frozenset(self._eog)  # end-of-generation tokens (EOS, EOT...)
        special = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED  # what special=True parses
        self._specials = special_pattern(_piece(llm, t) for t in range(self._n_vocab)
                                         if llama_cpp.llama_vocab_get_attr(self._vocab, t) & special)
        meta = llm.metadata
        self._add_bos = bool(llm._model.add_bos_token())
        self._bos_text = _piece(llm, llm.token_bos()) if llm.token_bos() >= 0 else ""
        self._eos_text = _piece(llm, llm.token_eos()) if llm.token_eos() >= 0 else ""
        template = meta.get("tokenizer.chat_template")
        self._template = None
        if template:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            self._template = Jinja2ChatFormatter(template, eos_token=self._eos_text, bos_token=self._bos_text,
                                                 add_generation_prompt=True)

    # ----- tokens ---------------------------------------------------------------------
    def _ids(self, text: str, special: bool) -> list[int]:
        """Token ids (no BOS); ``special``: only the template's special tokens parse (:mod:`.plaintext`)."""
        parts = fragments(text, self._specials) if special else [(text, False)]
        return [i for part, sp in parts for i in self.llm.tokenize(part.encode(), add_bos=False, special=sp)]

    def count_tokens(self, text: str) -> int:
        """Number of tokens of ``text`` with the GGUF's own tokenizer (no BOS added; see :meth:`_ids`)."""
        return len(self._ids(text, special=True))

    def keep_last_tokens(self, text: str, n: int) -> str:
        """The end of ``text`` that fits in ``n`` tokens (starting at a word boundary where possible)."""
        ids = self._ids(text, special=False)
        if len(ids) <= n:
            return text
        tail = self.llm.detokenize(ids[len(ids) - n:]).decode("utf-8", errors="ignore")
        cut = tail.find(" ")
        return tail[cut + 1:] if 0 <= cut < 40 else tail

    def render(self, messages: list[dict], assistant_prefix: str = "") -> str:
        """The prompt string: the GGUF's ``tokenizer.chat_template`` when it has one, else a plain layout.
        Every message's text and the prefix are marked as the writer's (:mod:`.plaintext`)."""
        messages = mark_messages(messages)
        if self._template is not None:
            text = self._template(messages=messages).prompt  # type: ignore[arg-type]  # plain role/content dicts
        else:
            text = "\n\n".join(m["content"] for m in messages) + "\n\n"
        return text + mark(assistant_prefix)

    def _prompt_ids(self, prompt: str) -> list[int]:
        ids = self._ids(prompt, special=True)
        if self._add_bos and (not ids or ids[0] != self.llm.token_bos()):
            ids = [self.llm.token_bos()] + ids
        return ids

    # ----- generation -------------------------------------------------------------------
    def _sampler(self, params: SamplingParams, prompt_ids: list[int], made: list[int]):
        """A llama.cpp sampler chain for ``params``; ``made[0]`` counts tokens for min_new_tokens."""
        import llama_cpp
        from llama_cpp._internals import CustomSampler, LlamaSampler

        chain = LlamaSampler()
        if params.min_new_tokens > 0 and self._eog:
            eog, minimum = self._eog, params.min_new_tokens

            def mask_eog(cur_p):  # runs first, on the full vocabulary in token-id order
                if made[0] < minimum:
                    data = cur_p.contents.data
                    for t in eog:
                        data[t].logit = -float("inf")

            custom = CustomSampler(mask_eog)
            llama_cpp.llama_sampler_chain_add(chain.sampler, custom.get_sampler())
            chain.custom_samplers.append((llama_cpp.llama_sampler_chain_n(chain.sampler) - 1, custom))
        if params.repetition_penalty != 1.0:
            chain.add_penalties(self._n_vocab, self.context_size, params.repetition_penalty, 0.0, 0.0)
        if params.temperature > 0:
            chain.add_temp(params.temperature)
            if params.top_k > 0:
                chain.add_top_k(params.top_k)
            if params.top_p < 1.0:
                chain.add_top_p(params.top_p, 1)
            chain.add_dist(params.seed % 2**32)
        else:
            chain.add_greedy()
        if params.repetition_penalty != 1.0:  # the prompt counts for the penalty, as in transformers
            for t in prompt_ids:
                llama_cpp.llama_sampler_accept(chain.sampler, t)
        return chain

    def _generate(self, prompt: str, params: SamplingParams, stop: threading.Event, out, stats: StreamStats,
                  t0: float) -> None:
        llm = self.llm
        with self.device_lock, self._lock:
            stats.waited_s = time.perf_counter() - t0
            if stop.is_set():
                return
            ids = self._prompt_ids(prompt)
            room = self.context_size - len(ids)
            if room < 1:
                raise RuntimeError(Message("The prompt ({n} tokens) does not fit the context of {m} tokens.",
                                           n=f"{len(ids):,}", m=f"{self.context_size:,}"))
            made = [0]
            chain = self._sampler(params, ids, made)
            try:
                llm.reset()  # an empty KV cache: nothing of the previous request stays
                llm.eval(ids)
                decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
                for _ in range(min(params.max_new_tokens, room)):
                    if stop.is_set():
                        return
                    token = _sample(chain, llm)
                    if token in self._eog_frozen:
                        return
                    made[0] += 1
                    text = decoder.decode(_piece_bytes(llm, token))
                    out(text, made[0])
                    if made[0] < params.max_new_tokens and made[0] < room:
                        llm.eval([token])
                tail = decoder.decode(b"", final=True)
                if tail:
                    out(tail, made[0])
            finally:
                chain.close()

    def stream(self, prompt: str, params: SamplingParams, stop: threading.Event,
               stats: StreamStats | None = None) -> Iterator[str]:
        """Yield text chunks of the reply to ``prompt`` as they are made. Generation runs in a worker thread ("studio-generate") under the device
        lock; it checks ``stop`` before every token, and closing this iterator
        sets ``stop`` too. The same seed with the same settings gives the same text.

        Raises:
            MemoryError: llama.cpp could not allocate memory.
            RuntimeError: generation failed (the message says why).
        """
        stats = stats if stats is not None else StreamStats()
        t0 = time.perf_counter()
        pieces: Generator[tuple[str, int], None, None] = worker_stream(
            lambda emit: self._generate(prompt, params, stop, lambda text, n: emit((text, n)), stats, t0),
            stop, name="studio-generate", failed=_writing_failed)
        try:
            for text, n in pieces:
                stats.tokens = n
                if stats.first_token_s is None:
                    stats.first_token_s = time.perf_counter() - t0
                stats.elapsed_s = time.perf_counter() - t0
                if text:
                    yield text
        finally:
            pieces.close()  # the consumer went away (Stop, closed tab, error): end the worker too
            stats.stopped = stop.is_set()
            stats.elapsed_s = time.perf_counter() - t0


def _writing_failed(exc: BaseException) -> BaseException:
    """What the writer is told when generation failed: memory as it is, anything else as a RuntimeError."""
    if isinstance(exc, MemoryError):
        return exc
    return RuntimeError(Message("The language model failed while writing: {e}", e=f"{type(exc).__name__}: {exc}"))


def _sample(chain, llm) -> int:
    import llama_cpp

    return int(llama_cpp.llama_sampler_sample(chain.sampler, llm.ctx, -1))


def _piece_bytes(llm, token: int) -> bytes:
    return llm._model.token_to_piece(token, special=False).rstrip(b"\0")


def _piece(llm, token: int) -> str:
    return llm._model.token_to_piece(token, special=True).rstrip(b"\0").decode("utf-8", errors="ignore")


_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def gguf_context_length(path: Path) -> int | None:
    """``<arch>.context_length`` from a GGUF file's header, or None when it is not there.

    Reads the key/value section of the header (GGUF v2/v3, little-endian) only as far
    as needed; the model's tensors are not touched.
    """
    import struct

    def read(fh, fmt):
        size = struct.calcsize(fmt)
        data = fh.read(size)
        if len(data) != size:
            raise ValueError("truncated GGUF header")
        return struct.unpack(fmt, data)[0]

    def string(fh):
        n = read(fh, "<Q")
        if n > 1 << 24:
            raise ValueError("bad GGUF string length")
        return fh.read(n).decode("utf-8", errors="replace")

    def value(fh, vtype):
        if vtype == 8:
            return string(fh)
        if vtype == 9:
            etype, count = read(fh, "<I"), read(fh, "<Q")
            for _ in range(count):
                value(fh, etype)
            return None
        return read(fh, _SCALAR[vtype])

    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"GGUF" or read(fh, "<I") < 2:
                return None
            read(fh, "<Q")
            n_kv = read(fh, "<Q")
            arch, found = None, {}
            for _ in range(min(n_kv, 100_000)):
                key, vtype = string(fh), read(fh, "<I")
                val = value(fh, vtype)
                if key == "general.architecture":
                    arch = val
                elif key.endswith(".context_length"):
                    found[key] = val
                if arch is not None and f"{arch}.context_length" in found:
                    return int(found[f"{arch}.context_length"])
            return int(found[f"{arch}.context_length"]) if arch and f"{arch}.context_length" in found else None
    except (OSError, ValueError, KeyError, struct.error):
        return None


def load_llamacpp(path: Path, manager: ModelManager, name: str, lora: Path | None = None) -> LlamaCppBackend:
    """Load a GGUF file with llama.cpp (on the CPU; on the GPU with ``--device cuda`` and a CUDA build).

    ``lora``: a GGUF LoRA adapter (a voice, :mod:`studio.voice.gguf`) applied at full scale.

    ``n_ctx`` is the GGUF's own context length capped at :data:`MAX_CONTEXT` (the KV cache
    takes memory in proportion); ``n_threads`` is the number of physical cores (or
    ``STUDIO_LLAMA_THREADS``: on a machine shared with other busy programs, fewer threads
    than cores can be faster, as llama.cpp's threads wait for each other).

    Raises:
        ValueError: llama.cpp could not read the file (corrupt, truncated, unsupported).
    """
    import llama_cpp

    n_ctx = min(gguf_context_length(path) or 2048, MAX_CONTEXT)
    n = threads()
    # every layer on the GPU when the studio runs on CUDA and this build of llama.cpp can offload
    # (a CPU-only build, the one pip compiles by default, keeps them on the CPU)
    gpu = manager.device_type == "cuda" and bool(llama_cpp.llama_supports_gpu_offload())
    extra = {"lora_path": str(lora)} if lora else {}
    llm = open_llama(path, n_ctx=n_ctx, n_threads=n, n_threads_batch=n, n_gpu_layers=-1 if gpu else 0,
                     verbose=False, **extra)
    log.info("llama.cpp: %s, n_ctx=%d, %d threads, %s", path.name, n_ctx, n, "layers on the GPU" if gpu else "CPU")
    if not gpu and built_with_openmp():
        log.warning("llama-cpp-python was compiled with OpenMP: writing can run 2-3x slower after pictures or "
                    "voices are made in the same Studio. Run `bash scripts/setup.sh` to build it without.")
    return LlamaCppBackend(llm, manager.device_lock("cpu" if not gpu else None, work="text"), name)

