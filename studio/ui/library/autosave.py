"""Autosave: the Write tab's draft and title are saved about two seconds after the writer stops typing,
and at once when a generation ends; a reload (or a crashed tab) reopens the article that was open.

Every edit marks the session dirty (``edited_at``); a 2-second ``gr.Timer`` asks for a save
(``save_request``) once the text has been still for :data:`AUTOSAVE_QUIET_S`. Per-session ``gr.State``
only: no global per-user state. The decisions are plain functions (:func:`due`, :func:`saved`,
:func:`reopened`); :func:`connect` hooks them.
"""

from __future__ import annotations

import logging
import time
from typing import NamedTuple

import gradio as gr

from ...errors import StudioError
from ...messages import Joined, Message
from ..common import ui_message
from ..drafting import generated_by
from . import formatting as fmt
from .browse import PRIVATE, list_rows
from .layout import LibraryUI, WriteLink
from .store import browser_secret, is_blank, keep_saving, owner_of

AUTOSAVE_QUIET_S = 2.0
"""Seconds without an edit before the draft is saved."""
TICK_S = 2.0

log = logging.getLogger(__name__)
SAVE_LABELS = {"body": "Draft", "title": "Title"}  # the API's names of a save's fields -> what the writer sees


class Saved(NamedTuple):
    """What a save changes: the edit time it covers, the article (new when there was none), the status
    line and the version the draft is now based on."""

    saved_upto: float
    article_id: int | None
    save_status: str
    base_vid: int | None


class Reopened(NamedTuple):
    draft: str
    title: str
    article_id: int
    save_status: str
    base_vid: int


def make_link(write: dict, tabs) -> WriteLink:
    """The Write tab's parts, and the autosave's own, created here at the page's root and outside every
    tab so they are always mounted: the timer ticks and the hidden number's change event fires whichever
    tab is shown."""
    status = write.get("save_status")
    if status is None:
        status = gr.Markdown("", elem_id="library-save-status", elem_classes="studio-note")
    edited_at = gr.State(0.0)
    base_vid = gr.State(None)
    saved_upto = gr.State(0.0)
    save_request = gr.Number(0, visible="hidden", label="autosave", elem_id="library-autosave")
    cursor = gr.Number(-1, visible="hidden", label="cursor", elem_id="library-cursor")
    timer = gr.Timer(TICK_S)
    return WriteLink(draft=write["draft"], title=write["title"], article_id=write["article_id"], save_status=status,
                     base_vid=base_vid, edited_at=edited_at, saved_upto=saved_upto, save_request=save_request,
                     cursor=cursor, timer=timer, tabs=tabs, notes=write["notes"], facts=write["facts"])


# ---------------------------------------------------------------------- logic
def due(edited: float | None, saved: float | None, now: float) -> bool:
    """Whether a save is due: there is an edit the last save does not cover, and the writer has been
    still for :data:`AUTOSAVE_QUIET_S` since."""
    if not edited:
        return False
    return edited > (saved or 0) and now - edited >= AUTOSAVE_QUIET_S


def saved(lib, owner: str, upto, title: str, body: str, article_id, base, note: str = "autosave",
          now: float | None = None, **origin) -> Saved | None:
    """Save the draft (see :func:`store.keep_saving`); None for a blank new draft (nothing is stored).
    A refused save (e.g. the text is too long) keeps everything and says why in the status line.
    ``upto``: the edit time this save covers (kept as it was when the save is refused); ``origin``: after a
    generation, the model (``generated_by``) and the draft it started from (``before``)."""
    if is_blank(article_id, title, body):
        return None
    try:
        r = keep_saving(lib, owner, title, body, article_id, base, note=note, **origin)
    except StudioError as exc:
        return Saved(gr.skip(), article_id, fmt.not_saved(ui_message(exc, SAVE_LABELS)), base)
    when = now if now is not None else (r["updated"] if r["changed"] else time.time())
    return Saved(upto, r["article_id"], fmt.save_message(r, when), r["version_id"])


def reopened(ctx, owner: str, stored, body: str, title: str, article_id) -> Reopened | None:
    """The article a reloaded page reopens: the one stored in the browser, when the Write tab is empty and
    the article is still there (not in the trash). Waits (up to 30 s) for a generation into it that was
    ending when the page went away to save what it streamed."""
    if stored is None or article_id is not None or (body or "").strip() or (title or "").strip():
        return None
    try:
        ctx.jobs.wait_written(int(stored), timeout=30)
        article = ctx.library.get(owner, int(stored))
    except (StudioError, TypeError, ValueError):
        return None
    if article["deleted"]:
        return None
    status: str = Message("Reopened where you left off ({t})", t=fmt.clock(time.time()))
    versions = ctx.library.versions(owner, article["id"])
    if versions and versions[0]["note"] == "generated (tab closed)":  # write_tab._save_streamed
        status = Joined("\n\n", [status, Message("The generation was interrupted when the page went away; what it "
                                                  "had written is kept.")])
    return Reopened(article["body"], article["title"], article["id"], status, article["version_id"])


# ---------------------------------------------------------------------- events
def connect(ctx, ui: LibraryUI, write: dict) -> list:
    """Hook the autosave, the save after each generation, the list's refresh and the reopening after a
    reload. Returns the events after which the draft has changed."""
    _connect_saves(ctx, ui, write)
    return _connect_reload(ctx, ui)


def _connect_saves(ctx, ui: LibraryUI, write: dict) -> None:
    lib, link = ctx.library, ui.link
    assert link is not None  # wire() links the Write tab before connecting
    outputs = ui.parts(*Saved._fields)

    def mark():
        return time.time()

    # Only the writer's own edits wait for the quiet moment: a streaming generation changes the draft many
    # times and is saved once, when it ends (after_generation), so versions stay meaningful (one per
    # generation, per pause in typing, per restore or insert). Undo is an edit too.
    for box in (link.draft, link.title):
        box.input(mark, None, link.edited_at, trigger_mode="always_last", show_progress="hidden", queue=False,
                  **PRIVATE)
    if write.get("undo_event") is not None:
        write["undo_event"].then(mark, None, link.edited_at, show_progress="hidden", queue=False, **PRIVATE)

    def tick(edited, saved_up):
        return edited if due(edited, saved_up, time.time()) else gr.skip()

    link.timer.tick(tick, [link.edited_at, link.saved_upto], link.save_request, show_progress="hidden",
                    queue=False, **PRIVATE)

    def autosave(request_value, title_value, body, aid, base, request: gr.Request):
        if is_blank(aid, title_value, body):
            return Saved(request_value, aid, gr.skip(), base)
        try:
            owner = owner_of(ctx, request)
        except StudioError as exc:
            return Saved(gr.skip(), aid, fmt.not_saved(ui_message(exc, SAVE_LABELS)), base)
        return saved(lib, owner, request_value, title_value, body, aid, base)

    link.save_request.change(autosave, [link.save_request, link.title, link.draft, link.article_id, link.base_vid],
                             outputs, show_progress="hidden", concurrency_limit=None, **PRIVATE)

    def after_generation(edited, title_value, body, aid, base, before, last, request: gr.Request):
        """Save as soon as a generation ends (the timer would do it a moment later), the text that differs
        from the draft it started from marked as the model's."""
        if is_blank(aid, title_value, body):
            return Saved(gr.skip(), aid, gr.skip(), base)
        try:
            owner = owner_of(ctx, request)
        except StudioError as exc:
            return Saved(gr.skip(), aid, fmt.not_saved(ui_message(exc, SAVE_LABELS)), base)
        return saved(lib, owner, edited, title_value, body, aid, base, note="generated", now=time.time(),
                     generated_by=generated_by(ctx, last), before=before)

    # every way of generating (Write, Enter in the topic, Continue, Regenerate) saves when it ends
    for event in write.get("generation_events", []):
        event.then(after_generation, [link.edited_at, link.title, link.draft, link.article_id, link.base_vid,
                                      write["before"], write["last_request"]],
                   outputs, show_progress="hidden", **PRIVATE)


def _connect_reload(ctx, ui: LibraryUI) -> list:
    link = ui.link
    assert link is not None  # wire() links the Write tab before connecting
    listing = {"query": ui.search, "trash": ui.show_trash}

    def fill(query, trash, request: gr.Request):
        """The list, when the page loads and whenever a tab is chosen (nothing when not logged in)."""
        try:
            return list_rows(ctx.library, owner_of(ctx, request), query, trash)
        except Exception:  # noqa: BLE001 - a list that cannot be read now stays as it is
            log.debug("the library list could not be refreshed", exc_info=True)
            return gr.skip()

    if link.tabs is not None:
        link.tabs.select(fill, inputs_kwargs=listing, outputs=ui.table, show_progress="hidden", **PRIVATE)
    root = gr.context.Context.root_block
    if root is None:
        return []
    root.load(fill, inputs_kwargs=listing, outputs=ui.table, show_progress="hidden", **PRIVATE)

    # a reload (or a crashed tab) brings back the article that was open
    last_open = gr.BrowserState(None, storage_key="studio-open-article", secret=browser_secret(ctx))
    link.article_id.change(lambda aid: aid, link.article_id, last_open, show_progress="hidden", **PRIVATE)

    def reopen(stored, body, title_value, aid, request: gr.Request):
        try:
            owner = owner_of(ctx, request)
        except StudioError:
            return gr.skip()
        return reopened(ctx, owner, stored, body, title_value, aid) or gr.skip()

    return [root.load(reopen, [last_open, link.draft, link.title, link.article_id], ui.parts(*Reopened._fields),
                      show_progress="hidden", **PRIVATE)]
