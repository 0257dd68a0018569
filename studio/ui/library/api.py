"""The library's API endpoints: ``/library_list``, ``/library_get``, ``/library_save`` and ``/export``
(also the tab's Export button). Each acts as the request's user. The answers are built by plain
functions (:func:`listing`, :func:`article`, :func:`saved`), so the dates and fields are tested alone."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ...errors import InvalidInput
from ...export import export_article
from ...validate import check_int
from .. import i18n
from ..common import guard, stop_event
from . import formatting as fmt
from .layout import LibraryUI
from .store import is_blank, owner_of


def _dated(record: dict, *keys: str) -> dict:
    return {**record, **{k: fmt.iso(record[k]) for k in keys}}


def listing(lib, owner: str, query: str = "", trash: bool = False) -> list[dict]:
    """The owner's articles as ``/library_list`` returns them (dates in ISO 8601)."""
    return [_dated(a, "created", "updated", "deleted") for a in lib.list(owner, query or "", trash=bool(trash))]


def article(lib, owner: str, article_id: int, version_id: int | None = None) -> dict:
    """One article as ``/library_get`` returns it: no server paths; with ``version_id``, the title, body
    and version_id of that version."""
    a = lib.get(owner, article_id)
    out = {**_dated(a, "created", "updated", "deleted"), "images": [fmt.public_image(i) for i in a["images"]],
           "versions": [_dated(v, "created") for v in lib.versions(owner, article_id)]}
    if version_id is not None:
        v = lib.version(owner, article_id, version_id)
        out.update(title=v["title"], body=v["body"], version_id=v["id"])
    return out


def saved(lib, owner: str, title: str, body: str, article_id: int | None = None, tags: str | None = None,
          base_version: int | None = None) -> dict:
    """``/library_save``'s answer. A new article with neither title nor body is refused.

    Raises:
        gr.Error: both empty. InvalidInput and StudioError: see :meth:`Library.save` (e.g. a stale
        ``base_version`` is refused with a message saying a newer version exists).
    """
    if is_blank(article_id, title, body):
        raise gr.Error("title and body: both are empty. Give a title or some text to save.")
    return _dated(lib.save(owner, article_id, title, body, tags, base_version=base_version), "updated")


def listened_article(ctx, article_id, request) -> tuple[str, str]:
    """What Listen reads on the Library tab: the selected article's body and title."""
    if article_id is None:
        raise InvalidInput("article_id", "Select an article in the list first.")
    a = ctx.library.get(owner_of(ctx, request), check_int("article_id", article_id, 1, 2**63 - 1))
    return a["body"], a["title"]


def register(ctx, ui: LibraryUI) -> None:
    """Register the endpoints; the Export button calls ``/export``."""
    lib = ctx.library

    def exported(article_id, format, disclosure, request) -> str:  # noqa: A002 - API name
        if article_id is None:
            raise InvalidInput("article_id", "Select an article in the list first.")
        notes: list[str] = []
        with stop_event(ctx, request, "export") as stop:  # closing the page stops a long export
            path = export_article(lib, owner_of(ctx, request), check_int("article_id", article_id, 1, 2**63 - 1),
                                  format, notes=notes, speech=ctx.speech, provenance=ctx.settings.provenance,
                                  disclosure_line=disclosure, stop=stop)
        for note in notes:
            i18n.Warning(note)
        return str(path)

    @guard
    def export(article_id: float | None, format: str, request: gr.Request) -> str:  # noqa: A002 - API name
        """Export an article of the library as md (a .zip with images/ and provenance.json), html, docx, mp3
        (read aloud, with ID3 chapters per heading; a WebVTT transcript beside it) or mp4 (a narrated video: each
        section's picture, or a title card, while it is read; subtitles), with Studio's sentence on how much of it
        the model wrote. Returns the file."""
        return exported(article_id, format, None, request)

    @guard
    def export_button(article_id: float | None, format: str, disclosure: str | None,  # noqa: A002
                      request: gr.Request):
        """The Export button: as ``/export``, with the writer's wording of the sentence (empty: Studio's), and
        the WebVTT transcript of an mp3 or mp4 beside the file."""
        path = exported(article_id, format, disclosure, request)
        vtt = Path(path).with_suffix(".vtt") if format in ("mp3", "mp4") else None
        return path, str(vtt) if vtt is not None and vtt.exists() else None

    # /export keeps its two inputs (programs call it so); the button also sends the reworded sentence
    ui.export_api.click(export, [ui.export_id, ui.export_format], ui.export_file, api_name="export")
    ui.export_btn.click(export_button, [ui.export_id, ui.export_format, ui.disclosure],
                        [ui.export_file, ui.export_transcript],
                        api_visibility="private")

    @guard
    def library_list(query: str = "", trash: bool = False, request: gr.Request | None = None) -> list[dict]:
        """The caller's articles, newest first, or those matching `query` (title, text, tags) best first.
        Each item: id, title, tags, created, updated (ISO 8601), words, snippet. `trash=True` lists the trash."""
        return listing(lib, owner_of(ctx, request), query, trash)

    @guard
    def library_get(article_id: int, version_id: int | None = None, request: gr.Request | None = None) -> dict:
        """One of the caller's articles: id, title, body (Markdown), tags, created, updated, images
        (name, ref, width, height, params), versions (id, created, title, words, note) and version_id (the
        newest version: pass it to /library_save as base_version). With `version_id`, title, body and
        version_id are those of that version."""
        return article(lib, owner_of(ctx, request), article_id, version_id)

    @guard
    def library_save(title: str, body: str, article_id: int | None = None, tags: str | None = None,
                     base_version: int | None = None, request: gr.Request | None = None) -> dict:
        """Save title and body (Markdown) to the caller's article `article_id`, or to a new article when it is
        None. Adds a version when the text changed. `base_version`: the version_id your text is based on (from
        /library_get or the last save); when the article has a newer version, the save is refused with a
        message saying so, instead of overwriting it. Returns article_id, version_id, changed, created, updated,
        conflict (None) and trashed (True when the article is in the trash: it stays there)."""
        return saved(lib, owner_of(ctx, request), title, body, article_id, tags, base_version)

    gr.api(library_list, api_name="library_list")
    gr.api(library_get, api_name="library_get")
    gr.api(library_save, api_name="library_save")
