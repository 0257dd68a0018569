"""An article's brief: who it is for, its keywords and its outline (mixed into :class:`studio.library.Library`).

The brief belongs to its article, not to the browser: it is saved with it, comes back when the article is
opened, and a new article starts without one. One brief per article (not per version).
"""

from __future__ import annotations

import json

from ..validate import check_text
from .base import StoreParts

BRIEF_KEYS = ("audience", "keywords", "outline")
MAX_BRIEF_CHARS = 4000  # each field, as the Write tab's boxes allow

BRIEF_SCHEMA = """
CREATE TABLE IF NOT EXISTS briefs (
    article_id  INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    brief       TEXT NOT NULL DEFAULT '{}'
);
"""


def empty_brief() -> dict[str, str]:
    return {k: "" for k in BRIEF_KEYS}


def checked_brief(brief) -> dict[str, str]:
    """``brief`` (a dict with any of :data:`BRIEF_KEYS`; None: empty) checked like every text.

    Raises:
        InvalidInput: not a dict, an unknown key, or a value that is not acceptable text.
    """
    from ..errors import InvalidInput

    if brief is None:
        return empty_brief()
    if not isinstance(brief, dict):
        raise InvalidInput("brief", "must be a dict with {fields}.", fields=", ".join(BRIEF_KEYS))
    unknown = sorted(set(brief) - set(BRIEF_KEYS))
    if unknown:
        raise InvalidInput("brief", "has no field {user_name}; its fields are {fields}.", user_name=repr(unknown[0]),
                           fields=", ".join(BRIEF_KEYS))
    return {k: check_text(k, brief.get(k) or "", required=False, max_chars=MAX_BRIEF_CHARS) for k in BRIEF_KEYS}


class BriefsMixin(StoreParts):
    """The brief part of :class:`~studio.library.Library` (uses its connection and checks)."""

    def brief(self, owner: str, article_id: int) -> dict[str, str]:
        """The article's brief: ``{"audience", "keywords", "outline"}`` (empty strings when none was saved).

        Raises:
            InvalidInput: no article ``article_id`` belongs to ``owner``.
        """
        owner, article_id = self._owner(owner), self._id(article_id)
        con = self._conn()
        self._row(con, owner, article_id)
        row = con.execute("SELECT brief FROM briefs WHERE article_id=?", (article_id,)).fetchone()
        stored = json.loads(row["brief"]) if row else {}
        return {k: str(stored.get(k) or "") for k in BRIEF_KEYS}

    def set_brief(self, owner: str, article_id: int, brief) -> dict[str, str]:
        """Save the article's brief (replacing the one it had). Returns it as saved.

        Raises:
            InvalidInput: a bad brief (see :func:`checked_brief`), or no such article of ``owner``.
        """
        owner, article_id = self._owner(owner), self._id(article_id)
        brief = checked_brief(brief)
        with self._write() as con:
            self._row(con, owner, article_id)
            con.execute("INSERT INTO briefs(article_id, brief) VALUES (?, ?) "
                        "ON CONFLICT(article_id) DO UPDATE SET brief=excluded.brief",
                        (article_id, json.dumps(brief, ensure_ascii=False)))
        return brief


__all__ = ["BRIEF_KEYS", "BRIEF_SCHEMA", "BriefsMixin", "checked_brief", "empty_brief"]
