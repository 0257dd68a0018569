"""The diffusion and repair engines, when a picture server makes the pictures (``--image-backend openai``).

:class:`RemoteDiffusion` and :class:`RemoteRepair` wrap the local engines: image-to-image (the Style
tab, the API's edits) and repair with a model go to the server's ``/images/edits``
(:class:`~studio.image.remote.RemoteImages`); everything else (OpenCV repair, the local engines'
questions) is the local engine's. The same checks as the local engines run first; the results have
the same shape, so the tabs do not know the difference.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
from PIL import Image

from ..errors import InvalidInput
from ..validate import check_float, check_int, check_seed, check_text
from .gan import is_gan_ref
from .imageio import load_user_image
from .pipelines import Img2ImgResult
from .remote import RemoteImages


def _editing_models(remote: RemoteImages, masked: bool) -> tuple[list[str], list[str]]:
    """``(the server's models that can edit, notes)``; never raises (an unreachable server is a note).
    Another Studio's ``opencv`` fills masks only."""
    try:
        return [m for m in remote.models() if not is_gan_ref(m) and (masked or m != "opencv")], []
    except Exception as exc:  # noqa: BLE001 - a probe must not break a tab
        return [], [getattr(exc, "message", str(exc))]


class RemoteDiffusion:
    """A :class:`~studio.image.diffusion.DiffusionEngine` whose image-to-image runs on the server."""

    def __init__(self, local, remote: RemoteImages):
        self.local, self.remote = local, remote

    def __getattr__(self, name: str):
        return getattr(self.local, name)

    def offered(self) -> tuple[list[str], list[str]]:
        return _editing_models(self.remote, masked=False)

    def availability(self, ref: str) -> str | None:
        """None when the server has ``ref``, else why not (the server's models, or why it cannot be asked)."""
        try:
            self.remote.check_model(ref)
            return None
        except Exception as exc:  # noqa: BLE001 - said in the tab, never raised
            return getattr(exc, "message", str(exc))

    def is_loaded(self, model: str | None = None) -> bool:
        return False  # nothing loads here

    def schedulers(self, model: str | None = None) -> list[str]:
        return []  # the server's own scheduler runs

    def img2img(self, image: Any, prompt: str, *, negative_prompt: str = "", strength: float = 0.5,
                num_inference_steps: int | None = None, guidance_scale: float | None = None, seed: int = -1,
                model: str | None = None, max_side: int | None = None, field: str = "image",
                stop: threading.Event | None = None, progress=None, oom_hint: str = "") -> Img2ImgResult:
        """Like :meth:`DiffusionEngine.img2img`, on the server's ``/images/edits`` (no mask)."""
        t0 = time.perf_counter()
        prompt = check_text("prompt", prompt)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        strength = check_float("strength", strength, 0.0, 1.0)
        seed = check_seed(seed)
        if num_inference_steps is not None:
            num_inference_steps = check_int("num_inference_steps", num_inference_steps, 1, 150)
        if guidance_scale is not None:
            guidance_scale = check_float("guidance_scale", guidance_scale, 0.0, 50.0)
        content = load_user_image(image, field, max_side)
        ref = (model or self.local.settings.diffusion_model or "").strip()
        out = self.remote.edit(content.image, None, prompt=prompt, negative_prompt=negative_prompt, model=ref,
                               strength=strength, num_inference_steps=num_inference_steps,
                               guidance_scale=guidance_scale, seed=seed, stop=stop)
        if progress is not None:
            progress(1, 1)
        params = {"prompt": prompt, "negative_prompt": negative_prompt, "num_inference_steps": num_inference_steps,
                  "guidance_scale": guidance_scale, "seed": seed, "width": out.width, "height": out.height,
                  "model": ref, "engine": "openai-img2img", "strength": strength, "server": self.remote.base_url}
        return Img2ImgResult(out, content, {k: v for k, v in params.items() if v is not None}, [],
                             time.perf_counter() - t0)


class RemoteRepair:
    """A :class:`~studio.image.repair.RepairEngine` whose model repairs run on the server (OpenCV stays here)."""

    def __init__(self, local, remote: RemoteImages):
        self.local, self.remote = local, remote

    def __getattr__(self, name: str):
        return getattr(self.local, name)

    def offered(self) -> tuple[list[str], list[str]]:
        return _editing_models(self.remote, masked=True)

    def default_model(self) -> str:
        return ""  # OpenCV, here; the writer picks a server model

    def inpaint(self, image: Any, mask_image: Any = None, prompt: str = "", negative_prompt: str = "", *,
                model: str | None = "", strength: float = 1.0, num_inference_steps: int | None = None,
                guidance_scale: float | None = None, seed: int = -1, stop: threading.Event | None = None,
                progress=None, save: bool = True, **rest):
        """Like :meth:`RepairEngine.inpaint`; with a model, the masked part is painted by the server and
        every unmasked pixel is kept exactly. Extending the canvas needs the local engine."""
        from ..image.metadata import save_png
        from ..provenance.credentials import credentials_for
        from .repair import RepairResult

        ref = (model or "").strip() if isinstance(model, str) else model
        if not ref:
            return self.local.inpaint(image, mask_image, prompt, negative_prompt, model="", strength=strength,
                                      num_inference_steps=num_inference_steps, guidance_scale=guidance_scale,
                                      seed=seed, stop=stop, progress=progress, save=save, **rest)
        t0 = time.perf_counter()
        for side in ("left", "right", "up", "down"):
            if rest.get(f"extend_{side}"):
                raise InvalidInput(f"extend_{side}", "must be 0 with a picture server (--image-backend openai): "
                                                     "extend the canvas with OpenCV (no model) instead.")
        prompt = check_text("prompt", prompt, required=False)
        negative_prompt = check_text("negative_prompt", negative_prompt, required=False)
        strength = check_float("strength", strength, 0.0, 1.0)
        seed = check_seed(seed)
        rgb, _name, mask = self.local.load_inputs(image, mask_image, {"left": 0, "right": 0, "up": 0, "down": 0})
        out = self.remote.edit(Image.fromarray(rgb), mask, prompt=prompt, negative_prompt=negative_prompt, model=ref,
                               strength=strength, num_inference_steps=num_inference_steps,
                               guidance_scale=guidance_scale, seed=seed, stop=stop)
        result = np.where(mask[..., None], np.asarray(out), rgb).astype(np.uint8)
        if progress is not None:
            progress(1, 1)
        params = {"prompt": prompt, "negative_prompt": negative_prompt, "seed": seed, "model": ref,
                  "engine": "openai-inpaint", "strength": strength, "width": rgb.shape[1], "height": rgb.shape[0],
                  "masked_pixels": int(mask.sum()), "server": self.remote.base_url}
        picture = Image.fromarray(result)
        path = (save_png(picture, self.local.settings.output_dir, params, "repair", credentials_for(self.local.settings),
                         Image.fromarray(rgb)) if save else None)
        return RepairResult(picture, rgb, mask, path, params, [], time.perf_counter() - t0)
