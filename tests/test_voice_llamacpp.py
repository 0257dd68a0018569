"""Voices on llama.cpp (#13): the PEFT adapter as a GGUF LoRA, and merged into a copy of the base GGUF, gives
llama.cpp the same greedy text as transformers + PEFT; merged into a 4-bit model it gives the LoRA file's
next-token scores; the default engine writes with a voice. Tiny random llama GGUFs (GQA: 4 query heads, 2
key/value heads, so the rotary row permutation of q and k is exercised) with SmolLM2's tokenizer, in F32 and
in Q4_1 (the embedded SmolLM2's type)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType, GGUFReader

from studio.models import ModelManager
from studio.settings import Settings
from studio.testing import make_tiny_gguf
from studio.text.engine import TextEngine, WriteRequest
from studio.text.llama_server import find_binary
from studio.text.llamacpp import load_llamacpp
from studio.voice.backend import GGUF_ADAPTER, MERGED_GGUF, llamacpp_voice_file, load_base
from studio.voice.gguf import convert, merge
from studio.voice.train import TARGET_MODULES, VoiceSettings, VoiceTrainer

from .test_voice import writer_text

pytest.importorskip("llama_cpp")

PROMPT = "Alice was beginning to get very tired of sitting by her sister on the bank, and"


def settings_for(tmp, gguf, backend="auto"):
    return Settings(device="cpu", text_model=str(gguf), data_dir=tmp / "data", output_dir=tmp / "out",
                    cache_dir=tmp / "cache", model_dirs=[gguf.parent], offline=True, text_backend=backend).validate()


def random_adapter(manager, gguf, folder, target_modules="all-linear", scale=3.0):
    """A random, large PEFT adapter (B is not zero, so it changes the text) for the model ``gguf``, saved in
    ``folder``."""
    from peft import LoraConfig, get_peft_model

    base, _ = load_base(manager.resolve(str(gguf), "text"), manager)
    torch.manual_seed(0)
    peft = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=target_modules,
                                           task_type="CAUSAL_LM", init_lora_weights=False))
    with torch.no_grad():
        for name, p in peft.named_parameters():
            if "lora_" in name:
                p.mul_(scale)
    peft.save_pretrained(str(folder))
    return folder


def greedy(llm, prompt: list[int], n: int = 32) -> list[int]:
    out = []
    for t in llm.generate(prompt, temp=0.0, top_k=1, repeat_penalty=1.0):
        out.append(t)
        if len(out) == n:
            return out


def test_gguf_lora_and_merged_gguf_give_llamacpp_the_same_greedy_tokens_as_transformers_and_peft(tmp_path,
                                                                                                   tiny_gguf):
    from peft import PeftModel

    manager = ModelManager(settings_for(tmp_path, tiny_gguf))
    base, tok = load_base(manager.resolve(str(tiny_gguf), "text"), manager)
    ids = tok(PROMPT, return_tensors="pt").input_ids

    def hf_greedy(model):
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=32, do_sample=False)
        return out[0, ids.shape[1]:].tolist()

    plain = hf_greedy(base)
    random_adapter(manager, tiny_gguf, tmp_path / "adapter")
    # as the "voice" loader does: a fresh base, the saved adapter
    fresh, _ = load_base(manager.resolve(str(tiny_gguf), "text"), manager)
    hf_voice = hf_greedy(PeftModel.from_pretrained(fresh, str(tmp_path / "adapter")))
    assert hf_voice != plain, "the adapter changes the greedy text"
    lora = convert(tmp_path / "adapter", tiny_gguf, tmp_path / "adapter" / GGUF_ADAPTER)
    merged = merge(tmp_path / "adapter", tiny_gguf, tmp_path / "adapter" / MERGED_GGUF)
    assert not list((tmp_path / "adapter").glob(".tmp-*")), "no temporary file left"

    llm = load_llamacpp(tiny_gguf, manager, "tiny", lora=lora).llm
    prompt = llm.tokenize(PROMPT.encode(), add_bos=False, special=False)
    assert prompt == ids[0].tolist(), "both tokenise the prompt alike"
    cpp_voice = greedy(llm, prompt)
    assert cpp_voice == hf_voice, f"llama.cpp with the GGUF LoRA: {cpp_voice}\ntransformers + PEFT: {hf_voice}"
    cpp_merged = greedy(load_llamacpp(merged, manager, "tiny + voice").llm, prompt)
    assert cpp_merged == hf_voice, f"llama.cpp, merged: {cpp_merged}\ntransformers + PEFT: {hf_voice}"


def next_token_scores(path, prompt: str, lora=None) -> np.ndarray:
    from studio.text.llamacpp import open_llama

    llm = open_llama(path, n_ctx=128, n_threads=2, logits_all=True, verbose=False,
                     **({"lora_path": str(lora)} if lora else {}))
    ids = llm.tokenize(prompt.encode(), add_bos=False, special=False)
    llm.eval(ids)
    return np.asarray(llm.scores[:len(ids)], dtype=np.float64)


def test_a_voice_merged_into_a_4_bit_model_scores_as_its_lora_file_does_and_leaves_the_rest_unchanged(tmp_path):
    """The embedded SmolLM2 is Q4_1. A voice (attention only, as Studio trains them) merged into it keeps
    the voice's changes (attention re-written in Q8_0): llama.cpp's next-token scores from the merged file
    differ from those of the base with the LoRA file by under a tenth of what the voice changes. Every other
    tensor is copied byte for byte, with the tokenizer and chat template."""
    q4 = make_tiny_gguf(tmp_path / "q4" / "tiny-q4.gguf", weights="Q4_1")
    manager = ModelManager(settings_for(tmp_path, q4))
    adapter = random_adapter(manager, q4, tmp_path / "adapter", target_modules=list(TARGET_MODULES), scale=1.0)
    lora = convert(adapter, q4, adapter / GGUF_ADAPTER)
    merged = merge(adapter, q4, adapter / MERGED_GGUF)

    plain, with_lora = next_token_scores(q4, PROMPT), next_token_scores(q4, PROMPT, lora)
    with_merged = next_token_scores(merged, PROMPT)
    voice_change = np.abs(with_lora - plain).mean()
    merge_error = np.abs(with_merged - with_lora).mean()
    print(f"mean |score change| from the voice {voice_change:.4f}; merged vs LoRA file {merge_error:.5f}")
    assert voice_change > 0.05, "the adapter changes the scores"
    assert merge_error < voice_change / 10

    base, out = GGUFReader(str(q4)), GGUFReader(str(merged))
    kinds = {t.name: t.tensor_type for t in out.tensors}
    for t in base.tensors:
        if any(f".{m}." in t.name for m in ("attn_q", "attn_k", "attn_v", "attn_output")):
            assert kinds[t.name] == GGMLQuantizationType.Q8_0, t.name
        else:
            same = next(u for u in out.tensors if u.name == t.name)
            assert same.tensor_type == t.tensor_type and np.array_equal(same.data, t.data), t.name
    for key in ("tokenizer.ggml.tokens", "tokenizer.chat_template", "llama.block_count"):
        assert out.fields[key].contents() == base.fields[key].contents(), key


def test_a_voice_that_merging_would_weaken_writes_with_its_lora_file(tmp_path):
    """A voice trained on every linear layer (as Studio trained them before) cannot be merged into a 4-bit
    model without losing its feed-forward changes: llama.cpp applies its LoRA file instead, and it writes."""
    q4 = make_tiny_gguf(tmp_path / "q4" / "tiny-q4.gguf", weights="Q4_1")
    manager = ModelManager(settings_for(tmp_path, q4))
    adapter = random_adapter(manager, q4, tmp_path / "adapter")
    with pytest.raises(ValueError, match="lose the voice"):
        merge(adapter, q4, adapter / MERGED_GGUF)
    assert not list(adapter.glob(".tmp-*")) and not (adapter / MERGED_GGUF).exists(), "nothing half-written"
    used = llamacpp_voice_file(manager, manager.resolve(str(q4), "text"), adapter)
    assert used == adapter / GGUF_ADAPTER
    llm = load_llamacpp(q4, manager, "tiny", lora=used).llm
    assert len(greedy(llm, llm.tokenize(PROMPT.encode(), add_bos=False, special=False), 8)) == 8


@pytest.mark.parametrize("backend,engine", [("auto", "llama-server" if find_binary() else "llama.cpp"),
                                            ("llama.cpp", "llama.cpp"), ("transformers", "transformers")])
def test_a_voice_writes_with_the_engine_that_writes_without_it(tmp_path, tiny_gguf, backend, engine):
    settings = settings_for(tmp_path, tiny_gguf, backend)
    manager = ModelManager(settings)
    text = TextEngine(manager, settings)
    rec = VoiceTrainer(manager, text.voices).train(
        "ann", "Mine", [writer_text(300, 2)], [], str(tiny_gguf),
        VoiceSettings(steps=3, rank=2, learning_rate=5e-3, block_tokens=32))
    assert text.backend(voice=rec["id"], owner="ann").engine == engine
    assert text.backend(owner="ann").engine == engine, "the same engine writes without the voice"
    adapter = text.voices.adapter_path("ann", rec["id"])
    assert (adapter / MERGED_GGUF).is_file() == engine.startswith("llama"), "made when the voice was trained"
    assert not (adapter / GGUF_ADAPTER).exists(), "a merged voice needs no LoRA file"
    out = list(text.stream(WriteRequest("Rain", task="headlines", seed=1, max_new_tokens=8, voice=rec["id"]),
                           owner="ann"))[-1]
    assert out.done and out.text and out.engine == engine
    text.voices.delete("ann", rec["id"])
    assert not adapter.parent.exists(), "deleting the voice removes its merged GGUF too"
