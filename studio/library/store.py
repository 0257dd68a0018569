"""The :class:`Library` class: opening the database, articles and search; versions and
images come from :mod:`.versions` and :mod:`.images`."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, VersionConflict
from ..messages import Message
from ..unitext import count_words, fold
from ..validate import check_int, check_text
from .briefs import BRIEF_SCHEMA, BriefsMixin
from .helpers import fold_sql, has_trigram, search_words, snippet_of
from .images import ImagesMixin
from .origin import OriginMixin, ensure_origin_column
from .schema import FTS_TABLE, ID_MAX, MAX_BODY_CHARS, MAX_TAGS, MAX_TITLE_CHARS, SCHEMA, SEARCH_VERSION, TRIGGERS
from .versions import VersionsMixin

log = logging.getLogger(__name__)


class Library(VersionsMixin, ImagesMixin, OriginMixin, BriefsMixin):
    """The writer's library in ``data_dir`` (created on first use). Thread-safe.

    Each thread gets its own SQLite connection; writes are short
    ``BEGIN IMMEDIATE`` transactions, so concurrent users simply queue for a
    few milliseconds.

    Version pruning: every save that changes the title or body adds a
    version. The newest :attr:`keep_all` versions are always kept; older
    ones are thinned to the newest per hour for the last two days, per day
    for the last 90 days, and per week before that.

    Args:
        data_dir: folder of ``library.db`` and ``images/``.
        clock: returns "now" in Unix seconds (tests pass a fake one).
    """

    keep_all = 50

    def __init__(self, data_dir, *, clock=time.time):
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.clock = clock
        self._local = threading.local()
        self._init_lock = threading.Lock()
        self._ready = False
        self._connections: list[sqlite3.Connection] = []
        self.tokenizer = ""

    # ------------------------------------------------------------------ storage
    @property
    def db_path(self) -> Path:
        """``data_dir/library.db``."""
        return self._dir() / "library.db"

    @property
    def images_dir(self) -> Path:
        """``data_dir/images``: the attached PNG files."""
        return self._dir() / "images"

    def _dir(self) -> Path:
        if self.data_dir is None:
            raise InvalidInput("--data-dir", "is not set, so the library has nowhere to store articles.")
        return self.data_dir

    def _conn(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is not None:
            return con
        self._setup()
        con = self._open()
        self._local.con = con
        with self._init_lock:
            self._connections.append(con)
        return con

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
        con.row_factory = sqlite3.Row
        con.create_function("studio_fold", 1, fold_sql, deterministic=True)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA busy_timeout=30000")
        return con

    def _setup(self) -> None:
        with self._init_lock:
            if self._ready:
                return
            self._dir().mkdir(parents=True, exist_ok=True)
            self.images_dir.mkdir(parents=True, exist_ok=True)
            con = self._open()
            try:
                tokenize = "trigram" if has_trigram() else "unicode61 remove_diacritics 2"
                con.execute("BEGIN IMMEDIATE")
                if con.execute("PRAGMA user_version").fetchone()[0] < SEARCH_VERSION:
                    # an index of the raw text (older Studio): rebuilt below from folded text
                    for name in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
                        con.execute(f"DROP TRIGGER IF EXISTS {name}")
                    con.execute("DROP TABLE IF EXISTS articles_fts")
                con.execute("COMMIT")
                con.executescript("BEGIN IMMEDIATE;" + SCHEMA + BRIEF_SCHEMA + FTS_TABLE.format(tokenize=tokenize) + ";"
                                  + TRIGGERS + "COMMIT;")
                ensure_origin_column(con)
                if con.execute("PRAGMA user_version").fetchone()[0] < SEARCH_VERSION:
                    con.execute("BEGIN IMMEDIATE")
                    con.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
                    con.execute("INSERT INTO articles_fts(rowid, title, body, tags) SELECT id, studio_fold(title), "
                                "studio_fold(body), studio_fold(tags) FROM articles")
                    con.execute(f"PRAGMA user_version={SEARCH_VERSION}")
                    con.execute("COMMIT")
                row = con.execute("SELECT sql FROM sqlite_master WHERE name='articles_fts'").fetchone()
                self.tokenizer = "trigram" if "trigram" in row["sql"] else "unicode61"
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()
            self._ready = True

    def close(self) -> None:
        """Close every connection this object opened (it reopens on next use)."""
        with self._init_lock:
            for con in self._connections:
                with contextlib.suppress(Exception):
                    con.close()
            self._connections.clear()
            self._local = threading.local()

    @contextlib.contextmanager
    def _write(self):
        con = self._conn()
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _owner(owner) -> str:
        if not isinstance(owner, str) or not owner or len(owner) > 200:
            raise InvalidInput("owner", "must be the user's name (1 to 200 characters).")
        return owner

    @staticmethod
    def _id(value, field: str = "article_id") -> int:
        return check_int(field, value, 1, ID_MAX)

    @staticmethod
    def _title(value) -> str:
        title = check_text("title", value, required=False, max_chars=MAX_TITLE_CHARS)
        return " ".join(title.split())

    @staticmethod
    def _body(value) -> str:
        return check_text("body", value, required=False, max_chars=MAX_BODY_CHARS)

    @staticmethod
    def _tags(value) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            raise InvalidInput("tags", "must be text like 'travel, food' or a list of words.")
        tags: list[str] = []
        for item in items:
            tag = " ".join(check_text("tags", item, required=False, max_chars=60).split())
            if tag and tag.casefold() not in (t.casefold() for t in tags):
                tags.append(tag)
        if len(tags) > MAX_TAGS:
            raise InvalidInput("tags", "at most {a} tags, not {user_b}.", a=MAX_TAGS, user_b=len(tags))
        return ", ".join(tags)

    def _row(self, con, owner: str, article_id: int, *, trashed: bool | None = None) -> sqlite3.Row:
        row = con.execute("SELECT * FROM articles WHERE id=? AND owner=?", (article_id, owner)).fetchone()
        if row is None or (trashed is False and row["deleted"] is not None) or (
            trashed is True and row["deleted"] is None
        ):
            where = Message("in the trash") if trashed else Message("in your library")
            raise InvalidInput("article_id", "there is no article {n} {w}.", n=article_id, w=where)
        return row

    # ------------------------------------------------------------------ articles
    def create(self, owner: str, title: str = "", body: str = "", tags=None, *, note: str = "created",
               origin=None) -> dict:
        """A new article with its first version (``origin``: its generated spans). Returns :meth:`get`'s dict."""
        owner = self._owner(owner)
        title, body, tags_text = self._title(title), self._body(body), self._tags(tags)
        now = self.clock()
        with self._write() as con:
            cur = con.execute(
                "INSERT INTO articles(owner, title, body, tags, created, updated) VALUES (?,?,?,?,?,?)",
                (owner, title, body, tags_text, now, now),
            )
            article_id = cur.lastrowid
            vid = con.execute(
                "INSERT INTO versions(article_id, created, title, body, note) VALUES (?,?,?,?,?)",
                (article_id, now, title, body, note),
            ).lastrowid
            self._record_origin(con, article_id, vid, "", body, origin=origin or [])
        return self.get(owner, article_id)

    def save(self, owner: str, article_id: int | None, title: str, body: str, tags=None, *,
             note: str = "autosave", create_missing: bool = False, base_version: int | None = None,
             keep_both: bool = False, untrash: bool = False, **origin) -> dict:
        """Save ``title`` and ``body`` (and ``tags`` unless None) to an article; ``origin``: how the
        text-origin spans follow (``generated_by``, ``before``, ``origin``: :meth:`_record_origin`).

        A new article is created when ``article_id`` is None (or, with
        ``create_missing``, when it no longer exists, e.g. after the trash was
        emptied while it was open). A version is added only when the title or
        body changed.

        Two tabs (or programs) editing one article: ``base_version`` is the
        version the text was based on (the one opened or last saved). When the
        article's newest version is another one and the text differs from it,
        the save is refused with :class:`VersionConflict`; with ``keep_both``
        it is saved as the newest version instead (the other text stays in the
        versions) and ``conflict`` in the result names the version it followed.

        An article in the trash stays there when saved (the text is kept, and
        ``trashed`` is True in the result), unless ``untrash``: a tab that
        still shows an article another tab trashed does not bring it back.

        Returns:
            ``{"article_id", "version_id", "changed", "created", "updated",
            "conflict", "conflict_v", "trashed"}``; ``version_id`` is the newest version's
            id, ``updated`` Unix seconds, ``conflict`` None or the id of the
            newer version this save was not based on (``conflict_v``: its number, v6).

        Raises:
            InvalidInput: bad values, or no such article of ``owner``.
            VersionConflict: ``base_version`` is not the newest version (without ``keep_both``).
        """
        owner = self._owner(owner)
        title, body = self._title(title), self._body(body)
        tags_text = None if tags is None else self._tags(tags)
        if article_id is not None:
            article_id = self._id(article_id)
        if base_version is not None:
            base_version = self._id(base_version, "base_version")
        now = self.clock()
        with self._write() as con:
            row = None
            if article_id is not None:
                row = con.execute("SELECT * FROM articles WHERE id=? AND owner=?", (article_id, owner)).fetchone()
                if row is None and not create_missing:
                    raise InvalidInput("article_id", "there is no article {n} in your library.", n=article_id)
            if row is None:
                cur = con.execute(
                    "INSERT INTO articles(owner, title, body, tags, created, updated) VALUES (?,?,?,?,?,?)",
                    (owner, title, body, tags_text or "", now, now),
                )
                new_id = cur.lastrowid
                vid = con.execute(
                    "INSERT INTO versions(article_id, created, title, body, note) VALUES (?,?,?,?,?)",
                    (new_id, now, title, body, "created"),
                ).lastrowid
                self._record_origin(con, new_id, vid, "", body, **origin)
                return {"article_id": new_id, "version_id": vid, "changed": True, "created": True, "updated": now,
                        "conflict": None, "trashed": False}
            assert article_id is not None  # the row was found by it
            changed = row["title"] != title or row["body"] != body
            newest = con.execute("SELECT max(id) FROM versions WHERE article_id=?", (article_id,)).fetchone()[0]
            conflict = newest if (changed and base_version is not None and newest is not None
                                  and newest != base_version) else None
            if conflict is not None and not keep_both:
                assert base_version is not None  # a conflict needs a base version
                raise VersionConflict(base_version, conflict, article_id)
            conflict_v = self.version_number(article_id, conflict, con) if conflict is not None else None
            if conflict is not None:  # the writer sees per-article numbers (v6), as in the Versions list
                note = Message("{note} (saved after v{num_n}, made elsewhere)", note=note, num_n=conflict_v)
            new_tags = row["tags"] if tags_text is None else tags_text
            deleted = None if untrash else row["deleted"]
            if changed or new_tags != row["tags"] or deleted != row["deleted"]:
                con.execute(
                    "UPDATE articles SET title=?, body=?, tags=?, updated=?, deleted=? WHERE id=?",
                    (title, body, new_tags, now if changed or new_tags != row["tags"] else row["updated"], deleted,
                     article_id),
                )
            if changed:
                vid = con.execute("INSERT INTO versions(article_id, created, title, body, note) VALUES (?,?,?,?,?)",
                                  (article_id, now, title, body, note[:200])).lastrowid
                self._record_origin(con, article_id, vid, row["body"], body, **origin)
                self._prune(con, article_id, now)
            vid = con.execute(
                "SELECT id FROM versions WHERE article_id=? ORDER BY id DESC LIMIT 1", (article_id,)
            ).fetchone()["id"]
            updated = now if changed else row["updated"]
        return {"article_id": article_id, "version_id": vid, "changed": changed, "created": False, "updated": updated,
                "conflict": conflict, "conflict_v": conflict_v, "trashed": deleted is not None}

    def get(self, owner: str, article_id: int) -> dict:
        """One article: ``{"id", "title", "body", "tags" (list), "created", "updated",
        "deleted" (None or Unix seconds), "images" (see :meth:`images`), "versions" (count),
        "version_id" (the newest version's id: pass it as ``base_version`` to :meth:`save`),
        "brief" (:meth:`brief`)}``.

        Raises:
            InvalidInput: no article ``article_id`` belongs to ``owner``.
        """
        owner, article_id = self._owner(owner), self._id(article_id)
        con = self._conn()
        row = self._row(con, owner, article_id)
        count, newest = con.execute("SELECT count(*), max(id) FROM versions WHERE article_id=?",
                                    (article_id,)).fetchone()
        return {
            "id": row["id"], "title": row["title"], "body": row["body"],
            "tags": [t for t in row["tags"].split(", ") if t], "created": row["created"],
            "updated": row["updated"], "deleted": row["deleted"],
            "images": self.images(owner, article_id), "versions": count, "version_id": newest,
            "brief": self.brief(owner, article_id),
        }

    def list(self, owner: str, query: str = "", *, trash: bool = False, limit: int = 500) -> list[dict]:
        """The owner's articles, newest first, or those matching ``query`` best first.

        ``query`` searches title, body and tags with SQLite FTS5 (trigram
        tokenizer: substrings in any script); every word must match (Chinese written without spaces is
        cut into its words first, :func:`.helpers.search_words`). Text and
        query are compared in :func:`studio.unitext.fold` form, so case, NFC/NFD,
        full-width letters, ligatures, soft hyphens and zero-width characters
        do not matter. Words shorter than three characters fall back to a plain
        substring match (of the folded text too). ``trash=True`` lists the trash instead.

        Returns:
            dicts ``{"id", "title", "tags", "created", "updated", "deleted",
            "words", "snippet"}`` (``snippet`` is text around the first match,
            or the start of the body).
        """
        owner = self._owner(owner)
        query = check_text("query", query, required=False, max_chars=500)
        limit = check_int("limit", limit, 1, 10_000)
        con = self._conn()
        terms = [w for t in query.split() for w in search_words(t)]  # Chinese written together: its words
        folded = [t for t in (fold(t) for t in terms) if t]
        where = ["a.owner = ?", "a.deleted IS NOT NULL" if trash else "a.deleted IS NULL"]
        args: list[Any] = [owner]
        fts_terms = [t for t in folded if self.tokenizer != "trigram" or len(t) >= 3]
        like_terms = [t for t in folded if t not in fts_terms]
        for term in like_terms:
            pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(studio_fold(a.title) LIKE ? ESCAPE '\\' OR studio_fold(a.body) LIKE ? ESCAPE '\\' "
                         "OR studio_fold(a.tags) LIKE ? ESCAPE '\\')")
            args += [pattern, pattern, pattern]
        if fts_terms:
            star = "" if self.tokenizer == "trigram" else "*"
            match = " AND ".join('"' + t.replace('"', '""') + '"' + star for t in fts_terms)
            sql = (
                "SELECT a.*, bm25(articles_fts, 10.0, 1.0, 5.0) AS rank FROM articles_fts "
                "JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH ? AND "
                + " AND ".join(where) + " ORDER BY rank, a.updated DESC LIMIT ?"
            )
            rows = con.execute(sql, [match, *args, limit]).fetchall()
        else:
            order = "a.deleted DESC" if trash else "a.updated DESC"
            sql = "SELECT a.* FROM articles a WHERE " + " AND ".join(where) + f" ORDER BY {order}, a.id DESC LIMIT ?"
            rows = con.execute(sql, [*args, limit]).fetchall()
        return [
            {
                "id": r["id"], "title": r["title"], "tags": [t for t in r["tags"].split(", ") if t],
                "created": r["created"], "updated": r["updated"], "deleted": r["deleted"],
                "words": count_words(r["body"]), "snippet": snippet_of(r["body"], terms),
            }
            for r in rows
        ]

    def rename(self, owner: str, article_id: int, title: str) -> dict:
        """Change the title (adds a version). Returns :meth:`save`'s dict."""
        owner, article_id = self._owner(owner), self._id(article_id)
        row = self._row(self._conn(), owner, article_id)
        return self.save(owner, article_id, title, row["body"], note="renamed")

    def duplicate(self, owner: str, article_id: int, title: str | None = None) -> dict:
        """A copy of the article (text, tags, images, brief; one fresh version). Returns :meth:`get`'s dict.

        The copy is titled ``title`` or "<title> (copy)". Image files are
        shared, not copied.
        """
        owner, article_id = self._owner(owner), self._id(article_id)
        now = self.clock()
        with self._write() as con:
            row = self._row(con, owner, article_id)
            new_title = self._title(title if title is not None else f"{row['title'] or 'Untitled'} (copy)"[:MAX_TITLE_CHARS])
            new_id = con.execute(
                "INSERT INTO articles(owner, title, body, tags, created, updated) VALUES (?,?,?,?,?,?)",
                (owner, new_title, row["body"], row["tags"], now, now),
            ).lastrowid
            con.execute("INSERT INTO versions(article_id, created, title, body, note, origin) SELECT ?,?,?,?,?, origin "
                        "FROM versions WHERE article_id=? ORDER BY id DESC LIMIT 1",
                        (new_id, now, new_title, row["body"], f"copy of article {article_id}", article_id))
            con.execute(
                "INSERT INTO images(article_id, name, file, params, width, height, created) "
                "SELECT ?, name, file, params, width, height, created FROM images WHERE article_id=?",
                (new_id, article_id),
            )
            con.execute("INSERT INTO briefs(article_id, brief) SELECT ?, brief FROM briefs WHERE article_id=?",
                        (new_id, article_id))
        return self.get(owner, new_id)

    def delete(self, owner: str, article_id: int) -> None:
        """Move the article to the trash (it keeps its versions and images)."""
        owner, article_id = self._owner(owner), self._id(article_id)
        with self._write() as con:
            self._row(con, owner, article_id, trashed=False)
            con.execute("UPDATE articles SET deleted=? WHERE id=?", (self.clock(), article_id))

    def untrash(self, owner: str, article_id: int) -> None:
        """Take an article out of the trash."""
        owner, article_id = self._owner(owner), self._id(article_id)
        with self._write() as con:
            self._row(con, owner, article_id, trashed=True)
            con.execute("UPDATE articles SET deleted=NULL WHERE id=?", (article_id,))

    def empty_trash(self, owner: str) -> int:
        """Delete the owner's trashed articles for good, with their versions and
        image files no other article uses. Returns how many articles went."""
        owner = self._owner(owner)
        with self._write() as con:
            ids = [r[0] for r in con.execute(
                "SELECT id FROM articles WHERE owner=? AND deleted IS NOT NULL", (owner,))]
            files = {r[0] for r in con.execute(
                f"SELECT file FROM images WHERE article_id IN ({','.join('?' * len(ids))})", ids)} if ids else set()
            for article_id in ids:
                con.execute("DELETE FROM articles WHERE id=?", (article_id,))
            still_used = {r[0] for r in con.execute(
                f"SELECT file FROM images WHERE file IN ({','.join('?' * len(files))})", list(files))} if files else set()
        for name in files - still_used:
            with contextlib.suppress(FileNotFoundError):
                (self.images_dir / name).unlink()
        self._sweep_orphans()
        return len(ids)

    def _sweep_orphans(self, min_age_s: float = 3600) -> None:
        """Delete image files no row refers to (left by a crash between file and row)."""
        con = self._conn()
        used = {r[0] for r in con.execute("SELECT DISTINCT file FROM images")}
        cutoff = time.time() - min_age_s
        for path in self.images_dir.glob("*"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.name not in used and path.stat().st_mtime < cutoff:
                    path.unlink()
