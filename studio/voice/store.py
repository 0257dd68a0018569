"""Per-user voices on disk: a writer's LoRA adapters with their settings and sources.

Layout (one folder per owner, keyed by a hash of the owner's name so that any
user name is a safe folder name)::

    <data_dir>/voices/<sha256(owner)[:16]>/<voice_id>/voice.json
    <data_dir>/voices/<sha256(owner)[:16]>/<voice_id>/ckpt-000120/   (a PEFT adapter folder)

``voice.json`` holds the record (name, base model identity, training
settings, source article ids and file names, perplexity before/after) and
names the current checkpoint folder. A voice is trained in a hidden
``.tmp-<id>`` folder and renamed into place when training ends, so a crash
never leaves a half-made voice in the list. Records are written with
temp-then-rename (:mod:`studio.files`). A voice is served to its owner only:
every lookup takes the owner, and another owner's id is "not found".
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import threading
import time
from pathlib import Path

from ..errors import InvalidInput
from ..files import atomic_write_bytes
from ..messages import Message
from ..validate import check_text

MAX_NAME_CHARS = 80
RECORD = "voice.json"


def owner_key(owner: str) -> str:
    """The folder name of ``owner``: the first 16 hex digits of the SHA-256 of the UTF-8 name."""
    return hashlib.sha256((owner or "").encode("utf-8")).hexdigest()[:16]


def check_name(name) -> str:
    """A voice name: 1..80 characters, stripped.

    Raises:
        InvalidInput: (field ``name``) empty, too long or with control characters.
    """
    name = check_text("name", name, max_chars=MAX_NAME_CHARS).strip()
    if "\n" in name or "\t" in name:
        raise InvalidInput("name", "must be one line of text.")
    return name


class VoiceStore:
    """The voices of every user of one studio, under ``<data_dir>/voices``. Thread-safe.

    Args:
        data_dir: the studio's data folder.
    """

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "voices"
        self._lock = threading.Lock()

    # ----- paths -------------------------------------------------------------------
    def owner_dir(self, owner: str) -> Path:
        return self.root / owner_key(owner)

    def new_workdir(self, owner: str) -> tuple[str, Path]:
        """A fresh voice id and its hidden training folder ``.tmp-<id>`` (created)."""
        voice_id = secrets.token_hex(8)
        work = self.owner_dir(owner) / f".tmp-{voice_id}"
        work.mkdir(parents=True, exist_ok=False)
        return voice_id, work

    # ----- records ---------------------------------------------------------------------
    @staticmethod
    def write_record(folder: Path, record: dict) -> None:
        """Write ``record`` as ``folder/voice.json`` (temp-then-rename)."""
        atomic_write_bytes(folder / RECORD, json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8"))

    def publish(self, owner: str, work: Path, record: dict) -> dict:
        """Finish a training: write the record in ``work`` and rename it to the voice's folder.

        Raises:
            InvalidInput: (field ``name``) the owner already has a voice of that name.
        """
        with self._lock:
            self._check_unique(owner, record["name"], skip=None)
            record = {**record, "owner": owner, "updated": time.time()}
            self.write_record(work, record)
            work.rename(self.owner_dir(owner) / record["id"])
        return self._public(record)

    def discard(self, work: Path) -> None:
        """Delete an unfinished training folder."""
        shutil.rmtree(work, ignore_errors=True)

    def _read(self, folder: Path) -> dict | None:
        try:
            return json.loads((folder / RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _records(self, owner: str) -> list[dict]:
        folder = self.owner_dir(owner)
        if not folder.is_dir():
            return []
        out = []
        for sub in folder.iterdir():
            if sub.name.startswith(".") or not sub.is_dir():
                continue
            rec = self._read(sub)
            if rec and rec.get("owner") == owner and (sub / rec.get("adapter", "")).is_dir():
                out.append(rec)
        return sorted(out, key=lambda r: (-r.get("created", 0), r["name"]))

    @staticmethod
    def _public(rec: dict) -> dict:
        return {k: v for k, v in rec.items() if k != "owner"}

    def _check_unique(self, owner: str, name: str, skip: str | None) -> None:
        for rec in self._records(owner):
            if rec["id"] != skip and rec["name"].casefold() == name.casefold():
                raise InvalidInput("name", "you already have a voice called '{user_v}'. Pick another name.",
                                   user_v=rec["name"])

    def exists_name(self, owner: str, name: str) -> bool:
        """True if ``owner`` has a voice called ``name`` (case-insensitive)."""
        return any(r["name"].casefold() == name.casefold() for r in self._records(owner))

    # ----- public API ---------------------------------------------------------------------
    def list(self, owner: str) -> list[dict]:
        """The owner's voices, newest first: dicts as written by training (see :mod:`studio.voice.train`)
        without the owner field."""
        return [self._public(r) for r in self._records(owner)]

    def get(self, owner: str, voice: str) -> dict:
        """The owner's voice named by its id or its name.

        Raises:
            InvalidInput: (field ``voice``) the owner has no such voice.
        """
        voice = check_text("voice", voice, max_chars=200).strip()
        recs = self._records(owner)
        for rec in recs:
            if rec["id"] == voice:
                return self._public(rec)
        for rec in recs:
            if rec["name"].casefold() == voice.casefold():
                return self._public(rec)
        have = ", ".join(r["name"] for r in recs) or Message("none yet; train one in the Voice tab")
        raise InvalidInput("voice", "there is no voice '{user_v}' (your voices: {user_l}).", user_v=voice, user_l=have)

    def adapter_path(self, owner: str, voice: str) -> Path:
        """Absolute folder of the voice's current PEFT adapter. Raises InvalidInput like :meth:`get`."""
        rec = self.get(owner, voice)
        return (self.owner_dir(owner) / rec["id"] / rec["adapter"]).resolve()

    def rename(self, owner: str, voice: str, new_name: str) -> dict:
        """Give the voice a new name. Raises InvalidInput (unknown voice, bad or duplicate name)."""
        new_name = check_name(new_name)
        with self._lock:
            rec = self.get(owner, voice)
            self._check_unique(owner, new_name, skip=rec["id"])
            folder = self.owner_dir(owner) / rec["id"]
            full = self._read(folder)
            assert full is not None  # self.get just read it, under the same lock
            full.update(name=new_name, updated=time.time())
            self.write_record(folder, full)
        return self._public(full)

    def delete(self, owner: str, voice: str) -> dict:
        """Delete the voice and its adapter; returns its record. Raises InvalidInput for an unknown voice."""
        with self._lock:
            rec = self.get(owner, voice)
            folder = self.owner_dir(owner) / rec["id"]
            gone = folder.parent / f".del-{rec['id']}"
            folder.rename(gone)  # out of the list at once, even if the removal below is slow
            shutil.rmtree(gone, ignore_errors=True)
        return rec
