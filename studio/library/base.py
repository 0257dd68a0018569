"""What the library's mixins (versions, images, origin, briefs) use of :class:`studio.library.Library`,
declared for the type checker only: at run time :class:`StoreParts` is an empty class, and
:class:`~studio.library.store.Library` defines every name."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable
    from contextlib import AbstractContextManager
    from pathlib import Path


class StoreParts:
    """The store's connection, checks and settings, as the mixins see them (see :mod:`studio.library.store`)."""

    if TYPE_CHECKING:
        keep_all: int
        clock: Callable[[], float]

        @property
        def images_dir(self) -> Path: ...

        def _conn(self) -> sqlite3.Connection: ...

        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...

        @staticmethod
        def _owner(owner) -> str: ...

        @staticmethod
        def _id(value, field: str = "article_id") -> int: ...

        def _row(self, con, owner: str, article_id: int, *, trashed: bool | None = None) -> sqlite3.Row: ...

        def save(self, owner: str, article_id: int | None, title: str, body: str, tags=None, *,
                 note: str = "autosave", create_missing: bool = False, base_version: int | None = None,
                 keep_both: bool = False, untrash: bool = False, **origin) -> dict: ...
