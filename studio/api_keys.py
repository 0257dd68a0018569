"""API keys for Studio's OpenAI-compatible API (``/v1``) and its AUTOMATIC1111 API (``/sdapi/v1``).

With ``--auth``, every API call carries ``Authorization: Bearer KEY``; the key says which user
the call works for (whose voices it may use, whose folder its pictures go to). Each user makes
and revokes their own keys in the Library tab. A key is shown once, when it is made; only its
SHA-256 is stored (``--data-dir/api_keys.json``), with its name, its first characters (so the
writer can tell keys apart) and when it was made. Keys are 32 random bytes, so a plain hash
cannot be reversed by guessing.

One :class:`ApiKeys` per studio (``ctx.api_keys``); it is thread-safe and holds no state
besides the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from pathlib import Path

from .errors import InvalidInput
from .files import atomic_write_bytes
from .validate import check_text

PREFIX = "sk-studio-"
MAX_KEYS_PER_USER = 50
MAX_NAME_CHARS = 100


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeys:
    """The API keys of every user, stored hashed in ``data_dir/api_keys.json``."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "api_keys.json"
        self._lock = threading.Lock()

    def _read(self) -> list[dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [k for k in data.get("keys", []) if isinstance(k, dict) and "hash" in k and "user" in k]

    def _write(self, keys: list[dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path, json.dumps({"keys": keys}, indent=1).encode("utf-8"))

    def create(self, user: str, name: str = "") -> tuple[str, dict]:
        """A new key for ``user``: ``(the key, its public record)``. The key itself is never stored.

        Raises:
            InvalidInput: a bad name (field ``name``), or the user already has the most keys allowed.
        """
        name = check_text("name", name, required=False, max_chars=MAX_NAME_CHARS).strip() or "API key"
        key = PREFIX + secrets.token_urlsafe(32)
        record = {"id": secrets.token_hex(6), "user": user, "name": name, "hash": _digest(key),
                  "start": key[:len(PREFIX) + 4], "created": int(time.time())}
        with self._lock:
            keys = self._read()
            if sum(1 for k in keys if k["user"] == user) >= MAX_KEYS_PER_USER:
                raise InvalidInput("name", "you already have {n} API keys; revoke one first.", n=MAX_KEYS_PER_USER)
            self._write(keys + [record])
        return key, self._public(record)

    @staticmethod
    def _public(record: dict) -> dict:
        return {k: record[k] for k in ("id", "name", "start", "created")}

    def list(self, user: str) -> list[dict]:
        """``user``'s keys (id, name, first characters, created), oldest first; never the keys."""
        with self._lock:
            return [self._public(k) for k in self._read() if k["user"] == user]

    def revoke(self, user: str, key_id: str) -> bool:
        """Forget ``user``'s key ``key_id``; False when ``user`` has no such key (another user's key stays)."""
        with self._lock:
            keys = self._read()
            kept = [k for k in keys if not (k["user"] == user and k.get("id") == key_id)]
            if len(kept) == len(keys):
                return False
            self._write(kept)
            return True

    def user_for(self, key: str) -> str | None:
        """The user a key belongs to, or None for an unknown or revoked key."""
        if not isinstance(key, str) or not key.startswith(PREFIX) or len(key) > 200:
            return None
        digest = _digest(key)
        with self._lock:
            keys = self._read()
        for k in keys:
            if hmac.compare_digest(k["hash"], digest):
                return k["user"]
        return None
