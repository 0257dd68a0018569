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
import dataclasses
import functools
import inspect
import logging
import socket
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

import numpy as np
from ..lazy import lazy_import  # torch is imported on first use, not at start-up
torch = lazy_import("torch")
from PIL import Image

from ..errors import Cancelled, InvalidInput, ModelUnavailable, StudioError
from ..models import HUB_ID, ModelManager, ResolvedModel, hub_cached_snapshot, looks_like_path, register_loader
from ..settings import Settings
from ..validate import SEED_MAX, check_choice, check_float, check_int, check_seed, check_text
from .metadata import save_png

log = logging.getLogger(__name__)

MAX_STEPS = 150
MAX_IMAGES = 64
MAX_GUIDANCE = 50.0
TURBO_MARKERS = ("turbo", "lightning", "schnell", "hyper-sd", "lcm")

Progress = Callable[[int, int], None]


# ----- loading ---------------------------------------------------------------------
@register_loader("diffusion", max_loaded=1)
def load_pipeline(resolved: ResolvedModel, manager: ModelManager):
    """Load a text-to-image pipeline with ``AutoPipelineForText2Image.from_pretrained``.

    Uses ``manager.dtype`` (float32 on CPU, bfloat16/float16 on GPUs) and the
    memory options of ``manager.settings``: ``cpu_offload`` (accelerate's model
    offload; GPUs only, ignored with a log line on a CPU), ``attention_slicing``,
    ``vae_tiling`` and ``compile`` (``torch.compile`` of the UNet or transformer).
    The progress bar is switched off (Studio reports progress itself).
    """
    from diffusers import AutoPipelineForText2Image

    settings = manager.settings
    pipe = AutoPipelineForText2Image.from_pretrained(resolved.location, dtype=manager.dtype)
    if settings.cpu_offload and manager.device.type != "cpu":
        pipe.enable_model_cpu_offload(device=manager.device)
    else:
        if settings.cpu_offload:
            log.info("--cpu-offload has no effect on the CPU; ignored")
        pipe.to(manager.device)
    if settings.attention_slicing:
        pipe.enable_attention_slicing()
    if settings.vae_tiling and hasattr(getattr(pipe, "vae", None), "enable_tiling"):
        pipe.vae.enable_tiling()
    if settings.compile:
        denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
        if denoiser is not None:
            denoiser.compile()
    pipe.set_progress_bar_config(disable=True)
    return pipe


@functools.lru_cache(maxsize=32)
def _call_parameters(cls: type) -> frozenset[str]:
    return frozenset(inspect.signature(cls.__call__).parameters)


def scheduler_names(pipe) -> list[str]:
    """Names of the schedulers ``pipe`` may use (its own first, then ``scheduler.compatibles`` A to Z).

    Schedulers whose optional dependency is missing (diffusers' dummy objects) are left out.
    """
    own = type(pipe.scheduler).__name__
    names = {c.__name__ for c in getattr(pipe.scheduler, "compatibles", []) if ".dummy_" not in c.__module__}
    return [own] + sorted(names - {own})


def size_step(pipe) -> int:
    """The pixel step width and height must be multiples of: the VAE scale factor times the
    denoiser's down-sampling (``2 ** (down blocks - 1)`` for a UNet, the patch size for a
    transformer, 2 more for Flux's packed latents). 64 for Stable Diffusion 1.x/2.x; 4 for the tiny
    test pipeline."""
    vsf = int(getattr(pipe, "vae_scale_factor", 8) or 8)
    unet = getattr(pipe, "unet", None)
    if unet is not None:
        return vsf * 2 ** (len(unet.config.down_block_types) - 1)
    transformer = getattr(pipe, "transformer", None)
    patch = int(getattr(getattr(transformer, "config", None), "patch_size", 1) or 1)
    if type(pipe).__name__.startswith("Flux") and patch == 1:
        patch = 2
    return vsf * patch


def native_size(pipe) -> int:
    """The side (px) the model was trained at: ``sample_size × vae_scale_factor`` (512 when unknown)."""
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    sample = getattr(getattr(denoiser, "config", None), "sample_size", None)
    if isinstance(sample, (list, tuple)):
        sample = sample[0]
    if not sample:
        return 512
    return int(sample) * int(getattr(pipe, "vae_scale_factor", 8) or 8)


def family_defaults(ref: str, pipe=None) -> dict[str, Any]:
    """Good starting values for a model family: ``num_inference_steps``, ``guidance_scale``,
    ``width``, ``height``.

    Turbo/distilled models (name holds turbo, lightning, schnell, lcm, hyper-sd) use guidance 0
    and 4 steps (they work from 1 to 4); SDXL 30 steps at 5.0; SD3 28 at 7.0; Flux 28 at 3.5;
    other Stable Diffusion models 25 at 7.5. The size is the model's native one when loaded.
    """
    name = (ref or "").lower()
    cls = type(pipe).__name__ if pipe is not None else ""
    if any(m in name for m in TURBO_MARKERS):
        steps, guidance = 4, 0.0
    elif "XL" in cls or "sdxl" in name or "-xl" in name:
        steps, guidance = 30, 5.0
    elif "StableDiffusion3" in cls or "stable-diffusion-3" in name:
        steps, guidance = 28, 7.0
    elif "Flux" in cls or "flux" in name:
        steps, guidance = 28, 3.5
    else:
        steps, guidance = 25, 7.5
    side = native_size(pipe) if pipe is not None else (1024 if "xl" in name else 512)
    return {"num_inference_steps": steps, "guidance_scale": guidance, "width": side, "height": side}


def is_turbo(ref: str) -> bool:
    """True for distilled few-step models that expect guidance 0 (by name)."""
    return any(m in (ref or "").lower() for m in TURBO_MARKERS)


def check_side(field: str, value: Any, step: int | None, max_side: int) -> int:
    """``value`` must be a multiple of ``step`` from ``step`` to ``max_side`` px; never rounded.

    With ``step=None`` (model not loaded yet) only the range 1..``max_side`` is checked.

    Raises:
        InvalidInput: naming the allowed values and the nearest ones.
    """
    if step is None:
        allowed = f"from 1 to {max_side} px (and a multiple of the model's size step)"
    else:
        top = max_side - max_side % step
        allowed = f"a multiple of {step} from {step} to {top}"
        if top <= 8 * step:
            allowed += " (" + ", ".join(str(v) for v in range(step, top + 1, step)) + ")"
    try:
        number = check_int(field, value, -(10**9), 10**9)
    except InvalidInput:
        raise InvalidInput(field, f"must be a whole number of pixels, {allowed}, not {value!r}.") from None
    if number > max_side:
        raise InvalidInput(field, f"must be at most {max_side} px (this studio's --max-image-side), not {number}.")
    if number < 1 or (step is not None and (number < step or number % step)):
        near = ""
        if step is not None and step < number < top:
            near = f" The nearest allowed are {number - number % step} and {number - number % step + step}."
        raise InvalidInput(field, f"must be {allowed} for this model, not {number}.{near}")
    return number


def prompt_overflow(pipe, text: str, field: str = "prompt") -> str | None:
    """A warning when ``text`` has more tokens than the pipeline's longest text encoder reads, else None.

    The warning gives the token count, the limit and the words that were dropped.
    """
    if not text:
        return None
    tokenizers = [getattr(pipe, n, None) for n in ("tokenizer", "tokenizer_2", "tokenizer_3")]
    tokenizers = [t for t in tokenizers if t is not None and 0 < getattr(t, "model_max_length", 0) < 100_000]
    if not tokenizers:
        return None
    tok = max(tokenizers, key=lambda t: t.model_max_length)
    limit = tok.model_max_length
    ids = tok(text, truncation=False, add_special_tokens=True, verbose=False).input_ids
    if len(ids) <= limit:
        return None
    specials = tok.num_special_tokens_to_add()
    kept = limit - specials
    body = ids[1:-1] if specials == 2 else ids[: len(ids) - specials]  # CLIP: <start> ... <end>; T5: ... </s>
    dropped = tok.decode(body[kept:], skip_special_tokens=True).strip()
    return (f"The {field} is {len(ids)} tokens long, but the text encoder reads only {limit} "
            f"(including {specials} special tokens), so this end was ignored: “{dropped}”. Shorten the {field} "
            f"or move what matters to its start.")


def hub_reachable(timeout: float = 2.0) -> bool:
    """True if a TCP connection to the Hugging Face Hub's host opens within ``timeout`` seconds."""
    try:
        from huggingface_hub import constants

        host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _bad_pixels(image: np.ndarray) -> str | None:
    """``"NaN"`` if any pixel is not finite, ``"black"`` if all are (nearly) 0, else None."""
    if not np.isfinite(image).all():
        return "NaN"
    if float(image.max()) < 1.5 / 255:
        return "black"
    return None


def _to_pil(image: np.ndarray) -> Image.Image:
    return Image.fromarray((image * 255).round().astype("uint8"))


@dataclasses.dataclass
class DiffusionResult:
    """Pictures made by :meth:`DiffusionEngine.generate`.

    Attributes:
        images: RGB PIL images of the asked size.
        paths: the saved PNGs (empty with ``save=False``).
        seed: the seed of the first image (image ``i`` used ``seed + i``).
        params: one metadata dict per image (what each PNG carries).
        warnings: things the user should see (long prompt, redone decode...).
        seconds: wall time of the call.
    """

    images: list[Image.Image]
    paths: list[Path]
    seed: int
    params: list[dict]
    warnings: list[str]
    seconds: float


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
        return list(dict.fromkeys(refs))

    def availability(self, ref: str) -> str | None:
        """None if ``ref`` can be loaded now (in memory, on disk, cached, or the Hub is reachable),
        else a sentence saying why not and how to fix it."""
        if self.manager.is_loaded("diffusion", ref):
            return None
        if looks_like_path(ref):
            return None if Path(ref).expanduser().exists() else f"The folder {ref} does not exist."
        if HUB_ID.match(ref):
            if hub_cached_snapshot(ref) is not None or self.hub_ok():
                return None
            why = "the studio runs offline" if self.settings.hub_offline else "the Hugging Face Hub cannot be reached"
            return (f"Diffusion model {ref} is not available: {why} and it is not in the Hugging Face cache. "
                    "Run the studio once with network access to download it, or pass a local folder with "
                    "--diffusion-model. The face GAN works without it.")
        return f"'{ref}' is not a Hub id or a folder."

    def offered(self) -> tuple[list[str], list[str]]:
        """``(available references, notes about the missing ones)`` for the model dropdown."""
        refs, notes = [], []
        for ref in self.candidates():
            why = self.availability(ref)
            (notes if why else refs).append(why or ref)
        return refs, notes

    # ----- per-model facts --------------------------------------------------------------
    def pipeline(self, model: str | None = None):
        """The loaded pipeline of ``model`` (default ``--diffusion-model``); loads it once.

        Raises:
            ModelUnavailable: the reference cannot be resolved or loaded.
        """
        ref = (model or self.settings.diffusion_model or "").strip()
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

    # ----- generation -------------------------------------------------------------------
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
            Cancelled: Stop was pressed. StudioError: every image came out black or NaN.
        """
        t0 = time.perf_counter()
        ref = (model or self.settings.diffusion_model or "").strip()
        pipe = self.manager.loaded("diffusion", ref)
        if pipe is None:
            try:
                self.manager.resolve(ref, "diffusion")  # cheap: an unknown model is named before anything else
            except ModelUnavailable as exc:
                raise ModelUnavailable(f"model: {exc.message}") from exc
        prompt = check_text("prompt", prompt)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        num_images = check_int("num_images", num_images, 1, MAX_IMAGES)
        seed = check_seed(seed)
        max_side = self.settings.max_image_side
        for field, value in (("width", width), ("height", height)):
            if value is not None:
                check_side(field, value, None, max_side)
        pre = family_defaults(ref)
        steps = check_int("num_inference_steps", pre["num_inference_steps"] if num_inference_steps is None
                          else num_inference_steps, 1, MAX_STEPS)
        guidance = check_float("guidance_scale", pre["guidance_scale"] if guidance_scale is None
                               else guidance_scale, 0.0, MAX_GUIDANCE)
        if scheduler is not None and not isinstance(scheduler, str):
            raise InvalidInput("scheduler", f"must be a scheduler name, not {scheduler!r}.")

        if pipe is None:
            try:
                pipe = self.manager.get("diffusion", ref)
            except ModelUnavailable as exc:
                raise ModelUnavailable(f"model: {exc.message}") from exc
        step, side = size_step(pipe), native_size(pipe)
        width = check_side("width", side if width is None else width, step, max_side)
        height = check_side("height", side if height is None else height, step, max_side)
        own = type(pipe.scheduler).__name__
        scheduler = check_choice("scheduler", scheduler or own, scheduler_names(pipe))

        warnings = [w for w in (prompt_overflow(pipe, prompt), prompt_overflow(pipe, negative_prompt,
                                                                                 "negative_prompt")) if w]
        if negative_prompt and guidance <= 1.0:
            warnings.append("The negative prompt has no effect with guidance_scale at 1 or below.")
        if is_turbo(ref) and guidance > 1.0:
            warnings.append(f"{ref} is a turbo model made for guidance_scale 0; {guidance:g} may spoil the picture.")

        seeds = [(seed + i) % (SEED_MAX + 1) for i in range(num_images)]
        half = getattr(getattr(pipe, "vae", None), "dtype", torch.float32) in (torch.float16, torch.bfloat16)
        accepted = _call_parameters(type(pipe))
        images: list[Image.Image] = []
        kept_seeds: list[int] = []
        chunks = [seeds[i:i + self.batch_size] for i in range(0, num_images, self.batch_size)]
        for c, chunk in enumerate(chunks):
            arrays, nsfw, final_latents = self._run_chunk(
                pipe, accepted, chunk, scheduler, stop, progress, c, len(chunks), steps,
                prompt=prompt, negative_prompt=negative_prompt or None, width=width, height=height,
                num_inference_steps=steps, guidance_scale=guidance,
            )
            for j, (arr, s) in enumerate(zip(arrays, chunk)):
                if nsfw and nsfw[j]:
                    warnings.append(f"The model's safety checker blacked out the image of seed {s}; it was not saved.")
                    continue
                bad = _bad_pixels(arr)
                if bad == "black" and not half:
                    bad = None  # in float32 a black picture is what was asked for
                if bad:
                    arr = self._redecode(pipe, final_latents, j)
                    if arr is None or _bad_pixels(arr):
                        why = " (a half-precision overflow)" if half else ""
                        warnings.append(f"The image of seed {s} came out {bad}{why}; it was not saved. "
                                        "Try --device cpu or another model.")
                        continue
                    warnings.append(f"The image of seed {s} came out {bad} in half precision and was decoded "
                                    "again in float32.")
                images.append(_to_pil(arr))
                kept_seeds.append(s)
        if stop is not None and stop.is_set():
            raise Cancelled()
        if not images:
            raise StudioError("No usable picture came out. " + " ".join(warnings))

        params = []
        for s in kept_seeds:
            p = {"prompt": prompt, "negative_prompt": negative_prompt, "num_inference_steps": steps,
                 "scheduler": scheduler, "guidance_scale": guidance, "seed": s, "width": width, "height": height,
                 "model": ref, "engine": "diffusion"}
            params.append(p)
        paths = [save_png(im, self.settings.output_dir, p, "img") for im, p in zip(images, params)] if save else []
        return DiffusionResult(images, paths, seed, params, warnings, time.perf_counter() - t0)

    def _run_chunk(self, pipe, accepted, seeds, scheduler, stop, progress, chunk, chunks, steps, **kwargs):
        """One pipeline call for ``seeds``; returns ``(float images (N,H,W,3), nsfw flags or None, final latents)``."""
        run = copy.copy(pipe)  # per-run pipeline state (scheduler, _interrupt...) on shared modules
        run.__dict__["scheduler"] = self._scheduler(pipe, scheduler)
        state: dict[str, Any] = {}

        def on_step_end(p, i, t, callback_kwargs):
            if stop is not None and stop.is_set():
                raise Cancelled()
            state["latents"] = callback_kwargs.get("latents")
            if progress is not None:
                total = max(1, getattr(p, "num_timesteps", steps) or steps)
                progress(chunk * steps + min(steps, round((i + 1) * steps / total)), chunks * steps)
            return callback_kwargs

        call = {k: v for k, v in kwargs.items() if k in accepted and v is not None}
        call.update(num_images_per_prompt=len(seeds), output_type="np",
                    generator=[torch.Generator("cpu").manual_seed(s) for s in seeds])
        if "callback_on_step_end" in accepted:
            call["callback_on_step_end"] = on_step_end
        if stop is not None and stop.is_set():
            raise Cancelled()
        with self.manager.device_lock(), torch.inference_mode():
            out = run(**call)
        images = np.asarray(out.images, dtype=np.float32)
        return images, getattr(out, "nsfw_content_detected", None), state.get("latents")

    def _redecode(self, pipe, latents: torch.Tensor | None, index: int) -> np.ndarray | None:
        """Decode latent ``index`` again with a float32 copy of the VAE; None when that is not possible
        (the VAE already is float32, the latents are packed, or there is no VAE)."""
        vae = getattr(pipe, "vae", None)
        if latents is None or vae is None or latents.ndim != 4 or vae.dtype == torch.float32:
            return None
        try:
            from accelerate.hooks import remove_hook_from_module
        except ImportError:  # pragma: no cover - accelerate is a dependency
            remove_hook_from_module = None
        with self.manager.device_lock(), torch.inference_mode():
            vae32 = copy.deepcopy(vae)
            if remove_hook_from_module is not None:
                remove_hook_from_module(vae32, recurse=True)
            device = getattr(pipe, "_execution_device", self.manager.device)
            vae32 = vae32.to(device=device, dtype=torch.float32)
            lat = latents[index:index + 1].to(device=device, dtype=torch.float32)
            lat = lat / vae32.config.scaling_factor + (getattr(vae32.config, "shift_factor", None) or 0.0)
            image = vae32.decode(lat, return_dict=False)[0]
            del vae32
        return (image / 2 + 0.5).clamp(0, 1)[0].permute(1, 2, 0).float().cpu().numpy()
