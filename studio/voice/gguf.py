"""A voice's PEFT LoRA adapter as a GGUF LoRA file, so that llama.cpp writes with it.

Method: the layout of llama.cpp's ``convert_lora_to_gguf.py``, written with the ``gguf`` package:
for each adapted linear layer, PEFT's ``lora_A`` (shape ``(r, in)``) and ``lora_B`` (``(out, r)``) become
the float32 tensors ``<gguf name>.weight.lora_a`` and ``.lora_b`` (gguf's own Hugging Face → GGUF name
map, :func:`gguf.get_tensor_name_map`); ``lora_B`` of the query and key projections gets the row
permutation the llama converter applies to those weights (rotary embedding layout). The file says
``general.type = adapter``, ``adapter.type = lora`` and ``adapter.lora.alpha``; llama.cpp scales by
``alpha / r`` as PEFT does. Only the ``llama`` architecture (SmolLM2, Llama, Mistral-like) is converted;
others raise ValueError and the voice writes with transformers.

:func:`merge` goes one step further and writes the base GGUF with the adapter merged into its weights, so
that llama.cpp writes with the voice as fast as without it (a LoRA file costs llama.cpp two extra small
products per adapted layer at every token: 0.85x the speed on SmolLM2-135M).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import numpy as np

ARCHS = ("llama",)
_MODULE = re.compile(r"(?:base_model\.model\.)?(model\.layers\.(\d+)\.[\w.]+?)\.lora_([AB])\.weight$")


def gguf_meta(path: Path) -> dict:
    """``general.architecture`` (arch), ``<arch>.block_count`` (blocks), ``.embedding_length`` (width),
    ``.attention.head_count`` (heads) and ``.attention.head_count_kv`` (kv_heads) of a GGUF file."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path))

    def field(key):
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    arch = field("general.architecture")
    return {"arch": arch, "blocks": field(f"{arch}.block_count"), "width": field(f"{arch}.embedding_length"),
            "heads": field(f"{arch}.attention.head_count"),
            "kv_heads": field(f"{arch}.attention.head_count_kv") or field(f"{arch}.attention.head_count")}


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's ``LlamaModel.permute`` on the rows of ``w`` (``n_head`` heads)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _layers(adapter_dir: Path, meta: dict) -> tuple[dict, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The adapter's config and its layers: ``{gguf weight name: (A (r, in), B (out, r))}``, float32, with
    ``B`` of the query and key projections row-permuted as llama.cpp's converter permutes their weights.

    Raises:
        ValueError: an architecture other than llama, or an adapted layer gguf has no name for.
    """
    import gguf
    from safetensors.numpy import load_file

    if meta["arch"] not in ARCHS:
        raise ValueError(f"GGUF LoRA conversion supports {', '.join(ARCHS)}, not {meta['arch']}")
    cfg = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, int(meta["blocks"]))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in load_file(str(adapter_dir / "adapter_model.safetensors")).items():
        m = _MODULE.match(key)
        if not m:
            raise ValueError(f"unexpected tensor {key} in the adapter")
        pairs.setdefault(m.group(1), {})[m.group(3)] = value.astype(np.float32)
    layers = {}
    for module, ab in sorted(pairs.items()):
        name = names.get_name(module)
        if name is None or set(ab) != {"A", "B"}:
            raise ValueError(f"no GGUF name for the adapted layer {module}")
        b = ab["B"]
        if module.endswith("self_attn.q_proj"):
            b = _permute(b, int(meta["heads"]))
        elif module.endswith("self_attn.k_proj"):
            b = _permute(b, int(meta["kv_heads"]))
        layers[f"{name}.weight"] = (np.ascontiguousarray(ab["A"]), np.ascontiguousarray(b))
    return cfg, layers


def _write(writer, tmp: Path, out: Path, fill) -> Path:
    """``fill(writer)``, then the header, metadata and tensors to ``tmp``, renamed to ``out``; nothing is left
    behind when anything fails."""
    try:
        fill(writer)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(tmp, out)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    return out


def convert(adapter_dir: Path, base_gguf: Path, out: Path) -> Path:
    """Write the PEFT adapter in ``adapter_dir`` as the GGUF LoRA ``out`` for the model ``base_gguf``.

    Written to a temporary file and renamed, so ``out`` is whole or absent.

    Raises:
        ValueError: an architecture other than llama, or an adapted layer gguf has no name for.
        OSError: the files cannot be read or written.
    """
    import gguf

    meta = gguf_meta(base_gguf)
    cfg, layers = _layers(adapter_dir, meta)
    tmp = out.with_name(f".tmp-{uuid.uuid4().hex[:12]}-{out.name}")

    def fill(writer):
        writer.add_string(gguf.Keys.General.TYPE, gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(cfg["lora_alpha"]))
        for name, (a, b) in layers.items():
            writer.add_tensor(f"{name}.lora_a", a)
            writer.add_tensor(f"{name}.lora_b", b)

    return _write(gguf.GGUFWriter(str(tmp), meta["arch"]), tmp, out, fill)


_ATTENTION = (".attn_q.", ".attn_k.", ".attn_v.", ".attn_output.")


def merged_type(name: str, base_type):
    """The GGML type an adapted tensor of ``base_type`` is written in once the voice is merged into it, or
    None where no type keeps the voice's changes at the base's speed.

    - float types (F32, F16, BF16) stay as they are: the merge is exact;
    - quantised attention projections (query, key, value, output: 15% of SmolLM2's weights) become Q8_0.
      A voice's changes are small (mean |delta W| 3e-4 on SmolLM2) beside a 4-bit step: re-quantised in
      the base's Q4_1 most of them were lost, while in Q8_0 the held-out perplexity through llama.cpp
      equals the LoRA file's (29.43 against 29.30; 43.39 without the voice);
    - other quantised tensors (the feed-forward weights of a voice trained before Studio adapted attention
      only): None. Q4_1 lost a quarter of such a voice's gain, Q8_0 made writing as slow as the LoRA file.
    """
    from gguf import GGMLQuantizationType as Q

    if base_type in (Q.F32, Q.F16, Q.BF16):
        return base_type
    return Q.Q8_0 if any(part in name for part in _ATTENTION) else None


def merge(adapter_dir: Path, base_gguf: Path, out: Path) -> Path:
    """Write ``out``: the GGUF model ``base_gguf`` with the PEFT adapter in ``adapter_dir`` merged into its
    weights (``W + alpha / r * B @ A``, as PEFT's ``merge_and_unload``), in the types of :func:`merged_type`,
    quantised with gguf's reference quantiser. Every other tensor, byte for byte, and all metadata
    (tokenizer, chat template) are copied unchanged.

    Takes about 4 s for SmolLM2-135M with an attention-only voice; ``out`` is 1.12x the base file
    (attention in Q8_0). Written to a temporary file and renamed, so ``out`` is whole or absent.

    Raises:
        ValueError: an architecture other than llama, an adapted layer gguf has no name for or the base file
            lacks, or an adapted tensor :func:`merged_type` cannot keep (the feed-forward weights of a
            quantised model): the voice then writes with its LoRA file (:func:`convert`).
        OSError: the files cannot be read or written (disk full included).
    """
    import gguf
    from gguf import GGUFReader, quants

    meta = gguf_meta(base_gguf)
    cfg, layers = _layers(adapter_dir, meta)
    scale = float(cfg["lora_alpha"]) / float(cfg["r"])
    reader = GGUFReader(str(base_gguf))
    adapted = {t.name: t for t in reader.tensors if t.name in layers}
    if missing := sorted(set(layers) - set(adapted)):
        raise ValueError(f"the base model has no tensor {missing[0]}")
    for t in adapted.values():
        kind = merged_type(t.name, t.tensor_type)
        if kind is None:
            raise ValueError(f"{t.name} is {t.tensor_type.name}: merging would lose the voice's changes")
    tmp = out.with_name(f".tmp-{uuid.uuid4().hex[:12]}-{out.name}")

    def fill(writer):
        for field in reader.fields.values():  # as gguf's own gguf_new_metadata.py copies them
            if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
                continue
            vtype = field.types[0]
            writer.add_key_value(field.name, field.contents(), vtype,
                                 sub_type=field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None)
        for t in reader.tensors:
            if t.name not in layers:
                writer.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
                continue
            a, b = layers[t.name]
            w = quants.dequantize(t.data, t.tensor_type).astype(np.float32) + scale * (b @ a)
            kind = merged_type(t.name, t.tensor_type)
            writer.add_tensor(t.name, quants.quantize(w, kind), raw_dtype=kind)

    return _write(gguf.GGUFWriter(str(tmp), meta["arch"]), tmp, out, fill)
