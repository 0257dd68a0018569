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

from .archive import (  # noqa: F401
    decode_text,
    escape_title,
    export_article,
    import_markdown,
    markdown_document,
    markdown_zip,
    split_title,
    unescape_title,
    unquote_link,
)
from .docx_export import render_docx  # noqa: F401
from .html_export import STYLESHEET, render_html  # noqa: F401
from .names import (  # noqa: F401
    EXPORT_PREFIX,
    FORMATS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_FILES,
    SUFFIX,
    clean_old_exports,
    fresh_export_folder,
    safe_filename,
)
from .tree import Node, markdown_tree  # noqa: F401

__all__ = [
    "FORMATS", "safe_filename", "render_html", "render_docx", "markdown_zip", "markdown_document",
    "export_article", "import_markdown", "split_title", "markdown_tree", "STYLESHEET", "escape_title",
    "unescape_title",
]
