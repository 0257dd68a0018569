"""The engine's quality steps (clean-up, stop sequences, retries, headline assembly, section briefs)
on a scripted backend: fixed replies, so each assertion is about what the writer would see."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest

from studio.settings import Settings
from studio.text.backends import StreamStats
from studio.text.engine import TextEngine, WriteRequest


class ScriptedBackend:
    """A TextBackend that replies from a script, a few characters per chunk, honouring ``stop``."""

    name = "scripted"
    context_size = 8192

    def __init__(self, replies):
        self.replies, self.prompts, self.halted = list(replies), [], []

    def count_tokens(self, text):
        return len(text.split())

    def render(self, messages, assistant_prefix=""):
        return "\n".join(m["content"] for m in messages) + "\n" + assistant_prefix

    def keep_last_tokens(self, text, n):
        return " ".join(text.split()[-n:])

    def stream(self, prompt, params, stop, stats=None):
        stats = stats if stats is not None else StreamStats()
        self.prompts.append(prompt)
        reply = self.replies[min(len(self.prompts) - 1, len(self.replies) - 1)]
        try:
            for i in range(0, len(reply), 4):
                if stop.is_set():
                    break
                stats.tokens += 1
                yield reply[i:i + 4]
        finally:
            self.halted.append(stop.is_set())
            stats.stopped = stop.is_set()


def engine_with(replies, retries=2) -> tuple[TextEngine, ScriptedBackend]:
    backend = ScriptedBackend(replies)
    eng = TextEngine(manager=None, settings=Settings(device="cpu", data_dir=Path(tempfile.gettempdir()) / "unused"))
    eng.backend = lambda model="", voice="", owner="": backend
    eng.retries = retries
    return eng, backend


def final(eng, **kw):
    last = None
    for last in eng.stream(WriteRequest(seed=1, **kw)):  # noqa: B007 - the last event is the result
        pass
    return last


def test_chatter_is_left_out_and_the_note_says_so():
    eng, _ = engine_with(["Here's the product description for you:\n\nThe Crumb & Co kit has a glass jar. "
                          "Bake better sourdough bread.\n\nAwesome article! I'd love to add it to my blog."])
    ev = final(eng, prompt="Crumb & Co sourdough kit", task="product_description", length_words=20)
    assert ev.text == "The Crumb & Co kit has a glass jar. Bake better sourdough bread."
    assert any("Left out 2 lines" in n for n in ev.notes)


def test_stop_sequence_ends_the_call_and_is_not_kept():
    eng, backend = engine_with(["A calm, formal notice.\nI hope this helps!\nMore chatter follows here."])
    ev = final(eng, prompt="hey team, meeting moved", task="rewrite", tone="formal")
    assert ev.text == "A calm, formal notice." and backend.halted == [True] and not ev.stopped


def test_writers_draft_is_kept_byte_for_byte_on_continue():
    draft = "Here's the revised version of my plan:\nI hope this helps!\n  The oven was warm"
    eng, _ = engine_with([" and the bread rose.\nLet me know if you want more."])
    ev = final(eng, prompt=draft, task="continue", length_words=20)
    assert ev.text.startswith(draft) and ev.text == draft + " and the bread rose."


def test_headlines_are_exactly_ten_distinct_and_on_topic_with_a_second_call():
    first = (" Here's a sample of a headline using a warm, friendly tone: Bakeries Rise on Instagram\n"
             "2. Small Bars Are Back\n3. Bakeries Rise on Instagram\n4. Social Media for Bakers\n"
             + "".join(f"{i}. Bakery Post Idea {i}\n" for i in range(5, 9)))
    second = " " + "\n".join(f"{i}. Social Bread Tip {i}" for i in range(1, 8))
    eng, backend = engine_with([first, second])
    ev = final(eng, prompt="How small bakeries can use social media", task="headlines")
    lines = ev.text.splitlines()
    assert len(lines) == 10 and len({ln.split(". ", 1)[1].lower() for ln in lines}) == 10
    assert lines[0] == "1. Bakeries Rise on Instagram" and "Small Bars" not in ev.text
    assert len(backend.prompts) == 2 and any("writing again" in n for n in ev.notes)


def test_missing_brief_items_ask_again_and_the_best_attempt_is_kept():
    miss = "The Crumb & Co sourdough kit has a glass jar. Bake with joy."
    full = "The Crumb & Co sourdough kit: a glass jar, a thermometer and a guide, now 20% off."
    eng, backend = engine_with([miss, full, miss])
    ev = final(eng, prompt="Crumb & Co sourdough starter kit", task="product_description", length_words=20,
               keywords="Crumb & Co, glass jar, thermometer, guide, 20% off")
    assert ev.text == full and len(backend.prompts) == 2
    assert "did not mention thermometer, guide, 20% off" in " ".join(ev.notes)


def test_retries_are_bounded():
    eng, backend = engine_with(["Sustainability is good for the planet."], retries=2)
    ev = final(eng, prompt="sourdough starter kit", task="product_description", length_words=20)
    assert len(backend.prompts) == 3 and "After 3 attempts" in " ".join(ev.notes)


def test_a_drifting_section_is_written_again_with_a_stricter_brief():
    plan = "1. Why bakeries post\n2. What to share"
    on = "Bakeries can post fresh bread on social media every morning."
    off = "Sustainability matters for the planet and for all of us."
    on2 = "Bakeries can share photos of warm croissants on social media."
    eng, backend = engine_with([plan, on, off, on2])
    ev = final(eng, prompt="How small bakeries can use social media", task="article", length_words=320)
    assert on in ev.text and on2 in ev.text and off not in ev.text
    assert "## Why bakeries post" in ev.text and "## What to share" in ev.text
    assert any('Section 2 ("What to share") left the topic' in n for n in ev.notes)
    assert "Keep to the topic: How small bakeries can use social media" in backend.prompts[1]
    assert "every paragraph must be about How small bakeries" in backend.prompts[3]


def test_stop_still_ends_a_call_within_a_chunk():
    eng, backend = engine_with(["word " * 200])
    stop = threading.Event()
    events = []
    for ev in eng.stream(WriteRequest(prompt="bees", task="rewrite", seed=1), stop):
        events.append(ev)
        if len(events) == 3:
            stop.set()
    assert events[-1].stopped and events[-1].tokens <= 4


def test_for_task_fills_tuned_sampling_and_keeps_given_values():
    r = WriteRequest.for_task("rewrite", prompt="x", temperature=1.2)
    assert r.task == "rewrite" and r.temperature == 1.2 and r.repetition_penalty == pytest.approx(1.05)


def test_a_retry_is_written_out_of_sight_and_the_status_says_so():
    """The draft never shows a rejected attempt vanishing and a new one streaming in its place: the first
    attempt streams, the retry is written while the draft keeps what the writer saw, then the kept one shows."""
    miss = "The Crumb & Co sourdough kit has a glass jar. Bake with joy."
    full = "The Crumb & Co sourdough kit: a glass jar, a thermometer and a guide, now 20% off."
    eng, backend = engine_with([miss, full])
    events = list(eng.stream(WriteRequest(prompt="Crumb & Co sourdough starter kit", task="product_description",
                                          length_words=20, seed=1,
                                          keywords="Crumb & Co, glass jar, thermometer, guide, 20% off")))
    texts = [ev.text for ev in events]
    assert texts[-1] == full and len(backend.prompts) == 2
    middle = texts[:-1]
    assert not any("thermometer" in t for t in middle), "the retry streamed into the draft"
    assert all(miss.startswith(t) for t in middle), "text vanished from the draft before the kept reply"
    assert any("writing it again (attempt 2 of 3)" in ev.status.lower() for ev in events)


def test_a_section_retry_does_not_stream_over_the_first_attempt():
    plan = "1. Why bakeries post\n2. What to share"
    on = "Bakeries can post fresh bread on social media every morning."
    off = "Sustainability matters for the planet and for all of us."
    on2 = "Bakeries can share photos of warm croissants on social media."
    eng, _ = engine_with([plan, on, off, on2])
    events = list(eng.stream(WriteRequest(prompt="How small bakeries can use social media", task="article",
                                          length_words=320, seed=1)))
    after_heading = [ev.text.split("## What to share", 1)[1] for ev in events[:-1] if "## What to share" in ev.text]
    assert after_heading and all(off.startswith(t.strip()) or t.strip() == on2 for t in after_heading), \
        "the retry streamed over the first attempt"
    assert events[-1].text.rstrip().endswith(on2)
    assert any("Section 2 left the topic; writing it again" in ev.status for ev in events)


def test_stop_during_a_retry_keeps_the_attempt_the_writer_saw():
    miss = "The sourdough kit has a jar. It makes bread. You will bake every day."
    eng, _ = engine_with([miss, "word " * 400])
    stop = threading.Event()
    last = None
    for last in eng.stream(WriteRequest(prompt="sourdough kit", task="product_description", length_words=100,
                                        keywords="thermometer", seed=1), stop):
        if "attempt 2" in last.status:
            stop.set()
    assert last.stopped and last.text == miss.strip()


def test_after_the_retries_the_briefs_own_words_fill_what_is_still_missing():
    reply = "The Crumb & Co kit: a glass jar, rye flour, a thermometer and a guide for better bread."
    eng, backend = engine_with([reply])
    ev = final(eng, prompt="Crumb & Co sourdough starter kit: a glass jar, organic rye flour, a dough thermometer "
                           "and a step-by-step guide. Launch offer: 20% off.", task="product_description",
               length_words=20, keywords="Crumb & Co, glass jar, rye flour, thermometer, guide, 20% off")
    assert ev.text == reply + "\n\nLaunch offer: 20% off." and len(backend.prompts) == 3
    assert any("left out 20% off" in n and "Launch offer: 20% off." in n for n in ev.notes)


def test_a_section_that_copies_the_previous_one_keeps_only_its_new_sentences():
    plan = "1. Why bakeries post\n2. What to share"
    first = "Bakeries can post fresh bread on social media every morning."
    copy = first + " Bakeries can share a photo of the first loaf."
    eng, _ = engine_with([plan, first, copy])
    ev = final(eng, prompt="How small bakeries can use social media", task="article", length_words=320)
    assert ev.text.count(first) == 1 and "Bakeries can share a photo of the first loaf." in ev.text
    assert any("already written" in n for n in ev.notes)


def test_a_section_that_only_copies_the_previous_one_is_written_again():
    plan = "1. Why bakeries post\n2. What to share"
    first = "Bakeries can post fresh bread on social media every morning."
    other = "Bakeries can share photos of warm croissants on social media."
    eng, backend = engine_with([plan, first, first, other])
    ev = final(eng, prompt="How small bakeries can use social media", task="article", length_words=320)
    assert ev.text.count(first) == 1 and other in ev.text and len(backend.prompts) == 4
    assert any('Section 2 ("What to share") repeated an earlier section' in n for n in ev.notes)


def test_a_planned_heading_that_is_the_model_talking_is_not_used():
    """The model's plan sometimes has a remark for a heading ("Here is the list of two sections ... by me");
    it is left out and a default heading takes its place, so no remark reaches the article."""
    section = "Bees pollinate city gardens and balconies. Bees need flowers in every season to thrive."
    eng, _ = engine_with(["1. Here is the list of two sections and two new paragraph versions added by me\n"
                          "2. Why bees matter", section], retries=0)
    ev = final(eng, prompt="Bees in the city", task="article", length_words=320)
    heads = [line[3:] for line in ev.text.splitlines() if line.startswith("## ")]
    assert "Why bees matter" in heads and len(heads) == 2, heads
    assert not any(h.lower().startswith("here is") for h in heads), heads
