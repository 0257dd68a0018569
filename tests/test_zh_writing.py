"""Writing Chinese (issue #15): a Chinese topic gets prompts that ask for Chinese and count in
characters; the plan's headings and the topic check work on Chinese; the English-only embedded
model refuses a Chinese request, naming a multilingual model that can write it. Runs on a tiny
random model: it checks the path, not the quality of any Chinese (a random model writes none)."""

from __future__ import annotations

import re

import pytest

from studio.errors import InvalidInput
from studio.models import ModelManager
from studio.settings import Settings
from studio.text import article as engine_mod
from studio.text.engine import TextEngine, WriteRequest
from studio.text.languages import check_model_language, tokens_per_word, writes
from studio.text.prompts import (
    TaskInput,
    build_messages,
    default_outline,
    parse_outline,
    plan_messages,
    section_messages,
)
from studio.text.topic import mentions, terms

TOPIC = "城市阳台园艺入门"


def users(msgs) -> str:
    return "\n".join(m["content"] for m in msgs.messages if m["role"] == "user")


@pytest.mark.parametrize("task", ["article", "outline", "headlines", "rewrite", "summarize", "product_description"])
def test_a_chinese_topic_or_draft_asks_for_chinese_in_characters(task):
    text = users(build_messages(TaskInput(task, TOPIC + "。阳台上的香草需要六小时光照。", "neutral", 400)))
    assert "Simplified Chinese" in text and not re.search(r"\d+ words", text)
    english = users(build_messages(TaskInput(task, "Urban gardening for beginners", "neutral", 400)))
    assert "Chinese" not in english
    if task == "article":
        assert "about 400 Chinese characters" in text and "about 400 words" in english


def test_plan_and_sections_of_a_chinese_article_are_chinese():
    assert "Simplified Chinese" in users(plan_messages(TOPIC, 4, "neutral"))
    sec = users(section_messages(TOPIC, ["引言", "选择植物"], 1, "", 120, "neutral"))
    assert "120 Chinese characters" in sec and "Simplified Chinese" in sec
    assert parse_outline("1、引言\n2、选择植物\n3．光照与浇水\n四、结语", 4, TOPIC) == ["引言", "选择植物", "光照与浇水", "结语"]
    assert default_outline(4, "zh") == ["引言", "为什么重要", "从哪里开始", "结语"]
    assert default_outline(4) == ["Introduction", "Why it matters", "Getting started", "Conclusion"]


def test_topic_check_reads_chinese_by_character_pairs():
    t = terms(TOPIC)
    assert "园艺" in t and "阳台" in t
    assert mentions("在阳台上种花，是最简单的园艺。", t)
    assert not mentions("今天的股市行情平稳。", t)


def test_the_english_only_embedded_model_refuses_chinese_and_names_one_that_can(tmp_path):
    s = Settings(device="cpu", data_dir=tmp_path / "d", cache_dir=tmp_path / "c").validate()
    eng = TextEngine(ModelManager(s), s)
    assert "smollm2" in s.text_model
    with pytest.raises(InvalidInput) as err:
        next(eng.stream(WriteRequest(prompt=TOPIC, task="article", length_words=200)))
    msg = str(err.value.message)
    assert err.value.field == "model" and "English only" in msg and "Chinese" in msg
    assert "Qwen/Qwen2.5-1.5B-Instruct" in msg and "GB" in msg and "--model-dir" in msg
    assert not eng.manager.is_loaded("text", s.text_model)  # refused before loading anything
    check_model_language("smollm2-135m-instruct", None)  # English is fine
    assert writes("Qwen/Qwen2.5-1.5B-Instruct", "zh") and not writes("/models/SmolLM2-360M.gguf", "zh")


@pytest.fixture
def tiny_engine(tiny_gguf, tmp_path) -> TextEngine:
    s = Settings(device="cpu", text_model=str(tiny_gguf), text_backend="llama.cpp", data_dir=tmp_path / "d",
                 cache_dir=tmp_path / "c").validate()
    return TextEngine(ModelManager(s), s)


def test_a_chinese_long_article_is_planned_in_chinese_on_a_tiny_model(tiny_engine, monkeypatch):
    seen: list[str] = []
    for name in ("plan_messages", "section_messages"):
        real = getattr(engine_mod, name)

        def spy(*a, _real=real, **k):
            msgs = _real(*a, **k)
            seen.append(users(msgs))
            return msgs

        monkeypatch.setattr(engine_mod, name, spy)
    events = list(tiny_engine.stream(WriteRequest(prompt=TOPIC, length_words=480, max_new_tokens=24, seed=5)))
    last = events[-1]
    heads = re.findall(r"^## (.+)$", last.text, re.M)
    assert last.done and last.text.startswith(f"# {TOPIC}") and len(heads) == 3
    assert seen and all("Simplified Chinese" in p for p in seen)
    assert any("Chinese characters" in p for p in seen[1:])  # the sections' lengths are in characters
    # headings the random model's plan lacks are filled in Chinese, never with the English defaults
    assert not set(heads) & set(default_outline(12)), heads
    # Chinese costs the model's own tokens per character (measured with its tokenizer)
    backend = tiny_engine.backend()
    assert tokens_per_word(backend, "zh", 1.25) >= 0.5 and tokens_per_word(backend, None, 1.25) == 1.25
