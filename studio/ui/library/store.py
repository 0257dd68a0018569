"""Who a request acts for, and how the Library tab saves the Write tab's draft.

* :func:`owner_of`: the library owner of a request (the logged-in user, or ``"local"``).
* :func:`keep_saving`: the one way this tab saves the open draft (never silently over a newer version,
  never out of the trash); :func:`save_now` and :func:`is_blank` around it.
* :func:`browser_secret`: the per-installation secret for values kept in the browser.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ...errors import StudioError
from ...library import LOCAL_OWNER
from ...library import is_blank as blank_article
from ..common import user_name
import contextlib


def owner_of(ctx, request: gr.Request | None) -> str:
    """The library owner of ``request``: the logged-in user, or ``"local"`` without ``--auth``.

    Raises:
        StudioError: ``--auth`` is on but the request carries no user.
    """
    name = user_name(request)
    if name:
        return name
    if ctx.settings.auth:
        raise StudioError("Please log in first.")
    return LOCAL_OWNER


def is_blank(article_id, title: str | None, body: str | None) -> bool:
    """A new draft (``article_id`` None) with neither a title nor text: nothing to store."""
    return article_id is None and blank_article(title, body)


def keep_saving(lib, owner: str, title: str | None, body: str | None, article_id, base,
                note: str = "autosave", **origin) -> dict:
    """Save the Write tab's draft as version ``base``'s successor (:meth:`Library.save`'s dict back).

    Never silently over a newer version saved meanwhile (both are kept; :func:`formatting.save_message`
    says so) and never out of the trash; a missing article (``article_id`` None, or deleted for good) is
    created. ``origin``: how the text-origin spans follow (``generated_by``, ``before``; see
    :meth:`Library.save`).
    """
    return lib.save(owner, article_id, title or "", body or "", create_missing=True, note=note,
                    base_version=base if article_id is not None else None, keep_both=True, **origin)


def save_now(lib, owner: str, title: str | None, body: str | None, article_id, base=None):
    """Save the open draft before it is replaced (so the last seconds of typing are kept); returns the
    article's id (None for a blank new draft, which is not stored)."""
    if is_blank(article_id, title, body):
        return article_id
    return keep_saving(lib, owner, title, body, article_id, base)["article_id"]


def browser_secret(ctx) -> str:
    """A per-installation secret (kept in the data folder) for values stored in the browser,
    so they survive a restart of the studio."""
    path = Path(ctx.settings.data_dir) / ".browser-secret"
    try:
        return path.read_text().strip()
    except OSError:
        import secrets

        from ...files import atomic_write_bytes

        value = secrets.token_hex(32)
        with contextlib.suppress(OSError):
            atomic_write_bytes(path, value.encode())
        return value
