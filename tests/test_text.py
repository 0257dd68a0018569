"""Text engine on tiny random LMs (fast; on both local backends: transformers and llama.cpp)
and on the embedded SmolLM2 (slow)."""

from __future__ import annotations

import math
import re
import threading
import time

import pytest

from studio.errors import InvalidInput, ModelUnavailable
from studio.models import ModelManager
from studio.settings import Settings
from studio.text.engine import TextEngine, WriteRequest, count_words
from studio.text.plaintext import unmarked
from studio.text.prompts import TASKS, TaskInput, build_messages, parse_outline


@pytest.fixture(params=["transformers", "llama.cpp"])
def engine(request, tmp_path) -> TextEngine:
    """The text engine on a tiny random model: a transformers folder, or a GGUF file on llama.cpp."""
    if request.param == "llama.cpp":
        model = request.getfixturevalue("tiny_gguf")
    else:
        model = request.getfixturevalue("tiny_lm_dir")
    s = Settings(device="cpu", text_model=str(model), text_backend=request.param, data_dir=tmp_path / "d",
                 cache_dir=tmp_path / "c").validate()
    eng = TextEngine(ModelManager(s), s)
    eng.engine_name = request.param
    return eng


def final(engine, **kw):
    last = None
    for ev in engine.stream(WriteRequest(**kw)):
        last = ev
    return last


# ----- templates -------------------------------------------------------------------------
TASK_MARKERS = {
    "article": "Write an article of about 300 words about: bees",
    "outline": "Write an outline",
    "continue": "Continue the text below",
    "rewrite": "Rewrite the following text in a formal",
    "summarize": "Summarize the following text",
    "headlines": "Suggest 10 headline ideas",
    "product_description": "Write a product description",
    "ad_copy": "Write short advertising copy",
}


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_has_its_own_template(task, engine):
    msgs = build_messages(TaskInput(task, "bees", "formal" if task == "rewrite" else "neutral", 300))
    user = msgs.messages[-1]["content"]
    assert TASK_MARKERS[task] in user
    rendered = unmarked(engine.backend().render(msgs.messages, msgs.assistant_prefix))  # as the model reads it
    assert "<|im_start|>user" in rendered and TASK_MARKERS[task] in rendered  # the model's chat template
    if task == "continue":
        assert rendered.endswith("bees")  # the reply carries on from the draft


def test_audience_keywords_and_outline_reach_the_prompt():
    msgs = build_messages(TaskInput("article", "bees", audience="children", keywords="honey, hive", outline="1. Hives"))
    user = msgs.messages[-1]["content"]
    assert "children" in user and "honey, hive" in user and "1. Hives" in user


def test_outline_parser_drops_titles_and_placeholders():
    raw = "Title: Bees\n1. Why bees matter (40 words)\n2. **Header 2**\n3. Building a hive\n"
    assert parse_outline(raw, 4, "bees") == ["Why bees matter", "Building a hive"]


# ----- generation ----------------------------------------------------------------------------
def test_seed_reproduces_and_differs(engine):
    a = final(engine, prompt="gardens", task="headlines", seed=7, max_new_tokens=24, temperature=1.0)
    b = final(engine, prompt="gardens", task="headlines", seed=7, max_new_tokens=24, temperature=1.0)
    c = final(engine, prompt="gardens", task="headlines", seed=8, max_new_tokens=24, temperature=1.0)
    assert a.seed == 7 and a.text == b.text and a.text.strip()
    assert c.text != a.text


def test_greedy_is_the_same_whatever_the_seed_and_names_its_engine(engine):
    a = final(engine, prompt="gardens", task="headlines", seed=1, max_new_tokens=12, temperature=0)
    b = final(engine, prompt="gardens", task="headlines", seed=2, max_new_tokens=12, temperature=0)
    assert a.text == b.text and a.tokens == b.tokens > 0  # (a random model may pick tokens that print nothing)
    assert a.engine == engine.engine_name  # what the Write tab's stats line shows


def test_random_seed_is_drawn_and_reported(engine):
    ev = final(engine, prompt="gardens", task="headlines", seed=-1, max_new_tokens=4)
    assert 0 <= ev.seed < 2**32


def test_continue_keeps_the_draft_and_adds_to_it(engine):
    draft = "My balcony garden started with one pot of basil."
    ev = final(engine, prompt=draft, task="continue", length_words=30, max_new_tokens=20, seed=1)
    assert ev.text.startswith(draft) and len(ev.text) > len(draft)


def test_long_article_is_planned_and_written_by_section(engine):
    events = list(engine.stream(WriteRequest(prompt="bees", length_words=480, max_new_tokens=40, seed=3,
                                             outline="1. Hives\n2. Honey\n3. Flowers")))
    text = events[-1].text
    assert text.startswith("# Bees") and [h for h in re.findall(r"^## (.+)$", text, re.M)] == ["Hives", "Honey", "Flowers"]
    assert any("section 2 of 3" in e.status for e in events)
    assert len(events) > 10  # it streamed


# ----- context budget --------------------------------------------------------------------------
def test_long_draft_keeps_its_end_and_says_so(engine):
    backend = engine.backend()
    assert backend.context_size == 512
    draft = " ".join(f"word{i}" for i in range(3000)) + " THE-END"
    events = list(engine.stream(WriteRequest(prompt=draft, task="rewrite", max_new_tokens=100, seed=1)))
    note = " ".join(events[-1].notes)
    assert "left out" in note and "first" in note


def test_max_new_tokens_too_large_is_reduced_and_said(engine):
    # rewrite: short forms (headlines, ad copy, outline) have their own smaller cap
    events = list(engine.stream(WriteRequest(prompt="gardens", task="rewrite", max_new_tokens=5000, seed=1,
                                             temperature=0)))
    note = " ".join(events[-1].notes)
    m = re.search(r"reduced by ([\d,]+) \(from 5,000 to ([\d,]+)\)", note)
    assert m, note
    fit = int(m.group(2).replace(",", ""))
    assert fit < 512 and int(m.group(1).replace(",", "")) == 5000 - fit
    assert events[-1].tokens <= fit


# ----- Stop ---------------------------------------------------------------------------------
def _generation_threads():
    return [t for t in threading.enumerate() if t.name == "studio-generate" and t.is_alive()]


def test_stop_ends_the_generation_thread(engine):
    stop = threading.Event()
    it = engine.stream(WriteRequest(prompt="gardens", task="headlines", max_new_tokens=4000, seed=1,
                                    temperature=1.0), stop)
    for i, ev in enumerate(it):  # noqa: B007 - the last event is checked after the loop
        if i == 3:
            stop.set()
            t0 = time.perf_counter()
    assert ev.done and ev.stopped and "Stopped" in " ".join(ev.notes)
    while _generation_threads() and time.perf_counter() - t0 < 30.0:  # generous: CI is busy
        time.sleep(0.01)
    assert not _generation_threads(), "the generation thread was still running 30 s after Stop"
    assert ev.tokens < 100


def test_closing_the_stream_stops_the_thread(engine):
    it = engine.stream(WriteRequest(prompt="gardens", task="headlines", max_new_tokens=4000, seed=1, temperature=1.0))
    for i, _ev in enumerate(it):
        if i == 3:
            break
    it.close()  # what Gradio does when the browser tab goes away
    t0 = time.perf_counter()
    while _generation_threads() and time.perf_counter() - t0 < 30.0:  # generous: CI is busy
        time.sleep(0.01)
    assert not _generation_threads(), "the generation thread was still running 30 s after Stop"


# ----- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, field", [
    ({"prompt": ""}, "prompt"),
    ({"prompt": "   \n\t "}, "prompt"),
    ({"prompt": "x" * 100_000}, "prompt"),
    ({"prompt": "x" * 100_000, "task": "rewrite"}, "prompt"),
    ({"prompt": "ok", "task": "poem"}, "task"),
    ({"prompt": "ok", "tone": "angry"}, "tone"),
    ({"prompt": "ok", "temperature": math.nan}, "temperature"),
    ({"prompt": "ok", "temperature": -1}, "temperature"),
    ({"prompt": "ok", "top_p": 1.5}, "top_p"),
    ({"prompt": "ok", "max_new_tokens": -5}, "max_new_tokens"),
    ({"prompt": "ok", "max_new_tokens": 10**9}, "max_new_tokens"),
    ({"prompt": "ok", "length_words": 0}, "length_words"),
    ({"prompt": "ok", "seed": -2}, "seed"),
    ({"prompt": "ok", "seed": 2**64}, "seed"),
    ({"prompt": "ok", "repetition_penalty": math.inf}, "repetition_penalty"),
    ({"prompt": "bad\x00char"}, "prompt"),
])
def test_bad_input_is_refused_naming_the_field_and_loads_nothing(kw, field, engine):
    with pytest.raises(InvalidInput) as err:
        next(engine.stream(WriteRequest(**kw)))
    assert err.value.field == field and field in str(err.value)
    assert not engine.manager.is_loaded("text", engine.settings.text_model)  # the model was not called


@pytest.mark.parametrize("topic", ["Jardins urbains 🌱🌻", "城市园艺入门", "גינון עירוני למתחילים", "البستنة الحضرية"])
def test_any_script_works(topic, engine):
    ev = final(engine, prompt=topic, task="headlines", max_new_tokens=8, seed=1)
    assert ev.done and not ev.stopped


def test_unknown_model_says_what_was_tried(engine):
    with pytest.raises(ModelUnavailable) as err:
        next(engine.stream(WriteRequest(prompt="x", model="no-such-org/no-such-model")))
    assert "no-such-org/no-such-model" in str(err.value) and "Tried" in str(err.value)


def test_count_words_any_script():
    assert count_words("Hello, world! It's fine.") == 4


# ----- the real embedded model ------------------------------------------------------------------
@pytest.fixture(scope="module")
def smollm(tmp_path_factory):
    from studio.settings import default_cache_dir

    s = Settings(device="cpu", data_dir=tmp_path_factory.mktemp("d"), cache_dir=default_cache_dir()).validate()
    return TextEngine(ModelManager(s), s)


ENGLISH = {"the", "and", "to", "of", "a", "in", "is", "you", "your", "for", "that", "with", "it", "can"}


@pytest.mark.slow
def test_smollm2_writes_an_on_topic_article(smollm):
    ev = final(smollm, prompt="urban gardening for beginners", length_words=250, seed=1)
    words = re.findall(r"[A-Za-z']+", ev.text.lower())
    assert len(words) >= 150, ev.text
    assert sum(w in ENGLISH for w in words) / len(words) > 0.15  # English
    assert re.search(r"garden|plant", ev.text, re.I)


@pytest.mark.slow
def test_smollm2_stop_mid_stream(smollm):
    stop = threading.Event()
    events = []
    for ev in smollm.stream(WriteRequest(prompt="urban gardening for beginners", length_words=1000, seed=2), stop):
        events.append(ev)
        if ev.tokens >= 10:
            stop.set()
    assert events[-1].stopped and events[-1].tokens < 40
    t0 = time.perf_counter()
    while _generation_threads() and time.perf_counter() - t0 < 30.0:  # generous: CI is busy
        time.sleep(0.01)
    assert not _generation_threads(), "the generation thread was still running 30 s after Stop"


def test_section_tidy_drops_leaked_labels_and_a_cut_sentence():
    from studio.text.engine import tidy_section

    assert tidy_section("SECTION ONE:\nGardens feed us. They calm us. And then the", cut=True) == \
        "Gardens feed us. They calm us."
    assert tidy_section("Gardens feed us. They calm us. And then the", cut=False).endswith("And then the")


def test_text_cut_by_max_new_tokens_says_so(engine):
    ev = final(engine, prompt="gardens", task="rewrite", max_new_tokens=4, seed=1, temperature=1.0)
    assert ev.tokens == 4 and "reached max_new_tokens (4)" in " ".join(ev.notes)
