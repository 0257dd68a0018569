"""Images attached to articles: add, list, map names to files (mixed into
:class:`studio.library.Library`)."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

from ..files import atomic_write_bytes, new_filename
from .base import StoreParts
from .helpers import clean_name, png_bytes

log = logging.getLogger(__name__)


class ImagesMixin(StoreParts):
    """The images part of :class:`~studio.library.Library` (uses its connection and checks)."""

    # ------------------------------------------------------------------ images
    def attach_image(self, owner: str, article_id: int, source, params: dict | None = None,
                     name: str | None = None) -> dict:
        """Copy an image into the library and attach it to an article.

        Args:
            source: a path to an image file, its bytes, or a PIL image. 8-bit
                PNG files (and palette ones) are kept byte for byte (with their
                metadata); other formats and modes (16-bit, float, CMYK...) are
                converted to an 8-bit PNG by :func:`studio.pictures.displayable`,
                so the library and every export show the same picture.
            params: generation parameters; read from the PNG's metadata
                when None.
            name: the name used in ``images/<name>`` references; a fresh one
                when None, made unique within the article (``-2``, ``-3``...).

        Returns:
            :meth:`images`' dict for the new image.

        Raises:
            InvalidInput: not an image, too big, or no such article.
        """
        owner, article_id = self._owner(owner), self._id(article_id)
        self._row(self._conn(), owner, article_id)
        data, image_params, size = png_bytes(source)
        if params is None:
            params = image_params
        path = new_filename(self.images_dir, "img", ".png")
        atomic_write_bytes(path, data)
        base = clean_name(name) if name else path.name
        now = self.clock()
        try:
            with self._write() as con:
                self._row(con, owner, article_id)
                taken = {r[0] for r in con.execute("SELECT name FROM images WHERE article_id=?", (article_id,))}
                final, stem, n = base, base[:-4], 2
                while final in taken:
                    final, n = f"{stem}-{n}.png", n + 1
                image_id = con.execute(
                    "INSERT INTO images(article_id, name, file, params, width, height, created) VALUES (?,?,?,?,?,?,?)",
                    (article_id, final, path.name, json.dumps(params or {}, ensure_ascii=False, default=str),
                     size[0], size[1], now),
                ).lastrowid
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return next(i for i in self.images(owner, article_id) if i["id"] == image_id)

    def images(self, owner: str, article_id: int) -> list[dict]:
        """The article's images, oldest first: ``{"id", "name", "ref" ("images/<name>"),
        "path" (Path of the PNG), "params" (dict), "width", "height", "created"}``."""
        owner, article_id = self._owner(owner), self._id(article_id)
        con = self._conn()
        self._row(con, owner, article_id)
        rows = con.execute("SELECT * FROM images WHERE article_id=? ORDER BY id", (article_id,)).fetchall()
        return [
            {"id": r["id"], "name": r["name"], "ref": f"images/{r['name']}", "path": self.images_dir / r["file"],
             "params": json.loads(r["params"] or "{}"), "width": r["width"], "height": r["height"],
             "created": r["created"]}
            for r in rows
        ]

    def image_map(self, owner: str, article_id: int) -> dict[str, Path]:
        """``{"images/<name>": path}`` for every image of the article (used by the exports)."""
        return {i["ref"]: i["path"] for i in self.images(owner, article_id)}
