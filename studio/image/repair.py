"""Picture repair: remove, fill and restore the masked part of a picture, or extend it.

Two engines behind one call, :meth:`RepairEngine.inpaint`:

* **OpenCV** (``model=""``, works offline on any machine): ``cv2.inpaint`` from
  opencv-python-headless, with Telea's fast marching method (Telea 2004, "An
  image inpainting technique based on the fast marching method") or the
  Navier–Stokes method (Bertalmío, Bertozzi & Sapiro 2001). Best for scratches,
  dust, thin wires, small objects and watermarks on smooth backgrounds.
* **Diffusion** (``model`` = a Hub id or a folder under ``--model-dir``): any
  diffusers inpainting model through ``AutoPipelineForInpainting.from_pipe`` on
  the pipeline the :class:`ModelManager` keeps (kind ``diffusion``, one in
  memory), from a prompt, with ``strength``, ``num_inference_steps``,
  ``guidance_scale`` and ``seed``. "Only masked" (AUTOMATIC1111's *inpaint
  area*) paints just the masked region, padded, at the model's own resolution,
  and pastes it back.

What both guarantee:

* the result has the picture's size (plus any outpainting extension);
* every unmasked pixel is the picture's own, bit for bit, unless ``mask_blur`` >
  0 asks to blend the edge (then pixels within about 2 × ``mask_blur`` px of
  the mask are mixed, and the rest are still untouched);
* the PNG carries AUTOMATIC1111-style parameters (Denoising strength, Mask blur,
  Inpaint area, Model...) that :func:`~studio.image.metadata.read_png_parameters`
  reads back.

Masks: white (any channel ≥ 128) = fill, black or transparent = keep; the mask
must have the picture's size.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from ..devices import oom_guard
from ..errors import InvalidInput, ModelUnavailable, StudioError, raise_if_stopped
from ..jobs import Progress
from ..lazy import lazy_import
from ..messages import Message
from ..models import ModelManager
from ..provenance.credentials import credentials_for
from ..settings import Settings
from ..validate import check_choice, check_float, check_int, check_seed, check_text
from . import cv_worker
from . import diffusion as diff
from .imageio import load_user_rgb
from .metadata import save_png
from .repair_ops import (
    blend_alpha,
    border_mask,
    composite,
    extend_canvas,
    load_mask,
    looks_like_inpainting,
    opencv_fill,
)

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up


OPENCV_METHODS = ("telea", "navier-stokes")
INPAINT_AREAS = ("whole picture", "only masked")
MAX_MASK_BLUR = 64
MAX_PADDING = 512
MAX_RADIUS = 32
MAX_EXTEND = 2048


@dataclasses.dataclass
class RepairResult:
    """What :meth:`RepairEngine.inpaint` made.

    Attributes:
        image: the repaired RGB picture, the input's size plus any extension.
        before: the input picture on the same canvas, uint8 ``(H, W, 3)`` (for a diffusion model's
            outpainting, the new border as OpenCV filled it for the model to start from).
        mask: the mask that was filled, bool ``(H, W)`` numpy array, True = filled, same size as ``image``.
        path: the saved PNG, or None with ``save=False``.
        params: the metadata the PNG carries.
        notes: sentences for the user (resized work size, ignored negative prompt...).
        seconds: wall time of the call.
    """

    image: Image.Image
    before: np.ndarray
    mask: np.ndarray
    path: Path | None
    params: dict
    notes: list[str]
    seconds: float



class RepairEngine:
    """Inpainting and outpainting of a user's picture; knows nothing of Gradio.

    Args:
        manager: the shared :class:`ModelManager` (diffusion pipelines are its ``diffusion`` kind).
        settings: the studio settings (``max_image_side``, ``output_dir``, ``model_dirs``).
        diffusion: the studio's :class:`~studio.image.diffusion.DiffusionEngine`, for the model list.
    """

    def __init__(self, manager: ModelManager, settings: Settings, diffusion: diff.DiffusionEngine):
        self.manager, self.settings, self.diffusion = manager, settings, diffusion

    # ----- what can be offered ------------------------------------------------------------
    def offered(self) -> tuple[list[str], list[str]]:
        """``(inpainting models available now, notes)``: the diffusion candidates (flags and
        ``--model-dir`` folders) that are inpainting models. Empty: OpenCV runs."""
        refs, notes = self.diffusion.offered()
        return [r for r in refs if looks_like_inpainting(r)], notes

    def default_model(self) -> str:
        """The first available inpainting model, or ``""`` (OpenCV) when there is none."""
        refs, _ = self.offered()
        return refs[0] if refs else ""

    @staticmethod
    def describe(model: str | None) -> str:
        """A sentence naming the engine ``model`` selects."""
        ref = (model or "").strip()
        if not ref:
            return "OpenCV inpainting (cv2.inpaint) runs: offline, fast, best for scratches and small objects."
        return Message("The diffusion inpainting model {m} runs, guided by the prompt.", m=ref)

    def pipeline(self, model: str):
        """An inpainting pipeline for ``model``, built with ``AutoPipelineForInpainting.from_pipe`` on
        the cached diffusion pipeline (shared weights), with its own scheduler copy.

        Raises:
            ModelUnavailable: the model cannot be loaded, or is not an inpainting model
                (a UNet without the 9 input channels of inpainting models, or no inpainting
                variant in diffusers).
        """
        from diffusers import AutoPipelineForInpainting

        try:
            base = self.manager.get("diffusion", model)
        except ModelUnavailable as exc:
            raise ModelUnavailable("{id_f}: {m}", field="model", id_f="model", m=exc.message) from exc
        unet = getattr(base, "unet", None)
        if unet is not None and int(unet.config.in_channels) != 9:
            raise ModelUnavailable(
                "model: {m} is not an inpainting model (its UNet takes {c} input "
                "channels; inpainting models take 9: the picture, the mask and the masked picture). Choose an "
                "inpainting model (such as {e}), or leave the "
                "model empty for OpenCV.", field="model", m=model, c=unet.config.in_channels,
                e="stable-diffusion-v1-5/stable-diffusion-inpainting")
        try:
            pipe = AutoPipelineForInpainting.from_pipe(base, scheduler=copy.deepcopy(base.scheduler))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelUnavailable("model: {m} ({k}) is not an inpainting model: "
                                   "diffusers has no inpainting variant of it ({e}).", field="model", m=model,
                                   k=type(base).__name__, e=exc) from exc
        pipe.set_progress_bar_config(disable=True)
        return pipe

    # ----- the work ----------------------------------------------------------------------------
    def inpaint(
        self,
        image: Any,
        mask_image: Any = None,
        prompt: str = "",
        negative_prompt: str = "",
        *,
        model: str | None = "",
        strength: float = 1.0,
        num_inference_steps: int | None = None,
        guidance_scale: float | None = None,
        seed: int = -1,
        mask_blur: int = 0,
        inpaint_area: str = "whole picture",
        masked_padding: int = 32,
        opencv_method: str = "telea",
        opencv_radius: int = 5,
        extend_left: int = 0,
        extend_right: int = 0,
        extend_up: int = 0,
        extend_down: int = 0,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        save: bool = True,
    ) -> RepairResult:
        """Fill the masked part of ``image`` (and any extension of its canvas).

        Args:
            image: the picture (path, Gradio file dict, bytes, PIL or uint8 array), at most
                ``--max-image-side`` px on its longer side; never downscaled.
            mask_image: the same size; white = fill, black/transparent = keep. May be None
                (or all black) only when extending the canvas.
            prompt, negative_prompt: what to paint / avoid (diffusion only; the prompt may be empty).
            model: ``""`` or None for OpenCV; else a diffusers inpainting model (Hub id or folder
                under ``--model-dir``).
            strength: 0 (exclusive) to 1, how much of the masked area is repainted (diffusion).
            num_inference_steps: 1-150 (None: the family default); ``steps × strength`` must be ≥ 1.
            guidance_scale: 0-50 (None: the family default).
            seed: -1 random, else 0 to 2**32-1 (CPU generator: the same picture on any device).
            mask_blur: 0-64 px; 0 keeps every unmasked pixel exact, more blends a soft edge
                (and softens the mask the model sees).
            inpaint_area: ``whole picture`` (the model sees all of it, scaled so its longer side is
                the model's native size) or ``only masked`` (the masked region plus ``masked_padding``
                px, scaled the same way, so small repairs get the model's full resolution).
            masked_padding: 0-512 px around the mask for ``only masked``.
            opencv_method: ``telea`` or ``navier-stokes`` (OpenCV only).
            opencv_radius: 1-32 px, the neighbourhood OpenCV fills from.
            extend_left, extend_right, extend_up, extend_down: 0-2048 px added on that side
                (outpainting); the total must stay within ``--max-image-side``.
            stop: when set, the work ends at the next step (Cancelled; nothing saved).
            progress: called as ``progress(done, total)``.
            save: write the PNG (with metadata) to ``settings.output_dir``.

        Returns:
            :class:`RepairResult`.

        Raises:
            InvalidInput: a bad value, picture or mask (wrong size, empty, covering everything),
                naming the field; nothing computed or written.
            ModelUnavailable: the model cannot be loaded or is not an inpainting model.
            OutOfMemory: the device ran out of memory. Cancelled: Stop was pressed.
        """
        t0 = time.perf_counter()
        if model is not None and not isinstance(model, str):
            raise InvalidInput("model", "must be a model name, or empty for OpenCV, not {user_v}.", user_v=repr(model))
        ref = (model or "").strip()
        prompt = check_text("prompt", prompt, required=False)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        mask_blur = check_int("mask_blur", mask_blur, 0, MAX_MASK_BLUR)
        inpaint_area = check_choice("inpaint_area", inpaint_area, INPAINT_AREAS)
        masked_padding = check_int("masked_padding", masked_padding, 0, MAX_PADDING)
        opencv_method = check_choice("opencv_method", opencv_method, OPENCV_METHODS)
        opencv_radius = check_int("opencv_radius", opencv_radius, 1, MAX_RADIUS)
        ext = {side: check_int(f"extend_{side}", v, 0, MAX_EXTEND) for side, v in
               (("left", extend_left), ("right", extend_right), ("up", extend_up), ("down", extend_down))}
        strength, seed, steps, guidance = _check_diffusion(ref, strength, seed, num_inference_steps, guidance_scale)

        rgb, name, mask = self.load_inputs(image, mask_image, ext)
        h, w = rgb.shape[:2]
        extending = any(ext.values())
        canvas, full_mask = extend_canvas(rgb, mask, ext["left"], ext["right"], ext["up"], ext["down"])
        raise_if_stopped(stop)

        if not ref or extending:  # too much work for OpenCV is refused before anything runs
            cv_worker.check_cost(full_mask if not ref else border_mask(mask, ext, canvas.shape[:2]), opencv_radius)
        if not ref:
            result, notes, params = self._opencv(canvas, full_mask, opencv_method, opencv_radius, mask_blur,
                                                 stop, progress)
            before = canvas
        else:
            if extending:  # a plausible start for the model: OpenCV's fill of the new border
                canvas = opencv_fill(canvas, border_mask(mask, ext, canvas.shape[:2]), opencv_method, opencv_radius,
                                     stop)
            before = canvas
            result, notes, params = self._diffusion(
                ref, canvas, full_mask, prompt, negative_prompt, strength, steps, guidance, seed, mask_blur,
                inpaint_area, masked_padding, stop, progress)
        raise_if_stopped(stop)
        params.update({"width": result.shape[1], "height": result.shape[0], "mask_blur": mask_blur,
                       "masked_pixels": int(np.count_nonzero(full_mask)), "content": _display_name(name)})
        if extending:
            params.update(outpaint=" ".join(f"{k} {v}" for k, v in ext.items() if v), original_size=f"{w}x{h}")
        image_out = Image.fromarray(result)
        assert self.settings.output_dir is not None  # Settings fills it in
        path = save_png(image_out, self.settings.output_dir, params, "repair",
                                      credentials_for(self.settings), Image.fromarray(rgb)) if save else None
        return RepairResult(image_out, before, full_mask, path, params, notes, time.perf_counter() - t0)

    def load_inputs(self, image, mask_image, ext: dict[str, int]):
        """``(RGB array, file name, mask (H, W) bool)``: the picture within ``--max-image-side`` (also once
        extended by ``ext``) and its mask, which must mark something to fill and leave something to keep.

        Raises:
            InvalidInput: naming ``image``, ``extend_left``/``extend_up`` or ``mask_image``.
        """
        rgb, name = load_user_rgb(image, "image")
        limit = int(self.settings.max_image_side)
        h, w = rgb.shape[:2]
        if max(w, h) > limit:
            raise InvalidInput("image", "is {w}×{h} px; the largest side allowed here is {l} px "
                                        "(--max-image-side). Make it smaller first: repair keeps the picture's size.",
                               w=w, h=h, l=limit)
        W, H = w + ext["left"] + ext["right"], h + ext["up"] + ext["down"]
        if max(W, H) > limit:
            raise InvalidInput("extend_left" if limit < W else "extend_up",
                               "would make the picture {w}×{h} px; the largest side allowed is {l} px.", w=W, h=H,
                               l=limit)
        extending = w != W or h != H
        if mask_image is None or (isinstance(mask_image, (str, bytes, dict)) and not mask_image):
            if not extending:
                raise InvalidInput("mask_image", "is missing. Paint over what to fill (white = fill).")
            mask = np.zeros((h, w), bool)
        else:
            mask = load_mask(mask_image, (w, h))
        if not extending and not mask.any():
            raise InvalidInput("mask_image", "is empty: nothing is marked to fill. Paint over the part to repair "
                                             "(white = fill, black = keep).")
        if mask.all():
            raise InvalidInput("mask_image", "covers the whole picture, so nothing is left to repair from. Leave "
                                             "the parts to keep unmasked (black).")
        return rgb, name, mask

    def _opencv(self, canvas, mask, method, radius, mask_blur, stop, progress):
        if progress is not None:
            progress(0, 1)
        alpha = blend_alpha(mask, mask_blur)
        if alpha is None:
            filled = opencv_fill(canvas, mask, method, radius, stop)
        else:  # fill a band mask_blur px wider, so that the soft edge mixes the fill into its surroundings
            import cv2

            size = 2 * mask_blur + 1
            grown = cv2.dilate(mask.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
            filled = opencv_fill(canvas, grown.view(bool), method, radius, stop)
            alpha *= grown
        raise_if_stopped(stop)
        out = composite(canvas, filled, mask, alpha)
        if progress is not None:
            progress(1, 1)
        params = {"prompt": "", "engine": "inpaint-opencv", "model": f"opencv-{method}", "inpaint_radius": radius}
        return out, [], params

    def _diffusion(self, ref, canvas, mask, prompt, negative_prompt, strength, steps, guidance, seed, mask_blur,
                   inpaint_area, padding, stop, progress):
        from diffusers.image_processor import VaeImageProcessor

        pipe = self.pipeline(ref)
        step, native = diff.size_step(pipe), diff.native_size(pipe)
        H, W = mask.shape
        alpha = blend_alpha(mask, mask_blur)
        model_mask = Image.fromarray(np.rint((alpha if alpha is not None else mask) * 255).astype(np.uint8))
        notes: list[str] = []
        if inpaint_area == "only masked":
            hard = Image.fromarray(mask.view(np.uint8) * 255)
            box = VaeImageProcessor.get_crop_region(hard, W, H, pad=padding)
            cw, ch = box[2] - box[0], box[3] - box[1]
            scale = native / max(cw, ch)
        else:
            box, (cw, ch) = (0, 0, W, H), (W, H)
        scale = native / max(cw, ch)  # the region is painted at the model's own resolution
        work = (max(step, round(cw * scale / step) * step), max(step, round(ch * scale / step) * step))
        if inpaint_area == "only masked":
            notes.append(Message("The masked region ({cw}×{ch} px with its padding) was painted at {a}×{b} "
                                 "and pasted back.", cw=cw, ch=ch, a=work[0], b=work[1]))
        elif work != (W, H):
            notes.append(Message("The model painted the whole picture at {a}×{b} (its own resolution, in steps "
                                 "of {s} px), resized back to {w}×{h}; only the masked pixels were replaced. For small "
                                 "repairs in a large picture, “only masked” keeps more detail.", a=work[0], b=work[1],
                                 s=step, w=W, h=H))
        notes += diff.prompt_warnings(pipe, ref, prompt, negative_prompt, guidance, turbo=False)
        run_steps = int(steps * strength)
        crop = Image.fromarray(canvas).crop(box)
        call = diff.call_arguments(pipe, {}, {
            "prompt": prompt, "negative_prompt": negative_prompt or None, "image": crop.resize(work, Image.Resampling.LANCZOS),
            "mask_image": model_mask.crop(box).resize(work, Image.Resampling.BILINEAR), "width": work[0], "height": work[1],
            "strength": strength, "num_inference_steps": steps, "guidance_scale": guidance, "output_type": "pil",
            "generator": torch.Generator("cpu").manual_seed(seed),
        }, diff.step_callback(stop, progress, lambda p, i: (min(i + 1, run_steps), run_steps)))
        oom = Message("The device ran out of memory at {w}×{h} px. Use “only masked”, or "
                      "restart the studio with --cpu-offload or --vae-tiling.", w=work[0], h=work[1])
        with oom_guard(self.manager, oom), self.manager.device_lock(), torch.inference_mode():
            raise_if_stopped(stop)
            out = pipe(**call)
        raise_if_stopped(stop)
        if getattr(out, "nsfw_content_detected", None) and out.nsfw_content_detected[0]:
            raise StudioError("The model's safety checker blacked out the picture; nothing was saved.")
        painted = out.images[0].convert("RGB")
        if painted.getextrema() == ((0, 0), (0, 0), (0, 0)):  # NaN decodes to black (a half-precision overflow)
            raise StudioError("The model's picture came out black (often a half-precision overflow); nothing was "
                              "saved. Try again with another seed, or start the studio with --device cpu.")
        painted = painted.resize((cw, ch), Image.Resampling.LANCZOS)
        filled = canvas.copy()
        filled[box[1]:box[3], box[0]:box[2]] = np.asarray(painted, np.uint8)
        result = composite(canvas, filled, mask, alpha)
        params = {"prompt": prompt, "negative_prompt": negative_prompt, "num_inference_steps": steps,
                  "scheduler": type(pipe.scheduler).__name__, "guidance_scale": guidance, "seed": seed,
                  "model": ref, "engine": "inpaint", "denoising_strength": strength,
                  "inpaint_area": "Only masked" if inpaint_area == "only masked" else "Whole picture"}
        if inpaint_area == "only masked":
            params["masked_padding"] = padding
        return result, notes, params



def _check_diffusion(ref: str, strength, seed, num_inference_steps, guidance_scale) -> tuple[float, int, int, float]:
    """``(strength, seed, steps, guidance)`` checked. They do not apply to OpenCV (``ref`` empty), but a
    bad value is still refused; with a model, strength must be above 0 and steps × strength ≥ 1."""
    strength = check_float("strength", strength, 0.0, 1.0)
    seed = check_seed(seed)
    steps, guidance = diff.check_sampling(ref, num_inference_steps, guidance_scale)
    if ref:
        if strength == 0:
            raise InvalidInput("strength", "must be above 0 (0 repaints nothing); 1 repaints the masked area fully.")
        diff.check_denoising_steps(steps, strength)
    return strength, seed, steps, guidance

def _display_name(file_name: str) -> str:
    name = "".join(ch for ch in (file_name or "") if ch.isprintable())
    return name[:80] or "picture"
