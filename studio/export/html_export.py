"""The HTML export: one self-contained file, images inlined, only allowlisted tags and attributes."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from ..unitext import language_tag
from .tree import VOID, markdown_tree, with_title

_ALLOWED = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "b", "em", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
    "sup", "sub", "span", "div",
}
DROP = {"script", "style", "iframe", "object", "embed", "form", "input", "button", "textarea", "select",
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
:lang(zh-Hant) body { font-family: "Noto Serif CJK TC", "Songti TC", PMingLiU, "Noto Serif", serif; }
:lang(zh-Hant) h1, :lang(zh-Hant) h2, :lang(zh-Hant) h3, :lang(zh-Hant) h4, :lang(zh-Hant) h5, :lang(zh-Hant) h6 {
  font-family: system-ui, "Noto Sans CJK TC", "PingFang TC", "Microsoft JhengHei", sans-serif; }
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
    if tag in DROP:
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
    if tag in VOID:
        return
    for c in node.children:
        _html_of(c, images, out)
    out.append(f"</{tag}>")


def _disclosure_head(disclosure) -> str:
    """The ``ai-generated`` meta tags (issue #30): whether and which parts were generated, the human line,
    the models."""
    if disclosure is None:
        return ""
    esc = lambda v: html.escape(str(v), quote=True)  # noqa: E731
    return (f"<meta name=\"ai-generated\" content=\"{esc(disclosure.generated)}\">\n"
            f"<meta name=\"ai-disclosure\" content=\"{esc(disclosure.line)}\">\n"
            f"<meta name=\"ai-generated-parts\" content=\"{esc(disclosure.summary())}\">\n"
            + (f"<meta name=\"ai-models\" content=\"{esc(', '.join(disclosure.models))}\">\n"
               if disclosure.models else ""))


def render_html(title: str, body: str, images: dict[str, Path], disclosure=None) -> str:
    """A complete, self-contained HTML document for the article.

    Every block (title, headings, paragraphs, list items, cells) has
    ``dir="auto"``: an Arabic or Hebrew paragraph reads right to left, an
    English one left to right, each by its first strong letter. A Chinese,
    Japanese or Korean article declares it (``<html lang="zh">``, Traditional Chinese as
    ``lang="zh-Hant"`` with Traditional fonts first, from :func:`studio.unitext.language_tag`). ``images`` maps
    references as written in the body (``images/<name>``) to PNG files; those become data URIs (the files' bytes
    as they are, so their Content Credentials stay valid). ``disclosure``
    (:class:`~studio.provenance.disclosure.Disclosure`): meta tags in the head and its human line, which the writer
    may have reworded, at the end of the article. Returns the document as text.
    """
    tree = with_title(title, markdown_tree(body))
    parts: list[str] = []
    _html_of(tree, images, parts)
    lang = language_tag(title + "\n" + body)  # Traditional Chinese: zh-Hant
    lang_attr = f' lang="{lang}"' if lang else ""
    line = (f'<p class="ai-disclosure" dir="auto"><small>{html.escape(disclosure.line, quote=False)}</small></p>\n'
            if disclosure is not None and disclosure.line else "")
    return (
        f"<!DOCTYPE html>\n<html{lang_attr} dir=\"auto\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"Studio\">\n" + _disclosure_head(disclosure) +
        f"<title>{html.escape(title or 'Untitled')}</title>\n<style>\n{STYLESHEET}\n</style>\n</head>\n"
        f"<body>\n<article>\n{''.join(parts)}\n{line}</article>\n</body>\n</html>\n"
    )
