"""Voices on llama.cpp (#13): the PEFT adapter as a GGUF LoRA gives llama.cpp the same greedy text as
transformers + PEFT, and the default engine writes with a voice. A tiny random F32 llama GGUF (GQA: 4 query
heads, 2 key/value heads, so the rotary row permutation of q and k is exercised) with SmolLM2's tokenizer."""

from __future__ import annotations

import pytest
import torch

from studio.models import ModelManager
from studio.settings import Settings
from studio.text.engine import TextEngine, WriteRequest
from studio.text.llamacpp import load_llamacpp
from studio.text.voice import VoiceSettings, VoiceTrainer
from studio.text.voice_backend import GGUF_ADAPTER, load_base
from studio.text.voice_gguf import convert

from .test_voice import writer_text

pytest.importorskip("llama_cpp")

PROMPT = "Alice was beginning to get very tired of sitting by her sister on the bank, and"


def settings_for(tmp, gguf, backend="auto"):
    return Settings(device="cpu", text_model=str(gguf), data_dir=tmp / "data", output_dir=tmp / "out",
                    cache_dir=tmp / "cache", model_dirs=[gguf.parent], offline=True, text_backend=backend).validate()


def test_gguf_lora_gives_llamacpp_the_same_greedy_tokens_as_transformers_and_peft(tmp_path, tiny_gguf):
    from peft import LoraConfig, PeftModel, get_peft_model

    manager = ModelManager(settings_for(tmp_path, tiny_gguf))
    base, tok = load_base(manager.resolve(str(tiny_gguf), "text"), manager)
    ids = tok(PROMPT, return_tensors="pt").input_ids

    def hf_greedy(model):
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=32, do_sample=False)
        return out[0, ids.shape[1]:].tolist()

    plain = hf_greedy(base)
    torch.manual_seed(0)  # a random, large adapter (B is not zero), so that it changes the text
    peft = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM",
                                           init_lora_weights=False))
    with torch.no_grad():
        for name, p in peft.named_parameters():
            if "lora_" in name:
                p.mul_(3.0)
    peft.save_pretrained(str(tmp_path / "adapter"))
    # as the "voice" loader does: a fresh base, the saved adapter
    fresh, _ = load_base(manager.resolve(str(tiny_gguf), "text"), manager)
    hf_voice = hf_greedy(PeftModel.from_pretrained(fresh, str(tmp_path / "adapter")))
    assert hf_voice != plain, "the adapter changes the greedy text"
    lora = convert(tmp_path / "adapter", tiny_gguf, tmp_path / "adapter" / GGUF_ADAPTER)
    assert not list((tmp_path / "adapter").glob(".tmp-*")), "no temporary file left"

    llm = load_llamacpp(tiny_gguf, manager, "tiny", lora=lora).llm
    prompt = llm.tokenize(PROMPT.encode(), add_bos=False, special=False)
    assert prompt == ids[0].tolist(), "both tokenise the prompt alike"
    cpp_voice = []
    for t in llm.generate(prompt, temp=0.0, top_k=1, repeat_penalty=1.0):
        cpp_voice.append(t)
        if len(cpp_voice) == 32:
            break
    assert cpp_voice == hf_voice, f"llama.cpp with the GGUF LoRA: {cpp_voice}\ntransformers + PEFT: {hf_voice}"


@pytest.mark.parametrize("backend,engine", [("auto", "llama.cpp"), ("transformers", "transformers")])
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
    assert (adapter / GGUF_ADAPTER).is_file() == (engine == "llama.cpp")
    out = list(text.stream(WriteRequest("Rain", task="headlines", seed=1, max_new_tokens=8, voice=rec["id"]),
                           owner="ann"))[-1]
    assert out.done and out.text and out.engine == engine
    text.voices.delete("ann", rec["id"])
    assert not adapter.parent.exists(), "deleting the voice removes its GGUF LoRA too"
