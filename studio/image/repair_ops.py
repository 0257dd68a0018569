"""Mask and fill operations of picture repair (numpy in, numpy out; no Gradio, no torch).

Used by :mod:`studio.image.repair`: reading a user's mask, growing the canvas for
outpainting, OpenCV's inpainting (``cv2.inpaint``, opencv-python-headless), the soft
edge of ``mask_blur`` and the exact composite that keeps every unmasked pixel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from ..errors import InvalidInput
from ..models import HUB_ID, hub_cached_snapshot, looks_like_path
from . import cv_worker
from .imageio import load_user_image

BLACK = (0, 0, 0)


def load_mask(source: Any, size: tuple[int, int], field: str = "mask_image") -> np.ndarray:
    """A user's mask as a boolean ``(H, W)`` array, True where the picture is to be filled.

    Args:
        source: anything :func:`~studio.image.imageio.load_user_image` opens, or a
            boolean/uint8 ``(H, W)`` array. White or any bright colour (a channel ≥ 128)
            marks what to fill; black and transparent pixels are kept.
        size: ``(width, height)`` the mask must have: the picture's.

    Raises:
        InvalidInput: missing, unreadable, or another size than the picture.
    """
    mask: np.ndarray | None
    if isinstance(source, np.ndarray) and source.ndim == 2 and source.dtype == bool:
        mask = source
    else:
        if isinstance(source, np.ndarray) and source.ndim == 2 and source.shape[::-1] != tuple(size):
            mask = None  # reported below without decoding anything else
            shape = source.shape[::-1]
        else:
            loaded = load_user_image(source, field, background=BLACK)
            shape = loaded.size
            mask = np.asarray(loaded.image).max(axis=2) >= 128 if shape == tuple(size) else None
        if mask is None:
            raise InvalidInput(field, "is {w}×{h} px but the picture is {pw}×{ph}; "
                                      "the mask must have the picture's size.", w=shape[0], h=shape[1], pw=size[0],
                               ph=size[1])
    assert mask is not None  # a None mask was refused above
    if mask.shape[::-1] != tuple(size):
        raise InvalidInput(field, "is {w}×{h} px but the picture is {pw}×{ph}; "
                                  "the mask must have the picture's size.", w=mask.shape[1], h=mask.shape[0],
                           pw=size[0], ph=size[1])
    return mask


def extend_canvas(rgb: np.ndarray, mask: np.ndarray, left: int, right: int, up: int, down: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Grow the picture by the given pixels on each side (outpainting).

    Returns ``(canvas uint8 (H+up+down, W+left+right, 3), mask bool)``; the new border is
    masked (to be filled) and its pixels are black until filled.
    """
    if not (left or right or up or down):
        return rgb, mask
    h, w = mask.shape
    canvas = np.zeros((h + up + down, w + left + right, 3), np.uint8)
    canvas[up:up + h, left:left + w] = rgb
    grown = np.ones(canvas.shape[:2], bool)
    grown[up:up + h, left:left + w] = mask
    return canvas, grown


def opencv_fill(rgb: np.ndarray, mask: np.ndarray, method: str = "telea", radius: int = 5, stop=None) -> np.ndarray:
    """``cv2.inpaint`` of ``rgb`` (uint8 ``(H, W, 3)``) where ``mask`` (bool ``(H, W)``) is True.

    ``method``: ``telea`` (``cv2.INPAINT_TELEA``) or ``navier-stokes`` (``cv2.INPAINT_NS``);
    ``radius``: the neighbourhood (px) each filled pixel is drawn from. Returns a new uint8 array.
    A large fill runs in a child process that ``stop`` (a ``threading.Event``) ends at once; one over
    :data:`~studio.image.cv_worker.MAX_COST` is refused (:mod:`.cv_worker`).

    Raises:
        InvalidInput: (``opencv_radius``) too much work. Cancelled: Stop was pressed.
    """
    return cv_worker.inpaint(rgb, mask.view(np.uint8), method == "telea", radius, stop)


def blend_alpha(mask: np.ndarray, mask_blur: int) -> np.ndarray | None:
    """Blend weights (float32 ``(H, W)``, 1 inside the mask) for a soft edge ``mask_blur`` px wide;
    None for 0 (a hard edge: only masked pixels change)."""
    if not mask_blur:
        return None
    soft = Image.fromarray(mask.view(np.uint8) * 255).filter(ImageFilter.GaussianBlur(mask_blur))
    return np.maximum(np.asarray(soft, np.float32) / 255.0, mask.astype(np.float32))


def composite(original: np.ndarray, filled: np.ndarray, mask: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """``filled`` inside ``mask``, ``original`` elsewhere (exact copies; written into ``filled`` when it
    is writable, so pass a fresh array); with ``alpha``, a soft mix
    ``alpha × filled + (1 − alpha) × original`` rounded to uint8 (pixels with alpha 0 stay exact)."""
    if alpha is None:
        import cv2

        out = filled if filled.flags.writeable else filled.copy()
        cv2.copyTo(original, (~mask).view(np.uint8), out)  # in place, SIMD: ~100× faster than numpy's where=
        return out
    a = alpha[..., None]
    mixed = np.rint(a * filled.astype(np.float32) + (1.0 - a) * original.astype(np.float32)).astype(np.uint8)
    np.copyto(mixed, original, where=(alpha == 0)[..., None])
    return mixed


def _folder_is_inpainting(folder: Path) -> bool | None:
    """True/False from a diffusers folder's files (UNet with 9 input channels, or an inpainting
    pipeline class); None when the folder says neither."""
    try:
        unet = json.loads((folder / "unet" / "config.json").read_text(encoding="utf-8"))
        return int(unet.get("in_channels", 4)) == 9
    except (OSError, ValueError):
        pass
    try:
        name = json.loads((folder / "model_index.json").read_text(encoding="utf-8")).get("_class_name", "")
        return "Inpaint" in name or "Fill" in name
    except (OSError, ValueError, AttributeError):
        return None


def looks_like_inpainting(ref: str) -> bool:
    """Whether a model reference names an inpainting model, from its files (local folder or
    cached Hub copy) or, for a Hub id that is not cached, from its name ("inpaint", "fill")."""
    if looks_like_path(ref):
        return bool(_folder_is_inpainting(Path(ref).expanduser()))
    if HUB_ID.match(ref):
        cached = hub_cached_snapshot(ref)
        found = _folder_is_inpainting(cached) if cached is not None else None
        if found is not None:
            return found
        return "inpaint" in ref.lower() or "fill" in ref.lower()
    return False


def border_mask(mask: np.ndarray, ext: dict, shape: tuple[int, int]) -> np.ndarray:
    """The outpainting border alone: True outside the original picture on a canvas of ``shape``."""
    border = np.ones(shape, bool)
    h, w = mask.shape
    border[ext["up"]:ext["up"] + h, ext["left"]:ext["left"] + w] = False
    return border
