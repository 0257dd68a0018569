"""Texts a voice learns from: uploaded .md, .txt and .docx files, and Library articles."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InvalidInput
from ..safezip import open_checked, verified_copy

FILE_TYPES = (".md", ".txt", ".docx")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_CHARS = 2_000_000
MIN_REPEAT_CHARS = 40  # a repeated paragraph this long is the same text twice, not a refrain like "Yes."
_PARAGRAPHS = re.compile(r"\n[^\S\n]*\n\s*")
# a .docx once unpacked: 2,000,000 characters of text take about 12 MB of Word's XML
MAX_DOCX_PART = 24 * 1024 * 1024
MAX_DOCX_TOTAL = 48 * 1024 * 1024
MAX_DOCX_PARTS = 2000


def read_file(path: str | Path) -> str:
    """The text of one upload: UTF-8 (with or without BOM) for .md/.txt, paragraphs of a .docx
    (python-docx), joined by blank lines.

    Raises:
        InvalidInput: (field ``files``) another type, over 5 MB, not UTF-8, or an unreadable .docx.
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        raise InvalidInput("files", "'{f}' is not a .md, .txt or .docx file.", f=name)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput("files", "'{f}' is larger than {n} MB.", f=name, n=MAX_FILE_BYTES // 2**20)
    if suffix == ".docx":
        return _read_docx(path, name)
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("files", "'{f}' is not UTF-8 text. Save it as UTF-8 and upload it again.", f=name) from None


def _read_docx(path: Path, name: str) -> str:
    """The paragraphs of a .docx, after its zip is checked from its declared sizes (nothing inflated before:
    :mod:`studio.safezip`); python-docx then reads a copy made of parts read in pieces, each stopped at its
    declared size."""
    with open_checked(path, "files", max_part=MAX_DOCX_PART, max_total=MAX_DOCX_TOTAL, max_parts=MAX_DOCX_PARTS,
                      what=name) as zf:
        copy = verified_copy(zf, "files", MAX_DOCX_PART, name)  # no part read past what it declares
    try:
        import docx

        doc = docx.Document(copy)
    except Exception:  # noqa: BLE001 - any parse failure is the file's
        raise InvalidInput("files", "'{f}' could not be read as a Word (.docx) document.", f=name) from None
    return "\n\n".join(p.text for p in doc.paragraphs if p.text.strip())


def gather(library, owner: str, article_ids, files) -> tuple[list[str], list[dict]]:
    """Texts and their source records from the owner's Library articles and uploaded files.

    Args:
        library: a :class:`studio.library.Library`.
        article_ids: article ids (ints or digit strings) of ``owner``; others are "not found".
        files: paths of uploads.

    Returns:
        ``(texts, sources)``; sources are ``{"kind": "article", "id", "title"}`` or ``{"kind": "file", "name"}``.

    Raises:
        InvalidInput: an unknown article, a bad file, nothing chosen, or over 2,000,000 characters in all.
    """
    texts, sources, seen_ids = [], [], set()
    for raw in article_ids or []:
        try:
            aid = int(raw)
        except (TypeError, ValueError):
            raise InvalidInput("article_ids", "'{user_v}' is not an article id (a whole number).", user_v=raw) from None
        if aid in seen_ids:  # the same article chosen twice counts once
            continue
        seen_ids.add(aid)
        art = library.get(owner, aid)
        text = (f"# {art['title']}\n\n" if art.get("title") else "") + (art.get("body") or "")
        texts.append(text)
        sources.append({"kind": "article", "id": aid, "title": art.get("title", "")})
    for f in files or []:
        path = Path(getattr(f, "path", None) or getattr(f, "name", None) or f)
        texts.append(read_file(path))
        sources.append({"kind": "file", "name": _display_name(path)})
    texts, _repeats = without_repeats(texts)
    kept = [(t, s) for t, s in zip(texts, sources, strict=False) if t.strip()]
    if not kept:
        raise InvalidInput("article_ids", "choose at least one article from the Library or upload a file.")
    texts, sources = [t for t, _ in kept], [s for _, s in kept]
    if sum(map(len, texts)) > MAX_TOTAL_CHARS:
        raise InvalidInput("files", "the texts hold more than {n} characters; choose fewer.", n=f"{MAX_TOTAL_CHARS:,}")
    return texts, sources


def without_repeats(texts: list[str]) -> tuple[list[str], int]:
    """``(texts, paragraphs dropped)``: every paragraph of at least :data:`MIN_REPEAT_CHARS` characters that
    already came earlier (in the same text or another; spacing and case aside) is dropped, so the same text
    uploaded twice, an article and its copy, or a file that repeats an article count once, and the voice's
    held-out text cannot be text it trained on. A text with no repeat is kept exactly as it was."""
    seen: set[str] = set()
    out, dropped = [], 0
    for text in texts:
        kept, lost = [], 0
        for para in _PARAGRAPHS.split(text):
            key = " ".join(para.split()).casefold()
            if len(key) >= MIN_REPEAT_CHARS:
                if key in seen:
                    lost += 1
                    continue
                seen.add(key)
            kept.append(para)
        out.append("\n\n".join(kept) if lost else text)
        dropped += lost
    return out, dropped


def _display_name(path: Path) -> str:
    return path.name[:200]
