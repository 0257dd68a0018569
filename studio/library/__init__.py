"""The writer's library: articles, their versions and their images, in SQLite.

Storage (all under ``data_dir``, the ``--data-dir`` / ``STUDIO_DATA_DIR`` folder):

* ``library.db`` — SQLite through the standard :mod:`sqlite3` module, in WAL
  mode with ``synchronous=FULL``: a save is one transaction, so a process
  killed in the middle of it (even ``kill -9``) leaves the last completed
  version intact and the database readable.
* ``images/`` — the PNG files attached to articles, each written to a
  temporary name and renamed (:mod:`studio.files`), referenced by the
  database. Two articles may share one file (a duplicate does); a file is
  deleted only when no article refers to it any more.

Every public method takes the ``owner`` first: the user name Gradio gives the
request with ``--auth``, or :data:`LOCAL_OWNER` without a login. Every query
filters on it, so no call can read or change another owner's article; an
article of someone else looks exactly like one that does not exist.

In the body, an attached image is referenced as ``![alt](images/<name>)``,
``<name>`` being unique within the article. The same text works in the
Markdown export, whose zip holds an ``images/`` folder.
"""

from .helpers import (  # noqa: F401 - the helpers the package's modules share
    clean_name,
    fold_sql,
    has_trigram,
    insert_block,
    is_blank,
    markdown_image,
    png_bytes,
    snippet_of,
    stamp,
)
from .schema import (  # noqa: F401
    FTS_TABLE,
    ID_MAX,
    IMAGE_REF,
    LOCAL_OWNER,
    MAX_BODY_CHARS,
    MAX_IMAGE_BYTES,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    SCHEMA,
    SEARCH_VERSION,
    TRIGGERS,
)
from .store import Library  # noqa: F401

__all__ = [
    "FTS_TABLE", "IMAGE_REF", "LOCAL_OWNER", "MAX_BODY_CHARS", "MAX_IMAGE_BYTES", "MAX_TAGS", "MAX_TITLE_CHARS",
    "SCHEMA", "SEARCH_VERSION", "TRIGGERS", "Library", "insert_block", "is_blank", "markdown_image",
]
