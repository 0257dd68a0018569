"""A voice's PEFT LoRA adapter as a GGUF LoRA file, so that llama.cpp writes with it.

Method: the layout of llama.cpp's ``convert_lora_to_gguf.py``, written with the ``gguf`` package:
for each adapted linear layer, PEFT's ``lora_A`` (shape ``(r, in)``) and ``lora_B`` (``(out, r)``) become
the float32 tensors ``<gguf name>.weight.lora_a`` and ``.lora_b`` (gguf's own Hugging Face → GGUF name
map, :func:`gguf.get_tensor_name_map`); ``lora_B`` of the query and key projections gets the row
permutation the llama converter applies to those weights (rotary embedding layout). The file says
``general.type = adapter``, ``adapter.type = lora`` and ``adapter.lora.alpha``; llama.cpp scales by
``alpha / r`` as PEFT does. Only the ``llama`` architecture (SmolLM2, Llama, Mistral-like) is converted;
others raise ValueError and the voice writes with transformers.
"""

from __future__ import annotations

import json
import os
import re
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


def convert(adapter_dir: Path, base_gguf: Path, out: Path) -> Path:
    """Write the PEFT adapter in ``adapter_dir`` as the GGUF LoRA ``out`` for the model ``base_gguf``.

    Written to a temporary file and renamed, so ``out`` is whole or absent.

    Raises:
        ValueError: an architecture other than llama, or an adapted layer gguf has no name for.
        OSError: the files cannot be read or written.
    """
    import gguf
    from safetensors.numpy import load_file

    meta = gguf_meta(base_gguf)
    if meta["arch"] not in ARCHS:
        raise ValueError(f"GGUF LoRA conversion supports {', '.join(ARCHS)}, not {meta['arch']}")
    cfg = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    tensors = load_file(str(adapter_dir / "adapter_model.safetensors"))
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, int(meta["blocks"]))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in tensors.items():
        m = _MODULE.match(key)
        if not m:
            raise ValueError(f"unexpected tensor {key} in the adapter")
        pairs.setdefault(m.group(1), {})[m.group(3)] = value.astype(np.float32)
    tmp = out.with_name(f".tmp-{out.name}")
    writer = gguf.GGUFWriter(str(tmp), meta["arch"])
    try:
        writer.add_string(gguf.Keys.General.TYPE, gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(cfg["lora_alpha"]))
        for module, ab in sorted(pairs.items()):
            name = names.get_name(module)
            if name is None or set(ab) != {"A", "B"}:
                raise ValueError(f"no GGUF name for the adapted layer {module}")
            b = ab["B"]
            if module.endswith("self_attn.q_proj"):
                b = _permute(b, int(meta["heads"]))
            elif module.endswith("self_attn.k_proj"):
                b = _permute(b, int(meta["kv_heads"]))
            writer.add_tensor(f"{name}.weight.lora_a", np.ascontiguousarray(ab["A"]))
            writer.add_tensor(f"{name}.weight.lora_b", np.ascontiguousarray(b))
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
