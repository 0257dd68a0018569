"""Limits, the SQLite schema and the search index of the library (see :mod:`studio.library`)."""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

LOCAL_OWNER = "local"
"""The owner of everything when the studio runs without ``--auth``."""

MAX_TITLE_CHARS = 300
MAX_BODY_CHARS = 2_000_000
MAX_TAGS = 50
MAX_IMAGE_BYTES = 64 * 1024 * 1024
IMAGE_REF = re.compile(r"!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(\s*<?(?P<src>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
"""A Markdown image: ``![alt](src)`` or ``![alt](src "title")``."""

ID_MAX = 2**63 - 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id       INTEGER PRIMARY KEY,
    owner    TEXT NOT NULL,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    tags     TEXT NOT NULL DEFAULT '',
    created  REAL NOT NULL,
    updated  REAL NOT NULL,
    deleted  REAL
);
CREATE INDEX IF NOT EXISTS articles_owner ON articles(owner, deleted, updated);
CREATE TABLE IF NOT EXISTS versions (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    created     REAL NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS versions_article ON versions(article_id, created);
CREATE TABLE IF NOT EXISTS images (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    file        TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    created     REAL NOT NULL,
    UNIQUE(article_id, name)
);
CREATE INDEX IF NOT EXISTS images_file ON images(file);
"""

TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body, tags)
        VALUES (new.id, studio_fold(new.title), studio_fold(new.body), studio_fold(new.tags));
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body, tags)
        VALUES ('delete', old.id, studio_fold(old.title), studio_fold(old.body), studio_fold(old.tags));
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_au AFTER UPDATE OF title, body, tags ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body, tags)
        VALUES ('delete', old.id, studio_fold(old.title), studio_fold(old.body), studio_fold(old.tags));
    INSERT INTO articles_fts(rowid, title, body, tags)
        VALUES (new.id, studio_fold(new.title), studio_fold(new.body), studio_fold(new.tags));
END;
"""
"""The search index holds :func:`studio.unitext.fold` of each column (NFKC, case-folded, without
soft hyphens and zero-width characters); ``studio_fold`` is registered on every connection."""

SEARCH_VERSION = 1
"""``PRAGMA user_version`` of a library whose index is folded; older ones are re-indexed once."""

FTS_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "title, body, tags, content='articles', content_rowid='id', tokenize='{tokenize}')"
)
