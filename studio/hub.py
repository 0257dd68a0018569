"""Models from the Hugging Face Hub (issue #27): what is installed, what is recommended for
this machine, Hub search, and downloads with progress, Cancel, resume and checksums.

``huggingface_hub`` does the transfer (its cache, ``HF_HOME``, ``HF_TOKEN``, resume from
``.incomplete`` files); this module checks the free disk space first, reports bytes, speed and
time left, stops within a second on Cancel (removing partial files), and refuses a file whose
sha256 is not the Hub's. A Hub GGUF reference is ``org/repo:file.gguf``, or ``org/repo`` (its
Q4_K_M file is picked). The address of the Hub is ``HF_ENDPOINT`` (read on every call).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

from . import hub_voices
from .embedded import EMBEDDED, HUB_ID, embedded_file
from .errors import InvalidInput, ModelUnavailable
from .settings import Settings, stored_defaults

HUB_FILE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*):([A-Za-z0-9][A-Za-z0-9_./-]*)$")
KINDS = ("text", "diffusion", "gan", "style", "speech")
TAB_OF = {"text": "Write", "diffusion": "Image", "gan": "Image", "style": "Style", "speech": "Listen (Write, Library)"}
QUANT_ORDER = ("Q4_K_M", "Q4_K_S", "Q5_K_M", "Q4_0", "Q8_0")
GB = 1024 ** 3


@dataclasses.dataclass(frozen=True)
class Recommended:
    """A model chosen for writers: ``ref`` is what to download; sizes are the Hub's (bytes)."""

    ref: str
    kind: str
    title: str
    size: int
    license: str
    languages: str
    gpu: bool = False  # needs a GPU to be usable


RECOMMENDED: tuple[Recommended, ...] = (
    Recommended("Qwen/Qwen2.5-1.5B-Instruct-GGUF:qwen2.5-1.5b-instruct-q4_k_m.gguf", "text",
                "Qwen2.5 1.5B Instruct (Q4_K_M)", 1_117_320_736, "Apache-2.0", "29 languages, Chinese and English"),
    Recommended("Qwen/Qwen2.5-3B-Instruct-GGUF:qwen2.5-3b-instruct-q4_k_m.gguf", "text",
                "Qwen2.5 3B Instruct (Q4_K_M)", 2_104_932_768, "Qwen Research", "29 languages, Chinese and English"),
    Recommended("bartowski/Qwen2.5-7B-Instruct-GGUF:Qwen2.5-7B-Instruct-Q4_K_M.gguf", "text",
                "Qwen2.5 7B Instruct (Q4_K_M)", 4_683_073_504, "Apache-2.0", "29 languages, Chinese and English"),
    Recommended("bartowski/Llama-3.2-3B-Instruct-GGUF:Llama-3.2-3B-Instruct-Q4_K_M.gguf", "text",
                "Llama 3.2 3B Instruct (Q4_K_M)", 2_019_377_696, "Llama 3.2 Community", "English and 7 more"),
    Recommended("stabilityai/sd-turbo", "diffusion", "SD-Turbo (512 px, 1 step)", 5_210_000_000,
                "Stability AI Community", "English prompts", gpu=True),
    Recommended("stabilityai/sdxl-turbo", "diffusion", "SDXL-Turbo (512 px, 1 step)", 13_900_000_000,
                "Stability AI Community", "English prompts", gpu=True),
    # Piper voices of rhasspy/piper-voices (the .onnx and its .onnx.json); each voice's licence is its
    # recordings' (its MODEL_CARD), the repository's own is MIT
    Recommended(f"{hub_voices.VOICE_REPO}:en/en_US/lessac/medium/en_US-lessac-medium.onnx", "speech",
                "Lessac, US English (medium)", 63_201_294 + 4_885, "Blizzard 2013 Lessac: research use only",
                "English (en_US)"),
    Recommended(f"{hub_voices.VOICE_REPO}:en/en_GB/alba/medium/en_GB-alba-medium.onnx", "speech",
                "Alba, British English (medium)", 63_201_294 + 4_888, "CC BY 4.0", "English (en_GB)"),
    Recommended(f"{hub_voices.VOICE_REPO}:en/en_GB/alan/medium/en_GB-alan-medium.onnx", "speech",
                "Alan, British English (medium)", 63_201_294 + 4_888, "see its MODEL_CARD", "English (en_GB)"),
    Recommended(f"{hub_voices.VOICE_REPO}:zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx", "speech",
                "Huayan, Chinese (medium)", 63_201_294 + 4_822, "see its MODEL_CARD", "Chinese (zh_CN)"),
)


# ----- references and places ------------------------------------------------------
def parse_ref(ref: str) -> tuple[str, str | None]:
    """``(repo_id, filename or None)`` of a Hub reference.

    Raises:
        InvalidInput: (field ``model``) not ``org/name`` or ``org/name:file``.
    """
    ref = (ref or "").strip()
    m = HUB_FILE.match(ref)
    if m and ".." not in ref:
        return m.group(1), m.group(2)
    if HUB_ID.match(ref) and ".." not in ref:
        return ref, None
    raise InvalidInput("model", "must be a Hugging Face Hub id like org/name, or org/name:file.gguf.")


def endpoint() -> str:
    """The Hub's address: ``HF_ENDPOINT``, else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def cache_dir() -> Path:
    """The Hub cache folder (``HF_HUB_CACHE``, else ``HF_HOME``/hub, else ~/.cache/huggingface/hub)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface"
    return Path(home) / "hub"


def repo_folder(repo_id: str) -> Path:
    return cache_dir() / ("models--" + repo_id.replace("/", "--"))


def pick_gguf(names: list[str]) -> str | None:
    """The GGUF file to use among ``names``: Q4_K_M first (then Q4_K_S, Q5_K_M, Q4_0, Q8_0), else the smallest name."""
    ggufs = sorted(n for n in names if n.lower().endswith(".gguf") and "-of-0" not in n.lower())
    for quant in QUANT_ORDER:
        for name in ggufs:
            if quant.lower() in name.lower():
                return name
    return ggufs[0] if ggufs else None


def cached_file(ref: str) -> Path | None:
    """The cached file (``org/repo:file.gguf``) or folder (``org/repo``) of ``ref`` in the Hub cache, or None."""
    repo_id, filename = parse_ref(ref)
    snapshots = repo_folder(repo_id) / "snapshots"
    if not snapshots.is_dir():
        return None
    for snap in sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if filename is None:
            return snap
        if (snap / filename).is_file():
            return snap / filename
    return None


# ----- installed and recommended -----------------------------------------------------
def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _kind_of(path: Path) -> str | None:
    if path.suffix == ".gguf":
        return "text"
    if (path / "model_index.json").is_file():
        return "diffusion"
    if path.is_dir() and (any(path.glob("*.gguf")) or (path / "config.json").is_file()):
        return "text"
    return None


def _entry(ref: str, kind: str, source: str, path: Path, license: str = "", languages: str = "") -> dict:
    return {"ref": ref, "kind": kind, "source": source, "size": _size(path), "license": license or "see its card",
            "languages": languages or "", "tab": TAB_OF.get(kind, ""), "location": str(path)}


def installed(settings: Settings, kind: str | None = None) -> list[dict]:
    """Every model this studio can use now: embedded wheels, the Hub cache, ``--model-dir`` folders.

    Each is a dict: ``ref``, ``kind``, ``source`` (embedded, hub, folder), ``size`` (bytes), ``license``,
    ``languages``, ``tab`` (which tab uses it), ``location`` (its file or folder).
    """
    found = []
    for name, emb in EMBEDDED.items():
        path = embedded_file(name)
        if path is not None and emb.kind == "speech":
            found.append(_voice_entry(name, "embedded", path, emb.license))
        elif path is not None:
            found.append(_entry(name, emb.kind, "embedded", path, emb.license, "English" if emb.kind == "text" else ""))
    root = cache_dir()
    for repo in sorted(root.glob("models--*")) if root.is_dir() else []:
        repo_id = repo.name[len("models--"):].replace("--", "/", 1)
        for snap in sorted((repo / "snapshots").glob("*"))[:1]:
            meta = _read_meta(repo)
            for gguf in sorted(snap.glob("*.gguf")):
                found.append(_entry(f"{repo_id}:{gguf.name}", "text", "hub", gguf, *meta))
            k = _kind_of(snap)
            if k and k != "text":
                found.append(_entry(repo_id, k, "hub", snap, *meta))
            if kind in (None, "speech"):
                found += [_voice_entry(f"{repo_id}:{v.relative_to(snap).as_posix()}", "hub", v, meta[0])
                          for v in hub_voices.voices_in(snap)]
    for folder in settings.model_dirs:
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            k = _kind_of(path)
            if k:
                found.append(_entry(str(path), k, "folder", path))
        if kind in (None, "speech") and folder.is_dir():
            found += [_voice_entry(str(v), "folder", v) for v in hub_voices.voices_in(folder)]
    return [e for e in found if kind is None or e["kind"] == kind]


def _voice_entry(ref: str, source: str, onnx: Path, license: str = "") -> dict:
    """A Piper voice's entry: both its files' size, its MODEL_CARD's licence (else ``license``), its language."""
    return {"ref": ref, "kind": "speech", "source": source, "size": hub_voices.size_of(onnx),
            "license": (license if source == "embedded" else hub_voices.card_licence(onnx.parent) or license)
            or "see its card",
            "languages": hub_voices.language_of(onnx), "tab": TAB_OF["speech"], "location": str(onnx)}


def _read_meta(repo: Path) -> tuple[str, str]:
    try:
        meta = json.loads((repo / "studio.json").read_text(encoding="utf-8"))
        return meta.get("license", ""), meta.get("languages", "")
    except (OSError, ValueError):
        return "", ""


def available_memory() -> int:
    import psutil

    return int(psutil.virtual_memory().available)


def recommended(kind: str, base_tokens_per_s: float | None = None, memory: int | None = None,
                gpu: bool | None = None) -> list[dict]:
    """The recommended models of ``kind`` with their size, the memory each needs, a speed estimate
    (``base_tokens_per_s``, measured on the embedded model, scaled by file size) and a ``warning``
    when this machine has too little memory or no GPU for it."""
    from .devices import gpu_possible

    memory = available_memory() if memory is None else memory
    gpu = gpu_possible() if gpu is None else gpu
    base = embedded_file("smollm2-135m-instruct")
    base_size = base.stat().st_size if base else 100_000_000
    out = []
    for rec in RECOMMENDED:
        if rec.kind != kind:
            continue
        need = int(rec.size * 1.2 + 0.5 * GB)
        speed = round(base_tokens_per_s * base_size / rec.size, 1) if base_tokens_per_s and rec.kind == "text" else None
        warning = ""
        if need > memory:
            warning = "Too little memory on this machine"
        elif rec.gpu and not gpu:
            warning = "No GPU: very slow"
        out.append({**dataclasses.asdict(rec), "memory": need, "tokens_per_s": speed, "warning": warning,
                    "installed": cached_file(rec.ref) is not None})
    return out


# ----- the default model of each kind ---------------------------------------------------
def defaults_path(settings: Settings) -> Path:
    assert settings.data_dir is not None  # Settings fills it in
    return Path(settings.data_dir) / "models.json"


def make_default(settings: Settings, kind: str, ref: str) -> None:
    """Store ``ref`` as the default model of ``kind`` for the next start (a flag still overrides)."""
    if kind not in KINDS:
        raise InvalidInput("kind", "must be one of {kinds}.", kinds=", ".join(KINDS))
    values = stored_defaults(settings.data_dir)
    values[kind] = ref
    path = defaults_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=1), encoding="utf-8")
    os.replace(tmp, path)


# ----- delete ------------------------------------------------------------------------
def delete(ref: str) -> None:
    """Delete a downloaded model (one GGUF file, or a whole repository) from the Hub cache.

    Raises:
        ModelUnavailable: it is not in the Hub cache (embedded and folder models are not deleted here).
    """
    repo_id, filename = parse_ref(ref)
    folder = repo_folder(repo_id)
    if cached_file(ref) is None:
        raise ModelUnavailable("'{ref}' is not a downloaded model, so there is nothing to delete.", ref=ref)
    models = [p for p in folder.glob("snapshots/*/**/*") if p.name.endswith((".gguf", ".onnx"))]
    if filename is None or len(models) <= 1:
        shutil.rmtree(folder, ignore_errors=True)
        return
    names = [filename]
    if filename.endswith(".onnx"):  # a Piper voice: its card and MODEL_CARD go with it
        card = Path(filename).parent / "MODEL_CARD"
        others = [p for p in folder.glob(f"snapshots/*/{card.parent.as_posix()}/*.onnx") if p.name != Path(filename).name]
        names += [filename + ".json"] + ([] if others else [card.as_posix()])
    for name in names:
        for link in folder.glob(f"snapshots/*/{name}"):
            _unlink(link, folder)


def _unlink(link: Path, folder: Path) -> None:
    """Remove a cached file and its blob, unless another file of the cache points at the same blob
    (two voices' identical ``.onnx.json``)."""
    blob = link.resolve()
    link.unlink()
    if not any(p.is_symlink() and p.resolve() == blob for p in folder.glob("snapshots/*/**/*")):
        blob.unlink(missing_ok=True)



def measure_speed(text_engine, tokens: int = 32) -> float | None:
    """This machine's tokens/s on the embedded text model (a short reply), the base of the speed estimates;
    None when the embedded model is not installed."""
    import threading

    from .text.types import SamplingParams, StreamStats

    if embedded_file("smollm2-135m-instruct") is None:
        return None
    backend = text_engine.backend("smollm2-135m-instruct")
    stats = StreamStats()
    prompt = backend.render([{"role": "user", "content": "Describe a garden in spring."}])
    for _piece in backend.stream(prompt, SamplingParams(max_new_tokens=tokens, min_new_tokens=tokens, seed=1),
                                 threading.Event(), stats):
        pass
    return round(stats.tokens_per_s, 1) or None
