"""Markdown made for the ear: what a voice should say for an article, in sections of sentences.

Headings become spoken section titles (the engine pauses around them), lists are read item by item,
links as their text, emphasis is dropped, code blocks and tables are skipped with a short spoken note,
pictures are remembered for the narrated video, and (for English voices) numbers, dates, currencies,
percentages, units and abbreviations are spelt out (:mod:`.words`). Sentences are kept short enough for
the voice: a very long one is cut at commas or spaces, and a "word" longer than any real word (a pasted
hash, a run of letters) is skipped with a note instead of being spelt out for minutes.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from ..export.tree import Node, markdown_tree
from ..library import IMAGE_REF
from .words import spell_out

MAX_SENTENCE_CHARS = 300  # longer sentences are cut (at a comma, then at a space) into parts of at most this
MAX_WORD_CHARS = 45  # "pneumonoultramicroscopicsilicovolcanoconiosis" is 45 letters
NOTE_CODE = "A code example is skipped."
NOTE_TABLE = "A table is skipped."
NOTE_LONG_WORD = "a very long word"

# Sentence ends: . ! ? … (and the CJK ones) followed by space/closing quotes; not after a lone initial.
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"')\]”’]*\s+(?=[\"'(\[“‘]*[A-Z0-9À-ÖØ-Þ\u0370-\u1FFF\u4e00-\u9fff])|(?<=[。！？])")
_H1 = re.compile(r"\A\s*#[ \t]+[^\n]*\n?")
_INITIAL = re.compile(r"(?:^|\s)(?:[A-Z]|[A-Z][a-z]{0,2})\.$")


@dataclasses.dataclass
class Section:
    """One part of the article: its spoken ``title`` ("" before the first heading), its ``sentences``
    and the ``image`` (a library image reference, or None) it shows in the narrated video."""

    title: str
    sentences: list[str] = dataclasses.field(default_factory=list)
    image: str | None = None
    heading: bool = False  # its first sentence is its title, spoken (a pause follows it)


def clean(text: str) -> str:
    """``text`` without control and format characters (bidi marks, zero-width joiners), emoji and other
    pictographs, and with whitespace collapsed. Letters of every script are kept."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") or cat == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF:
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def split_sentences(text: str) -> list[str]:
    """``text`` (one paragraph) as sentences of at most :data:`MAX_SENTENCE_CHARS` characters."""
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        piece = text[start:m.start()]
        if _INITIAL.search(piece):  # "J. Smith", "Fig." - not the end of a sentence
            continue
        parts.append(piece)
        start = m.end()
    parts.append(text[start:])
    return [p for s in parts for p in _cut(_long_words(s.strip())) if p.strip(" .,;:")]


def _long_words(sentence: str) -> str:
    return " ".join(NOTE_LONG_WORD if len(w) > MAX_WORD_CHARS else w for w in sentence.split(" "))


def _cut(sentence: str) -> list[str]:
    """A sentence cut into parts of at most :data:`MAX_SENTENCE_CHARS`, at a comma or semicolon when
    there is one in the second half of the part, else at the last space (CJK text: at a character)."""
    out = []
    while len(sentence) > MAX_SENTENCE_CHARS:
        head = sentence[:MAX_SENTENCE_CHARS]
        cut = max(head.rfind(", "), head.rfind("; "), head.rfind("，"), head.rfind("、"))
        if cut < MAX_SENTENCE_CHARS // 2:
            cut = head.rfind(" ")
        if cut < MAX_SENTENCE_CHARS // 4:
            cut = MAX_SENTENCE_CHARS - 1
        out.append(sentence[:cut + 1].strip())
        sentence = sentence[cut + 1:].strip()
    return out + [sentence]


def _inline(node: Node | str) -> str:
    """The spoken text of an inline node: link and emphasis text as it is, pictures and line breaks as spaces."""
    if isinstance(node, str):
        return node
    if node.tag in ("img", "br"):
        return " "
    return "".join(_inline(c) for c in node.children)


def _end(text: str) -> str:
    """A list item or title ends with a stop, so that the voice pauses after it."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…:;。！？" else text + "."


class _Reader:
    """Walks the Markdown tree and gathers :class:`Section`s."""

    def __init__(self, english: bool):
        self.english = english
        self.sections = [Section("")]

    def say(self, text: str) -> None:
        text = clean(text)
        if self.english:
            text = spell_out(text)
        self.sections[-1].sentences.extend(split_sentences(text))

    def block(self, node: Node) -> None:
        tag = node.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            title = clean(_inline(node))
            self.sections.append(Section(title, heading=bool(title)))
            if title:
                self.say(_end(title))
        elif tag == "pre":
            self.say(NOTE_CODE)
        elif tag == "table":
            self.say(NOTE_TABLE)
        elif tag in ("ul", "ol"):
            for i, item in enumerate((c for c in node.children if isinstance(c, Node) and c.tag == "li"), 1):
                self.item(item, f"{i}. " if tag == "ol" else "")
        elif tag == "blockquote":
            self.say("Quote.")
            self.blocks(node)
            self.say("End of quote.")
        elif tag == "hr":
            return
        else:
            self.pictures(node)
            self.say(_inline(node))

    def item(self, li: Node, number: str) -> None:
        inline = [c for c in li.children if isinstance(c, str) or c.tag not in ("ul", "ol", "p", "pre", "table")]
        text = "".join(_inline(c) for c in inline).strip()
        if text:
            self.say(_end((f"Number {number[:-2]}: " if number else "") + text))
        for child in li.children:
            if isinstance(child, Node) and child not in inline:
                self.block(child)

    def blocks(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, Node):
                self.block(child)
            elif child.strip():
                self.say(child)

    def pictures(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, Node):
                if child.tag == "img" and self.sections[-1].image is None:
                    self.sections[-1].image = child.attrs.get("src") or None
                else:
                    self.pictures(child)


def sections(body: str, title: str = "", english: bool = True) -> list[Section]:
    """The spoken sections of an article (Markdown ``body``; ``title`` spoken first when given). Sections
    with nothing to say are dropped, except the first section that has a picture but no words."""
    reader = _Reader(english)
    if title:  # the body's own first-line "# heading" (every generated article has one) gives way to it
        body = _H1.sub("", body or "", count=1)
        reader.sections[0].title = clean(title)
        reader.sections[0].heading = True
        reader.say(_end(title))
    body = IMAGE_REF.sub(lambda m: f"![]({m.group('src')})", body or "")
    reader.blocks(markdown_tree(body))
    out = [s for s in reader.sections if s.sentences]
    if out and not out[0].title and title:
        out[0].title = clean(title)
    return out
