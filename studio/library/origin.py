"""The text-origin spans of each version (mixed into :class:`studio.library.Library`): which characters
came from the model (see :mod:`studio.provenance.spans`). Kept in ``versions.origin`` as JSON."""

from __future__ import annotations

from ..provenance import spans as sp
from .base import StoreParts


def ensure_origin_column(con) -> None:
    """Add ``versions.origin`` to a library made before it existed (its versions: all the writer's)."""
    cols = {r[1] for r in con.execute("PRAGMA table_info(versions)").fetchall()}
    if "origin" not in cols:
        con.execute("ALTER TABLE versions ADD COLUMN origin TEXT NOT NULL DEFAULT '[]'")


class OriginMixin(StoreParts):
    """The origin part of :class:`~studio.library.Library` (uses its connection and checks)."""

    def _record_origin(self, con, article_id: int, vid: int, old_body: str, new_body: str, *,
                       origin=None, generated_by: str | None = None, before: str | None = None) -> None:
        """Store the spans of version ``vid`` (``new_body``), the successor of ``old_body``.

        ``origin``: the spans, when the caller knows them (an import). Else they are carried from the
        previous version: ``before`` (the draft when a generation started, if the writer typed since the
        last save) is the writer's change, then what differs from it is ``generated_by``'s (a model's name;
        None: the writer's edit). A text equal to one of the article's earlier versions (Undo, a restore)
        takes that version's spans.
        """
        if origin is None:
            prev = con.execute("SELECT origin FROM versions WHERE article_id=? AND id<? ORDER BY id DESC LIMIT 1",
                               (article_id, vid)).fetchone()
            spans = sp.loads(prev[0] if prev else "[]", len(old_body))
            same = None if generated_by else con.execute(
                "SELECT origin FROM versions WHERE article_id=? AND id<? AND body=? ORDER BY id DESC LIMIT 1",
                (article_id, vid, new_body)).fetchone()
            if same is not None:
                origin = sp.loads(same[0], len(new_body))
            else:
                if before is not None and generated_by:
                    spans, old_body = sp.remap(old_body, spans, before), before
                origin = sp.remap(old_body, spans, new_body, generated_by)
        con.execute("UPDATE versions SET origin=? WHERE id=?", (sp.dumps(sp.normalized(origin, len(new_body))), vid))

    def origin(self, owner: str, article_id: int, version_id: int | None = None) -> dict:
        """``{"spans", "share", "models", "body"}`` of a version (default: the newest): the generated spans,
        the generated share of the visible characters (0 to 1) and the models, most text first."""
        owner, article_id = self._owner(owner), self._id(article_id)
        con = self._conn()
        self._row(con, owner, article_id)
        if version_id is None:
            r = con.execute("SELECT body, origin FROM versions WHERE article_id=? ORDER BY id DESC LIMIT 1",
                            (article_id,)).fetchone()
        else:
            r = con.execute("SELECT body, origin FROM versions WHERE article_id=? AND id=?",
                            (article_id, self._id(version_id, "version_id"))).fetchone()
        body, spans = (r["body"], sp.loads(r["origin"], len(r["body"]))) if r is not None else ("", [])
        return {"spans": spans, "share": sp.generated_share(body, spans), "models": sp.models(spans), "body": body}
