"""Hub search and downloads with progress (issue #27); the places and references are in :mod:`.hub`.

:func:`download` runs in the caller's thread; :class:`Downloads` (one per studio, in its context)
runs each download in a thread of its own, so that it survives a page reload and anyone may watch
its :class:`Download` progress or cancel it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from . import hub_voices
from .errors import Cancelled, InvalidInput, ModelUnavailable
from .hub import cache_dir, cached_file, endpoint, parse_ref, pick_gguf, repo_folder
from .messages import Message
from .settings import Settings

log = logging.getLogger(__name__)
SHA256 = __import__("re").compile(r"^[0-9a-f]{64}$")
CHUNK = 256 * 1024
MARGIN = 200 * 1024 * 1024  # free space kept beside a download


def free_space(path: Path) -> int:
    """Free bytes on the disk holding ``path`` (tests patch this)."""
    path.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(path).free


@dataclasses.dataclass
class Download:
    """The progress of one download. ``state``: running, done, cancelled or failed."""

    ref: str
    total: int = 0
    done: int = 0
    started: float = dataclasses.field(default_factory=time.monotonic)
    state: str = "running"
    message: str = ""
    path: str = ""
    stop: threading.Event = dataclasses.field(default_factory=threading.Event, repr=False)
    thread: threading.Thread | None = dataclasses.field(default=None, repr=False)
    _resumed: int = 0

    @property
    def speed(self) -> float:
        """Bytes per second since the start (bytes that were already on disk not counted)."""
        return max(0, self.done - self._resumed) / max(1e-3, time.monotonic() - self.started)

    @property
    def seconds_left(self) -> float | None:
        return (self.total - self.done) / self.speed if self.speed > 0 and self.total else None

    def as_dict(self) -> dict:
        return {"ref": self.ref, "state": self.state, "total": self.total, "done": self.done,
                "speed": round(self.speed), "seconds_left": self.seconds_left, "message": self.message,
                "location": self.path}


def _offline_message() -> Message:
    return Message("The Hugging Face Hub cannot be reached from this studio (offline, or no network). "
                   "To add a model by hand, copy its .gguf file (or a diffusers folder, or a Piper voice's .onnx and "
                   ".onnx.json files) into a folder and start the studio with --model-dir FOLDER; it then appears in "
                   "the lists.")


def _hub_error(exc: Exception, ref: str) -> Exception:
    """The writer's message for a failure of ``huggingface_hub``."""
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, OfflineModeIsEnabled, RepositoryNotFoundError

    if isinstance(exc, GatedRepoError):
        return ModelUnavailable("'{ref}' is gated: accept its licence on the Hub with your "
                                "account, then set `HF_TOKEN` to one of your access tokens and try again.", ref=ref)
    if isinstance(exc, RepositoryNotFoundError):
        return ModelUnavailable("'{ref}' is not on the Hub (or it is private). Check the name.", ref=ref)
    if isinstance(exc, OfflineModeIsEnabled) or not isinstance(exc, HfHubHTTPError):
        return ModelUnavailable(_offline_message())
    return ModelUnavailable("The Hub refused '{ref}': {why}", ref=ref, why=str(exc).splitlines()[0][:200])


def _api():
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint())


def _check_online(settings: Settings) -> None:
    if settings.hub_offline:
        raise ModelUnavailable(_offline_message())


def search(settings: Settings, query: str, kind: str = "text", limit: int = 20) -> list[dict]:
    """Hub repositories matching ``query``: GGUF repositories for ``text``, diffusers pipelines for
    ``diffusion``; for ``speech``, Piper voices (:func:`studio.hub_voices.search`, one entry per voice).
    Each: ``ref``, ``kind``, ``license``, ``downloads``, ``likes``, ``pipeline_tag``."""
    query = (query or "").strip()
    if not query or len(query) > 200:
        raise InvalidInput("search", "must be 1 to 200 characters of a model's name.")
    _check_online(settings)
    filters = {"text": "gguf", "diffusion": "diffusers"}.get(kind)
    try:
        if kind == "speech":
            return hub_voices.search(_api(), query, limit)
        models = list(_api().list_models(search=query, filter=filters, limit=limit))
    except Exception as exc:  # noqa: BLE001 - every failure becomes the writer's message
        raise _hub_error(exc, query) from None
    out = []
    for m in models:
        lic = next((t[8:] for t in (m.tags or []) if t.startswith("license:")), "")
        out.append({"ref": m.id, "kind": kind, "license": lic, "downloads": m.downloads or 0, "likes": m.likes or 0,
                    "pipeline_tag": m.pipeline_tag or "", "gated": bool(m.gated)})
    return out


def plan(settings: Settings, ref: str) -> tuple[str, str, list[tuple[str, int, str | None]], dict]:
    """``(repo_id, commit, [(file, size, sha256 or None)], card)`` of what downloading ``ref`` fetches."""
    _check_online(settings)
    repo_id, filename = parse_ref(ref)
    try:
        info = _api().model_info(repo_id, files_metadata=True)
    except Exception as exc:  # noqa: BLE001
        raise _hub_error(exc, ref) from None
    files = {s.rfilename: (s.size or 0, s.lfs.sha256 if s.lfs else None) for s in info.siblings or []}
    if filename is None:
        filename = pick_gguf(list(files)) or hub_voices.one_voice(repo_id, list(files))
    if filename is not None:
        if filename not in files:
            raise ModelUnavailable("'{repo}' has no file '{name}'. Its files: {files}", repo=repo_id, name=filename,
                                   files=", ".join(sorted(files))[:300])
        chosen = hub_voices.files_to_fetch(filename, list(files)) if filename.endswith(".onnx") else [filename]
    else:
        chosen = sorted(files)
    card = info.card_data.to_dict() if info.card_data else {}
    langs = card.get("language") or []
    meta = {"license": str(card.get("license") or ""), "languages": ", ".join(langs if isinstance(langs, list) else [langs])}
    return repo_id, info.sha or "main", [(f, *files[f]) for f in chosen], meta


class _Progress:
    """A ``tqdm``-shaped bar that feeds a :class:`Download` and stops it on Cancel."""

    job: Download

    def __init__(self, *args, initial: int = 0, **kwargs):
        self.n = 0
        self.update(initial)

    def update(self, n: int = 1) -> None:
        self.job.done += n
        if self.job.stop.is_set():
            raise Cancelled("Download cancelled.")

    def __getattr__(self, name):  # close, refresh, set_description... do nothing
        return lambda *a, **k: None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _remove_partial(repo_id: str) -> None:
    for part in (repo_folder(repo_id) / "blobs").glob("*.incomplete"):
        part.unlink(missing_ok=True)


def _refuse_corrupt(path: Path, name: str) -> None:
    blob = path.resolve()
    path.unlink(missing_ok=True)
    blob.unlink(missing_ok=True)
    raise ModelUnavailable("The download of '{name}' was damaged (its checksum is not the Hub's), so it was "
                           "deleted. Try again.", name=name)


def _resume(repo_id: str, commit: str, name: str, size: int, sha: str, job: Download, bar: type) -> None:
    """Finish a partial file left by a studio that was stopped mid-download (``huggingface_hub`` leaves it
    as ``blobs/SHA.xxxx.incomplete`` and would start again from zero): fetch only the rest (a ``Range``
    request), check its sha256 and put it where ``hf_hub_download`` then finds it."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    blobs = repo_folder(repo_id) / "blobs"
    parts = sorted(blobs.glob(f"{sha}.*incomplete"), key=lambda p: p.stat().st_size) if blobs.is_dir() else []
    if not parts or (blobs / sha).exists():
        return
    partial, have = parts[-1], parts[-1].stat().st_size
    for extra in parts[:-1]:
        extra.unlink(missing_ok=True)
    job._resumed += have
    log.info("resuming %s of %s at byte %d", name, repo_id, have)
    with open(partial, "ab") as f:
        http_get(hf_hub_url(repo_id, name, revision=commit, endpoint=endpoint()), f, resume_size=have,
                 headers=build_hf_headers(), expected_size=size, tqdm_class=bar)
    if _sha256(partial) != sha:
        _refuse_corrupt(partial, name)
    os.replace(partial, blobs / sha)


def _check_space(repo_id: str, files: list, job: Download) -> None:
    have = sum(p.stat().st_size for p in (repo_folder(repo_id) / "blobs").glob("*.incomplete")) \
        if (repo_folder(repo_id) / "blobs").is_dir() else 0
    need = sum(size for _f, size, _s in files) - have
    free = free_space(cache_dir())
    if need + MARGIN > free:
        raise ModelUnavailable("Not enough free disk space for '{ref}': it needs {a} GB and "
                               "{b} GB are free in {where}. Free some space and try again.", ref=job.ref,
                               a=f"{need / 1e9:.1f}", b=f"{free / 1e9:.1f}", where=cache_dir())


def download(settings: Settings, ref: str, job: Download | None = None,
             on_progress: Callable[[Download], None] | None = None) -> Path:
    """Download ``ref`` into the Hub cache; returns the file (``org/repo:file``, or a GGUF picked
    for ``org/repo``) or the snapshot folder.

    Raises:
        Cancelled: ``job.stop`` was set (partial files are removed).
        ModelUnavailable: offline or unreachable, gated, not found, short disk, damaged transfer.
    """
    from huggingface_hub import constants, hf_hub_download

    # huggingface_hub reads the body in 10 MB pieces; smaller ones let Cancel stop within a second
    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, CHUNK)
    job = job or Download(ref)
    repo_id, commit, files, meta = plan(settings, ref)
    job.total = sum(size for _f, size, _s in files)
    _check_space(repo_id, files, job)
    bar = type("Bar", (_Progress,), {"job": job})
    path = None
    try:
        for name, size, sha in files:
            if sha and SHA256.match(sha):
                _resume(repo_id, commit, name, size, sha, job, bar)
            # the default revision (main), so that the cache records refs/main as other readers expect
            path = Path(hf_hub_download(repo_id, name, cache_dir=cache_dir(), endpoint=endpoint(), tqdm_class=bar))
            if sha and SHA256.match(sha) and _sha256(path) != sha:
                _refuse_corrupt(path, name)
            if on_progress:
                on_progress(job)
    except Cancelled:
        _remove_partial(repo_id)
        raise
    except (ModelUnavailable, InvalidInput):
        raise
    except Exception as exc:  # noqa: BLE001
        log.warning("download of %s failed: %s", ref, exc)
        raise _hub_error(exc, ref) from None
    (repo_folder(repo_id) / "studio.json").write_text(json.dumps(meta), encoding="utf-8")
    job.done = job.total
    found = cached_file(ref if ":" in ref or len(files) != 1 else f"{repo_id}:{files[0][0]}")
    if found is not None:
        return found
    assert path is not None  # hf_hub_download returned it
    return Path(path).parent


class Downloads:
    """The downloads of one studio, each in a thread of its own (survives a page reload)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.base_speed: float | None = None  # tokens/s of the embedded model on this machine, once measured
        self._jobs: dict[str, Download] = {}
        self._lock = threading.Lock()

    def start(self, ref: str) -> Download:
        """Start downloading ``ref`` (or return the download already running)."""
        parse_ref(ref)
        with self._lock:
            job = self._jobs.get(ref)
            if job is not None and job.state == "running":
                return job
            job = self._jobs[ref] = Download(ref)
        job.thread = threading.Thread(target=self._run, args=(job,), daemon=True, name=f"download {ref}")
        job.thread.start()
        return job

    def _run(self, job: Download) -> None:
        try:
            job.path = str(download(self.settings, job.ref, job))
            job.state = "done"
        except Cancelled:
            job.state, job.message = "cancelled", "Download cancelled; its partial files were removed."
        except (ModelUnavailable, InvalidInput) as exc:
            job.state, job.message = "failed", exc.message
        except Exception as exc:  # noqa: BLE001 - the thread must always end with a state
            log.exception("download %s", job.ref)
            job.state, job.message = "failed", Message("The download failed: {why}",
                                                       why=f"{type(exc).__name__}: {str(exc)[:200]}")

    def get(self, ref: str) -> Download | None:
        with self._lock:
            return self._jobs.get(ref)

    def all(self) -> list[Download]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, ref: str, wait: float = 1.0) -> Download | None:
        """Stop the download of ``ref``; waits up to ``wait`` seconds for it to end."""
        job = self.get(ref)
        if job is not None and job.state == "running":
            job.stop.set()
            if job.thread is not None:
                job.thread.join(wait)
            if job.state == "running":  # a stalled connection: the thread ends (and cleans up) when it wakes
                job.state, job.message = "cancelled", "Download cancelled; its partial files were removed."
        return job

    def wait(self, ref: str) -> Download:
        """Start ``ref`` if needed and wait for it to end (the API's ``/models_download``)."""
        job = self.start(ref)
        if job.thread is not None:
            job.thread.join()
        return job


def resolve_gguf(settings: Settings, ref: str, trusted: bool) -> Path:
    """The local file of a Hub GGUF reference ``org/repo:file.gguf``: its cached file, else (for the
    operator's own references, when online) the file downloaded now."""
    try:
        parse_ref(ref)
    except InvalidInput:
        raise ModelUnavailable("'{ref}' is not a model reference. A Hub GGUF file is written "
                               "org/name:file.gguf.", ref=ref) from None
    path = cached_file(ref)
    if path is None and trusted and not settings.hub_offline:
        path = download(settings, ref)
    if path is None:
        raise ModelUnavailable("Model '{ref}' is not downloaded. Download it in the Models tab first.", ref=ref)
    return path
