"""Export an article as Markdown (.zip with ``images/``), self-contained HTML or
DOCX, and import a Markdown file or zip back as a new article.

* Markdown: ``<title>.md`` (the title as a ``# `` heading, then the body
  exactly as stored) and ``images/<name>.png`` for every attached image.
  :func:`import_markdown` reads it back to the same title, body and images.
* HTML: one file; images inlined as ``data:image/png;base64`` URIs; a clean,
  readable stylesheet (light and dark, print-friendly). The Markdown is
  rendered with Python-Markdown (tables, fenced code, sane lists) with raw
  HTML turned off, and only an allowlist of tags and attributes is written,
  so an article cannot smuggle scripts into its export.
* DOCX: built with python-docx: headings, paragraphs, bulleted and numbered
  lists (three levels), bold, italic, code, quotes, tables, and images at
  most the text width (small images are enlarged to half of it).

File names come from the title (:func:`safe_filename`): any script is kept,
characters no file system allows are dropped, and the name is cut to at most
150 bytes of UTF-8 without splitting a character.
"""

from __future__ import annotations

import base64
import html
import io
import posixpath
import re
import shutil
import tempfile
import time
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

from .errors import InvalidInput
from .files import atomic_write_bytes
from .docx_extra import apply_bidi, apply_east_asian, restart_numbering
from .library import IMAGE_REF, MAX_BODY_CHARS, Library
from .pictures import displayable
from .unitext import language, xml_safe
from .validate import check_choice

FORMATS = ("md", "html", "docx")
SUFFIX = {"md": ".zip", "html": ".html", "docx": ".docx"}
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


# ---------------------------------------------------------------------- Markdown → tree
class Node:
    """A parsed HTML element: ``tag``, ``attrs`` (dict) and ``children`` (Nodes and strings)."""

    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict | None = None):
        self.tag, self.attrs, self.children = tag, attrs or {}, []

    def text(self) -> str:
        """All the text inside, concatenated."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


_VOID = {"br", "hr", "img"}


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _heading_processor(parser):
    """Python-Markdown's ``#`` heading, but a closing ``#`` run must follow a space (as in
    CommonMark), so ``## C#`` stays "C#" instead of losing its ``#``."""
    from markdown.blockprocessors import HashHeaderProcessor

    class Heading(HashHeaderProcessor):
        RE = re.compile(r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\\n])*?)(?:[ \t]+#+)?[ \t]*(?:\n|$)")

    return Heading(parser)


def markdown_tree(body: str) -> Node:
    """Render Markdown (raw HTML off) with Python-Markdown and parse it into a :class:`Node` tree."""
    import markdown

    md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.parser.blockprocessors.register(_heading_processor(md.parser), "hashheader", 70)
    builder = _TreeBuilder()
    builder.feed(md.convert(body or ""))
    builder.close()
    return builder.root


def _with_title(title: str, tree: Node) -> Node:
    """One title, always the current one: a body that starts with an ``h1`` (every generated article
    does) has that heading's text replaced by ``title`` (after a rename it would show the old one);
    any other body gets ``title`` as an ``h1`` before it."""
    if not title:
        return tree
    first = next((c for c in tree.children if isinstance(c, Node)), None)
    if first is not None and first.tag == "h1":
        first.children[:] = [title]
        return tree
    h1 = Node("h1")
    h1.children.append(title)
    tree.children.insert(0, h1)
    return tree


# ---------------------------------------------------------------------- HTML
_ALLOWED = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "b", "em", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
    "sup", "sub", "span", "div",
}
_DROP = {"script", "style", "iframe", "object", "embed", "form", "input", "button", "textarea", "select",
         "link", "meta", "base", "svg", "math", "template", "noscript", "frame", "frameset"}
_SAFE_URL = re.compile(r"^(https?:|mailto:|#|/|\./|\.\./|[^:/?#]+(?:[/?#]|$))", re.IGNORECASE)

STYLESHEET = """
:root { color-scheme: light dark; --fg: #1f2328; --muted: #57606a; --bg: #ffffff; --rule: #d0d7de; --code: #f6f8fa; --link: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --rule: #30363d; --code: #161b22; --link: #7cacf8; }
}
html { background: var(--bg); }
body { max-width: 42rem; margin: 3rem auto; padding: 0 1.25rem; color: var(--fg); background: var(--bg);
  font: 1.125rem/1.7 Charter, "Iowan Old Style", Georgia, "Noto Serif", "Source Serif Pro",
  "Noto Serif CJK SC", "Songti SC", SimSun, serif;
  text-rendering: optimizeLegibility; -webkit-font-smoothing: antialiased; }
h1, h2, h3, h4, h5, h6 { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  line-height: 1.25; margin: 2.2em 0 0.6em; }
h1 { font-size: 2.3rem; margin-top: 0; letter-spacing: -0.01em; }
h2 { font-size: 1.6rem; } h3 { font-size: 1.3rem; } h4, h5, h6 { font-size: 1.1rem; }
p, ul, ol, blockquote, pre, table { margin: 0 0 1.2em; }
a { color: var(--link); }
img { display: block; max-width: 100%; height: auto; margin: 1.6rem auto; border-radius: 6px; }
blockquote { margin-inline-start: 0; padding: 0.1rem 1.2rem; border-inline-start: 3px solid var(--rule); color: var(--muted); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em;
  background: var(--code); border-radius: 4px; }
code { padding: 0.1em 0.3em; }
pre { padding: 0.9rem 1rem; overflow-x: auto; line-height: 1.5; }
pre code { padding: 0; background: none; }
hr { border: 0; border-top: 1px solid var(--rule); margin: 2.5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
th, td { border: 1px solid var(--rule); padding: 0.35rem 0.7rem; text-align: start; }
@media print { body { max-width: none; margin: 0; font-size: 11pt; } a { color: inherit; } img { break-inside: avoid; } }
""".strip()


_DIR_AUTO = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "th", "td", "pre", "dd", "dt"}


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _html_of(node, images: dict[str, Path], out: list[str]) -> None:
    if isinstance(node, str):
        out.append(html.escape(node, quote=False))
        return
    tag = node.tag
    if tag in _DROP:
        return
    if tag not in _ALLOWED:  # unknown wrapper (or the root): keep the content
        for c in node.children:
            _html_of(c, images, out)
        return
    attrs: list[tuple[str, str]] = []
    a = node.attrs
    if tag == "a" and a.get("href") and _SAFE_URL.match(a["href"].strip()):
        attrs.append(("href", a["href"].strip()))
    if tag == "img":
        src = a.get("src", "").strip()
        if src in images:
            attrs.append(("src", _data_uri(images[src])))
        elif re.match(r"^https?:", src, re.IGNORECASE):
            attrs.append(("src", src))
        attrs.append(("alt", a.get("alt", "")))
    if tag in ("a", "img") and a.get("title"):
        attrs.append(("title", a["title"]))
    if tag in ("th", "td"):
        m = re.search(r"text-align:\s*(left|right|center)", a.get("style", "") + " " + a.get("align", ""))
        if m:
            attrs.append(("style", f"text-align: {m.group(1)}"))
    if tag == "ol" and a.get("start", "").isdigit():
        attrs.append(("start", a["start"]))
    if tag in _DIR_AUTO:
        attrs.append(("dir", "auto"))  # each block takes its direction from its own first strong letter
    out.append("<" + tag + "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs) + ">")
    if tag in _VOID:
        return
    for c in node.children:
        _html_of(c, images, out)
    out.append(f"</{tag}>")


def render_html(title: str, body: str, images: dict[str, Path]) -> str:
    """A complete, self-contained HTML document for the article.

    Every block (title, headings, paragraphs, list items, cells) has
    ``dir="auto"``: an Arabic or Hebrew paragraph reads right to left, an
    English one left to right, each by its first strong letter. A Chinese,
    Japanese or Korean article declares it (``<html lang="zh">``, from
    :func:`studio.unitext.language`). ``images`` maps references as written in the body (``images/<name>``)
    to PNG files; those become data URIs. Returns the document as text.
    """
    tree = _with_title(title, markdown_tree(body))
    parts: list[str] = []
    _html_of(tree, images, parts)
    lang = language(title + "\n" + body)
    lang_attr = f' lang="{lang}"' if lang else ""
    return (
        f"<!DOCTYPE html>\n<html{lang_attr} dir=\"auto\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"Studio\">\n"
        f"<title>{html.escape(title or 'Untitled')}</title>\n<style>\n{STYLESHEET}\n</style>\n</head>\n"
        f"<body>\n<article>\n{''.join(parts)}\n</article>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------- DOCX
_BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "pre", "blockquote", "hr", "table", "div"}


class _Docx:
    """Walks a :class:`Node` tree into a python-docx Document."""

    def __init__(self, images: dict[str, Path]):
        import docx

        self.doc = docx.Document()
        self.images = images
        sec = self.doc.sections[0]
        self.text_width = sec.page_width - sec.left_margin - sec.right_margin

    def blocks(self, node: Node, quote: bool = False) -> None:
        pending: list = []  # loose inline content between blocks
        for child in node.children:
            if isinstance(child, Node) and child.tag in _BLOCKS:
                self._flush(pending, quote)
                self.block(child, quote)
            elif isinstance(child, str) and not child.strip() and not pending:
                continue
            else:
                pending.append(child)
        self._flush(pending, quote)

    def _flush(self, pending: list, quote: bool) -> None:
        if any(isinstance(c, Node) or c.strip() for c in pending):
            para = self.doc.add_paragraph(style="Quote" if quote else None)
            for c in pending:
                self.inline(para, c, {})
        pending.clear()

    def block(self, node: Node, quote: bool = False) -> None:
        tag = node.tag
        if tag[0] == "h" and tag[1:].isdigit():
            para = self.doc.add_heading(level=min(int(tag[1:]), 9))
            for c in node.children:
                self.inline(para, c, {})
        elif tag == "p":
            para = self.doc.add_paragraph(style="Quote" if quote else None)
            kids = [c for c in node.children if not (isinstance(c, str) and not c.strip())]
            if kids and all(isinstance(c, Node) and c.tag == "img" for c in kids):
                para.alignment = 1  # centre a paragraph that is only pictures
            for c in node.children:
                self.inline(para, c, {})
        elif tag in ("ul", "ol"):
            self.list(node, 0)
        elif tag == "pre":
            for line in node.text().rstrip("\n").split("\n"):
                run = self.doc.add_paragraph(style="No Spacing").add_run(line)
                run.font.name = "Courier New"
        elif tag == "blockquote":
            self.blocks(node, quote=True)
        elif tag == "hr":
            self.doc.add_paragraph("* * *").alignment = 1
        elif tag == "table":
            self.table(node)
        else:
            self.blocks(node, quote)

    def list(self, node: Node, level: int) -> None:
        kind = "List Number" if node.tag == "ol" else "List Bullet"
        style = kind if level == 0 else f"{kind} {min(level + 1, 3)}"
        items: list = []
        for li in (c for c in node.children if isinstance(c, Node) and c.tag == "li"):
            para = self.doc.add_paragraph(style=style)
            items.append(para)
            first = True
            for c in li.children:
                if isinstance(c, Node) and c.tag in ("ul", "ol"):
                    self.list(c, level + 1)
                    first = False
                elif isinstance(c, Node) and c.tag == "p":
                    if not first:
                        para = self.doc.add_paragraph(style="List Continue" if level == 0 else f"List Continue {min(level + 1, 3)}")
                    for cc in c.children:
                        self.inline(para, cc, {})
                    first = False
                elif isinstance(c, Node) and c.tag in _BLOCKS:
                    self.block(c)
                else:
                    if not first and (isinstance(c, Node) or c.strip()):
                        para = self.doc.add_paragraph(style="List Continue")
                        first = True
                    self.inline(para, c, {})
        if node.tag == "ol" and items:
            start = node.attrs.get("start", "1")
            restart_numbering(self.doc, items, int(start) if start.isdigit() else 1)

    def table(self, node: Node) -> None:
        rows = [r for r in _walk(node) if r.tag == "tr"]
        if not rows:
            return
        cells = [[c for c in r.children if isinstance(c, Node) and c.tag in ("th", "td")] for r in rows]
        ncols = max(len(r) for r in cells) or 1
        table = self.doc.add_table(rows=len(rows), cols=ncols)
        table.style = "Table Grid"
        for i, row in enumerate(cells):
            for j, cell in enumerate(row):
                para = table.cell(i, j).paragraphs[0]
                for c in cell.children:
                    self.inline(para, c, {"bold": True} if cell.tag == "th" else {})

    def inline(self, para, node, fmt: dict) -> None:
        if isinstance(node, str):
            if node:
                run = para.add_run(node.replace("\n", " "))
                run.bold = fmt.get("bold") or None
                run.italic = fmt.get("italic") or None
                run.font.strike = fmt.get("strike") or None
                if fmt.get("code"):
                    run.font.name = "Courier New"
                if fmt.get("link"):
                    run.font.underline = True
            return
        tag = node.tag
        if tag in _DROP:
            return
        if tag == "br":
            para.add_run().add_break()
            return
        if tag == "img":
            self.picture(para, node)
            return
        sub = dict(fmt)
        if tag in ("strong", "b"):
            sub["bold"] = True
        elif tag in ("em", "i"):
            sub["italic"] = True
        elif tag == "code":
            sub["code"] = True
        elif tag in ("del", "s"):
            sub["strike"] = True
        elif tag == "a":
            sub["link"] = True
        for c in node.children:
            self.inline(para, c, sub)
        if tag == "a":
            href = node.attrs.get("href", "")
            if href and re.match(r"^(https?:|mailto:)", href, re.IGNORECASE) and href != node.text().strip():
                para.add_run(f" ({href})")

    def picture(self, para, node: Node) -> None:
        from docx.shared import Emu

        src, alt = node.attrs.get("src", "").strip(), node.attrs.get("alt", "")
        path = self.images.get(src)
        if path is None:
            para.add_run(f"[image: {alt or src}]").italic = True
            return
        with Image.open(path) as im:
            px_w = im.width
            data = io.BytesIO()
            displayable(im).save(data, format="PNG")  # 16-bit, float, palette+alpha, CMYK: as the library shows
        data.seek(0)
        native = Emu(int(px_w / 96 * 914400))  # at 96 dpi
        width = Emu(int(min(self.text_width, max(native, self.text_width / 2))))
        shape = para.add_run().add_picture(data, width=width)
        if alt:
            shape._inline.docPr.set("descr", alt)  # alt text for screen readers

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


def _walk(node: Node):
    for c in node.children:
        if isinstance(c, Node):
            yield c
            yield from _walk(c)


def render_docx(title: str, body: str, images: dict[str, Path], notes: list[str] | None = None) -> bytes:
    """A .docx document (bytes) for the article, built with python-docx.

    The title is a level-1 heading (and the document's core title); ``images``
    maps ``images/<name>`` references to PNG files. Each numbered list starts
    at its own first number; right-to-left paragraphs are bidi paragraphs
    with right-to-left runs (:func:`studio.docx_extra.apply_bidi`). Every
    style and run has an East Asian font, chosen by the article's language
    (Chinese by default; :func:`studio.docx_extra.apply_east_asian`).
    Characters XML cannot hold (U+FFFE, U+FFFF, control characters; new saves
    refuse them, older ones may hold them) are replaced by U+FFFD, and a
    sentence saying so is appended to ``notes``.
    """
    (title, bad_title), (body, bad_body) = xml_safe(title or ""), xml_safe(body or "")
    if bad_title + bad_body and notes is not None:
        notes.append(f"{bad_title + bad_body} character(s) that Word documents cannot hold (like U+FFFF) "
                     "were replaced by \ufffd in the DOCX.")
    builder = _Docx(images)
    builder.doc.core_properties.title = title[:250]
    builder.blocks(_with_title(title, markdown_tree(body)))
    apply_bidi(builder.doc)
    apply_east_asian(builder.doc, language(title + "\n" + body))
    return builder.save()


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


def markdown_zip(title: str, body: str, images: list[dict]) -> bytes:
    """A zip holding ``<safe title>.md`` and ``images/<name>`` for each image of :meth:`Library.images`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(safe_filename(title, ".md"), markdown_document(title, body).encode("utf-8"))
        for img in images:
            zf.write(img["path"], f"images/{img['name']}", compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


# ---------------------------------------------------------------------- export entry point
def export_article(library: Library, owner: str, article_id: int, fmt: str = "md",
                   out_dir: Path | None = None, notes: list[str] | None = None) -> Path:
    """Write the article in ``fmt`` (``md`` → .zip, ``html``, ``docx``) and return the file's path.

    Anything the format could not keep as it is (see :func:`render_docx`) is
    said in a sentence appended to ``notes``.

    The file is named from the title (:func:`safe_filename`) inside
    ``out_dir``, or inside a fresh private folder ``studio-export-*`` in the
    system temporary directory (folders older than a day are removed).
    Written to a temporary name, then renamed.

    Raises:
        InvalidInput: unknown format, or no such article of ``owner``.
    """
    fmt = check_choice("format", fmt, FORMATS)
    article = library.get(owner, article_id)
    title, body = article["title"], article["body"]
    images = {i["ref"]: i["path"] for i in article["images"]}
    if fmt == "md":
        data = markdown_zip(title, body, article["images"])
    elif fmt == "html":
        data = render_html(title, body, images).encode("utf-8")
    else:
        data = render_docx(title, body, images, notes)
    if out_dir is None:
        _clean_old_exports()
        out_dir = Path(tempfile.mkdtemp(prefix=EXPORT_PREFIX))
    return atomic_write_bytes(Path(out_dir) / safe_filename(title, SUFFIX[fmt]), data)


def _clean_old_exports(max_age_s: float = 86400) -> None:
    cutoff = time.time() - max_age_s
    for path in Path(tempfile.gettempdir()).glob(EXPORT_PREFIX + "*"):
        try:
            if path.is_dir() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


# ---------------------------------------------------------------------- import
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


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", f"{what} is not UTF-8 text. Save it as UTF-8 and try again.") from None


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
        raise InvalidInput("file", f"is larger than {MAX_IMPORT_BYTES // 2**20} MB.")
    fallback = Path(path.name).stem or "Imported article"
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() not in (".md", ".markdown", ".txt", ".mdown", ".mkd"):
            raise InvalidInput("file", "must be a Markdown file (.md) or a zip with one.")
        title, body = split_title(_decode(path.read_bytes(), path.name), fallback)
        return library.create(owner, title, body, note="imported")
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_IMPORT_FILES or sum(i.file_size for i in infos) > MAX_IMPORT_BYTES:
            raise InvalidInput("file", "holds too many or too large files to be an article.")
        names = {posixpath.normpath(i.filename.replace("\\", "/")): i for i in infos
                 if not i.filename.startswith("__MACOSX/")}
        docs = sorted((n for n in names if n.lower().endswith((".md", ".markdown"))), key=lambda n: (n.count("/"), n))
        if not docs:
            raise InvalidInput("file", "the zip holds no .md file.")
        doc = docs[0]
        text = _decode(zf.read(names[doc]), doc)
        if len(text) > MAX_BODY_CHARS:
            raise InvalidInput("file", "the Markdown text is too long.")
        title, body = split_title(text, Path(doc).stem or fallback)
        base = posixpath.dirname(doc)
        article = library.create(owner, title, body, note="imported")
        aid = article["id"]
        attached: dict[str, str] = {}  # zip member -> new reference

        def attach(member: str) -> str | None:
            if member in attached:
                return attached[member]
            if member not in names:
                return None
            try:
                img = library.attach_image(owner, aid, zf.read(names[member]), name=posixpath.basename(member))
            except InvalidInput:
                return None
            attached[member] = img["ref"]
            return img["ref"]

        def replace(m: re.Match) -> str:
            src = m.group("src")
            if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) or src.startswith("/"):
                return m.group(0)
            member = posixpath.normpath(posixpath.join(base, _unquote(src)))
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


def _unquote(src: str) -> str:
    from urllib.parse import unquote

    return unquote(src)


__all__ = [
    "FORMATS", "safe_filename", "render_html", "render_docx", "markdown_zip", "markdown_document",
    "export_article", "import_markdown", "split_title", "markdown_tree", "STYLESHEET", "escape_title",
    "unescape_title",
]
