"""Who a request acts for, and how the Library tab saves the Write tab's draft.

* :func:`owner_of`: the library owner of a request (the logged-in user, or ``"local"``).
* :func:`keep_saving`: the one way this tab saves the open draft (never silently over a newer version,
  never out of the trash); :func:`save_now` and :func:`is_blank` around it.
* :func:`browser_secret`: the per-installation secret for values kept in the browser.
"""

from __future__ import annotations

from ...identity import browser_secret, owner_of  # noqa: F401 - re-exported: the Library tab's names
from ...library import is_blank as blank_article


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


