"""Pictures for the HTTP API, shared by ``/v1/images/*`` and ``/sdapi/v1/*``: through the engines
(``ctx.images``, ``ctx.diffusion``, ``ctx.repair``), with their checks and device lock, into the
caller's own folder (:func:`studio.ui.owners.claim`)."""

from __future__ import annotations

import base64
import contextlib
import io
import threading
from pathlib import Path

import numpy as np

from ..errors import InvalidInput, ModelUnavailable
from ..messages import Message
from ..validate import check_int, check_seed, seed_at
from .base import Caller

MAX_IMAGES = 64
OPENCV = "opencv"  # the model name of OpenCV inpainting in the API (the Repair tab's empty model)


def picture_models(ctx) -> list[str]:
    """The picture models the API offers: the Image tab's (the GAN, then diffusion models), then the
    inpainting ones and OpenCV for edits with a mask."""
    names = list(ctx.images.offered()[0])
    with contextlib.suppress(Exception):  # a probe must not break the list
        names += ctx.repair.offered()[0]
    return list(dict.fromkeys(names + [OPENCV]))


def check_model(ctx, model, default: str) -> str:
    """``model`` (default ``default``) when the studio can run it. Raises InvalidInput naming the models."""
    if model is not None and not isinstance(model, str):
        raise InvalidInput("model", "must be a model name, not {user_v}.", user_v=type(model).__name__)
    model = (model or default).strip()
    offered = picture_models(ctx)
    if model == OPENCV or ctx.images.is_known(model, offered):
        return model
    raise ModelUnavailable("model: Studio has no picture model '{m}'. Its models: {l}.", field="model", m=model,
                           l=", ".join(offered))


def parse_size(size, gan: bool) -> tuple[int | None, int | None]:
    """OpenAI's ``size`` ("512x512", "auto" or absent) as ``(width, height)``; absent: the model's own
    (512 for the face GAN)."""
    if size in (None, "", "auto"):
        return (512, 512) if gan else (None, None)
    if isinstance(size, str) and "x" in size:
        w, _, h = size.lower().partition("x")
        try:
            return int(w), int(h)
        except ValueError:
            pass
    raise InvalidInput("size", "must look like WIDTHxHEIGHT (such as 512x512) or auto, not {user_v}.",
                       user_v=repr(size))


def png_bytes(paths) -> list[bytes]:
    return [Path(p).read_bytes() for p in paths]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_b64(value, field: str) -> bytes:
    """A base64 picture (a data URL's prefix allowed). Raises InvalidInput naming ``field``."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(field, "must be a base64-encoded picture.")
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=False)
    except (ValueError, TypeError):
        raise InvalidInput(field, "is not valid base64.") from None


def generate(ctx, who: Caller, *, prompt="", negative_prompt="", model=None, size=None, width=None, height=None,
             n=1, num_inference_steps=None, guidance_scale=None, seed=-1, scheduler=None,
             stop: threading.Event | None = None) -> tuple[list[Path], list[dict], int]:
    """Text to picture through ``ctx.images.generate``; the PNGs go to the caller's folder.
    Returns ``(paths, params, first seed)``."""
    from ..identity import claim

    model = check_model(ctx, model, ctx.settings.image_model)
    if width is None and height is None:
        width, height = parse_size(size, ctx.images.is_gan(model))
    n = check_int("n", n, 1, MAX_IMAGES)
    paths, params, used, _warnings = ctx.images.generate(
        prompt=prompt or "", negative_prompt=negative_prompt or "", model=model, width=width, height=height,
        num_inference_steps=num_inference_steps, guidance_scale=guidance_scale, scheduler=scheduler,
        seed=-1 if seed is None else seed, num_images=n, stop=stop)
    return claim(ctx, who, paths), params, used


def openai_mask(raw: bytes | None, field: str = "mask"):
    """An OpenAI edit mask as the repair engine takes it: where the mask has transparent pixels, those
    are edited (OpenAI's rule); a mask without transparency is read as white = edit (AUTOMATIC1111's)."""
    if raw is None:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(raw))
        if max(im.size) > 16384:
            raise InvalidInput(field, "is {w}×{h} px; too large.", w=im.size[0], h=im.size[1])
        if "A" in im.getbands() or "transparency" in im.info:
            alpha = np.asarray(im.convert("RGBA"))[..., 3]
            if alpha.min() < 255:
                return alpha < 128
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInput(field, "is not a picture Studio can read ({e}).", e=type(exc).__name__) from None
    return raw


def edit(ctx, who: Caller, *, image: bytes, mask=None, prompt="", negative_prompt="", model=None, n=1,
         strength=None, num_inference_steps=None, guidance_scale=None, seed=-1, mask_blur=0,
         stop: threading.Event | None = None) -> tuple[list[Path], list[dict], int]:
    """Edit ``image``: with a mask (white or OpenAI-transparent = edit), the Repair tab's inpainting
    (an inpainting model, or OpenCV); without, the Style tab's image-to-image with a diffusion model.
    Picture ``i`` of ``n`` uses seed ``seed + i``. Returns ``(paths, params, first seed)``."""
    from ..identity import claim
    from ..image.metadata import save_png

    n = check_int("n", n, 1, MAX_IMAGES)
    seed = check_seed(-1 if seed is None else seed)
    if mask is not None:
        model = check_model(ctx, model, ctx.repair.default_model() or OPENCV)
        ref = "" if model == OPENCV else model
        paths, params = [], []
        for i in range(n):
            res = ctx.repair.inpaint(image, mask, prompt or "", negative_prompt or "", model=ref,
                                     strength=1.0 if strength is None else strength,
                                     num_inference_steps=num_inference_steps, guidance_scale=guidance_scale,
                                     seed=seed_at(seed, i), mask_blur=mask_blur, stop=stop)
            paths.append(res.path)
            params.append(res.params)
        return claim(ctx, who, paths), params, seed
    model = check_model(ctx, model, ctx.settings.diffusion_model)
    if ctx.images.is_gan(model) or model == OPENCV:
        raise InvalidInput("model", "{m} cannot repaint a picture without a mask; choose a diffusion model "
                                    "({l}), or send a mask.", m=model,
                           l=", ".join(ctx.images.offered()[0][1:]) or Message("none here"))
    paths, params = [], []
    for i in range(n):
        res = ctx.diffusion.img2img(image, prompt, negative_prompt=negative_prompt or "",
                                    strength=0.75 if strength is None else strength,
                                    num_inference_steps=num_inference_steps, guidance_scale=guidance_scale,
                                    seed=seed_at(seed, i), model=model, max_side=ctx.settings.max_image_side,
                                    stop=stop)
        paths.append(save_png(res.image, ctx.settings.output_dir, res.params, "img2img"))
        params.append(res.params)
    return claim(ctx, who, paths), params, seed
