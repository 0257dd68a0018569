"""Piper voices in the Models tab (issue #27): a Piper voice is a pair of files, ``NAME.onnx`` and its
``NAME.onnx.json`` (the voice's card: language, sample rate, phonemes), often with a ``MODEL_CARD`` beside
them that names the licence of the recordings it was trained on.

A voice on the Hub is referred to as ``org/repo:path/NAME.onnx`` (``rhasspy/piper-voices`` holds a few
hundred under ``LANG/LOCALE/NAME/QUALITY/``); downloading one fetches the pair and its ``MODEL_CARD``
(:func:`files_to_fetch`). :func:`installed_voices` lists the voices in a folder (a Hub snapshot, a
``--model-dir`` folder) with their size, licence and language; :func:`search` finds voices on the Hub.
Nothing here loads a voice: :mod:`studio.speech.voice` does, the same way for every voice.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path, PurePosixPath

from .errors import ModelUnavailable

VOICE_REPO = "rhasspy/piper-voices"
MAX_VOICES = 200  # voices listed from one folder
_LICENCE = re.compile(r"^\W*licen[cs]e\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def is_voice_ref(ref: str) -> bool:
    """True for a Hub reference that names a Piper voice file (``org/repo:path/NAME.onnx``)."""
    return ":" in ref and ref.rsplit(":", 1)[1].endswith(".onnx")


def pairs(names: list[str]) -> list[str]:
    """The ``.onnx`` files among ``names`` (repository paths) whose ``.onnx.json`` is there too."""
    have = set(names)
    return sorted(n for n in names if n.endswith(".onnx") and n + ".json" in have)


def files_to_fetch(filename: str, names: list[str]) -> list[str]:
    """What downloading the voice ``filename`` fetches: the ``.onnx``, its ``.onnx.json`` and, when the
    repository has one beside them, the ``MODEL_CARD``.

    Raises:
        ModelUnavailable: the repository has no ``.onnx.json`` beside the ``.onnx`` (not a Piper voice).
    """
    if filename + ".json" not in names:
        raise ModelUnavailable("'{name}' is not a Piper voice: its .onnx.json is not beside it on the Hub.",
                               name=filename)
    card = str(PurePosixPath(filename).parent / "MODEL_CARD")
    return [filename, filename + ".json"] + ([card] if card in names else [])


def one_voice(repo_id: str, names: list[str]) -> str | None:
    """The voice to download for a bare ``org/repo``: its only voice; None when it holds none.

    Raises:
        ModelUnavailable: it holds several voices (the writer names one).
    """
    found = pairs(names)
    if len(found) > 1:
        shown = ", ".join(f"{repo_id}:{n}" for n in found[:3])
        raise ModelUnavailable("'{repo}' holds {n} Piper voices; name the one to download, for "
                               "example {shown}.", repo=repo_id, n=len(found), shown=shown)
    return found[0] if found else None


def card_licence(folder: Path) -> str:
    """The licence a voice's ``MODEL_CARD`` (in ``folder``) names for its recordings, or ""."""
    try:
        m = _LICENCE.search((folder / "MODEL_CARD").read_text(encoding="utf-8", errors="replace")[:20_000])
    except OSError:
        return ""
    return m.group(1)[:160] if m else ""


def language_of(onnx: Path) -> str:
    """``English (en_US)``: the language its ``.onnx.json`` declares, or ""."""
    try:
        data = json.loads(onnx.with_name(onnx.name + ".json").read_text(encoding="utf-8"))
        lang = data.get("language") or {}
        code = lang.get("code") or (data.get("espeak") or {}).get("voice", "")
        name = lang.get("name_english") or ""
        return f"{name} ({code})" if name and code else name or code
    except (OSError, ValueError, AttributeError):
        return ""


def size_of(onnx: Path) -> int:
    """Bytes of the voice (its ``.onnx`` and ``.onnx.json``)."""
    total = 0
    for p in (onnx, onnx.with_name(onnx.name + ".json")):
        with contextlib.suppress(OSError):
            total += p.stat().st_size
    return total


def voices_in(folder: Path) -> list[Path]:
    """The Piper voices (``.onnx`` files with their ``.onnx.json``) in ``folder`` and its sub-folders."""
    try:
        found = [p for p in sorted(folder.rglob("*.onnx")) if p.with_name(p.name + ".json").exists()]
    except OSError:
        return []
    return found[:MAX_VOICES]


def search(api, query: str, limit: int = 20) -> list[dict]:
    """Piper voices on the Hub for ``query``: the voices of text-to-speech repositories whose name matches,
    then the voices of :data:`VOICE_REPO` whose file name matches (its repository name never does). Each:
    ``ref`` (``org/repo:path/NAME.onnx``), ``kind``, ``license``, ``downloads``, ``likes``, ``size`` (bytes,
    when the Hub says), ``gated``."""
    out: list[dict] = []
    for m in api.list_models(search=query, pipeline_tag="text-to-speech", full=True, limit=limit):
        names = [s.rfilename for s in m.siblings or []]
        lic = next((t[8:] for t in (m.tags or []) if t.startswith("license:")), "")
        out += [_found(m.id, n, lic, m) for n in pairs(names)]
    if len(out) < limit:
        from huggingface_hub.errors import RepositoryNotFoundError

        words = query.lower().split()
        try:
            info = api.model_info(VOICE_REPO, files_metadata=True)
        except RepositoryNotFoundError:  # a Hub (or a mirror) without it: the repositories found above
            return out[:limit]
        sizes = {s.rfilename: s.size or 0 for s in info.siblings or []}
        lic = str((info.card_data.to_dict() if info.card_data else {}).get("license") or "")
        out += [_found(VOICE_REPO, n, lic, info, sizes.get(n, 0) + sizes.get(n + ".json", 0))
                for n in pairs(list(sizes)) if all(w in PurePosixPath(n).name.lower() for w in words)]
    return list({r["ref"]: r for r in out}.values())[:limit]


def _found(repo_id: str, name: str, lic: str, m, size: int = 0) -> dict:
    return {"ref": f"{repo_id}:{name}", "kind": "speech", "license": lic, "downloads": m.downloads or 0,
            "likes": m.likes or 0, "pipeline_tag": "text-to-speech", "gated": bool(m.gated), "size": size}
