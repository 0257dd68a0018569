"""The DOCX export, built with python-docx from the Markdown tree."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from ..errors import raise_if_stopped
from ..pictures import displayable
from ..provenance.disclosure import percent
from ..unitext import language_tag, xml_safe
from .docx_extra import apply_bidi, apply_east_asian, restart_numbering
from .docx_props import set_custom_properties
from .html_export import DROP
from .tree import Node, markdown_tree, walk, with_title

_BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "pre", "blockquote", "hr", "table", "div"}


class _Docx:
    """Walks a :class:`Node` tree into a python-docx Document."""

    def __init__(self, images: dict[str, Path], stop=None):
        import docx
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        self.centre = WD_ALIGN_PARAGRAPH.CENTER
        self.stop = stop  # a threading.Event: the next block raises Cancelled once it is set

        self.doc = docx.Document()
        self.images = images
        sec = self.doc.sections[0]
        # python-docx's default template sets the page and its margins
        assert sec.page_width is not None and sec.left_margin is not None and sec.right_margin is not None
        self.text_width = sec.page_width - sec.left_margin - sec.right_margin

    def blocks(self, node: Node, quote: bool = False) -> None:
        pending: list = []  # loose inline content between blocks
        for child in node.children:
            if isinstance(child, Node) and child.tag in _BLOCKS:
                raise_if_stopped(self.stop)
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
                para.alignment = self.centre  # centre a paragraph that is only pictures
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
            self.doc.add_paragraph("* * *").alignment = self.centre
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
        rows = [r for r in walk(node) if r.tag == "tr"]
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
        if tag in DROP:
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
            shown = displayable(im)
            if shown is im and im.format == "PNG":  # the file as it is: its Content Credentials stay valid
                data = io.BytesIO(Path(path).read_bytes())
            else:
                data = io.BytesIO()
                shown.save(data, format="PNG")  # 16-bit, float, palette+alpha, CMYK: as the library shows
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


def render_docx(title: str, body: str, images: dict[str, Path], notes: list[str] | None = None,
                disclosure=None, stop=None) -> bytes:
    """A .docx document (bytes) for the article, built with python-docx.

    The title is a level-1 heading (and the document's core title); ``images``
    maps ``images/<name>`` references to PNG files. Each numbered list starts
    at its own first number; right-to-left paragraphs are bidi paragraphs
    with right-to-left runs (:func:`studio.export.docx_extra.apply_bidi`). Every
    style and run has an East Asian font, chosen by the article's language
    (Chinese by default, Traditional Chinese as zh-TW with a Traditional font;
    :func:`studio.export.docx_extra.apply_east_asian`).
    Characters XML cannot hold (U+FFFE, U+FFFF, control characters; new saves
    refuse them, older ones may hold them) are replaced by U+FFFD, and a
    sentence saying so is appended to ``notes``. ``disclosure`` (:class:`~studio.provenance.disclosure.Disclosure`):
    said in the core properties (comments, keywords) and custom properties (``AIGenerated``, ``AIDisclosure``,
    ``AIGeneratedParts``...). ``stop`` (a ``threading.Event``), when set, ends the
    work at the next block or paragraph (Cancelled): a long illustrated article takes many seconds.
    """
    (title, bad_title), (body, bad_body) = xml_safe(title or ""), xml_safe(body or "")
    if bad_title + bad_body and notes is not None:
        notes.append(f"{bad_title + bad_body} character(s) that Word documents cannot hold (like U+FFFF) "
                     "were replaced by \ufffd in the DOCX.")
    builder = _Docx(images, stop)
    builder.doc.core_properties.title = title[:250]
    if disclosure is not None:  # how it was made (issue #30): core comments and custom properties
        line = xml_safe(disclosure.line)[0]
        builder.doc.core_properties.comments = line[:250]
        builder.doc.core_properties.keywords = f"ai-generated: {disclosure.generated}"
        set_custom_properties(builder.doc, {"AIGenerated": disclosure.generated, "AIDisclosure": line,
                                            "AIGeneratedParts": disclosure.summary(),
                                            "AIGeneratedTextPercent": str(percent(disclosure.share)),
                                            "AIModels": ", ".join(disclosure.models)})
    builder.blocks(with_title(title, markdown_tree(body)))
    apply_bidi(builder.doc, stop)
    raise_if_stopped(stop)
    apply_east_asian(builder.doc, language_tag(title + "\n" + body))  # Traditional Chinese: zh-TW, PMingLiU
    return builder.save()
