"""Plain helpers of the library: Markdown image references, blank drafts, search snippets, image bytes."""

from __future__ import annotations

import io
import logging
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from ..errors import InvalidInput
from ..image.metadata import pnginfo, read_png_parameters
from ..pictures import KEEP as KEEP_MODES
from ..pictures import displayable
from ..unitext import fold
from .schema import MAX_IMAGE_BYTES

log = logging.getLogger(__name__)


_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{2,}")
_JIEBA: list = []


def _segmenter():
    """jieba, loaded once (its dictionary takes about a second)."""
    if not _JIEBA:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _JIEBA.append(jieba)
    return _JIEBA[0]


def search_words(term: str) -> list[str]:
    """The words a query term stands for: Chinese written together ("城市园艺", no spaces between words) is
    cut into its words ("城市", "园艺", by jieba's dictionary), so it finds an article that has those words
    apart; other text stays one term."""
    if not _CJK_RUN.search(term):
        return [term]
    try:
        words = [w.strip() for w in _segmenter().cut(term) if w.strip()]
    except ImportError:  # an install without jieba (requirements.txt has it): the term as typed
        log.warning("jieba is not installed; Chinese searches match the words as typed (pip install jieba)")
        return [term]
    return [w for i, w in enumerate(words) if w not in words[:i]] or [term]


def is_blank(title: str | None, body: str | None) -> bool:
    """True for an article with neither a title nor any text (None counts as empty, whitespace as
    nothing): such a draft is not saved as a new article."""
    return not (title or "").strip() and not (body or "").strip()


def markdown_image(ref: str, alt: str = "") -> str:
    """``![alt](ref)`` with ``alt`` flattened to one line, brackets escaped, at most 120 characters."""
    alt = " ".join(str(alt or "").split())[:120]
    alt = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({ref})"


def insert_block(body: str, block: str, cursor: int | None = None) -> str:
    """Insert ``block`` (e.g. an image reference) into ``body`` as its own paragraph.

    With ``0 < cursor < len(body)`` (in characters), it goes after the end of
    the line the cursor is on; otherwise at the end. Blank lines around it
    are normalised to one.
    """
    body = body or ""
    if cursor is not None and 0 < cursor < len(body):
        end = body.find("\n", cursor)
        if end == -1:
            end = len(body)
        if cursor > 0 and body[cursor - 1] == "\n":  # cursor at the start of a line: insert before it
            end = cursor - 1
        head, tail = body[:end].rstrip("\n"), body[end:].lstrip("\n")
    else:
        head, tail = body.rstrip("\n"), ""
    parts = [p for p in (head, block) if p]
    out = "\n\n".join(parts)
    if tail:
        out += "\n\n" + tail
    elif body.endswith("\n") or head:
        out += "\n"
    return out


def snippet_of(body: str, terms: Iterable[str], width: int = 140) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", " ", body)  # pictures
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: keep their text
    text = re.sub(r"(?m)^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+", " ", text)  # heading, quote, list marks
    flat = " ".join(text.replace("**", "").replace("__", "").replace("`", "").split())
    low = flat.casefold()
    pos = -1
    for term in terms:
        pos = low.find(term.casefold())
        if pos >= 0:
            break
    if pos < 0:
        return flat[:width] + ("…" if len(flat) > width else "")
    start = max(0, pos - width // 3)
    text = flat[start:start + width]
    return ("…" if start else "") + text + ("…" if start + width < len(flat) else "")


def fold_sql(value):
    return fold(value) if isinstance(value, str) else value


def has_trigram() -> bool:
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        return True
    except sqlite3.OperationalError:  # SQLite < 3.34
        return False
    finally:
        con.close()


def stamp(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def clean_name(name: str) -> str:
    """A reference name safe in a Markdown link and a zip: letters, digits, ``.-_``; ends in ``.png``."""
    stem = unicodedata.normalize("NFC", os.path.basename(str(name)))
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", stem)
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip(".-_")[:80] or "image"
    return stem + ".png"


def png_bytes(source) -> tuple[bytes, dict, tuple[int, int]]:
    """PNG bytes, metadata params and size of ``source`` (path, bytes or PIL image)."""
    if isinstance(source, Image.Image):
        buf = io.BytesIO()
        params = read_png_parameters(source)
        pic = displayable(source)
        pic.save(buf, format="PNG", pnginfo=pnginfo(params) if params else None)
        return buf.getvalue(), params, pic.size
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput("image", "there is no image file at {p}.", p=repr(path.name))
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise InvalidInput("image", "is larger than {num_n} MB.", num_n=MAX_IMAGE_BYTES // 2**20)
        data = path.read_bytes()
    elif isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        if len(data) > MAX_IMAGE_BYTES:
            raise InvalidInput("image", "is larger than {num_n} MB.", num_n=MAX_IMAGE_BYTES // 2**20)
    else:
        raise InvalidInput("image", "must be an image file, its bytes or a picture.")
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            params = read_png_parameters(im)
            if im.format == "PNG" and (im.mode in KEEP_MODES or im.mode in ("P", "PA")):
                return data, params, im.size
            converted = displayable(im)
            if converted is im:
                converted = im.copy()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput("image", "is not a picture Studio can read ({e}).", e=type(exc).__name__) from None
    buf = io.BytesIO()
    converted.save(buf, format="PNG", pnginfo=pnginfo(params) if params else None)
    return buf.getvalue(), params, converted.size
