"""Text backends: the one small interface the text engine talks to, and the one place that
picks which backend serves a model.

A backend takes a rendered prompt, streams text chunks, honours a stop
``threading.Event`` between tokens, and exposes its context size and token
counting. These implement it:

* :mod:`.server_backend` -- llama.cpp's own ``llama-server``, started by Studio (:mod:`.llama_server`): the
  default for GGUF files on the CPU (the embedded SmolLM2 included) once the program is built;
* :mod:`.llamacpp` -- llama.cpp in this process: GGUF files where the server is not built or cannot start,
  ``--text-backend llama.cpp``, a voice's LoRA adapter, and the voice checks' perplexity;
* :mod:`.transformers_backend` -- transformers, for Hub/safetensors models, CUDA/MPS,
  and GGUF files llama.cpp cannot load;
* :mod:`.openai_backend` -- an OpenAI-compatible server (vLLM, llama.cpp server...).

``--text-backend auto|llama-server|llama.cpp|transformers|openai`` (``STUDIO_TEXT_BACKEND``)
chooses; :func:`get_backend` and the ``text`` loader apply the choice.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import ModelUnavailable
from ..models import ModelManager, ResolvedModel
from .types import SamplingParams, StreamStats, TextBackend  # noqa: F401 - re-exported: their old home

log = logging.getLogger(__name__)


# ----- choosing a backend --------------------------------------------------------------
def get_backend(manager: ModelManager, model: str) -> TextBackend:
    """The loaded backend for the text model ``model``, as ``--text-backend`` says.

    With ``openai`` every text model is served by the OpenAI-compatible server
    (the reference is the server's model name, not a local path); otherwise the
    ``text`` loader below picks llama.cpp or transformers per model.

    Raises:
        ModelUnavailable: the model cannot be found or loaded, or the server cannot be used.
    """
    return manager.get(text_kind(manager), model)


def text_kind(manager: ModelManager) -> str:
    """The ModelManager kind text models load as: ``text-openai`` with ``--text-backend openai``, else ``text``."""
    return "text-openai" if manager.settings.text_backend == "openai" else "text"


def gguf_of(resolved: ResolvedModel) -> Path | None:
    """The GGUF file a reference points at (a .gguf file, or a folder holding one and no config.json)."""
    path = resolved.path
    if resolved.source == "hub" and not path.exists():
        return None
    if path.is_file() and path.suffix == ".gguf":
        return path
    if path.is_dir() and not (path / "config.json").exists():
        from ..hub import pick_gguf  # a Hub repository with several quantisations: Q4_K_M first

        name = pick_gguf([p.name for p in path.glob("*.gguf")])
        return path / name if name else None
    return None


def server_wanted(manager: ModelManager) -> bool:
    """Whether GGUF models go to llama.cpp's own llama-server: with ``--text-backend llama-server``, and with
    ``auto`` on the CPU when the program was built (:func:`.llama_server.find_binary`); else llama.cpp runs in
    this process. Why the server by default (``bench/text_server.py``): the same first token from a fresh start,
    1.19x faster per token of an article (its prompt cache), and the only engine that writes for several
    writers at once."""
    choice = manager.settings.text_backend
    if choice == "llama-server":
        return True
    if choice != "auto" or manager.device_type != "cpu":
        return False
    from .llama_server import find_binary

    return find_binary(manager.settings) is not None


def load_text_model(resolved: ResolvedModel, manager: ModelManager) -> TextBackend:
    """Load a text model with the backend ``--text-backend`` asks for.

    ``auto``: for a GGUF file on the CPU, llama-server when it was built (:func:`server_wanted`), else (or when
    it cannot start) llama.cpp in this process (llama-cpp-python); transformers for everything else, and for a
    GGUF llama.cpp fails to load. ``llama-server`` and ``llama.cpp`` refuse non-GGUF models; ``transformers``
    always uses transformers.

    Raises:
        ModelUnavailable: the backend asked for cannot serve this model.
        Exception: the backend's own loading error (the manager words it for the user).
    """
    from . import llamacpp

    choice = manager.settings.text_backend
    gguf = gguf_of(resolved)
    if choice == "transformers":
        return load_transformers(resolved, manager, gguf)
    if choice in ("llama.cpp", "llama-server"):
        if gguf is None:
            raise ModelUnavailable("--text-backend {b} needs a GGUF file, and '{r}' is not one. "
                                   "Use --text-backend auto or transformers for this model.", b=choice, r=resolved.ref)
        if choice == "llama-server":
            from .server_backend import load_llama_server

            return load_llama_server(gguf, manager, resolved.ref)
        if not llamacpp.available():
            raise ModelUnavailable("--text-backend llama.cpp needs llama-cpp-python, which is not installed "
                                   "(pip install {p}), or use --text-backend transformers.", p="llama-cpp-python==0.3.36")
        return llamacpp.load_llamacpp(gguf, manager, resolved.ref)
    if gguf is not None and server_wanted(manager):
        from .server_backend import load_llama_server

        try:
            return load_llama_server(gguf, manager, resolved.ref)
        except Exception as exc:  # noqa: BLE001 - llama.cpp in this process may still serve it
            if not llamacpp.available():
                raise
            log.warning("llama-server could not serve %s (%s); llama.cpp in this process writes instead", gguf, exc)
    if gguf is not None and manager.device_type == "cpu" and llamacpp.available():
        try:
            return llamacpp.load_llamacpp(gguf, manager, resolved.ref)
        except Exception as first:  # noqa: BLE001 - transformers may still read it
            log.warning("llama.cpp could not load %s (%s); trying transformers", gguf, first)
            try:
                return load_transformers(resolved, manager, gguf)
            except Exception as second:  # noqa: BLE001
                raise RuntimeError(f"llama.cpp: {type(first).__name__}: {str(first)[:150]}; transformers: "
                                   f"{type(second).__name__}: {str(second)[:150]}") from second
    return load_transformers(resolved, manager, gguf)


def load_transformers(resolved: ResolvedModel, manager: ModelManager, gguf: Path | None) -> TextBackend:
    """:func:`.transformers_backend.load_transformers`, imported when first needed (it imports torch)."""
    from .transformers_backend import load_transformers as load

    return load(resolved, manager, gguf)


def load_openai_model(resolved: ResolvedModel, manager: ModelManager) -> TextBackend:
    """Connect to the OpenAI-compatible server of ``--openai-base-url`` for the model ``resolved.ref``."""
    from .openai_backend import connect

    return connect(manager.settings, resolved.ref)
