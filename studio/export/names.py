"""Export formats and file names made from titles (:func:`safe_filename`)."""

from __future__ import annotations

import shutil
import tempfile
import time
import unicodedata
from pathlib import Path

FORMATS = ("md", "html", "docx", "mp3", "mp4")
SUFFIX = {"md": ".zip", "html": ".html", "docx": ".docx", "mp3": ".mp3", "mp4": ".mp4"}
MAX_IMPORT_BYTES = 256 * 1024 * 1024
MAX_IMPORT_FILES = 1000
EXPORT_PREFIX = "studio-export-"

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_FORBIDDEN = set('<>:"/\\|?*')
_JOINERS = {"\u200c", "\u200d"}  # keep emoji and Indic sequences whole; other format characters (bidi) go


def safe_filename(title: str, suffix: str, max_bytes: int = 150) -> str:
    """A file name from ``title`` that every common file system accepts.

    Letters of any script are kept; control characters and ``<>:"/\\|?*`` are
    dropped; whitespace is collapsed; leading/trailing dots and spaces are
    removed; invisible format characters (like bidi overrides) are dropped,
    except the zero-width (non-)joiners that emoji and Indic scripts need; the stem is cut to ``max_bytes`` UTF-8 bytes on a character
    boundary; Windows device names get a ``_``. An empty result becomes
    ``article``. ``suffix`` (like ``".zip"``) is appended.
    """
    text = unicodedata.normalize("NFC", str(title or ""))
    text = "".join(" " if (ch in _FORBIDDEN or not (ch.isprintable() or ch in _JOINERS)) else ch for ch in text)
    text = " ".join(text.split()).strip(" .")
    text = _cut_bytes(text, max_bytes).strip(" .")
    if not text:
        text = "article"
    if text.split(".")[0].upper() in _RESERVED:
        text += "_"
    return text + suffix


def _joins(ch: str) -> bool:
    """True for characters that belong to the character before them (accents, joiners, skin tones)."""
    return unicodedata.category(ch) in ("Mn", "Me") or ch in _JOINERS or 0x1F3FB <= ord(ch) <= 0x1F3FF


def _cut_bytes(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never inside a character or a
    combined one (letter + accents, emoji sequences): the partial one is dropped whole."""
    out: list[str] = []
    size = 0
    for ch in text:
        size += len(ch.encode("utf-8"))
        if size > max_bytes:
            break
        out.append(ch)
    else:
        return text
    nxt = text[len(out)]
    if _joins(nxt) or (out and out[-1] in _JOINERS):
        while out and _joins(out[-1]):
            out.pop()
        if out:
            out.pop()
        while out and out[-1] in _JOINERS:
            out.pop()
            if out:
                out.pop()
    return "".join(out)


def clean_old_exports(max_age_s: float = 86400) -> None:
    """Remove export folders (``studio-export-*`` in the system temporary directory) older than ``max_age_s``."""
    cutoff = time.time() - max_age_s
    for path in Path(tempfile.gettempdir()).glob(EXPORT_PREFIX + "*"):
        try:
            if path.is_dir() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def fresh_export_folder() -> Path:
    """A new private folder for one export (old ones are removed first)."""
    clean_old_exports()
    return Path(tempfile.mkdtemp(prefix=EXPORT_PREFIX))
