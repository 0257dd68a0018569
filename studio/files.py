"""Safe file writing: temporary name then rename, names from time, a counter and a random token.

A crash in the middle of a save leaves either the old file or no file, never
half of one. Filenames never come from a prompt (prompts can be long or use
any script).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

_counter = itertools.count()
_counter_lock = threading.Lock()


_TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_filename(folder: Path, prefix: str, suffix: str) -> Path:
    """A fresh path ``folder/<prefix>-YYYYmmdd-HHMMSS-<counter>-<token><suffix>`` that does not exist yet.

    ``<token>`` is 20 random lowercase letters and digits (:func:`secrets.choice`, about 103 bits), so no
    one can guess the name of another user's file from the time it was made. Only letters and digits: a
    ``-`` or ``_`` at the end of a name would not survive every file-name clean-up (an export's import).
    """
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        with _counter_lock:
            n = next(_counter)
        stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid() % 10000:04d}{n:05d}"
        token = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(20))
        path = folder / f"{prefix}-{stamp}-{token}{suffix}"
        if not path.exists():
            return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, rename."""
    return atomic_save(path, lambda fh: fh.write(data))


def atomic_save(path: Path, save) -> Path:
    """Call ``save(fileobj)`` on a temporary file beside ``path``, then rename it to ``path``.

    Used with Pillow: ``atomic_save(p, lambda f: image.save(f, format="PNG", pnginfo=info))``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            save(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
