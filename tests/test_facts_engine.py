"""The fact check in the text engine and in /write_full (#26), on a scripted backend: what the writer
sees when the model changes a number of the brief or makes one up."""

from __future__ import annotations

import pytest

from studio.text.engine import WriteRequest

from .test_text_quality import engine_with, final

BRIEF = "Lumo 2 desk lamp by Brightway: 1200 lumens, $49, ships on May 5."
REPLY = ("The Lumo 2 desk lamp gives 900 lumens of warm light for just $59. Over 3,000 customers rated it "
         "4.8 stars, and it ships on May 5.")


def test_a_reply_that_contradicts_the_brief_is_corrected_and_what_it_made_up_is_marked():
    eng, _ = engine_with([REPLY], retries=0)
    ev = final(eng, prompt=BRIEF, task="product_description", length_words=40)
    assert "1200 lumens" in ev.text and "$49" in ev.text and "900" not in ev.text and "$59" not in ev.text
    assert "Changed '900 lumens' to '1200 lumens', as in your brief." in ev.notes
    assert "Changed '$59' to '$49', as in your brief." in ev.notes
    assert [m["text"] for m in ev.marks] == ["3,000 customers", "4.8 stars"]
    for m in ev.marks:
        assert ev.text[m["start"]:m["end"]] == m["text"]
    assert any(n.startswith("Check 2 facts that are not in your brief") and "3,000 customers" in n for n in ev.notes)


def test_check_facts_off_leaves_the_reply_as_written():
    eng, _ = engine_with([REPLY], retries=0)
    ev = final(eng, prompt=BRIEF, task="product_description", length_words=40, check_facts=False)
    assert "900 lumens" in ev.text and not ev.marks and not any("brief" in n for n in ev.notes)


def test_check_facts_must_be_true_or_false():
    from studio.errors import InvalidInput

    with pytest.raises(InvalidInput, match="check_facts"):
        WriteRequest(prompt="x", check_facts="no").validated()


def test_a_continuation_is_checked_against_the_draft_and_its_marks_point_into_the_whole_text():
    draft = "The bakery opened in 2019 and sells 400 loaves a day."
    eng, _ = engine_with([" By 2021 it sold 4,000 loaves a day to 120 cafés."], retries=0)
    ev = final(eng, prompt=draft, task="continue", length_words=20)
    assert ev.text.startswith(draft) and "400 loaves" in ev.text[len(draft):]
    assert [(m["text"], ev.text[m["start"]:m["end"]]) for m in ev.marks] == [("2021", "2021"),
                                                                              ("120 cafés", "120 cafés")]


def test_every_section_of_a_planned_article_gets_the_facts_and_is_checked():
    plan = "1. What happened\n2. Who signed\n3. What comes next"
    section = "Residents collected two million signatures to save the library, said Maria Lopes. It was busy."
    eng, backend = engine_with([plan, section, section, section], retries=0)
    ev = final(eng, prompt="Springfield residents gathered 2,300 signatures to keep the library open, "
                           "led by Maria Lopez", task="article", length_words=450)
    section_prompts = backend.prompts[1:]
    assert len(section_prompts) == 3 and all("2,300 signatures" in p and "Maria Lopez" in p for p in section_prompts)
    assert "two million" not in ev.text and ev.text.count("2,300 signatures") == 4  # the title and 3 sections
    assert "Section 2: Changed 'two million signatures' to '2,300 signatures', as in your brief." in ev.notes


def test_write_full_returns_the_notes_and_the_marks_with_their_spans(tiny_gguf, tmp_path):
    import app as studio_app

    from .conftest import free_port
    from .test_text_quality import ScriptedBackend

    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp_path / "d"),
                                       "--output-dir", str(tmp_path / "o"), "--device", "cpu", "--offline",
                                       "--text-model", str(tiny_gguf)])
    backend = ScriptedBackend([REPLY])
    ctx.text.backend = lambda model="", voice="", owner="": backend
    ctx.text.retries = 0
    fn = next(f.fn for f in demo.fns.values() if f.api_name == "write_full")
    full = fn(prompt=BRIEF, task="product_description", length_words=40, seed=3, request=None)
    assert set(full) == {"text", "seed", "notes", "marks"} and full["seed"] == 3
    assert "Changed '$59' to '$49', as in your brief." in full["notes"]
    spans = [(m["start"], m["end"]) for m in full["marks"]]
    assert [full["text"][s:e] for s, e in spans] == ["3,000 customers", "4.8 stars"]
    note = next(n for n in full["notes"] if n.startswith("Check 2 facts"))
    assert all(f"({s}–{e})" in note for s, e in spans)
    off = fn(prompt=BRIEF, task="product_description", length_words=40, seed=3, check_facts=False, request=None)
    assert off["marks"] == [] and "$59" in off["text"]


def test_a_chinese_news_brief_keeps_its_numbers():
    from bench.factscore import ZH_NEWS

    reply = "阳光社区居民收集了两百万个签名。李娜表示：「图书馆是社区的心脏，我们一定要保住它。」市议会计划每年节省50万元。"
    eng, _ = engine_with([reply], retries=0)
    ev = final(eng, prompt=ZH_NEWS, task="article", length_words=120, model="multilingual.gguf")
    assert "二千三百个签名" in ev.text and "两百万" not in ev.text
    assert "Changed '两百万个签名' to '二千三百个签名', as in your brief." in ev.notes
    assert [m["kind"] for m in ev.marks] == ["quote"]  # a quotation the writer did not give
    assert "50万元" in ev.text or "18万元" in ev.text


@pytest.mark.slow
def test_the_chinese_news_brief_runs_through_the_check_on_a_tiny_model(tiny_gguf, tmp_path):
    """The plumbing, on a real (tiny, random) llama.cpp model: a planned Chinese article's last event carries
    marks whose spans point into its text."""
    from studio.models import ModelManager
    from studio.settings import Settings
    from studio.text.engine import TextEngine

    s = Settings(device="cpu", text_model=str(tiny_gguf), text_backend="llama.cpp", data_dir=tmp_path / "d",
                 output_dir=tmp_path / "o").validate()
    eng = TextEngine(ModelManager(s), s)
    eng.retries = 0
    last = None
    brief = "阳光社区居民收集了二千三百个签名，要求保留图书馆。"  # the tiny model reads 512 tokens
    for last in eng.stream(WriteRequest(prompt=brief, length_words=300, max_new_tokens=24, seed=5)):  # noqa: B007 - the last event is checked
        pass
    assert last.done and isinstance(last.marks, list)
    for m in last.marks:
        assert last.text[m["start"]:m["end"]] == m["text"]


def test_a_fact_of_the_brief_the_reply_left_out_is_added_in_the_writers_words():
    brief = "Riverside Jazz Festival: Saturday, August 9, 2 p.m. to 10 p.m. at Riverside Park. Tickets cost $25."
    reply = "The Riverside Jazz Festival fills Riverside Park on Saturday, August 9, from 2 p.m. Tickets cost $25."
    eng, _ = engine_with([reply], retries=0)
    ev = final(eng, prompt=brief, task="article", length_words=40)
    assert ev.text.rstrip().endswith(reply + " Saturday, August 9, 2 p.m. to 10 p.m. at Riverside Park.")
    assert any(n.startswith("The text left out 10 p.m. of your brief") for n in ev.notes)
    eng, _ = engine_with([reply], retries=0)
    ev = final(eng, prompt=brief, task="article", length_words=40, check_facts=False)
    assert ev.text.rstrip().endswith(reply)


def test_a_planned_article_that_left_out_a_fact_of_the_brief_gets_the_briefs_sentence_where_it_fits():
    plan = "1. What happened\n2. Who signed\n3. What comes next"
    sections = ["Residents collected 2,300 signatures for the library, said Maria Lopez.",
                "The petition names every street of the town.", "The council meets again to decide on closing it."]
    eng, _ = engine_with([plan, *sections], retries=0)
    brief = "Residents gathered 2,300 signatures, led by Maria Lopez. The council closing the library saves $180,000."
    ev = final(eng, prompt=brief, task="article", length_words=450)
    assert ev.text.rstrip().endswith(sections[2] + " The council closing the library saves $180,000.")
    assert ev.text.count("$180,000") == 1
    assert any(n.startswith("The text left out $180,000 of your brief") for n in ev.notes)
