"""One rule for turning any picture Pillow opens into one every viewer draws alike.

PNG viewers, browsers and Word agree on 8-bit pictures (modes ``1``, ``L``,
``LA``, ``RGB``, ``RGBA``). Other modes are converted by :func:`displayable`
so that the library, its gallery and every export show the same pixels:

* ``I;16`` (16-bit greyscale, incl. ``I;16B``/``I;16L``) and ``I`` (32-bit
  integers, as Pillow opens 16-bit PNGs) are scaled from 0..65535 to 0..255
  (value / 257, rounded), like a browser shows a 16-bit PNG; an ``I`` picture
  with values outside 0..65535 is stretched from its own minimum to maximum.
* ``F`` (32-bit float): 0..1 is scaled to 0..255; otherwise values within
  0..255 are kept, else stretched from minimum to maximum.
* ``P``/``PA`` with transparency become ``RGBA`` (so transparent stays
  transparent), without it ``RGB``; ``CMYK``, ``YCbCr``, ``LAB``, ``HSV`` become
  ``RGB`` with Pillow's own conversion; ``La`` becomes ``LA`` and ``RGBa`` ``RGBA``.

Pillow's plain ``convert("L")``/``convert("RGB")`` clips ``I;16`` values above
255 to white instead, which is why this exists.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

KEEP = {"1", "L", "LA", "RGB", "RGBA"}


def _stretch(a: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(a)), float(np.max(a))
    if hi <= lo:
        return np.zeros(a.shape, np.uint8)
    return np.clip(np.rint((a - lo) * (255.0 / (hi - lo))), 0, 255).astype(np.uint8)


def _grey(im: Image.Image) -> Image.Image:
    a = np.asarray(im)
    if im.mode == "F":
        a = a.astype(np.float64)
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
        if a.size and a.min() >= 0 and a.max() <= 1:
            out = np.rint(a * 255.0)
        elif a.size and a.min() >= 0 and a.max() <= 255:
            out = np.rint(a)
        else:
            return Image.fromarray(_stretch(a), "L")
        return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")
    a = a.astype(np.int64)
    if a.size and (a.min() < 0 or a.max() > 65535):
        return Image.fromarray(_stretch(a.astype(np.float64)), "L")
    return Image.fromarray(((a * 255 + 32767) // 65535).astype(np.uint8), "L")


def displayable(im: Image.Image) -> Image.Image:
    """``im`` in a mode every viewer draws the same (``1``, ``L``, ``LA``, ``RGB``, ``RGBA``).

    Returns ``im`` itself when it already is; else a converted copy (see the
    module's rules). Metadata in ``im.info`` is carried over.
    """
    mode = im.mode
    if mode in KEEP:
        return im
    if mode in ("I", "F") or mode.startswith("I;16"):
        out = _grey(im)
    elif mode in ("P", "PA"):
        transparent = mode == "PA" or "transparency" in im.info
        out = im.convert("RGBA" if transparent else "RGB")
    elif mode == "La":
        out = im.convert("LA")
    elif mode == "RGBa":
        out = im.convert("RGBA")
    else:
        out = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    out.info = {k: v for k, v in im.info.items() if k != "transparency"}
    return out


__all__ = ["displayable", "KEEP"]
