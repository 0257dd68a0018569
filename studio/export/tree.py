"""Markdown to a small tree of HTML elements (Python-Markdown, raw HTML off), shared by the HTML and
DOCX exports."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .paragraphs import as_seen


class Node:
    """A parsed HTML element: ``tag``, ``attrs`` (dict) and ``children`` (Nodes and strings)."""

    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict | None = None):
        self.children: list = []
        self.tag, self.attrs = tag, attrs or {}

    def text(self) -> str:
        """All the text inside, concatenated."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


VOID = {"br", "hr", "img"}


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
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
    """Render Markdown (raw HTML off), each line of a plain paragraph as a paragraph (:func:`as_seen`), with
    Python-Markdown and parse it into a :class:`Node` tree."""
    import markdown

    md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.parser.blockprocessors.register(_heading_processor(md.parser), "hashheader", 70)
    builder = _TreeBuilder()
    builder.feed(md.convert(as_seen(body or "")))  # a line of the draft is a paragraph (paragraphs.py)
    builder.close()
    return builder.root


def with_title(title: str, tree: Node) -> Node:
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


def walk(node: Node):
    for c in node.children:
        if isinstance(c, Node):
            yield c
            yield from walk(c)
