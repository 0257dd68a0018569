"""Zip files a writer hands to Studio (a .docx, a Markdown zip), checked before anything is inflated.

A zip says, in its central directory, how large each part is once unpacked. :func:`open_checked`
refuses an archive from those declared sizes and from its compression ratio before a single byte is
inflated (a 200 KB .docx whose XML unpacks to 500 MB is a "zip bomb"); :func:`read_member` then reads
one part in pieces and stops at its limit, whatever the archive declared. Python's ``zipfile`` never
hands out more than a part's declared size (it reports the rest as a bad CRC), so once the declared
sizes are checked, the memory a reader can take is bounded by them, provided it reads in pieces: a plain
``ZipFile.read`` inflates a whole part before cutting it to its declared size. :func:`verified_copy` hands
a library that reads whole parts (python-docx) a copy made of parts read that way.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from .errors import InvalidInput

MB = 1024 * 1024
# unpacked / packed: Word's XML packs about 5-20 : 1 (150 : 1 for one paragraph copied 4,800 times), pictures
# 1 : 1, a zip bomb about 1,000 : 1
MAX_RATIO = 200
RATIO_FROM = 4 * MB  # parts smaller than this unpack to little whatever their ratio
CHUNK = 64 * 1024


def _mb(n: int) -> str:
    return f"{n / MB:,.0f}" if n >= 10 * MB else f"{n / MB:,.1f}"


def open_checked(path: str | Path, field: str, *, max_part: int, max_total: int, max_parts: int = 10_000,
                 what: str = "") -> zipfile.ZipFile:
    """Open the zip at ``path`` after checking what it declares, inflating nothing.

    Args:
        field: the input's name for messages (``files``, ``file``).
        max_part: the largest unpacked size of one part, in bytes.
        max_total: the largest unpacked size of all parts together.
        max_parts: the most parts (files) the zip may hold.
        what: how the writer knows the file (its name; the path's name if not given); messages start with it.

    Returns:
        the open :class:`zipfile.ZipFile` (close it, or use it in a ``with``).

    Raises:
        InvalidInput: not a zip, too many parts, a part or the whole too large once unpacked, or a part
            packed more tightly than :data:`MAX_RATIO` : 1 (naming the part and the limit).
    """
    what = what or Path(path).name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InvalidInput(field, "'{f}' is not a readable zip file; it looks damaged.", f=what) from None
    try:
        check_declared(zf, field, max_part=max_part, max_total=max_total, max_parts=max_parts, what=what)
    except BaseException:
        zf.close()
        raise
    return zf


def check_declared(zf: zipfile.ZipFile, field: str, *, max_part: int, max_total: int, max_parts: int,
                   what: str) -> None:
    """The checks of :func:`open_checked` on an open zip (see there)."""
    infos = zf.infolist()
    if len(infos) > max_parts:
        raise InvalidInput(field, "'{f}' holds {n} files; the limit is {m}.", f=what, n=f"{len(infos):,}",
                           m=f"{max_parts:,}")
    total = 0
    for info in infos:
        size, packed = info.file_size, max(1, info.compress_size)
        part = info.filename[:120]
        if size > max_part:
            raise InvalidInput(field, "'{f}' holds '{p}', {a} MB once unpacked; the limit is "
                                      "{b} MB per part.", f=what, p=part, a=_mb(size), b=_mb(max_part))
        if size > RATIO_FROM and size > MAX_RATIO * packed:
            raise InvalidInput(field, "'{f}' holds '{p}', packed {r} to 1 ({a} MB "
                                      "that unpack to {b} MB); the limit is {c} to 1, so it was "
                                      "not opened.", f=what, p=part, r=f"{size // packed:,}", a=_mb(packed),
                               b=_mb(size), c=MAX_RATIO)
        total += size
    if total > max_total:
        raise InvalidInput(field, "'{f}' unpacks to {a} MB; the limit is {b} MB.", f=what, a=_mb(total),
                           b=_mb(max_total))


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo | str, field: str, limit: int, what: str) -> bytes:
    """One part of an open zip, read in pieces of 64 KB and refused as soon as it passes ``limit`` bytes.

    Raises:
        InvalidInput: the part unpacks to more than ``limit``, or is damaged.
    """
    name = info.filename if isinstance(info, zipfile.ZipInfo) else info
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                out += chunk
                if len(out) > limit:
                    raise InvalidInput(field, "'{f}' holds '{p}', which unpacks to more than "
                                              "{a} MB; the limit is {b} MB per part.", f=what, p=name[:120],
                                       a=_mb(limit), b=_mb(limit))
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise InvalidInput(field, "'{f}' is damaged: '{p}' could not be unpacked.", f=what, p=name[:120]) from None
    return bytes(out)


def verified_copy(zf: zipfile.ZipFile, field: str, limit: int, what: str) -> io.BytesIO:
    """The archive rebuilt in memory (stored, not compressed) from its parts read with :func:`read_member`,
    for a library that opens the zip itself and reads each part whole. Check it with :func:`open_checked` first:
    the copy takes the declared sizes' total in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            if not info.is_dir():
                out.writestr(info.filename, read_member(zf, info, field, limit, what))
    buf.seek(0)
    return buf
