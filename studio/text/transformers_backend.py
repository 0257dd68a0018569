"""The transformers text backend: Hub safetensors models, CUDA, and GGUF files llama.cpp cannot load.

GGUF files are de-quantised to float weights (slow the first time, then cached
as safetensors under ``<cache_dir>/gguf``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ModelUnavailable
from ..lazy import lazy_import
from ..messages import Message
from ..models import ModelManager, ResolvedModel
from ..streams import worker_stream
from .plaintext import fragments, mark, mark_messages, plain_ids, special_pattern
from .types import SamplingParams, StreamStats

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up

log = logging.getLogger(__name__)


class _StopOnEvent:
    """A transformers StoppingCriteria bound to one request's stop event."""

    def __init__(self, event: threading.Event):
        self.event = event

    def __call__(self, input_ids, scores, **kwargs) -> torch.Tensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


class TransformersBackend:
    """A causal LM and its tokenizer from transformers, on one device.

    Args:
        model: a ``PreTrainedModel`` for causal LM, already on ``device``.
        tokenizer: its tokenizer (with a chat template when it has one).
        device_lock: held for the whole generation, so one device runs one job at a time.
        name: the model reference, for display.
    """

    engine = "transformers"

    def __init__(self, model, tokenizer, device_lock, name: str):
        self.model = model
        self.tokenizer = tokenizer
        self.device_lock = device_lock
        self.name = name
        cfg = model.config
        self.context_size = int(getattr(cfg, "max_position_embeddings", 0) or tokenizer.model_max_length or 2048)
        self.context_size = min(self.context_size, 32768)
        self._specials: re.Pattern | bool | None = None  # a regex of the added tokens' texts, made when first needed

    def prompt_ids(self, text: str) -> list[int]:
        """Token ids of a rendered prompt (none added): the template's markers are special tokens, the
        writer's text (marked by ``render``, :mod:`.plaintext`) is tokenised as ordinary characters."""
        if self._specials is None:  # the added tokens, which the tokenizer splits the text at first
            self._specials = special_pattern(t.content for t in self.tokenizer.added_tokens_decoder.values()) or False
        ids: list[int] = []
        for part, special in fragments(text, self._specials if isinstance(self._specials, re.Pattern) else None):
            ids += [self.tokenizer.convert_tokens_to_ids(part)] if special else plain_ids(self.tokenizer, part)
        return ids

    def count_tokens(self, text: str) -> int:
        """Number of tokens of ``text`` (no special tokens added; see :meth:`prompt_ids`)."""
        return len(self.prompt_ids(text))

    def keep_last_tokens(self, text: str, n: int) -> str:
        """The end of ``text`` that fits in ``n`` tokens (starting at a word boundary where possible)."""
        ids = plain_ids(self.tokenizer, text)
        if len(ids) <= n:
            return text
        tail = self.tokenizer.decode(ids[len(ids) - n:], skip_special_tokens=True)
        cut = tail.find(" ")
        return tail[cut + 1:] if 0 <= cut < 40 else tail

    def render(self, messages: list[dict], assistant_prefix: str = "") -> str:
        """The prompt string: the chat template when the tokenizer has one, else a plain layout."""
        messages = mark_messages(messages)
        if getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            text = "\n\n".join(m["content"] for m in messages) + "\n\n"
        return text + mark(assistant_prefix)

    def stream(self, prompt: str, params: SamplingParams, stop: threading.Event,
               stats: StreamStats | None = None) -> Iterator[str]:
        """Yield text chunks of the reply to ``prompt`` as they are made.

        Generation runs in a worker thread under the device lock; a
        StoppingCriteria ends it within one token of ``stop`` being set, and
        closing this iterator sets ``stop`` too. The same seed with the same
        settings gives the same text.

        Raises:
            Cancelled: never; a stopped stream simply ends (``stats.stopped`` is True).
            RuntimeError: re-raised from the worker if generation failed.
        """
        from transformers import StoppingCriteriaList

        stats = stats if stats is not None else StreamStats()
        ids = torch.tensor([self.prompt_ids(prompt)], dtype=torch.long, device=self.model.device)
        inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
        streamer = _counting_streamer(self.tokenizer)
        sampling = params.temperature > 0
        kwargs = dict(
            **inputs, streamer=streamer, max_new_tokens=params.max_new_tokens,
            min_new_tokens=min(params.min_new_tokens, params.max_new_tokens) or None,
            do_sample=sampling, repetition_penalty=params.repetition_penalty,
            stopping_criteria=StoppingCriteriaList([_StopOnEvent(stop)]),
            pad_token_id=self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None
            else self.tokenizer.eos_token_id,
        )
        if sampling:
            kwargs.update(temperature=params.temperature, top_p=params.top_p, top_k=params.top_k)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        t0 = time.perf_counter()

        def produce(emit):
            streamer.sink = emit
            with self.device_lock:
                stats.waited_s = time.perf_counter() - t0
                if stop.is_set():
                    return
                torch.manual_seed(params.seed)
                with torch.inference_mode():
                    self.model.generate(**kwargs)

        chunks = worker_stream(produce, stop, name="studio-generate", failed=_writing_failed)
        try:
            for chunk in chunks:
                stats.tokens = streamer.tokens
                if stats.first_token_s is None:
                    stats.first_token_s = time.perf_counter() - t0
                stats.elapsed_s = time.perf_counter() - t0
                yield chunk
        finally:
            chunks.close()  # the consumer went away (Stop, closed tab, error): end the worker too
            stats.stopped = stop.is_set()
            stats.elapsed_s = time.perf_counter() - t0
            stats.tokens = streamer.tokens


def _writing_failed(exc: BaseException) -> BaseException:
    """What the writer is told when generation failed: out of GPU memory as it is, anything else as a
    RuntimeError."""
    if isinstance(exc, torch.OutOfMemoryError):
        return exc
    return RuntimeError(Message("The language model failed while writing: {e}", e=f"{type(exc).__name__}: {exc}"))


def _counting_streamer(tokenizer):
    """A TextStreamer that hands each piece of text to its ``sink`` and counts the tokens generated after
    the prompt."""
    from transformers import TextStreamer

    class CountingStreamer(TextStreamer):
        tokens = 0
        sink = None  # set by the worker: where each piece of text goes

        def put(self, value):
            if not (self.skip_prompt and self.next_tokens_are_prompt):
                self.tokens += int(value.numel())
            super().put(value)

        def on_finalized_text(self, text: str, stream_end: bool = False):
            if text:
                self.sink(text)

    return CountingStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)


# ----- loading ----------------------------------------------------------------------

def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    """SHA-256 of a file, read in 4 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _load_gguf(path: Path, manager: ModelManager):
    """Load a GGUF through transformers, caching the de-quantised weights as safetensors.

    The cache folder is ``<cache_dir>/gguf/<name>-<sha256[:16]>`` (keyed by the
    GGUF file's hash), written to a temporary folder and renamed, so later
    starts skip the slow de-quantisation.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert manager.settings.cache_dir is not None  # Settings fills it in
    cache = manager.settings.cache_dir / "gguf" / f"{path.stem}-{file_sha256(path)[:16]}"
    if (cache / "config.json").exists():
        try:
            tok = AutoTokenizer.from_pretrained(cache)
            model = AutoModelForCausalLM.from_pretrained(cache, dtype=manager.dtype)
            return model, tok
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
            log.warning("converted-weights cache %s is damaged; rebuilding it", cache)
            shutil.rmtree(cache, ignore_errors=True)
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=manager.dtype)
    try:
        tmp = cache.parent / f".tmp-{cache.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        _save_dequantized(model, tmp)
        tok.save_pretrained(tmp)
        os.replace(tmp, cache) if not cache.exists() else shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:  # a read-only cache only costs speed
        log.warning("could not cache converted weights in %s: %s", cache, exc)
    return model, tok


def _save_dequantized(model, folder: Path) -> None:
    """Save a de-quantised GGUF model as a plain transformers folder (config.json + model.safetensors).

    ``save_pretrained`` refuses models loaded from GGUF, so the config is written
    without its ``quantization_config`` and the float weights with safetensors.
    """
    import json

    from safetensors.torch import save_model

    folder.mkdir(parents=True, exist_ok=True)
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    (folder / "config.json").write_text(json.dumps(config, indent=2, default=str))
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(folder)
    save_model(model, str(folder / "model.safetensors"), metadata={"format": "pt"})


def load_model_and_tokenizer(resolved: ResolvedModel, manager: ModelManager, gguf: Path | None):
    """A causal LM and its tokenizer with transformers, on the manager's device, in eval mode: from a GGUF
    file (de-quantised once and cached, :func:`_load_gguf`) or from a transformers folder / Hub id.

    Raises:
        ModelUnavailable: ``resolved`` is a file that is not a GGUF.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if gguf is not None:
        model, tok = _load_gguf(gguf, manager)
    else:
        if resolved.source != "hub" and resolved.path.is_file():
            raise ModelUnavailable("'{p}' is a file; give the model's folder (or a .gguf file).", p=resolved.ref)
        tok = AutoTokenizer.from_pretrained(resolved.location)
        model = AutoModelForCausalLM.from_pretrained(resolved.location, dtype=manager.dtype)
    return model.to(manager.device).eval(), tok


def load_transformers(resolved: ResolvedModel, manager: ModelManager, gguf: Path | None) -> TransformersBackend:
    """Load a causal LM with transformers: a GGUF file (de-quantised, cached) or a transformers folder / Hub id."""
    model, tok = load_model_and_tokenizer(resolved, manager, gguf)
    return TransformersBackend(model, tok, manager.device_lock(work="text"), resolved.ref)
