"""Which language a writing request is in, and whether the chosen text model can write it.

The embedded model, SmolLM2-135M-Instruct, writes English only (its model card:
"primarily understand and generate content in English"). A Chinese topic or
draft given to it would come back as English or as noise, so the engine
refuses it before loading anything, and names a multilingual model that can
write Chinese. Any other model is trusted to follow the prompt's language
(:func:`studio.text.prompts.in_writers_language`).
"""

from __future__ import annotations

from ..errors import InvalidInput
from ..messages import Message
from ..unitext import count_words
from .prompts import writing_language

# Model families whose cards say they write English only (matched in the lower-cased model reference).
ENGLISH_ONLY = ("smollm",)

# A multilingual model that writes Chinese, for the message. Sizes from the Hub repository's file list
# (Q4_K_M GGUF); memory is the file plus llama.cpp's context at Studio's 8,192-token cap, roughly.
SUGGESTION = {
    "zh": {
        "gguf": "qwen2.5-1.5b-instruct-q4_k_m.gguf",
        "repo": "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
        "hub": "Qwen/Qwen2.5-1.5B-Instruct",
        "size": "1.1 GB",
        "memory": "2 GB",
    },
}
LANGUAGE_NAMES = {"zh": "Chinese"}
# A Chinese sample for measuring a tokenizer (tokens per character); its word count is its Han characters.
_ZH_SAMPLE = "城市的阳台可以变成一座小花园。本文介绍如何选择植物、准备土壤和安排光照，让忙碌的人也能种出新鲜的香草。"


def request_language(*texts: str) -> str | None:
    """``"zh"`` when the writer's text (topic, draft) is Chinese, else None (see :func:`writing_language`)."""
    return writing_language(" ".join(t for t in texts if t))


def writes(model_ref: str, lang: str | None) -> bool:
    """Whether the model ``model_ref`` (a reference as given: name, Hub id, path) can write ``lang``."""
    if lang is None:
        return True
    return not any(family in (model_ref or "").lower() for family in ENGLISH_ONLY)


def check_model_language(model_ref: str, lang: str | None) -> None:
    """Refuse a request in ``lang`` for a model that cannot write it.

    Raises:
        InvalidInput: (field ``model``) saying the model writes English only and naming a multilingual
            model (:data:`SUGGESTION`), where to put it and what it costs in memory.
    """
    if lang is None or writes(model_ref, lang):
        return
    s = SUGGESTION[lang]
    raise InvalidInput(
        "model",
        "{m} writes English only, and this request is in {lang}. Choose a multilingual text model: for example {g} "
        "from {r} (a {s} file; about {mem} of memory while writing), put in a --model-dir folder, or the Hub id {h}.",
        m=model_ref, lang=Message(LANGUAGE_NAMES[lang]), g=s["gguf"], r=s["repo"], s=s["size"], mem=s["memory"],
        h=s["hub"],
    )


def tokens_per_word(backend, lang: str | None, default: float) -> float:
    """Tokens the model spends per counted word: ``default`` (measured for English) unless ``lang`` is
    Chinese, where each character is a word: measured on a sample with the model's own tokenizer."""
    if lang != "zh":
        return default
    try:
        return max(0.5, backend.count_tokens(_ZH_SAMPLE) / count_words(_ZH_SAMPLE))
    except Exception:  # noqa: BLE001 - a backend that cannot count keeps the default
        return default


__all__ = ["request_language", "writes", "check_model_language", "tokens_per_word", "SUGGESTION", "ENGLISH_ONLY"]
