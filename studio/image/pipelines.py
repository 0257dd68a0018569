"""Facts about diffusers pipelines, and how one is loaded: the size step and native size,
family defaults, the schedulers a pipeline accepts, prompt overflow, the NaN/black test.

The result types of :class:`~studio.image.diffusion.DiffusionEngine` are here too.
Plain functions of a pipeline object (or a model reference), used by
:class:`~studio.image.diffusion.DiffusionEngine` and the engines built on it
(style, repair). ``load_pipeline`` is the ModelManager loader of kind ``diffusion``,
registered in the composition root (:func:`studio.models.register_default_loaders`).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import logging
import math
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from ..errors import InvalidInput, raise_if_stopped
from ..jobs import Progress
from ..lazy import lazy_import
from ..messages import Message
from ..models import ModelManager, ResolvedModel
from ..validate import check_float, check_int
from .imageio import LoadedImage

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up

log = logging.getLogger(__name__)

MAX_STEPS = 150
MAX_IMAGES = 64
MAX_GUIDANCE = 50.0
TURBO_MARKERS = ("turbo", "lightning", "schnell", "hyper-sd", "lcm")


# ----- loading ---------------------------------------------------------------------
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
def call_parameters(cls: type) -> frozenset[str]:
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
        allowed = Message("from 1 to {m} px (and a multiple of the model's size step)", m=max_side)
    else:
        top = max_side - max_side % step
        if top <= 8 * step:
            allowed = Message("a multiple of {s} from {s} to {t} ({l})", s=step, t=top,
                              l=", ".join(str(v) for v in range(step, top + 1, step)))
        else:
            allowed = Message("a multiple of {s} from {s} to {t}", s=step, t=top)
    try:
        number = check_int(field, value, -(10**9), 10**9)
    except InvalidInput:
        raise InvalidInput(field, "must be a whole number of pixels, {a}, not {user_b}.", a=allowed,
                           user_b=repr(value)) from None
    if number > max_side:
        raise InvalidInput(field, "must be at most {a} px (this studio's --max-image-side), not {user_b}.",
                           a=max_side, user_b=number)
    if number < 1 or (step is not None and (number < step or number % step)):
        if step is not None and step < number < top:
            raise InvalidInput(field, "must be {a} for this model, not {user_b}. The nearest allowed are {c} and {d}.",
                               a=allowed, user_b=number, c=number - number % step, d=number - number % step + step)
        raise InvalidInput(field, "must be {a} for this model, not {user_b}.", a=allowed, user_b=number)
    return number


def prompt_overflow(pipe, text: str, field: str = "prompt") -> str | None:
    """A warning when ``text`` has more tokens than the pipeline's longest text encoder reads, else None.

    The warning gives the token count, the limit and the words that were dropped.
    """
    if not text:
        return None
    found = [getattr(pipe, n, None) for n in ("tokenizer", "tokenizer_2", "tokenizer_3")]
    tokenizers = [t for t in found if t is not None and 0 < getattr(t, "model_max_length", 0) < 100_000]
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
    return Message("The {f} is {n} tokens long, but the text encoder reads only {m} "
                   "(including {s} special tokens), so this end was ignored: “{user_d}”. Shorten the {f} "
                   "or move what matters to its start.", f=field, n=len(ids), m=limit, s=specials, user_d=dropped)


def hub_reachable(timeout: float = 2.0) -> bool:
    """True if a TCP connection to the Hugging Face Hub's host opens within ``timeout`` seconds."""
    try:
        from huggingface_hub import constants

        host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def bad_pixels(image: np.ndarray) -> str | None:
    """``"NaN"`` if any pixel is not finite, ``"black"`` if all are (nearly) 0, else None."""
    if not np.isfinite(image).all():
        return "NaN"
    if float(image.max()) < 1.5 / 255:
        return "black"
    return None


def to_pil(image: np.ndarray) -> Image.Image:
    return Image.fromarray((image * 255).round().astype("uint8"))


def check_denoising_steps(num_inference_steps: int, strength: float) -> int:
    """``int(num_inference_steps × strength)``, the img2img steps that run; refuse 0.

    Raises:
        InvalidInput: the product is below 1, so no denoising step would run (turbo
            models, which use 1 to 4 steps, hit this at low strength).
    """
    run = int(num_inference_steps * strength)
    if run < 1:
        need_steps = math.ceil(1 / strength) if strength > 0 else None
        fix = (Message("Raise num_inference_steps to at least {n}, or strength to at least {s}.", n=need_steps,
                       s=f"{1 / num_inference_steps:.2f}") if need_steps else Message("Raise strength above 0."))
        raise InvalidInput(
            "num_inference_steps",
            "× strength must be at least 1 (now {a} × {b} = "
            "{c}), or no denoising step runs and the picture comes back "
            "unchanged. {h}", a=num_inference_steps, b=f"{strength:g}", c=f"{num_inference_steps * strength:g}",
            h=fix,
        )
    return run


def check_sampling(ref: str, num_inference_steps: Any, guidance_scale: Any) -> tuple[int, float]:
    """``(steps, guidance)``: the given values checked (steps 1 to :data:`MAX_STEPS`, guidance 0 to
    :data:`MAX_GUIDANCE`), or the family defaults of ``ref`` (see :func:`family_defaults`) for None.

    Raises:
        InvalidInput: naming ``num_inference_steps`` or ``guidance_scale``.
    """
    pre = family_defaults(ref)
    steps = check_int("num_inference_steps", pre["num_inference_steps"] if num_inference_steps is None
                      else num_inference_steps, 1, MAX_STEPS)
    guidance = check_float("guidance_scale", pre["guidance_scale"] if guidance_scale is None
                           else guidance_scale, 0.0, MAX_GUIDANCE)
    return steps, guidance


def prompt_warnings(pipe, ref: str, prompt: str, negative_prompt: str, guidance: float, *,
                    turbo: bool = True) -> list[str]:
    """What the user should know about the prompts before a run: an end the text encoder will not
    read (:func:`prompt_overflow`), a negative prompt that has no effect at ``guidance`` <= 1, and
    (``turbo``) a turbo model run with guidance above 1."""
    warnings = [w for w in (prompt_overflow(pipe, prompt),
                            prompt_overflow(pipe, negative_prompt, "negative_prompt")) if w]
    if negative_prompt and guidance <= 1.0:
        warnings.append(Message("The negative prompt has no effect with guidance_scale at 1 or below."))
    if turbo and is_turbo(ref) and guidance > 1.0:
        warnings.append(Message("{m} is a turbo model made for guidance_scale 0; {g} may spoil the picture.", m=ref,
                                g=f"{guidance:g}"))
    return warnings


def step_callback(stop, progress: Progress | None, report: Callable[[Any, int], tuple[int, int]],
                  state: dict | None = None):
    """A diffusers ``callback_on_step_end``: raises :class:`~studio.errors.Cancelled` once ``stop`` is
    set, keeps the step's latents in ``state["latents"]`` (when ``state`` is given) and calls
    ``progress(*report(pipeline, step_index))``."""

    def on_step_end(p, i, t, callback_kwargs):
        raise_if_stopped(stop)
        if state is not None:
            state["latents"] = callback_kwargs.get("latents")
        if progress is not None:
            progress(*report(p, i))
        return callback_kwargs

    return on_step_end


def call_arguments(pipe, required: dict, optional: dict, on_step_end=None) -> dict:
    """The keyword arguments of one pipeline call: ``required`` as they are, the ``optional`` ones the
    pipeline's ``__call__`` accepts and that are not None, and ``on_step_end`` as
    ``callback_on_step_end`` when the pipeline takes it."""
    pipe_class: type = type(pipe)
    accepted = call_parameters(pipe_class)
    call = {k: v for k, v in optional.items() if k in accepted and v is not None}
    call.update(required)
    if on_step_end is not None and "callback_on_step_end" in accepted:
        call["callback_on_step_end"] = on_step_end
    return call


def decode_in_float32(pipe, latents, index: int, device) -> np.ndarray | None:
    """Decode latent ``index`` of ``latents`` again with a float32 copy of ``pipe``'s VAE, as a float
    (H, W, 3) array in [0, 1]; None when that is not possible (the VAE already is float32, the
    latents are packed, or there is no VAE). The caller holds the device lock."""
    vae = getattr(pipe, "vae", None)
    if latents is None or vae is None or latents.ndim != 4 or vae.dtype == torch.float32:
        return None
    try:
        from accelerate.hooks import remove_hook_from_module
    except ImportError:  # pragma: no cover - accelerate is a dependency
        remove_hook_from_module = None
    with torch.inference_mode():
        vae32 = copy.deepcopy(vae)
        if remove_hook_from_module is not None:
            remove_hook_from_module(vae32, recurse=True)
        device = getattr(pipe, "_execution_device", device)
        vae32 = vae32.to(device=device, dtype=torch.float32)
        lat = latents[index:index + 1].to(device=device, dtype=torch.float32)
        lat = lat / vae32.config.scaling_factor + (getattr(vae32.config, "shift_factor", None) or 0.0)
        image = vae32.decode(lat, return_dict=False)[0]
        del vae32
    return (image / 2 + 0.5).clamp(0, 1)[0].permute(1, 2, 0).float().cpu().numpy()


# ----- results ---------------------------------------------------------------------
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


@dataclasses.dataclass
class Img2ImgResult:
    """A picture repainted by :meth:`DiffusionEngine.img2img` (not saved).

    Attributes:
        image: RGB PIL image, the size of :attr:`content`.
        content: the input picture as loaded (downscaled to ``max_side``).
        params: the picture's metadata (``engine`` ``img2img``, ``strength``, ``denoising_steps``...).
        warnings: things the user should see (painted at another size, long prompt...).
        seconds: wall time of the call.
    """

    image: Image.Image
    content: LoadedImage
    params: dict
    warnings: list[str]
    seconds: float
