"""The Write tab's brief (Audience, Keywords, Outline) belongs to the article open there (issue #31).

It is saved with the article (:class:`studio.library.briefs.BriefsMixin`) when the writer edits it and when a
generation starts, comes back when the article is opened or reopened after a reload, and is emptied for a new
article. A one-line summary above the Write button shows it whenever it is not empty, so a brief hidden in a
closed accordion never steers a piece unseen.
"""

from __future__ import annotations

import logging
import re
import time

import gradio as gr

from ..errors import StudioError
from ..library.briefs import BRIEF_KEYS, empty_brief
from ..messages import Joined, Message
from . import i18n
from .common import ui_message

log = logging.getLogger(__name__)
SHOWN_CHARS = 60  # of each field in the summary line
NEW_ARTICLE_S = 60  # an article this young, with no brief of its own, takes the one typed for it
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _short(text: str) -> str:
    one = " ".join((text or "").split())
    one = one if len(one) <= SHOWN_CHARS else one[: SHOWN_CHARS - 1].rstrip() + "…"
    return _MARKDOWN.sub(r"\\\1", one)


def brief_line(audience: str | None, keywords: str | None, outline: str | None) -> str:
    """The summary above the Write button: empty when the brief is, else ``**Brief** · Audience: … ·
    Keywords: … · Outline: 3 headings``."""
    parts = []
    if (audience or "").strip():
        parts.append(Message("Audience: {user_a}", user_a=_short(audience or "")))
    if (keywords or "").strip():
        parts.append(Message("Keywords: {user_k}", user_k=_short(keywords or "")))
    headings = [ln for ln in (outline or "").splitlines() if ln.strip()]
    if headings:
        parts.append(Message("Outline: 1 heading") if len(headings) == 1
                     else Message("Outline: {num_n} headings", num_n=len(headings)))
    return Joined(" · ", [Message("**Brief**"), *parts]) if parts else ""


def brief_for(lib, owner: str, article_id, shown_for, form: dict) -> tuple[dict, object, bool]:
    """What the brief boxes show when the open article becomes ``article_id`` (``shown_for``: the article
    whose brief they showed). Returns ``(brief, article it belongs to, whether to save the form's brief to
    it)``: none for a new article; the article's own when it has one; the brief typed for a new draft that
    has just become this article (created within :data:`NEW_ARTICLE_S`) is kept and saved to it."""
    if article_id is None:
        return empty_brief(), None, False
    stored = lib.brief(owner, article_id)
    typed = any((form.get(k) or "").strip() for k in BRIEF_KEYS)
    if shown_for is None and typed and not any(stored.values()):
        article = lib.get(owner, article_id)
        if article["versions"] <= 2 and time.time() - article["created"] < NEW_ARTICLE_S:
            return {k: form.get(k) or "" for k in BRIEF_KEYS}, article_id, True
    return stored, article_id, False


def connect(ctx, w) -> None:
    """Hook the brief boxes ``w.audience``, ``w.keywords``, ``w.outline`` to the open article
    (``w.article_id``) and the summary line ``w.brief_line``."""
    from ..identity import owner_of

    boxes = [getattr(w, k) for k in BRIEF_KEYS]
    private = {"api_visibility": "private", "show_progress": "hidden"}
    gr.on([b.change for b in boxes], brief_line, boxes, w.brief_line, queue=False, **private)
    shown_for = gr.State(None)  # the article whose brief the boxes show

    def save(aid, audience, keywords, outline, request: gr.Request):
        if aid is None:
            return  # saved when the draft becomes an article (below) or a generation starts
        try:
            ctx.library.set_brief(owner_of(ctx, request), aid, dict(zip(BRIEF_KEYS, (audience, keywords, outline), strict=False)))
        except StudioError as exc:
            i18n.Warning(ui_message(exc, {"audience": "Audience", "keywords": "Keywords", "outline": "Outline"}))

    gr.on([b.input for b in boxes], save, [w.article_id, *boxes], None, trigger_mode="always_last", **private)

    def follow(aid, shown, audience, keywords, outline, request: gr.Request):
        form = dict(zip(BRIEF_KEYS, (audience, keywords, outline), strict=False))
        try:
            owner = owner_of(ctx, request)
            brief, belongs, keep = brief_for(ctx.library, owner, aid, shown, form)
            if keep:
                ctx.library.set_brief(owner, aid, brief)
        except StudioError:
            log.debug("the brief of article %s could not be read", aid, exc_info=True)
            return (gr.skip(),) * 4
        return (*(brief[k] for k in BRIEF_KEYS), belongs)

    w.article_id.change(follow, [w.article_id, shown_for, *boxes], [*boxes, shown_for], **private)


__all__ = ["brief_line", "brief_for", "connect"]
