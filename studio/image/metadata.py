"""PNG metadata: an AUTOMATIC1111-style ``parameters`` text chunk, so that
existing tools read it, plus a ``studio`` chunk with the same facts as JSON.

The ``parameters`` format (as written by AUTOMATIC1111's webui)::

    a watercolor fox
    Negative prompt: blurry
    Steps: 4, Sampler: EulerAncestralDiscreteScheduler, CFG scale: 0.0, Seed: 42, Size: 512x512, Model: stabilityai/sd-turbo
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

from ..files import atomic_save, new_filename

# Keys of the "studio" JSON chunk that map onto the A1111 line.
_A1111_KEYS = [
    ("num_inference_steps", "Steps"),
    ("scheduler", "Sampler"),
    ("guidance_scale", "CFG scale"),
    ("seed", "Seed"),
    ("size", "Size"),
    ("model", "Model"),
]


def a1111_parameters(params: dict[str, Any]) -> str:
    """Format ``params`` as an AUTOMATIC1111 ``parameters`` text.

    ``params`` uses Studio's names: prompt, negative_prompt, num_inference_steps,
    scheduler, guidance_scale, seed, width, height, model, plus any extras
    (written as ``Key: value`` pairs after the standard ones).
    """
    p = dict(params)
    if "width" in p and "height" in p:
        p["size"] = f"{p['width']}x{p['height']}"
    lines = [str(p["prompt"])] if p.get("prompt") else []  # no prompt (GAN, style): just the settings line
    if p.get("negative_prompt"):
        lines.append(f"Negative prompt: {p['negative_prompt']}")
    pairs = [f"{label}: {p[key]}" for key, label in _A1111_KEYS if p.get(key) not in (None, "")]
    skip = {"prompt", "negative_prompt", "width", "height", "size"} | {k for k, _ in _A1111_KEYS}
    for key, value in p.items():
        if key not in skip and value not in (None, "") and not isinstance(value, (dict, list)):
            text = str(value).replace(",", " ").replace("\n", " ")
            pairs.append(f"{key.replace('_', ' ').capitalize()}: {text}")
    lines.append(", ".join(pairs))
    return "\n".join(lines)


def parse_a1111(text: str) -> dict[str, Any]:
    """Parse an AUTOMATIC1111 ``parameters`` text back into Studio's names.

    Unknown keys are kept with their A1111 label. Numbers come back as int or float.
    """
    lines = text.strip("\n").split("\n")
    last = lines[-1] if lines else ""
    pairs = len(re.findall(r"(?:^|, )[\w \-/()]+: ", last))
    if re.search(r"(^|, )(Steps|Seed): ", last) or pairs >= 3:  # as AUTOMATIC1111 reads it
        lines = lines[:-1]
    else:
        last = ""
    prompt_lines, neg_lines, in_neg = [], [], False
    for line in lines:
        if line.startswith("Negative prompt:"):
            in_neg = True
            line = line[len("Negative prompt:"):].strip()
        (neg_lines if in_neg else prompt_lines).append(line)
    out: dict[str, Any] = {"prompt": "\n".join(prompt_lines).strip(), "negative_prompt": "\n".join(neg_lines).strip()}
    labels = {label: key for key, label in _A1111_KEYS}
    for m in re.finditer(r"\s*([\w \-/()]+):\s*(\"(?:\\.|[^\"])*\"|[^,]*)(?:,|$)", last):
        label, value = m.group(1).strip(), m.group(2).strip()
        key = labels.get(label, label)
        out[key] = _number(value)
    if isinstance(out.get("size"), str) and re.fullmatch(r"\d+x\d+", out["size"]):
        w, h = out.pop("size").split("x")
        out["width"], out["height"] = int(w), int(h)
    return out


def _number(value: str):
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def pnginfo(params: dict[str, Any]) -> PngImagePlugin.PngInfo:
    """The two text chunks (``parameters`` and ``studio``) for ``params``."""
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", a1111_parameters(params))
    info.add_itxt("studio", json.dumps(params, ensure_ascii=False, default=str))
    return info


def save_png(image: Image.Image, folder: Path, params: dict[str, Any], prefix: str = "img") -> Path:
    """Save ``image`` as a PNG with metadata in ``folder``; temporary name then rename.

    Returns the path, named ``<prefix>-<timestamp>-<counter>.png`` (never from the prompt).
    """
    path = new_filename(folder, prefix, ".png")
    info = pnginfo(params)
    atomic_save(path, lambda fh: image.save(fh, format="PNG", pnginfo=info))
    return path


def read_png_parameters(image: Image.Image | str | Path) -> dict[str, Any]:
    """Read generation parameters from a PNG: Studio's JSON chunk first, else A1111's text.

    Returns an empty dict when the image carries neither.
    """
    if not isinstance(image, Image.Image):
        with Image.open(image) as im:
            info = dict(im.info)
    else:
        info = dict(image.info)
    if "studio" in info:
        try:
            data = json.loads(info["studio"])
            if isinstance(data, dict):
                return data
        except ValueError:
            pass
    if "parameters" in info:
        return parse_a1111(str(info["parameters"]))
    return {}
