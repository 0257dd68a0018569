"""Two tabs on one article (issue #31): within a tick of the autosave's timer (2 s), a tab whose article was
saved elsewhere (another tab, window or program) is told so, with the version's number as the Versions list
shows it, and offered to load that text or to keep its own as a new version (both stay in the versions)."""

from __future__ import annotations

import gradio as gr

from ...errors import StudioError
from ...messages import Message
from . import formatting as fmt
from .browse import PRIVATE
from .layout import LibraryUI
from .store import owner_of


def newer_elsewhere(lib, owner: str, article_id, base) -> int | None:
    """The id of a version of ``article_id`` newer than ``base`` (the one this tab's text is based on), saved
    elsewhere; None when there is none (or no article, or it cannot be read now)."""
    if article_id is None or base is None:
        return None
    try:
        newest = lib.newest_version(owner, article_id)
    except StudioError:
        return None
    return newest if newest is not None and newest > base else None


def notice(lib, article_id, newest: int) -> str:
    return Message("**This article was changed in another tab or window** (v{num_n}). Load that text, or keep "
                   "yours as a new version: both stay in its versions.",
                   num_n=lib.version_number(article_id, newest))


def connect(ctx, ui: LibraryUI, write: dict) -> None:
    """Hook the Write tab's notice (``write["elsewhere"]``: row, note, load button, keep button) to the timer."""
    parts = write.get("elsewhere")
    if not parts:
        return
    row, note, load_btn, keep_btn = parts
    lib, link = ctx.library, ui.link
    assert link is not None  # wire() links the Write tab before connecting
    shown = gr.State(None)  # the newer version the notice is about
    seen = gr.State(None)  # the newer version the last tick saw: shown when the next one sees it too (this
    # tab's own save may have reached the library a moment before its page knows the new version)

    def check(aid, base, now_shown, last_seen, request: gr.Request):
        try:
            newest = newer_elsewhere(lib, owner_of(ctx, request), aid, base)
        except StudioError:
            newest = None
        if newest is None:
            return (gr.update(visible=False), "", None, None) if now_shown is not None else (gr.skip(),) * 3 + (None,)
        if newest != last_seen or newest == now_shown:
            return gr.skip(), gr.skip(), gr.skip(), newest
        return gr.update(visible=True), notice(lib, aid, newest), newest, newest

    link.timer.tick(check, [link.article_id, link.base_vid, shown, seen], [row, note, shown, seen],
                    show_progress="hidden", queue=False, **PRIVATE)

    def load(aid, request: gr.Request):
        article = lib.get(owner_of(ctx, request), aid)
        return (article["body"], article["title"], article["version_id"], gr.update(visible=False), None,
                Message("Loaded v{num_n} ({t})", num_n=lib.version_number(aid, article["version_id"]),
                        t=fmt.clock(article["updated"])))

    load_btn.click(load, link.article_id, [link.draft, link.title, link.base_vid, row, shown, link.save_status],
                   **PRIVATE)

    def keep(title, body, aid, base, request: gr.Request):
        r = lib.save(owner_of(ctx, request), aid, title or "", body or "", base_version=base, keep_both=True,
                     note="kept in a tab while changed elsewhere")
        return r["version_id"], gr.update(visible=False), None, fmt.save_message(r, r["updated"])

    keep_btn.click(keep, [link.title, link.draft, link.article_id, link.base_vid],
                   [link.base_vid, row, shown, link.save_status], **PRIVATE)


__all__ = ["connect", "newer_elsewhere", "notice"]
