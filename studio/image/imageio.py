"""Safe loading of pictures a user hands to the studio (upload, API, another tab).

:func:`load_user_image` opens PNG, JPEG, WebP, GIF (first frame), BMP and
TIFF (first page) files, applies the EXIF orientation, converts every colour
mode to 8-bit RGB (transparency onto white, 16-bit and float greyscale
rescaled, CMYK and ICC-tagged pictures to sRGB), refuses decompression bombs
from the header alone (before any pixel is decoded), refuses pictures that
are too small, and downscales a large picture to ``max_side``. Every failure
is an :class:`~studio.errors.InvalidInput` naming the field, written for a
writer.
"""

from __future__ import annotations

import dataclasses
import io
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ..errors import InvalidInput
from ..messages import Message

FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")  # Pillow opens camera MPO files as JPEG
MIN_SIDE = 32  # pixels; the style networks halve the picture twice
MAX_SIDE = 16_384  # pixels per side in the file
MAX_PIXELS = 64_000_000  # 64 megapixels (a 48 MP phone photo fits; 20000×20000 does not)
MAX_FILE_BYTES = 200 * 1024 * 1024
WHITE = (255, 255, 255)
FORMAT_HINT = Message("Use a PNG, JPEG, WebP, GIF, BMP or TIFF picture.")


@dataclasses.dataclass
class LoadedImage:
    """A user's picture, ready for a model.

    Attributes:
        image: 8-bit RGB ``PIL.Image``, upright, at most ``max_side`` on its longer side.
        original_size: ``(width, height)`` in pixels after EXIF rotation, before any downscaling.
        name: the file's name (no folder) or ``""`` for in-memory pictures; for metadata only.
        format: the file format Pillow found (``"PNG"``, ``"JPEG"``...), or ``""``.
    """

    image: Image.Image
    original_size: tuple[int, int]
    name: str = ""
    format: str = ""

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of :attr:`image`."""
        return self.image.size

    @property
    def downscaled(self) -> bool:
        """True when the picture was made smaller to fit ``max_side``."""
        return self.image.size != self.original_size

    def note(self, field: str = "The picture") -> str:
        """A sentence for the UI when the picture was downscaled, else ``""``."""
        if not self.downscaled:
            return ""
        (w, h), (ow, oh) = self.image.size, self.original_size
        return f"{field} was {ow}×{oh} pixels; it was downscaled to {w}×{h} (the largest side allowed)."


def load_user_image(source: Any, field: str = "image", max_side: int | None = None,
                    background: tuple[int, int, int] = WHITE) -> LoadedImage:
    """Open a user's picture safely and return it as upright 8-bit RGB.

    Args:
        source: a file path (``str``/``Path``), a Gradio file dict (``{"path": ...}``),
            raw ``bytes``, a ``PIL.Image`` or an ``(H, W[, 3|4])`` uint8 numpy array.
        field: the input's name, used in error messages (``"content_image"``...).
        max_side: when set, a picture larger than this on its longer side is
            downscaled (Lanczos) to fit; the aspect ratio is kept.
        background: the RGB colour transparent pixels are composited onto (white; masks use black).

    Returns:
        :class:`LoadedImage`.

    Raises:
        InvalidInput: nothing given; the file is missing, not a picture, damaged,
            in an unsupported format or colour mode; larger than
            :data:`MAX_PIXELS` or :data:`MAX_SIDE` (checked from the header,
            before decoding); smaller than :data:`MIN_SIDE` on a side, before or
            (field ``max_side``) after downscaling.
    """
    name = ""
    if isinstance(source, dict):
        source = source.get("path") or source.get("name")
    if source is None or (isinstance(source, (str, bytes)) and not source):
        raise InvalidInput(field, "is missing. Upload a picture first.")
    if isinstance(source, Image.Image):
        _check_size(field, source.size)
        image, fmt = source, source.format or ""
    elif isinstance(source, np.ndarray):
        image, fmt = _from_array(field, source), ""
    else:
        if isinstance(source, bytes):
            fp: io.BytesIO | Path = io.BytesIO(source)
            name = ""
            if len(source) > MAX_FILE_BYTES:
                raise InvalidInput(field, "is {a} MB; the limit is {b} MB.", a=f"{len(source) / 2**20:.0f}",
                                   b=MAX_FILE_BYTES // 2**20)
        else:
            path = Path(str(source))
            name = path.name
            if not path.is_file():
                raise InvalidInput(field, "could not be found ({n}). Upload it again.", n=name or path)
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InvalidInput(field, "is {a} MB; the limit is {b} MB.", a=f"{size / 2**20:.0f}",
                                   b=MAX_FILE_BYTES // 2**20)
            fp = path
        image, fmt = _open(field, fp)
    try:
        image = _first_frame(image)
        image.load()
        image = ImageOps.exif_transpose(image)  # exif_transpose needs the pixels
    except InvalidInput:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidInput(field, "could not be decoded; the file looks damaged or cut short ({e}). "
                                  "Save it again or try another picture.", e=_short(exc)) from None
    original_size = image.size
    _check_size(field, original_size)
    rgb = to_rgb(image, field, background)
    if max_side and max(rgb.size) > max_side:
        rgb = fit_within(rgb, max_side)
        if min(rgb.size) < MIN_SIDE:
            (w, h), (nw, nh) = original_size, rgb.size
            raise InvalidInput("max_side", "{m} would shrink the {f} ({w}×{h}) to {nw}×{nh}, under "
                                           "{s} px on a side. Raise max_side or crop the picture.",
                               m=max_side, f=field, w=w, h=h, nw=nw, nh=nh, s=MIN_SIDE)
    return LoadedImage(rgb, original_size, name=name, format=fmt)


def load_user_rgb(source: Any, field: str = "image") -> tuple[np.ndarray, str]:
    """A user's picture as an upright 8-bit RGB array ``(H, W, 3)`` and its file name (``""`` in memory).

    An ``(H, W, 3)`` uint8 array is only checked (:data:`MAX_PIXELS`, :data:`MAX_SIDE`,
    :data:`MIN_SIDE`) and handed back as is, without a copy (treat it as read-only); anything
    else goes through :func:`load_user_image` (never downscaled here).

    Raises:
        InvalidInput: as :func:`load_user_image`.
    """
    if isinstance(source, np.ndarray) and source.dtype == np.uint8 and source.ndim == 3 and source.shape[2] == 3:
        _check_size(field, (source.shape[1], source.shape[0]))
        return source, ""
    loaded = load_user_image(source, field)
    return np.asarray(loaded.image, np.uint8), loaded.name


def _open(field: str, fp) -> tuple[Image.Image, str]:
    """``Image.open`` restricted to :data:`FORMATS`, with the bomb check done on the header."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(fp, formats=FORMATS)
    except Image.DecompressionBombError as exc:  # Pillow's own header check (over ~179 megapixels)
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = (Message("{n} megapixels", n=f"{int(found.group(1)) / 1e6:.0f}") if found
                else Message("enormous"))
        raise InvalidInput(field, "is {s}, too large to open safely. The limit is "
                                  "{l} megapixels; make it smaller first.", s=size,
                           l=MAX_PIXELS // 1_000_000) from None
    except UnidentifiedImageError:
        raise InvalidInput(field, "is not a picture Studio can read. {h}", h=FORMAT_HINT) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidInput(field, "could not be read; the file looks damaged ({e}). {h}", e=_short(exc),
                           h=FORMAT_HINT) from None
    _check_size(field, image.size)  # header only: nothing is decoded yet
    return image, image.format or ""


def _check_size(field: str, size: tuple[int, int]) -> None:
    w, h = size
    if w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        raise InvalidInput(
            field,
            "is {w}×{h} pixels ({mp} megapixels), too large to open safely. The limit is "
            "{l} megapixels and {s} pixels per side; make it smaller first.",
            w=w, h=h, mp=f"{w * h / 1e6:.0f}", l=MAX_PIXELS // 1_000_000, s=MAX_SIDE,
        )
    if w < MIN_SIDE or h < MIN_SIDE:
        raise InvalidInput(field, "is {w}×{h} pixels; both sides need at least {m} pixels.", w=w, h=h, m=MIN_SIDE)


def _first_frame(image: Image.Image) -> Image.Image:
    """The first frame of an animated GIF/WebP or the first page of a multi-page TIFF."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    return image


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:160]


def _from_array(field: str, array: np.ndarray) -> Image.Image:
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise InvalidInput(field, "must be an H×W, H×W×3 or H×W×4 picture, not an array of shape {s}.",
                           s=array.shape)
    _check_size(field, (array.shape[1], array.shape[0]))
    if array.dtype != np.uint8:
        if np.issubdtype(array.dtype, np.floating) and np.nanmax(array) <= 1.0:
            array = array * 255.0
        array = np.clip(np.rint(np.nan_to_num(array)), 0, 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    return Image.fromarray(array)


def to_rgb(image: Image.Image, field: str = "image", background: tuple[int, int, int] = WHITE) -> Image.Image:
    """Any Pillow colour mode → 8-bit RGB.

    Transparent pixels are composited onto ``background`` (white by default); 16-bit integer greyscale
    (``I;16*``, ``I``) is scaled from 0..65535, float greyscale (``F``) from
    0..1 when it fits there (else taken as 0..255); CMYK and pictures with an
    embedded ICC profile are converted to sRGB with LittleCMS when possible.

    Raises:
        InvalidInput: a colour mode Pillow cannot convert to RGB.
    """
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        arr = np.asarray(image).astype(np.float64)
        top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        return Image.fromarray(np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    if mode == "F":
        arr = np.nan_to_num(np.asarray(image, dtype=np.float64))
        scale = 255.0 if arr.max(initial=0) <= 1.0 else 1.0
        return Image.fromarray(np.clip(arr * scale + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info) \
        or (mode in ("L", "RGB") and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        base = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    profiled = _to_srgb(image)
    if profiled is not None:
        return profiled
    try:
        return image.convert("RGB")
    except ValueError:
        raise InvalidInput(field, "uses the colour mode {m}, which Studio cannot convert. "
                                  "Save it as an ordinary RGB picture.", m=mode) from None


def _to_srgb(image: Image.Image) -> Image.Image | None:
    """Convert a picture with an embedded ICC profile to sRGB; ``None`` when it has none or it fails."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "CMYK", "L"):
        return None
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        dst = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(image, src, dst, outputMode="RGB")
    except Exception:  # noqa: BLE001 - a broken profile falls back to Pillow's plain conversion
        return None


def fit_within(image: Image.Image, max_side: int) -> Image.Image:
    """``image`` scaled down (Lanczos, aspect kept) so its longer side is ``max_side``; smaller ones unchanged."""
    w, h = image.size
    if max(w, h) <= max_side:
        return image
    scale = max_side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def probe_size(source: Any) -> tuple[int, int] | None:
    """``(width, height)`` read from a picture file's header (EXIF rotation applied), or ``None``.

    Decodes no pixels; for UI notes ("this picture will be downscaled") before any work.
    """
    try:
        if isinstance(source, dict):
            source = source.get("path")
        if not source:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(str(source), formats=FORMATS) as im:
                w, h = im.size
                # Pillow reports a TIFF's size already turned by its orientation tag (and turns it on load)
                orientation = 1 if im.format == "TIFF" else im.getexif().get(0x0112, 1)
        return (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    except Exception:  # noqa: BLE001 - a probe never fails loudly; the real load reports errors
        return None
