"""The list of articles and what acts on the selected one: search, select, the trash, rename, duplicate,
versions and import.

The logic is plain functions of the library and the owner (``lib, owner, ...``) that return what changes,
by part name (``{"table": rows, "selected": None, ...}``, see :class:`~.layout.LibraryUI`); :func:`connect`
hooks them to the tab's events, each handler taking named inputs.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ...errors import InvalidInput
from ...export import import_markdown
from ...messages import Message
from ...provenance.disclosure import sentence
from ...unitext import language
from ..common import guard
from . import formatting as fmt
from .layout import DETAILS, LibraryUI
from .store import owner_of

NO_SELECTION = "Select an article in the list."
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


# ---------------------------------------------------------------------- logic
def list_rows(lib, owner: str, query: str | None, trash: bool) -> list[list]:
    """The list's rows for ``query`` (all articles when empty), from the trash when ``trash``."""
    return fmt.rows(lib.list(owner, query or "", trash=bool(trash)))


def nothing_selected() -> dict:
    """The details parts when no article is selected (an empty, cleared view)."""
    return {"info": NO_SELECTION, "rename_box": gr.update(value=""), "gallery": [],
            "version_a": gr.update(choices=[], value=None), "version_b": gr.update(choices=[], value=None),
            "export_id": None, "diff_view": "", "disclosure": "", "origin_view": ""}


def details(lib, owner: str, article_id) -> dict:
    """The details parts for the selected article: its line, title, pictures, versions (the one before
    the current one against the current one) and the export's article. An article the owner does not have
    shows as no selection."""
    if article_id is None:
        return nothing_selected()
    try:
        article = lib.get(owner, article_id)
    except InvalidInput:
        return nothing_selected()
    versions = lib.versions(owner, article_id)
    choices = fmt.version_choices(versions)
    return {"info": fmt.details_line(article, versions), "rename_box": gr.update(value=article["title"]),
            "gallery": fmt.gallery(article["images"]),
            "version_a": gr.update(choices=choices, value=choices[1][1] if len(choices) > 1 else choices[0][1]),
            "version_b": gr.update(choices=choices, value=choices[0][1]), "export_id": article_id, "diff_view": "",
            "disclosure": disclosure_sentence(lib.origin(owner, article_id), article), "origin_view": ""}


def listed(lib, owner: str, query, trash, selected=None) -> dict:
    """The list, and ``selected`` with its details (None: nothing selected)."""
    return {"table": list_rows(lib, owner, query, trash), "selected": selected, **details(lib, owner, selected)}


def row_id(row) -> int | None:
    """The article id in the first cell of a selected list row (None for an empty or odd row)."""
    row = row or []
    try:
        return int(float(row[0])) if row and row[0] not in (None, "") else None
    except (TypeError, ValueError):
        return None


def searched(lib, owner: str, query: str | None, trash: bool, selected) -> dict:
    """The list for ``query``; says so when nothing matches, and forgets a selection the list no longer
    shows (a selection still listed stays, with its details untouched)."""
    table = list_rows(lib, owner, query, trash)
    q = (query or "").strip()
    note = Message("No article matches “{q}”.", q=html.escape(q)) if not table and q else ""
    if selected is not None and selected not in {int(r[0]) for r in table}:
        return {**listed(lib, owner, query, trash), "table": table, "lib_status": note}
    return {"table": table, "lib_status": note}


def trash_toggled(lib, owner: str, query, trash: bool) -> dict:
    """Showing (or leaving) the trash: the list, no selection, and the buttons that fit it."""
    trash = bool(trash)
    return {**listed(lib, owner, query, trash), "open_btn": gr.update(visible=not trash),
            "delete_btn": gr.update(visible=not trash), "untrash_btn": gr.update(visible=trash),
            "empty_btn": gr.update(visible=trash), "confirm_row": gr.update(visible=False),
            "empty_row": gr.update(visible=False)}


def _need(article_id, message: str = "Select an article in the list first.") -> None:
    if article_id is None:
        raise InvalidInput("article", message)


def renamed(lib, owner: str, article_id, title: str, query, trash) -> dict:
    """Rename the selected article; the list and its details show the new title."""
    _need(article_id)
    lib.rename(owner, article_id, title)
    return {"table": list_rows(lib, owner, query, trash), **details(lib, owner, article_id)}


def duplicated(lib, owner: str, article_id, query, trash) -> dict:
    """Copy the selected article; the copy is selected."""
    _need(article_id)
    copy = lib.duplicate(owner, article_id)
    return listed(lib, owner, query, trash, copy["id"])


def delete_question(lib, owner: str, article_id) -> dict:
    """Ask before moving the selected article to the trash (its title in the question)."""
    _need(article_id)
    article = lib.get(owner, article_id)
    return {"confirm_row": gr.update(visible=True),
            "confirm_text": Message("Move **{t}** to the trash?", t=_shown_title(article["title"]))}


def untrashed(lib, owner: str, article_id, query, trash) -> dict:
    _need(article_id, "Select an article in the trash first.")
    lib.untrash(owner, article_id)
    return {**listed(lib, owner, query, trash), "lib_status": "Restored from the trash."}


def emptied(lib, owner: str, query, trash) -> dict:
    n = lib.empty_trash(owner)
    return {**listed(lib, owner, query, trash), "empty_row": gr.update(visible=False),
            "lib_status": Message("Deleted {n} article for good.", n=n) if n == 1
            else Message("Deleted {n} articles for good.", n=n)}


def version_diff(lib, owner: str, article_id, a, b) -> dict:
    """The differences between versions ``a`` and ``b`` of the selected article, as coloured HTML."""
    if article_id is None or a is None or b is None:
        raise InvalidInput("version", "Select an article and two of its versions first.")
    return {"diff_view": fmt.diff_html(lib.diff(owner, article_id, a, b))}


def imported(lib, owner: str, file, query, trash) -> dict:
    """Import a .md file or a Studio .zip as a new article, selected in the list."""
    if not file:
        raise InvalidInput("file", "Choose a .md file or a .zip first.")
    article = import_markdown(lib, owner, getattr(file, "name", file))
    return {**listed(lib, owner, query, trash, article["id"]),
            "lib_status": Message("Imported **{t}** with {p}.", t="<bdi>" + html.escape(article["title"]) + "</bdi>",
                                  p=fmt.plural(len(article["images"]), "picture"))}


def disclosure_sentence(origin: dict, article: dict) -> str:
    """Studio's sentence on how much of the article the model wrote (the export's human line)."""
    return sentence(origin["share"], origin["models"], language(article["title"] + "\n" + article["body"]))


def generated_view(lib, owner: str, article_id) -> str:
    """The article's text with what the model wrote highlighted (``<mark>``), under Studio's sentence."""
    if article_id is None:
        return NO_SELECTION
    origin = lib.origin(owner, article_id)
    body, out, at = origin["body"], [], 0
    for start, end, model in origin["spans"]:
        out.append(html.escape(body[at:start]))
        out.append(f'<mark title="{html.escape(model)}">{html.escape(body[start:end])}</mark>')
        at = end
    out.append(html.escape(body[at:]))
    line = html.escape(disclosure_sentence(origin, lib.get(owner, article_id)))
    return (f"<p><strong>{line}</strong> " + html.escape("Highlighted: written by the model.") + "</p>"
            f'<div style="white-space: pre-wrap" dir="auto" translate="no">{"".join(out)}</div>')  # the writer's


# ---------------------------------------------------------------------- events
def connect(ctx, ui: LibraryUI) -> None:
    """Hook the list, the trash, rename, duplicate, versions and import to their handlers."""
    lib = ctx.library
    listing = {"query": ui.search, "trash": ui.show_trash}
    shown = ui.parts("table", "selected", *DETAILS)

    @guard
    def refresh(query, trash, request: gr.Request):
        return list_rows(lib, owner_of(ctx, request), query, trash)

    @guard
    def on_select(evt: gr.SelectData, request: gr.Request):
        article_id = row_id(evt.row_value)
        return ui.show({"selected": article_id, **details(lib, owner_of(ctx, request), article_id)})

    @guard
    def on_search(query, trash, selected, request: gr.Request):
        return ui.show(searched(lib, owner_of(ctx, request), query, trash, selected))

    @guard
    def on_trash_toggle(query, trash, request: gr.Request):
        return ui.show(trash_toggled(lib, owner_of(ctx, request), query, trash))

    search = {"fn": on_search, "inputs_kwargs": {**listing, "selected": ui.selected},
              "outputs": [*shown, ui.lib_status], **PRIVATE}
    ui.search.submit(**search)
    ui.search.change(**search, trigger_mode="always_last", show_progress="hidden")
    ui.refresh_btn.click(refresh, inputs_kwargs=listing, outputs=ui.table, **PRIVATE)
    ui.table.select(on_select, None, ui.parts("selected", *DETAILS), **PRIVATE)
    ui.show_trash.change(on_trash_toggle, inputs_kwargs=listing, outputs=[
        *shown, *ui.parts("open_btn", "delete_btn", "untrash_btn", "empty_btn", "confirm_row", "empty_row")],
        **PRIVATE)
    _connect_actions(ctx, ui, listing, shown)


def _connect_actions(ctx, ui: LibraryUI, listing: dict, shown: list) -> None:
    lib = ctx.library

    @guard
    def rename(article_id, title, query, trash, request: gr.Request):
        return ui.show(renamed(lib, owner_of(ctx, request), article_id, title, query, trash))

    @guard
    def duplicate(article_id, query, trash, request: gr.Request):
        return ui.show(duplicated(lib, owner_of(ctx, request), article_id, query, trash))

    @guard
    def ask_delete(article_id, request: gr.Request):
        return ui.show(delete_question(lib, owner_of(ctx, request), article_id))

    @guard
    def untrash(article_id, query, trash, request: gr.Request):
        return ui.show(untrashed(lib, owner_of(ctx, request), article_id, query, trash))

    @guard
    def empty_trash(query, trash, request: gr.Request):
        return ui.show(emptied(lib, owner_of(ctx, request), query, trash))

    @guard
    def show_diff(article_id, a, b, request: gr.Request):
        return ui.show(version_diff(lib, owner_of(ctx, request), article_id, a, b))

    @guard
    def do_import(file, query, trash, request: gr.Request):
        return ui.show(imported(lib, owner_of(ctx, request), file, query, trash))

    selected = {"article_id": ui.selected}
    ui.rename_btn.click(rename, inputs_kwargs={**selected, "title": ui.rename_box, **listing},
                        outputs=ui.parts("table", *DETAILS), **PRIVATE)
    ui.duplicate_btn.click(duplicate, inputs_kwargs={**selected, **listing}, outputs=shown, **PRIVATE)
    ui.delete_btn.click(ask_delete, inputs_kwargs=selected, outputs=ui.parts("confirm_row", "confirm_text"),
                        **PRIVATE)
    ui.confirm_no.click(lambda: gr.update(visible=False), None, ui.confirm_row, **PRIVATE)
    ui.untrash_btn.click(untrash, inputs_kwargs={**selected, **listing}, outputs=[*shown, ui.lib_status],
                         **PRIVATE)
    ui.empty_btn.click(lambda: gr.update(visible=True), None, ui.empty_row, **PRIVATE)
    ui.empty_no.click(lambda: gr.update(visible=False), None, ui.empty_row, **PRIVATE)
    ui.empty_yes.click(empty_trash, inputs_kwargs=listing, outputs=[*shown, ui.empty_row, ui.lib_status],
                       **PRIVATE)
    ui.diff_btn.click(show_diff, inputs_kwargs={**selected, "a": ui.version_a, "b": ui.version_b},
                      outputs=ui.diff_view, **PRIVATE)
    @guard
    def show_origin(article_id, request: gr.Request):
        return generated_view(lib, owner_of(ctx, request), article_id)

    ui.origin_btn.click(show_origin, inputs_kwargs=selected, outputs=ui.origin_view, **PRIVATE)
    ui.import_btn.click(do_import, inputs_kwargs={"file": ui.import_file, **listing},
                        outputs=[*shown, ui.lib_status], **PRIVATE)


def _shown_title(title: str) -> str:
    """A title in a message: the writer's words, escaped and isolated (``<bdi>``: never translated, and a
    right-to-left title does not reorder the sentence), or "Untitled"."""
    return "<bdi>" + html.escape(title) + "</bdi>" if title else Message("Untitled")
