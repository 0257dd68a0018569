"""The Library tab: the writer's articles, their versions and images, export and import, Illustrate,
and the hooks that keep the Write tab saved.

* :mod:`.layout`: the components (:class:`~.layout.LibraryUI`), built by small builders.
* :mod:`.browse`: list and search (SQLite FTS5), select, rename, duplicate, the trash (delete after a
  confirmation, restore, empty), versions (pick two, see the diff) and import of a .md or a Studio .zip.
* :mod:`.transfer`: open an article in the Write tab, start a new one, restore a version into it, and
  "Insert into draft" from the Image and Style tabs.
* :mod:`.autosave`: the Write tab's draft is saved after a pause in typing and after each generation;
  a reload reopens the article that was open.
* :mod:`.illustrate`: prompts proposed per section, edited, drawn by the image model the router runs.
* :mod:`.api`: ``/library_list``, ``/library_get``, ``/library_save``, ``/export``.
* :mod:`.formatting`: how dates, rows, versions, diffs and save messages read.
* :mod:`.keys`: the API keys panel (each user's keys for ``/v1`` and ``/sdapi/v1``).
* :mod:`.store`: who a request acts for (:func:`owner_of`) and how the draft is saved.

Each handler takes named inputs and returns what it changes; its logic is a plain function of the
library and the owner, tested without a server. Every handler acts as the request's user.
"""

from __future__ import annotations

import logging

import gradio as gr

from .. import listen
from . import api, autosave, browse, elsewhere, illustrate, keys, transfer
from .autosave import AUTOSAVE_QUIET_S, TICK_S
from .formatting import attached_message, diff_html, inside, save_message, version_choices, words_of
from .layout import GAN_NOTE, LibraryUI, build_layout
from .store import browser_secret, owner_of

log = logging.getLogger(__name__)


def build(ctx) -> LibraryUI:
    """The Library tab's components (inside its ``gr.Tab``) and the events among them; registers the
    library's API. Returns the tab's parts (:class:`LibraryUI`), which :func:`wire` links to the Write tab."""
    models = ctx.images.illustrate_models()
    ui = build_layout(models, ctx.images.is_gan(models[0]), ctx.speech.offered())
    browse.connect(ctx, ui)
    api.register(ctx, ui)
    keys.build(ctx)  # API keys for other tools (/v1, /sdapi/v1)
    listen.connect(ctx, ui.listen, [ui.export_id], lambda aid, request: api.listened_article(ctx, aid, request))
    listen.register_api(ctx)
    ui.ill_model.change(lambda m: gr.update(visible=ctx.images.is_gan(m)), ui.ill_model, ui.gan_note,
                        api_visibility="private")
    return ui


def wire(ctx, parts: dict) -> None:
    """Hook the library to the Write, Image and Style tabs (autosave, open, restore, Insert into draft,
    Illustrate). Skips them all when the Write tab lacks its draft, title or article id."""
    ui = parts.get("library")
    write = parts.get("write") or {}
    if not isinstance(ui, LibraryUI) or any(write.get(k) is None for k in ("draft", "title", "article_id")):
        log.warning("Library: the Write tab lacks draft/title/article_id; autosave and open are off.")
        return
    ui.link = autosave.make_link(write, parts.get("tabs"))
    changed = autosave.connect(ctx, ui, write)
    changed += transfer.connect(ctx, ui, parts)
    transfer.follow_stats(ui.link, write, changed)
    illustrate.connect(ctx, ui, write)
    elsewhere.connect(ctx, ui, write)


__all__ = ["build", "wire", "owner_of", "attached_message", "browser_secret", "diff_html", "save_message", "words_of",
           "version_choices", "inside", "LibraryUI", "GAN_NOTE", "AUTOSAVE_QUIET_S", "TICK_S"]
