"""Texts a voice learns from: uploaded .md, .txt and .docx files, and Library articles."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInput

FILE_TYPES = (".md", ".txt", ".docx")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_CHARS = 2_000_000


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
        raise InvalidInput("files", f"'{name}' is not a .md, .txt or .docx file.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput("files", f"'{name}' is larger than {MAX_FILE_BYTES // 2**20} MB.")
    if suffix == ".docx":
        try:
            import docx

            doc = docx.Document(str(path))
        except Exception:  # noqa: BLE001 - any parse failure is the file's
            raise InvalidInput("files", f"'{name}' could not be read as a Word (.docx) document.") from None
        return "\n\n".join(p.text for p in doc.paragraphs if p.text.strip())
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("files", f"'{name}' is not UTF-8 text. Save it as UTF-8 and upload it again.") from None


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
    texts, sources = [], []
    for raw in article_ids or []:
        try:
            aid = int(raw)
        except (TypeError, ValueError):
            raise InvalidInput("article_ids", f"'{raw}' is not an article id (a whole number).") from None
        art = library.get(owner, aid)
        text = (f"# {art['title']}\n\n" if art.get("title") else "") + (art.get("body") or "")
        texts.append(text)
        sources.append({"kind": "article", "id": aid, "title": art.get("title", "")})
    for f in files or []:
        path = Path(getattr(f, "path", None) or getattr(f, "name", None) or f)
        texts.append(read_file(path))
        sources.append({"kind": "file", "name": _display_name(path)})
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise InvalidInput("article_ids", "choose at least one article from the Library or upload a file.")
    if sum(map(len, texts)) > MAX_TOTAL_CHARS:
        raise InvalidInput("files", f"the texts hold more than {MAX_TOTAL_CHARS:,} characters; choose fewer.")
    return texts, sources


def _display_name(path: Path) -> str:
    return path.name[:200]
