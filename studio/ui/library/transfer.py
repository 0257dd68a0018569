"""Between the library and the Write tab: open an article there, start a new one, move the open one to
the trash, restore a version into it, and insert a picture from the Image or Style tab into the draft.

The logic is plain functions (``lib, owner, ...``) returning what changes, by part name; the handlers
hooked by :func:`connect` keep the names and argument order the studio's tests call them by.
"""

from __future__ import annotations

import re
import time
from typing import NamedTuple

import gradio as gr

from ...errors import InvalidInput
from ...library import insert_block, markdown_image
from ...messages import Message
from .. import i18n
from ..common import guard
from ..owners import owns
from . import formatting as fmt
from .browse import PRIVATE, list_rows, listed, nothing_selected
from .layout import DETAILS, LibraryUI
from .store import keep_saving, owner_of, save_now

CURSOR_JS = """
(...args) => {
  const id = %s;
  const ta = id ? document.querySelector('#' + id + ' textarea') : null;
  let pos = -1;
  if (ta && typeof ta.selectionStart === 'number') {
    pos = Array.from(ta.value.slice(0, ta.selectionStart)).length;
  }
  return pos;
}
"""


class Opened(NamedTuple):
    """What opening (or starting) an article puts into the Write tab."""

    draft: str
    title: str
    article_id: int | None
    save_status: str
    base_vid: int | None
    notes: str = ""  # the last generation's notes and facts were about the article that was open
    facts: str = ""


class Inserted(NamedTuple):
    """The draft after a picture was inserted, and its save."""

    draft: str
    article_id: int
    save_status: str
    base_vid: int


def goto_write():
    """Switch the page to the Write tab (an update of the page's Tabs, not a new component: a Tabs built
    here would join the page)."""
    return gr.update(selected="write")


# ---------------------------------------------------------------------- logic
def opened(lib, owner: str, selected, title: str, body: str, article_id, base) -> Opened:
    """Open the selected article in the Write tab; the draft there is saved first (unless it is that one).

    Raises:
        InvalidInput: nothing selected, or the article is in the trash (or not the owner's).
    """
    if selected is None:
        raise InvalidInput("article", "Select an article in the list first.")
    if selected != article_id:
        save_now(lib, owner, title, body, article_id, base)
    article = lib.get(owner, selected)
    if article["deleted"]:
        raise InvalidInput("article", "This article is in the trash. Restore it first.")
    return Opened(article["body"], article["title"], article["id"], Message("Opened {t}", t=fmt.clock(time.time())),
                  article["version_id"])


def started(lib, owner: str, title: str, body: str, article_id, base) -> Opened:
    """A new, empty article in the Write tab; the draft there is saved first."""
    save_now(lib, owner, title, body, article_id, base)
    return Opened("", "", None, "New article", None)


def trashed(lib, owner: str, selected, article_id, query, trash) -> dict:
    """Move the selected article to the trash; when it is the one open in the Write tab, the Write tab
    is emptied (a new draft)."""
    if selected is None:
        raise InvalidInput("article", "Select an article in the list first.")
    lib.delete(owner, selected)
    out = {"table": list_rows(lib, owner, query, trash), "selected": None, **nothing_selected(),
           "confirm_row": gr.update(visible=False),
           "lib_status": "Moved to the trash. Tick “Show the trash” to restore it."}
    if selected == article_id:
        out.update(draft="", title="", article_id=None, base_vid=None)
    return out


def version_restored(lib, owner: str, selected, version_id, article_id, query, trash) -> dict:
    """Restore a version of the selected article (as a new version, so it can be undone); when that
    article is open in the Write tab, the Write tab shows the restored text."""
    if selected is None or version_id is None:
        raise InvalidInput("version", "Select an article and the version to restore first.")
    lib.restore_version(owner, selected, version_id)
    article = lib.get(owner, selected)
    is_open = selected == article_id
    out = {**listed(lib, owner, query, trash, selected),
           "lib_status": Message("Restored v{n} into the Write tab.", n=lib.version_number(selected, version_id))
           if is_open else Message("Restored v{n}.", n=lib.version_number(selected, version_id))}
    del out["selected"]
    if is_open:  # the Saved line says so too (it still spoke of the save before)
        out.update(draft=article["body"], title=article["title"], base_vid=article["version_id"],
                   save_status=Message("Restored v{num_n} ({t})", num_n=lib.version_number(selected, version_id),
                                       t=fmt.clock(article["updated"])))
    return out


def picture_inserted(lib, owner: str, path: str, title: str, body: str, article_id, cursor, base,
                     source: str) -> Inserted:
    """Attach the picture at ``path`` to the open article (created when none is) and insert its Markdown
    at the draft's ``cursor`` (characters; -1 or None: at the end). The draft is saved before and after;
    the status says when another tab had saved meanwhile. ``source``: "image" or "style" (the alt text
    when the picture has no prompt)."""
    first = keep_saving(lib, owner, title, body, article_id, base)
    article_id = first["article_id"]
    img = lib.attach_image(owner, article_id, path)
    at = int(cursor) if isinstance(cursor, (int, float)) and cursor >= 0 else None
    alt = (img["params"].get("prompt") or _heading_before(body or "", at) or (title or "").strip()
           or ("styled picture" if source == "style" else "picture"))
    new_body = insert_block(body or "", markdown_image(img["ref"], alt), at)
    r = keep_saving(lib, owner, title, new_body, article_id, first["version_id"], note="inserted a picture")
    status = fmt.save_message({**r, "conflict": first["conflict"] or r["conflict"],
                               "conflict_v": first.get("conflict_v") or r.get("conflict_v")}, r["updated"])
    return Inserted(new_body, article_id, status, r["version_id"])


def _heading_before(body: str, at: int | None) -> str:
    """The text of the last Markdown heading before character ``at`` of ``body`` (the end when None): what a
    picture without a prompt shows, as its alt text."""
    heads = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", body[: len(body) if at is None else at], re.M)
    return heads[-1][:200] if heads else ""


# ---------------------------------------------------------------------- events
def connect(ctx, ui: LibraryUI, parts: dict) -> list:
    """Hook Open, New article, the trash's confirmation, Restore this version and the Image and Style
    tabs' "Insert into draft". Returns the events after which the draft has changed."""
    lib, link = ctx.library, ui.link
    assert link is not None  # wire() links the Write tab before connecting
    goto = [link.tabs] if link.tabs is not None else []
    listing = {"query": ui.search, "trash": ui.show_trash}

    @guard
    def open_article(sel, title_value, body, aid, base, request: gr.Request):
        result = opened(lib, owner_of(ctx, request), sel, title_value, body, aid, base)
        return (*result, goto_write()) if goto else result

    @guard
    def new_article(title_value, body, aid, base, request: gr.Request):
        result = started(lib, owner_of(ctx, request), title_value, body, aid, base)
        return (*result, goto_write()) if goto else result

    @guard
    def confirm_delete(sel, aid, query, trash, request: gr.Request):
        return ui.show(trashed(lib, owner_of(ctx, request), sel, aid, query, trash))

    @guard
    def restore_version(sel, version_id, aid, query, trash, request: gr.Request):
        return ui.show(version_restored(lib, owner_of(ctx, request), sel, version_id, aid, query, trash))

    into_write = [*ui.parts(*Opened._fields), *goto]
    events = [
        ui.open_btn.click(open_article, [ui.selected, link.title, link.draft, link.article_id, link.base_vid],
                          into_write, **PRIVATE),
        ui.new_btn.click(new_article, [link.title, link.draft, link.article_id, link.base_vid], into_write,
                         **PRIVATE),
        ui.confirm_yes.click(confirm_delete, inputs_kwargs={"sel": ui.selected, "aid": link.article_id, **listing},
                             outputs=ui.parts("table", "selected", *DETAILS, "confirm_row", "draft", "title",
                                              "article_id", "base_vid", "lib_status"), **PRIVATE),
        ui.restore_btn.click(restore_version, inputs_kwargs={"sel": ui.selected, "version_id": ui.version_a,
                                                             "aid": link.article_id, **listing},
                             outputs=ui.parts("table", *DETAILS, "draft", "title", "base_vid", "save_status",
                                              "lib_status"),
                             **PRIVATE),
    ]
    return events + _connect_insert(ctx, ui, parts)


def _connect_insert(ctx, ui: LibraryUI, parts: dict) -> list:
    # only the request's user's own pictures (never the library's folder: it holds every user's pictures)
    lib, link = ctx.library, ui.link
    assert link is not None  # wire() links the Write tab before connecting

    def make_insert(source: str):
        @guard
        def insert(path, title_value, body, aid, pos, base, request: gr.Request):
            if not path:
                raise InvalidInput("image", "Make or select a picture first.")
            if not owns(ctx, request, path):
                raise InvalidInput("image", "Only pictures made in this studio can be inserted.")
            result = picture_inserted(lib, owner_of(ctx, request), path, title_value, body, aid, pos, base, source)
            i18n.Info("The picture was added to the draft.")
            return result

        return insert

    draft_id = getattr(link.draft, "elem_id", None)
    cursor_js = CURSOR_JS % (repr(draft_id) if draft_id else "null")
    events = []
    for key, path_key, source in (("image", "selected_path", "image"), ("style", "result_path", "style")):
        other = parts.get(key) or {}
        if other.get("insert_btn") is None or other.get(path_key) is None:
            continue
        events.append(other["insert_btn"].click(None, None, link.cursor, js=cursor_js, **PRIVATE).then(
            make_insert(source), [other[path_key], link.title, link.draft, link.article_id, link.cursor,
                                  link.base_vid], ui.parts(*Inserted._fields), **PRIVATE))
    return events


def follow_stats(link, write: dict, events: list) -> None:
    """After each of ``events`` the Write tab's word count follows the draft they changed."""
    stats_box = write.get("stats")
    if stats_box is None:
        return
    from ..write_tab import stats_line

    for event in events:
        if event is not None:
            event.then(lambda body: stats_line(None, body), link.draft, stats_box, show_progress="hidden",
                       queue=False, **PRIVATE)


__all__ = ["connect", "follow_stats", "opened", "started", "trashed", "version_restored", "picture_inserted"]
