"""Loading a base language model for a voice, and the ``voice`` and ``voice-llamacpp`` model kinds.

Voices are trained with transformers + PEFT. They write with the engine that writes without them:
- llama.cpp (a GGUF model of the llama architecture, the embedded SmolLM2 included, where llama.cpp is the
  text engine): when training ends (or on first use, for older voices) the adapter is merged into a copy
  of the base GGUF (:func:`.gguf.merge`, kept as ``voice.gguf`` beside it), which writes as fast as the
  base. Where merging would lose part of the voice (a voice trained on the feed-forward layers of a
  quantised model) or the copy cannot be written, the adapter is converted to a GGUF LoRA
  (``adapter.gguf``) that llama.cpp applies to the base file at every step (0.85x the speed);
- transformers (any other model, or when the conversion fails): the base model is loaded with
  transformers (a GGUF de-quantised through :func:`studio.text.transformers_backend._load_gguf`, which
  caches it; a transformers folder or Hub id with ``from_pretrained``), the PEFT adapter is applied with
  ``PeftModel.from_pretrained`` and merged (``merge_and_unload``), so it writes as fast as without a voice.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..errors import ModelUnavailable
from ..models import ModelManager, ResolvedModel
from ..text.transformers_backend import TransformersBackend, load_model_and_tokenizer

log = logging.getLogger(__name__)
GGUF_ADAPTER = "adapter.gguf"
MERGED_GGUF = "voice.gguf"


def fingerprint(config) -> dict:
    """What identifies a model's architecture: type, vocabulary, width, depth (from its config)."""
    return {k: getattr(config, k, None) for k in ("model_type", "vocab_size", "hidden_size", "num_hidden_layers")}


def load_base(resolved: ResolvedModel, manager: ModelManager):
    """A fresh (not shared) copy of a text model with transformers, on the manager's device.

    Returns ``(model, tokenizer)``; the model is in eval mode.

    Raises:
        ModelUnavailable: a file that is not a GGUF, or weights that fail to load.
    """
    from ..text.backends import gguf_of

    try:
        model, tok = load_model_and_tokenizer(resolved, manager, gguf_of(resolved))
    except ModelUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the writer
        raise ModelUnavailable("The text model '{m}' could not be loaded for a voice: {e}", m=resolved.ref,
                               e=f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return model, tok


def load_voice(resolved: ResolvedModel, manager: ModelManager) -> TransformersBackend:
    """Load ``<voice folder>/<checkpoint>`` (a PEFT adapter) on its base model; returns a TransformersBackend.

    The base model is the one named in the voice's ``voice.json``; its
    architecture must match the one the voice was trained on.

    Raises:
        ModelUnavailable: the record is missing, the base model cannot be loaded or has changed.
    """
    from peft import PeftModel

    adapter = resolved.path
    try:
        record = json.loads((adapter.parent / "voice.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelUnavailable("This voice's record is missing or damaged; delete the voice and train it again.") \
            from None
    base_ref = record["base_model"]["ref"]
    base = manager.resolve(base_ref, "text")
    model, tok = load_base(base, manager)
    if fingerprint(model.config) != record["base_model"]["fingerprint"]:
        raise ModelUnavailable("The model '{m}' has changed since the voice '{user_v}' was trained on it; train the "
                               "voice again.", m=base_ref, user_v=record["name"])
    model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    model.to(manager.device).eval()
    return TransformersBackend(model, tok, manager.device_lock(work="text"), f"{base_ref} + voice {record['name']}")


def voice_backend(manager: ModelManager, store, owner: str, voice: str, model: str, default_model: str):
    """The backend that writes in ``owner``'s ``voice`` (an id or a name).

    ``model`` is the text model the request asked for ("" = ``default_model``);
    it must be the model the voice was trained on.

    Raises:
        InvalidInput: (field ``voice``) no such voice for this owner, or it was trained on another model.
        ModelUnavailable: the base model or the adapter cannot be loaded.
    """
    from ..errors import InvalidInput

    rec = store.get(owner, voice)
    want = (model or default_model).strip()
    base = rec["base_model"]["ref"]
    if want != base:
        raise InvalidInput("voice", "the voice '{user_v}' was trained on the text model '{a}', not on '{b}'. Choose "
                                    "'{c}' as the text model, or train the voice again on '{d}'.", user_v=rec["name"],
                           a=base, b=want, c=base, d=want)
    adapter = store.adapter_path(owner, rec["id"])
    gguf = llamacpp_voice_file(manager, manager.resolve(base, "text"), adapter)
    if gguf is not None:
        return manager.get("voice-llamacpp", str(gguf), trusted=True)
    return manager.get("voice", str(adapter), trusted=True)


def llamacpp_voice_file(manager: ModelManager, base: ResolvedModel, adapter: Path) -> Path | None:
    """The file llama.cpp writes the voice with, made on first use, when llama.cpp writes with ``base``
    (``--text-backend`` auto on the CPU or llama.cpp, a GGUF of the llama architecture, llama-cpp-python
    installed): ``<adapter>/voice.gguf`` (the base with the voice merged in), else ``<adapter>/adapter.gguf``
    (a GGUF LoRA). None when the voice writes with transformers."""
    from ..text import llamacpp
    from ..text.backends import gguf_of
    from .gguf import convert, merge

    choice = manager.settings.text_backend
    gguf = gguf_of(base)
    if gguf is None or choice not in ("auto", "llama.cpp", "llama-server") or not llamacpp.available():
        return None
    if choice == "auto" and manager.device_type != "cpu":
        return None
    for name, make in ((MERGED_GGUF, merge), (GGUF_ADAPTER, convert)):
        out = adapter / name
        if out.is_file():
            return out
        try:
            return make(adapter, gguf, out)
        except Exception as exc:  # noqa: BLE001 - the next way to write the voice is tried, and logged
            log.warning("voice %s: no %s (%s: %s)", adapter, name, type(exc).__name__, exc)
    log.warning("voice %s: writing with transformers", adapter)
    return None


def load_voice_llamacpp(resolved: ResolvedModel, manager: ModelManager):
    """Load a voice in llama.cpp: ``<voice folder>/<checkpoint>/voice.gguf`` (the base with the voice merged in)
    on its own, or ``.../adapter.gguf`` (a GGUF LoRA) on its base GGUF; a LlamaCppBackend.

    Raises:
        ModelUnavailable: the record is missing, or the base model has changed since training.
    """
    from ..text.backends import gguf_of
    from ..text.llamacpp import load_llamacpp
    from .gguf import gguf_meta

    path = resolved.path
    try:
        record = json.loads((path.parent.parent / "voice.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelUnavailable("This voice's record is missing or damaged; delete the voice and train it again.") \
            from None
    base_ref = record["base_model"]["ref"]
    gguf = gguf_of(manager.resolve(base_ref, "text"))
    if gguf is None:
        raise ModelUnavailable("The model '{m}' this voice was trained on is no longer a GGUF file here; "
                               "train the voice again.", m=base_ref)
    meta, want = gguf_meta(gguf), record["base_model"]["fingerprint"]
    if (meta["arch"], meta["blocks"], meta["width"]) != (want["model_type"], want["num_hidden_layers"],
                                                         want["hidden_size"]):
        raise ModelUnavailable("The model '{m}' has changed since the voice '{user_v}' was trained on it; train the "
                               "voice again.", m=base_ref, user_v=record["name"])
    name = f"{base_ref} + voice {record['name']}"
    if path.name == MERGED_GGUF:
        from ..text.backends import server_wanted

        if server_wanted(manager):  # the merged copy on a llama-server of its own: writes at full speed
            from ..text.server_backend import load_llama_server

            return load_llama_server(path, manager, name)
        return load_llamacpp(path, manager, name)
    return load_llamacpp(gguf, manager, name, lora=path)
