"""PNG metadata: an AUTOMATIC1111-style ``parameters`` text chunk, so that
existing tools read it, plus a ``studio`` chunk with the same facts as JSON.

The ``parameters`` format (as written by AUTOMATIC1111's webui)::

    a watercolor fox
    Negative prompt: blurry
    Steps: 4, Sampler: EulerAncestralDiscreteScheduler, CFG scale: 0.0, Seed: 42, Size: 512x512, Model: stabilityai/sd-turbo
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

from ..files import atomic_write_bytes, new_filename
from ..provenance.xmp import COMPOSITE_SYNTHETIC, COMPOSITE_TRAINED, TRAINED, XMP_KEY, xmp_packet

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
    prompt_lines: list[str] = []
    neg_lines: list[str] = []
    in_neg = False
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


def pnginfo(params: dict[str, Any], xmp: str = "") -> PngImagePlugin.PngInfo:
    """The text chunks (``parameters``, ``studio`` and, when given, the XMP packet) for ``params``."""
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", a1111_parameters(params))
    info.add_itxt("studio", json.dumps(params, ensure_ascii=False, default=str))
    if xmp:
        info.add_itxt(XMP_KEY, xmp)
    return info


def source_type_for(params: dict[str, Any], edited: bool) -> str:
    """The IPTC digital source type: made from nothing, or a writer's picture changed by a model
    (or by a plain algorithm: the OpenCV repair)."""
    if not edited:
        return TRAINED
    return COMPOSITE_SYNTHETIC if "opencv" in str(params.get("engine", "")) else COMPOSITE_TRAINED


def png_bytes(image: Image.Image, params: dict[str, Any], credentials=None, source=None) -> bytes:
    """``image`` as PNG bytes with its metadata and, per ``credentials`` (``--provenance``), the IPTC
    XMP field and a signed C2PA manifest. ``source``: the writer's picture it was made from (PIL or
    PNG/JPEG bytes), kept as the manifest's parent ingredient.
    """
    mode = credentials.mode if credentials is not None else "legacy"
    model = str(params.get("model") or "")
    source_type = source_type_for(params, source is not None)
    xmp = xmp_packet(source_type, f"Studio ({model})" if model else "Studio") if mode in ("full", "metadata") else ""
    buf = io.BytesIO()
    image.save(buf, format="PNG", pnginfo=None if mode == "off" else pnginfo(params, xmp))
    data = buf.getvalue()
    if credentials is None or not credentials.signs:
        return data
    ingredient = None
    if isinstance(source, Image.Image):
        src = io.BytesIO()
        source.save(src, format="PNG", compress_level=1)
        ingredient = src.getvalue()
    elif isinstance(source, (bytes, bytearray)):
        ingredient = bytes(source)
    kept = {k: params.get(k) for k in ("prompt", "seed", "engine") if params.get(k) not in (None, "")}
    return credentials.sign_bytes(data, "image/png", source_type=source_type, model=model, title="picture.png",
                                  ingredient=ingredient, ingredient_mime=_mime(ingredient),
                                  ingredient_title=str(params.get("content") or ""), parameters=kept)


def _mime(data: bytes | None) -> str:
    return "image/jpeg" if data and data.startswith(b"\xff\xd8") else "image/png"


def save_png(image: Image.Image, folder: Path, params: dict[str, Any], prefix: str = "img",
             credentials=None, source=None) -> Path:
    """Save ``image`` as a PNG with metadata in ``folder``; temporary name then rename.

    Returns the path, named ``<prefix>-<timestamp>-<counter>.png`` (never from the prompt).
    ``credentials`` and ``source``: see :func:`png_bytes`.
    """
    path = new_filename(folder, prefix, ".png")
    atomic_write_bytes(path, png_bytes(image, params, credentials, source))
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
