"""An article's versions: list, read, diff, restore, and pruning old ones (mixed into
:class:`studio.library.Library`)."""

from __future__ import annotations

import difflib
import logging

from ..errors import InvalidInput
from ..unitext import count_words
from .base import StoreParts
from .helpers import stamp

log = logging.getLogger(__name__)


class VersionsMixin(StoreParts):
    """The versions part of :class:`~studio.library.Library` (uses its connection and checks)."""

    # ------------------------------------------------------------------ versions
    def versions(self, owner: str, article_id: int) -> list[dict]:
        """The article's versions, newest first: ``{"id", "created", "title", "words", "chars", "note"}``."""
        owner, article_id = self._owner(owner), self._id(article_id)
        con = self._conn()
        self._row(con, owner, article_id)
        rows = con.execute(
            "SELECT id, created, title, body, note FROM versions WHERE article_id=? ORDER BY id DESC", (article_id,)
        ).fetchall()
        return [
            {"id": r["id"], "created": r["created"], "title": r["title"], "words": count_words(r["body"]),
             "chars": len(r["body"]), "note": r["note"]}
            for r in rows
        ]

    def version(self, owner: str, article_id: int, version_id: int) -> dict:
        """One version with its text: ``{"id", "article_id", "created", "title", "body", "note"}``."""
        owner, article_id, version_id = self._owner(owner), self._id(article_id), self._id(version_id, "version_id")
        con = self._conn()
        self._row(con, owner, article_id)
        r = con.execute("SELECT * FROM versions WHERE id=? AND article_id=?", (version_id, article_id)).fetchone()
        if r is None:
            raise InvalidInput("version_id", "article {a} has no version {user_v}.", a=article_id, user_v=version_id)
        return {"id": r["id"], "article_id": article_id, "created": r["created"], "title": r["title"],
                "body": r["body"], "note": r["note"]}

    def diff(self, owner: str, article_id: int, old_version_id: int, new_version_id: int, context: int = 3) -> str:
        """A unified diff (:func:`difflib.unified_diff`, by line) from one version to another.

        The title is compared as the first line. Returns "" when both are equal.
        """
        a = self.version(owner, article_id, old_version_id)
        b = self.version(owner, article_id, new_version_id)
        old = [f"# {a['title']}", ""] + a["body"].splitlines()
        new = [f"# {b['title']}", ""] + b["body"].splitlines()
        return "\n".join(difflib.unified_diff(
            old, new, fromfile=f"v{self.version_number(article_id, a['id'])} ({stamp(a['created'])})",
            tofile=f"v{self.version_number(article_id, b['id'])} ({stamp(b['created'])})", lineterm="", n=context,
        ))

    def restore_version(self, owner: str, article_id: int, version_id: int) -> dict:
        """Make an old version the current text. This adds a new version, so it can be undone.

        Returns :meth:`save`'s dict.
        """
        v = self.version(owner, article_id, version_id)
        return self.save(owner, article_id, v["title"], v["body"],
                         note=f"restored v{self.version_number(article_id, version_id)}")

    def newest_version(self, owner: str, article_id: int) -> int | None:
        """The id of the article's newest version (what a tab that opened an older one compares with)."""
        owner, article_id = self._owner(owner), self._id(article_id)
        con = self._conn()
        self._row(con, owner, article_id)
        return con.execute("SELECT max(id) FROM versions WHERE article_id=?", (article_id,)).fetchone()[0]

    def version_number(self, article_id: int, version_id: int, con=None) -> int:
        """The per-article number of a version (v1 is the oldest kept version; the writer never sees
        the database's global ids). ``con``: the connection of a transaction under way."""
        return (con or self._conn()).execute("SELECT count(*) FROM versions WHERE article_id=? AND id<=?",
                                    (article_id, version_id)).fetchone()[0]

    def _prune(self, con, article_id: int, now: float) -> None:
        rows = con.execute(
            "SELECT id, created FROM versions WHERE article_id=? ORDER BY id DESC", (article_id,)
        ).fetchall()
        if len(rows) <= self.keep_all:
            return
        seen: set[tuple] = set()
        doomed = []
        for r in rows[self.keep_all:]:
            age = now - r["created"]
            if age < 2 * 86400:
                bucket = ("h", int(r["created"] // 3600))
            elif age < 90 * 86400:
                bucket = ("d", int(r["created"] // 86400))
            else:
                bucket = ("w", int(r["created"] // (7 * 86400)))
            if bucket in seen:
                doomed.append(r["id"])
            else:
                seen.add(bucket)
        con.executemany("DELETE FROM versions WHERE id=?", [(i,) for i in doomed])
