"""The Markdown export (a .zip with ``images/``), the export entry point, and the Markdown import."""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from pathlib import Path

from ..errors import InvalidInput
from ..files import atomic_write_bytes
from ..library import IMAGE_REF, MAX_BODY_CHARS, MAX_IMAGE_BYTES, Library
from ..provenance.disclosure import disclosure_for, remap_for_export
from ..provenance.spans import normalized as spans_normalized
from ..safezip import open_checked, read_member
from ..validate import check_choice, check_text
from .docx_export import render_docx
from .html_export import render_html
from .names import FORMATS, MAX_IMPORT_BYTES, MAX_IMPORT_FILES, SUFFIX, fresh_export_folder, safe_filename

PROVENANCE_FILE = "provenance.json"


# ---------------------------------------------------------------------- Markdown zip
_MD_ESCAPE = re.compile(r"([\\`*_\[\]])")
_ENTITY_AMP = re.compile(r"&(?=#?\w+;)")


def escape_title(title: str) -> str:
    """``title`` as the text of a Markdown heading that shows exactly ``title``: backslash-escapes
    ``\\ ` * _ [ ]`` and a trailing ``#``, and writes ``&`` as ``&amp;`` where it would start an entity.
    :func:`split_title` undoes it."""
    text = _ENTITY_AMP.sub("&amp;", _MD_ESCAPE.sub(r"\\\1", title))
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    return text


def unescape_title(text: str) -> str:
    """The inverse of :func:`escape_title` (any backslash-escaped ASCII punctuation is unescaped)."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return re.sub(r"&amp;(?=#?\w+;)", "&", text)


def markdown_document(title: str, body: str) -> str:
    """The ``.md`` text: ``# <title>`` (escaped, :func:`escape_title`), a blank line, then the body exactly.
    A body that starts with its own ``# heading`` (every generated article does) has it replaced by the
    title, so the file shows one title, the current one; :func:`split_title` reads it back as the title."""
    heading = f"# {escape_title(title) if title else 'Untitled'}\n\n"
    m = _H1.match(body or "")
    return heading + (body[m.end():] if m and m.group("title").strip() else body)


def markdown_zip(title: str, body: str, images: list[dict], disclosure=None) -> bytes:
    """A zip holding ``<safe title>.md`` and ``images/<name>`` for each image of :meth:`Library.images`,
    and with a ``disclosure`` a ``provenance.json`` (its text spans over the .md file's text)."""
    buf = io.BytesIO()
    text = markdown_document(title, body)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(safe_filename(title, ".md"), text.encode("utf-8"))
        if disclosure is not None:
            spans = remap_for_export(body, disclosure.spans, text)
            zf.writestr(PROVENANCE_FILE, json.dumps(disclosure.as_json(spans), ensure_ascii=False, indent=1))
        for img in images:
            zf.write(img["path"], f"images/{img['name']}", compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


# ---------------------------------------------------------------------- export entry point
def export_article(library: Library, owner: str, article_id: int, fmt: str = "md",
                   out_dir: Path | None = None, notes: list[str] | None = None, speech=None, *,
                   provenance: str = "full", disclosure_line: str | None = None, stop=None) -> Path:
    """Write the article in ``fmt`` (``md`` → .zip, ``html``, ``docx``, and with a ``speech`` engine
    ``mp3`` or ``mp4``: see :mod:`.media`) and return the file's path.

    Anything the format could not keep as it is (see :func:`render_docx`) is
    said in a sentence appended to ``notes``.

    The file is named from the title (:func:`safe_filename`) inside
    ``out_dir``, or inside a fresh private folder ``studio-export-*`` in the
    system temporary directory (folders older than a day are removed).
    Written to a temporary name, then renamed. ``stop`` (a ``threading.Event``), when set, ends a DOCX
    export at its next paragraph (the longest illustrated article takes seconds): Cancelled, nothing written.

    ``provenance`` (``--provenance``): unless ``off``, the export says how it was made (issue #30): the
    share of the text the model wrote, in ``disclosure_line`` (the writer's wording) or Studio's
    sentence, the models, and each picture's digital source type (see :mod:`studio.provenance.disclosure`).

    Raises:
        InvalidInput: unknown format, or no such article of ``owner``. Cancelled: ``stop`` was set.
    """
    fmt = check_choice("format", fmt, FORMATS)
    article = library.get(owner, article_id)
    if out_dir is None:
        out_dir = fresh_export_folder()
    if fmt in ("mp3", "mp4"):
        from .media import export_media

        return export_media(article, owner, fmt, speech, Path(out_dir), stop=stop)
    title, body = article["title"], article["body"]
    images = {i["ref"]: i["path"] for i in article["images"]}
    said = None if provenance == "off" else disclosure_for(
        body, title, library.origin(owner, article_id), article["images"],
        check_text("disclosure", disclosure_line or "", required=False, max_chars=500))
    if fmt == "md":
        data = markdown_zip(title, body, article["images"], said)
    elif fmt == "html":
        data = render_html(title, body, images, said).encode("utf-8")
    else:
        data = render_docx(title, body, images, notes, said, stop)
    return atomic_write_bytes(Path(out_dir) / safe_filename(title, SUFFIX[fmt]), data)


# ---------------------------------------------------------------------- import
MAX_MD_BYTES = 4 * MAX_BODY_CHARS  # the longest article's text in UTF-8 (4 bytes a character at most)
_H1 = re.compile(r"\A {0,3}#[ \t]+(?P<title>[^\r\n]*?)(?:[ \t]+#+)?[ \t]*(?:\r?\n|\Z)(?:[ \t]*\r?\n)?")


def split_title(text: str, fallback: str = "") -> tuple[str, str]:
    """``(title, body)`` from Markdown: a first-line ``# heading`` is the title
    (unescaped, :func:`unescape_title`; a closing ``#`` run counts only after a
    space, as in CommonMark), with one blank line after it removed; else
    ``fallback`` and the whole text."""
    m = _H1.match(text)
    if m and m.group("title").strip():
        return unescape_title(m.group("title").strip()), text[m.end():]
    return fallback, text


def decode_text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", "{user_f} is not UTF-8 text. Save it as UTF-8 and try again.", user_f=what) from None


def import_markdown(library: Library, owner: str, path) -> dict:
    """Import a ``.md`` file, or a ``.zip`` with one ``.md`` and its images, as a new article.

    Image references (``![alt](relative/path)``) to files inside the zip are
    attached to the article; when a name changes (non-PNG images are
    converted, unusual names cleaned) the reference is rewritten to
    ``images/<name>``. Images in the zip's ``images/`` folder that the text
    does not mention are attached too. Returns :meth:`Library.get`'s dict.

    Raises:
        InvalidInput: not a Markdown file or zip, too large, not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput("file", "was not found. Upload a .md file or a .zip exported by Studio.")
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise InvalidInput("file", "is larger than {num_n} MB.", num_n=MAX_IMPORT_BYTES // 2**20)
    fallback = Path(path.name).stem or "Imported article"
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() not in (".md", ".markdown", ".txt", ".mdown", ".mkd"):
            raise InvalidInput("file", "must be a Markdown file (.md) or a zip with one.")
        title, body = split_title(decode_text(path.read_bytes(), path.name), fallback)
        return library.create(owner, title, body, note="imported")
    with open_checked(path, "file", max_part=MAX_IMAGE_BYTES, max_total=MAX_IMPORT_BYTES,
                      max_parts=MAX_IMPORT_FILES, what=path.name) as zf:  # refused from its declared sizes, nothing inflated
        infos = [i for i in zf.infolist() if not i.is_dir()]
        names = {posixpath.normpath(i.filename.replace("\\", "/")): i for i in infos
                 if not i.filename.startswith("__MACOSX/")}
        docs = sorted((n for n in names if n.lower().endswith((".md", ".markdown"))), key=lambda n: (n.count("/"), n))
        if not docs:
            raise InvalidInput("file", "the zip holds no .md file.")
        doc = docs[0]
        text = decode_text(read_member(zf, names[doc], "file", MAX_MD_BYTES, path.name), doc)
        if len(text) > MAX_BODY_CHARS:
            raise InvalidInput("file", "the Markdown text is too long.")
        title, body = split_title(text, Path(doc).stem or fallback)
        base = posixpath.dirname(doc)
        article = library.create(owner, title, body, note="imported", origin=_imported_origin(zf, names, text, body))
        aid = article["id"]
        attached: dict[str, str] = {}  # zip member -> new reference

        def attach(member: str) -> str | None:
            if member in attached:
                return attached[member]
            if member not in names:
                return None
            try:
                img = library.attach_image(owner, aid, read_member(zf, names[member], "file", MAX_IMAGE_BYTES, path.name),
                                           name=posixpath.basename(member))
            except InvalidInput:
                return None
            attached[member] = img["ref"]
            return img["ref"]

        def replace(m: re.Match) -> str:
            src = m.group("src")
            if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) or src.startswith("/"):
                return m.group(0)
            member = posixpath.normpath(posixpath.join(base, unquote_link(src)))
            ref = attach(member)
            if ref is None or ref == src:
                return m.group(0)
            return m.group(0).replace(m.group("src"), ref, 1)

        new_body = IMAGE_REF.sub(replace, body)
        folder = posixpath.join(base, "images") if base else "images"
        for member in sorted(names):
            if posixpath.dirname(member) == folder and member not in attached and \
                    member.lower().endswith((".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")):
                attach(member)
    if new_body != body:
        library.save(owner, aid, title, new_body, note="imported")
    return library.get(owner, aid)


def unquote_link(src: str) -> str:
    from urllib.parse import unquote

    return unquote(src)


def _imported_origin(zf, names: dict, text: str, body: str) -> list:
    """The generated spans of an imported body, from the zip's ``provenance.json`` (Studio's export; spans
    over the .md file's ``text``); none without one (an imported text is the writer's)."""
    info = names.get(PROVENANCE_FILE)
    if info is None or info.file_size > MAX_IMPORT_BYTES // 4:
        return []
    try:
        spans = json.loads(zf.read(info).decode("utf-8"))["text"]["spans"]
        return remap_for_export(text, spans_normalized(spans, len(text)), body)
    except (ValueError, KeyError, TypeError):
        return []
