"""Diffusers text-to-image engine: any Hub id or local folder that
``diffusers.AutoPipelineForText2Image`` can load (Stable Diffusion 1.x/2.x,
SD-Turbo, SDXL, SD3, Flux, PixArt...).

What it adds around the pipeline call:

* checks every input at the boundary (sizes against the pipeline's VAE scale
  factor times the UNet's down-sampling, never rounded; steps 1-150; a finite
  guidance; 1-64 images; a scheduler from ``pipeline.scheduler.compatibles``);
* one CPU ``torch.Generator`` per image (image ``i`` uses ``seed + i``), so a
  seed gives the same picture on any device;
* progress and Stop through ``callback_on_step_end``: Stop raises
  :class:`Cancelled` at the next step, and nothing of a stopped run is saved;
* a visible warning when the prompt is longer than the text encoder reads;
* a NaN/black guard: a half-precision image that comes out all NaN or all
  black is decoded again in float32, else the user is told;
* memory options from the settings: model CPU offload (accelerate), attention
  slicing, VAE tiling and an opt-in ``torch.compile``.

The pipeline is loaded once through the :class:`ModelManager` (kind
``diffusion``, at most one in memory: switching models frees the previous one).
"""

from __future__ import annotations

import copy
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
from PIL import Image

from ..devices import oom_guard
from ..errors import InvalidInput, ModelUnavailable, StudioError, raise_if_stopped
from ..jobs import Progress
from ..lazy import lazy_import
from ..messages import Joined, Message
from ..models import HUB_ID, ModelManager, hub_cached_snapshot, looks_like_path
from ..provenance.credentials import credentials_for
from ..settings import Settings
from ..validate import check_choice, check_float, check_int, check_seed, check_text, seed_at
from .imageio import load_user_image
from .metadata import save_png
from .pipelines import (  # noqa: F401 - the pipeline facts and results are part of this module's API
    MAX_GUIDANCE,
    MAX_IMAGES,
    MAX_STEPS,
    TURBO_MARKERS,
    DiffusionResult,
    Img2ImgResult,
    bad_pixels,
    call_arguments,
    call_parameters,
    check_denoising_steps,
    check_sampling,
    check_side,
    decode_in_float32,
    family_defaults,
    hub_reachable,
    is_turbo,
    load_pipeline,
    native_size,
    prompt_overflow,
    prompt_warnings,
    scheduler_names,
    size_step,
    step_callback,
    to_pil,
)

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up

OOM_HINT = Message("Make fewer or smaller pictures, or restart the studio with --cpu-offload or --vae-tiling.")


class Img2ImgOptions(TypedDict, total=False):
    """The keyword settings of :meth:`DiffusionEngine.img2img` that engines built on it pass through as
    they are (``**options: Unpack[Img2ImgOptions]``): one signature, its defaults and checks in one place."""

    negative_prompt: str
    strength: float
    num_inference_steps: int | None
    guidance_scale: float | None
    seed: int
    model: str | None
    stop: threading.Event | None
    progress: Progress | None


class DiffusionEngine:
    """Text-to-image with any diffusers pipeline; a plain object that knows nothing of Gradio.

    Args:
        manager: the shared :class:`ModelManager`.
        settings: the studio settings (``image_model``, ``diffusion_model``,
            ``max_image_side``, ``output_dir``, memory options).

    Attributes:
        batch_size: most images per pipeline call (larger requests run in chunks).
    """

    batch_size = 8

    def __init__(self, manager: ModelManager, settings: Settings):
        self.manager, self.settings = manager, settings
        self._reachable: tuple[float, bool] | None = None
        self._lock = threading.Lock()
        # per loaded pipeline (dropped with it): scheduler name -> a pristine scheduler to copy per run
        self._schedulers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    # ----- what can be offered -------------------------------------------------------
    def hub_ok(self) -> bool:
        """True when the Hub may be used now (not offline, and reachable; cached for 5 minutes)."""
        if self.settings.hub_offline:
            return False
        now = time.monotonic()
        if self._reachable is None or now - self._reachable[0] > 300:
            self._reachable = (now, hub_reachable())
        return self._reachable[1]

    def candidates(self) -> list[str]:
        """References worth offering: ``--image-model`` when it is not a GAN, ``--diffusion-model``,
        and every folder with a ``model_index.json`` directly inside a ``--model-dir``."""
        from .gan import is_gan_ref

        refs = [r for r in (self.settings.image_model, self.settings.diffusion_model) if r and not is_gan_ref(r)]
        for folder in self.settings.model_dirs:
            try:
                refs += [str(p.parent) for p in sorted(Path(folder).glob("*/model_index.json"))]
            except OSError:
                continue
        from ..hub import installed  # pipelines downloaded in the Models tab

        refs += [e["ref"] for e in installed(self.settings, "diffusion")]
        return list(dict.fromkeys(refs))

    def availability(self, ref: str) -> str | None:
        """None if ``ref`` can be loaded now (in memory, on disk, cached, or the Hub is reachable),
        else a sentence saying why not and how to fix it."""
        if self.manager.is_loaded("diffusion", ref):
            return None
        if looks_like_path(ref):
            return None if Path(ref).expanduser().exists() else Message("The folder {f} does not exist.", f=ref)
        if HUB_ID.match(ref):
            if hub_cached_snapshot(ref) is not None or self.hub_ok():
                return None
            why = (Message("the studio runs offline") if self.settings.hub_offline
                   else Message("the Hugging Face Hub cannot be reached"))
            return Message("Diffusion model {m} is not available: {why} and it is not in the Hugging Face cache. "
                           "Run the studio once with network access to download it, or pass a local folder with "
                           "--diffusion-model. The face GAN works without it.", m=ref, why=why)
        return Message("'{r}' is not a Hub id or a folder.", r=ref)

    def offered(self) -> tuple[list[str], list[str]]:
        """``(available references, notes about the missing ones)`` for the model dropdown."""
        refs: list[str] = []
        notes: list[str] = []
        for ref in self.candidates():
            why = self.availability(ref)
            (notes if why else refs).append(why or ref)
        return refs, notes

    def is_loaded(self, model: str | None = None) -> bool:
        """True when ``model`` (default ``--diffusion-model``) is in memory; loads nothing."""
        return self.manager.is_loaded("diffusion", (model or self.settings.diffusion_model or "").strip())

    # ----- per-model facts --------------------------------------------------------------
    def pipeline(self, model: str | None = None):
        """The loaded pipeline of ``model`` (default ``--diffusion-model``); loads it once.

        Raises:
            ModelUnavailable: the reference cannot be resolved or loaded.
        """
        ref = (model or self.settings.diffusion_model or "").strip()
        why = self.availability(ref) if ref else None
        if why:  # offline and not cached: said at once, not after a download that cannot start
            raise ModelUnavailable(why)
        return self.manager.get("diffusion", ref)

    def schedulers(self, model: str | None = None) -> list[str]:
        """Scheduler names ``model`` accepts (loads it)."""
        return scheduler_names(self.pipeline(model))

    def defaults(self, model: str | None = None) -> dict[str, Any]:
        """Family defaults of ``model`` (see :func:`family_defaults`), with the scheduler it ships with.
        Uses the pipeline only when it is already in memory."""
        ref = (model or self.settings.diffusion_model or "").strip()
        pipe = self.manager.loaded("diffusion", ref)
        out = family_defaults(ref, pipe)
        out["scheduler"] = type(pipe.scheduler).__name__ if pipe is not None else None
        return out

    def _scheduler(self, pipe, name: str):
        """A scheduler of class ``name`` for one run: a cached instance per pipeline and name.

        With ``--concurrency 1`` runs on the device never overlap (the device lock), and
        every call resets the scheduler's timesteps, so the instance is reused as diffusers
        pipelines do; with more slots each run gets its own copy (a scheduler holds run state).
        """
        with self._lock:
            templates = self._schedulers.setdefault(pipe, {})
            template = templates.get(name)
            if template is None:
                if name == type(pipe.scheduler).__name__:
                    template = copy.deepcopy(pipe.scheduler)
                else:
                    cls = next(c for c in pipe.scheduler.compatibles if c.__name__ == name)
                    template = cls.from_config(pipe.scheduler.config)
                templates[name] = template
        return copy.deepcopy(template) if self.settings.concurrency > 1 else template

    # ----- shared preparation (text-to-image and image-to-image) ------------------------
    def _ref(self, model: str | None) -> str:
        return (model or self.settings.diffusion_model or "").strip()

    def _named_model(self, ref: str):
        """The pipeline of ``ref`` when it is in memory, else None after checking that ``ref`` resolves
        (cheap: an unknown model is named before any other check). Raises ModelUnavailable."""
        pipe = self.manager.loaded("diffusion", ref)
        if pipe is None:
            try:
                self.manager.resolve(ref, "diffusion")
            except ModelUnavailable as exc:
                raise ModelUnavailable("{id_f}: {m}", id_f="model", m=exc.message) from exc
        return pipe

    def _load(self, ref: str):
        """The text-to-image pipeline of ``ref`` (loads it once). Raises ModelUnavailable naming ``model``."""
        try:
            return self.manager.get("diffusion", ref)
        except ModelUnavailable as exc:
            raise ModelUnavailable("{id_f}: {m}", id_f="model", m=exc.message) from exc

    def _call(self, run, call: dict, stop: threading.Event | None, oom_message: str):
        """One pipeline call under the device lock, in inference mode; Stop is honoured once the lock is
        held, and running out of memory becomes OutOfMemory with ``oom_message``."""
        with oom_guard(self.manager, oom_message), self.manager.device_lock(), torch.inference_mode():
            raise_if_stopped(stop)
            return run(**call)

    # ----- text-to-image ----------------------------------------------------------------
    def generate(
        self,
        prompt: str,
        negative_prompt: str = "",
        model: str | None = None,
        width: int | None = None,
        height: int | None = None,
        num_inference_steps: int | None = None,
        guidance_scale: float | None = None,
        scheduler: str | None = None,
        seed: int = -1,
        num_images: int = 1,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        save: bool = True,
    ) -> DiffusionResult:
        """Make ``num_images`` pictures of ``prompt``; image ``i`` comes from seed ``seed + i``.

        Args:
            prompt: what to draw (required; see :func:`prompt_overflow` for long prompts).
            negative_prompt: what to avoid (used only when guidance_scale > 1).
            model: a Hub id, local folder (allowed by ``--model-dir``) or None for ``--diffusion-model``.
            width, height: pixels, multiples of :func:`size_step` up to ``settings.max_image_side``;
                None for the model's native size.
            num_inference_steps: 1 to 150; None for the family default.
            guidance_scale: 0 to 50, finite; None for the family default (0 for turbo models).
            scheduler: a name from :meth:`schedulers`; None or "" keeps the model's own.
            seed: -1 for random, else 0 to 2**32-1.
            num_images: 1 to 64 (run in chunks of :attr:`batch_size`).
            stop: when set, the run ends at the next denoising step (Cancelled; nothing saved).
            progress: called as ``progress(steps_done, steps_total)`` after every step.
            save: write each picture to ``settings.output_dir`` as a PNG with its parameters.

        Raises:
            InvalidInput: a bad value (nothing is computed or written).
            ModelUnavailable: the model cannot be found or loaded.
            OutOfMemory: the device ran out of memory (its cache is released).
            Cancelled: Stop was pressed. StudioError: every image came out black or NaN.
        """
        t0 = time.perf_counter()
        # 1. check the inputs (only an unknown model is looked up before the values)
        ref = self._ref(model)
        pipe = self._named_model(ref)
        prompt = check_text("prompt", prompt)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        num_images = check_int("num_images", num_images, 1, MAX_IMAGES)
        seed = check_seed(seed)
        for field, value in (("width", width), ("height", height)):
            if value is not None:
                check_side(field, value, None, self.settings.max_image_side)
        steps, guidance = check_sampling(ref, num_inference_steps, guidance_scale)
        if scheduler is not None and not isinstance(scheduler, str):
            raise InvalidInput("scheduler", "must be a scheduler name, not {user_v}.", user_v=repr(scheduler))
        # 2. load the pipeline; check what depends on it (size step, schedulers, prompt length)
        pipe = pipe if pipe is not None else self._load(ref)
        width, height, scheduler = self._check_for(pipe, width, height, scheduler)
        warnings = prompt_warnings(pipe, ref, prompt, negative_prompt, guidance)
        # 3. denoise, in chunks of batch_size, one CPU generator per picture
        images, kept_seeds = self._run_chunks(
            pipe, [seed_at(seed, i) for i in range(num_images)], scheduler, stop, progress, warnings,
            prompt=prompt, negative_prompt=negative_prompt or None, width=width, height=height,
            num_inference_steps=steps, guidance_scale=guidance,
        )
        raise_if_stopped(stop)
        if not images:
            raise StudioError("No usable picture came out. {w}", w=Joined(" ", warnings))
        # 4. post-process: each picture's parameters, and the PNGs that carry them
        params = [{"prompt": prompt, "negative_prompt": negative_prompt, "num_inference_steps": steps,
                   "scheduler": scheduler, "guidance_scale": guidance, "seed": s, "width": width, "height": height,
                   "model": ref, "engine": "diffusion"} for s in kept_seeds]
        assert self.settings.output_dir is not None  # Settings fills it in
        paths = [save_png(im, self.settings.output_dir, p, "img", credentials_for(self.settings)) for im, p in zip(images, params, strict=False)] if save else []
        return DiffusionResult(images, paths, seed, params, warnings, time.perf_counter() - t0)

    def _check_for(self, pipe, width, height, scheduler) -> tuple[int, int, str]:
        """``(width, height, scheduler)`` checked against the loaded ``pipe`` (None: its own)."""
        step, side, max_side = size_step(pipe), native_size(pipe), self.settings.max_image_side
        width = check_side("width", side if width is None else width, step, max_side)
        height = check_side("height", side if height is None else height, step, max_side)
        scheduler = check_choice("scheduler", scheduler or type(pipe.scheduler).__name__, scheduler_names(pipe))
        return width, height, scheduler

    def _run_chunks(self, pipe, seeds, scheduler, stop, progress, warnings, **kwargs):
        """Run ``seeds`` in chunks of :attr:`batch_size`; returns ``(good PIL images, their seeds)``.
        A NaN or black picture is decoded again in float32 (half precision) or left out; ``warnings``
        gets a line for each."""
        half = getattr(getattr(pipe, "vae", None), "dtype", torch.float32) in (torch.float16, torch.bfloat16)
        images: list[Image.Image] = []
        kept_seeds: list[int] = []
        chunks = [seeds[i:i + self.batch_size] for i in range(0, len(seeds), self.batch_size)]
        for c, chunk in enumerate(chunks):
            arrays, nsfw, final_latents = self._run_chunk(pipe, chunk, scheduler, stop, progress, c, len(chunks),
                                                          kwargs["num_inference_steps"], **kwargs)
            for j, (arr, s) in enumerate(zip(arrays, chunk, strict=False)):
                if nsfw and nsfw[j]:
                    warnings.append(Message("The model's safety checker blacked out the image of seed {s}; it was "
                                            "not saved.", s=s))
                    continue
                arr = self._repaired(pipe, arr, final_latents, j, s, half, warnings)
                if arr is not None:
                    images.append(to_pil(arr))
                    kept_seeds.append(s)
        return images, kept_seeds

    def _repaired(self, pipe, arr, latents, index: int, seed: int, half: bool, warnings: list[str]):
        """``arr``, or its float32 decode when it came out NaN or black in half precision; None (with a
        warning) when no good picture can be had."""
        bad = bad_pixels(arr)
        if bad == "black" and not half:
            bad = None  # in float32 a black picture is what was asked for
        if not bad:
            return arr
        arr = self._redecode(pipe, latents, index)
        if arr is None or bad_pixels(arr):
            if half:
                warnings.append(Message("The image of seed {s} came out {bad} (a half-precision overflow); it was "
                                        "not saved. Try --device cpu or another model.", s=seed, bad=Message(bad)))
            else:
                warnings.append(Message("The image of seed {s} came out {bad}; it was not saved. Try --device cpu "
                                        "or another model.", s=seed, bad=Message(bad)))
            return None
        warnings.append(Message("The image of seed {s} came out {bad} in half precision and was decoded "
                                "again in float32.", s=seed, bad=Message(bad)))
        return arr

    def _run_chunk(self, pipe, seeds, scheduler, stop, progress, chunk, chunks, steps, **kwargs):
        """One pipeline call for ``seeds``; returns ``(float images (N,H,W,3), nsfw flags or None, final latents)``."""
        run = copy.copy(pipe)  # per-run pipeline state (scheduler, _interrupt...) on shared modules
        run.__dict__["scheduler"] = self._scheduler(pipe, scheduler)
        state: dict[str, Any] = {}

        def report(p, i):
            total = max(1, getattr(p, "num_timesteps", steps) or steps)
            return chunk * steps + min(steps, round((i + 1) * steps / total)), chunks * steps

        call = call_arguments(pipe, {"num_images_per_prompt": len(seeds), "output_type": "np",
                                     "generator": [torch.Generator("cpu").manual_seed(s) for s in seeds]},
                              kwargs, step_callback(stop, progress, report, state))
        raise_if_stopped(stop)
        out = self._call(run, call, stop, Message("The device ran out of memory making {n} picture(s) at "
                                                  "{w}×{h} px. {hint}", n=len(seeds), w=kwargs["width"],
                                                  h=kwargs["height"], hint=OOM_HINT))
        images = np.asarray(out.images, dtype=np.float32)
        return images, getattr(out, "nsfw_content_detected", None), state.get("latents")

    # ----- image-to-image ----------------------------------------------------------------
    def img2img_pipeline(self, model: str | None = None):
        """An ``AutoPipelineForImage2Image`` sharing the modules of the cached text-to-image
        pipeline of ``model`` (default ``--diffusion-model``), with its own scheduler copy.

        Raises:
            ModelUnavailable: the model cannot be loaded, or has no image-to-image variant.
        """
        from diffusers import AutoPipelineForImage2Image

        ref = self._ref(model)
        pipe = self._load(ref)
        try:
            return AutoPipelineForImage2Image.from_pipe(pipe, scheduler=copy.deepcopy(pipe.scheduler))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelUnavailable("{id_f}: {m}", id_f="model", m=Message(
                "{m} ({k}) has no image-to-image variant in diffusers: {e}", m=ref, k=type(pipe).__name__,
                e=exc)) from exc

    def img2img(
        self,
        image: Any,
        prompt: str,
        *,
        negative_prompt: str = "",
        strength: float = 0.5,
        num_inference_steps: int | None = None,
        guidance_scale: float | None = None,
        seed: int = -1,
        model: str | None = None,
        max_side: int | None = None,
        field: str = "image",
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        oom_hint: str = OOM_HINT,
    ) -> Img2ImgResult:
        """Repaint ``image`` guided by ``prompt`` (diffusers image-to-image), at the picture's own size.

        The picture (anything :func:`~studio.image.imageio.load_user_image` opens, downscaled to
        ``max_side``) is resized to the nearest multiple of the model's size step for the pipeline
        (64 px for Stable Diffusion), and the result resized back (the warnings say so).

        Args:
            prompt: what to paint, required. negative_prompt: what to avoid (needs guidance_scale > 1).
            strength: 0 to 1, how much of the picture is repainted (diffusers' img2img strength).
            num_inference_steps: 1 to 150 (None: the model family's default); only
                ``int(num_inference_steps × strength)`` steps run, so that product must be ≥ 1.
            guidance_scale: 0 to 50 (None: family default, 0 for turbo models).
            seed: -1 for random, else 0 to 2**32-1 (a CPU generator: same picture on any device).
            field: the input's name in messages. oom_hint: what to do after running out of memory.
            progress: ``progress(steps_done, steps_that_run)`` after every step.

        Raises:
            InvalidInput: a bad value, including ``num_inference_steps × strength < 1``.
            ModelUnavailable: the model cannot be loaded or has no image-to-image variant.
            OutOfMemory: the device ran out of memory. Cancelled: Stop was pressed.
            StudioError: the model's safety checker blacked the picture out.
        """
        t0 = time.perf_counter()
        # 1. check the inputs
        prompt = check_text("prompt", prompt)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        strength = check_float("strength", strength, 0.0, 1.0)
        seed = check_seed(seed)
        ref = self._ref(model)
        steps, guidance = check_sampling(ref, num_inference_steps, guidance_scale)
        run_steps = check_denoising_steps(steps, strength)
        content = load_user_image(image, field, max_side)
        raise_if_stopped(stop)
        # 2. load the pipeline; the size it paints at; prompt warnings
        pipe = self.img2img_pipeline(ref)
        step = size_step(pipe)
        w, h = content.size
        work = (max(step, round(w / step) * step), max(step, round(h / step) * step))
        warnings: list[str] = []
        if work != (w, h):
            warnings.append(Message("The model works in steps of {s} px, so it painted at {a}×{b} and the "
                                    "result was resized back to {w}×{h}.", s=step, a=work[0], b=work[1], w=w, h=h))
        warnings += prompt_warnings(pipe, ref, prompt, negative_prompt, guidance, turbo=False)
        # 3. denoise
        call = call_arguments(
            pipe, {"output_type": "pil", "generator": torch.Generator("cpu").manual_seed(seed)},
            {"prompt": prompt, "negative_prompt": negative_prompt or None, "strength": strength,
             "image": content.image.resize(work, Image.Resampling.LANCZOS), "num_inference_steps": steps,
             "guidance_scale": guidance},
            step_callback(stop, progress, lambda p, i: (min(i + 1, run_steps), run_steps)))
        out = self._call(pipe, call, stop, Message("The device ran out of memory at {w}×{h} px. {hint}", w=work[0],
                                                   h=work[1], hint=oom_hint))
        raise_if_stopped(stop)
        # 4. post-process: back to the picture's size, with its parameters
        if getattr(out, "nsfw_content_detected", None) and out.nsfw_content_detected[0]:
            raise StudioError("The model's safety checker blacked out the picture; nothing was saved.")
        result = out.images[0].convert("RGB")
        if result.size != (w, h):
            result = result.resize((w, h), Image.Resampling.LANCZOS)
        params = {"prompt": prompt, "negative_prompt": negative_prompt, "num_inference_steps": steps,
                  "scheduler": type(pipe.scheduler).__name__, "guidance_scale": guidance, "seed": seed,
                  "width": w, "height": h, "model": ref, "engine": "img2img", "strength": strength,
                  "denoising_steps": run_steps}
        return Img2ImgResult(result, content, params, warnings, time.perf_counter() - t0)

    def _redecode(self, pipe, latents: torch.Tensor | None, index: int) -> np.ndarray | None:
        """See :func:`~studio.image.pipelines.decode_in_float32` (under the device lock)."""
        with self.manager.device_lock():
            return decode_in_float32(pipe, latents, index, self.manager.device)
