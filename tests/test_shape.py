"""An article's shape (#26, studio/text/shape.py): its kind, the parts of that kind, the checks each planned
heading must pass, who speaks, and what the engine does with them (scripted backend, no model)."""

from __future__ import annotations

import pytest

from studio.text.cleanup import clean
from studio.text.facts import FactSheet
from studio.text.shape import article_kind, heading_problem, person_rule, planned_outline

from .test_text_quality import engine_with, final


@pytest.mark.parametrize("topic, kind", [
    ("How to grow tomatoes on a balcony", "how-to"), ("Review: the Lumo 2 desk lamp", "review"),
    ("10 ways to save water at home", "list"), ("Why we should keep the library open", "opinion"),
    ("Residents gathered 2,300 signatures to keep the Elm Street library open", "news"),
    ("如何在阳台种番茄", "how-to"), ("Autumn colours", "general")])
def test_the_kind_of_article_is_read_from_the_topic(topic, kind):
    assert article_kind(topic) == kind


SHEET = FactSheet.of("Residents gathered 2,300 signatures to keep the library open")


@pytest.mark.parametrize("heading", [
    "Love your kitchen! (This is a brief sentence in a descriptive paragraph.)", "April 2023: Planning",
    "Here is the list of sections and their respective headings", "Header", "[Section title]",
    "Over 5,000 residents signed"])
def test_headings_that_are_the_model_talking_or_give_what_the_brief_did_not_are_refused(heading):
    assert heading_problem(heading, SHEET, 1, 4) is not None


def test_an_introduction_or_conclusion_only_where_it_belongs():
    assert heading_problem("Introduction", SHEET, 0, 4) is None
    assert heading_problem("Introduction", SHEET, 2, 4) == "puts an introduction out of place"
    assert heading_problem("Conclusion", SHEET, 1, 4) == "puts a conclusion out of place"
    assert heading_problem("2,300 signatures in a week", SHEET, 1, 4) is None


def test_a_failed_heading_is_replaced_by_the_kinds_part_at_its_place():
    raw = ["Residents rally for the library", "Introduction", "April 2023: Planning"]
    outline, dropped = planned_outline(raw, SHEET, "news", 4, ["Introduction", "Key ideas", "Conclusion"])
    assert outline == ["Residents rally for the library", "Who said what", "Background", "What happens next"]
    assert dropped == ["Introduction", "April 2023: Planning"]


def test_tone_decides_the_person():
    assert "never write 'I'" in person_rule("how-to", "neutral") and "never write 'I'" in person_rule("news", "formal")
    assert person_rule("opinion", "friendly") == ""


def test_a_chatter_closing_is_left_out():
    out = clean("Tomatoes need sun.\n\nI'm ready to assist you now. Please go ahead and share your article content.")
    assert out.text == "Tomatoes need sun." and len(out.removed) == 1


def test_a_planned_article_takes_its_shape_from_its_kind_and_never_ends_mid_sentence():
    plan = "1. Here is the list of sections and their respective headings\n2. Introduction\n3. Background story"
    section = "The residents met at the library on a rainy evening. They talked for hours about the petition and"
    eng, backend = engine_with([plan, section], retries=0)
    ev = final(eng, prompt="Residents gathered 2,300 signatures to keep the Elm Street library open",
               task="article", length_words=500, keywords="library, petition, council")
    heads = [ln[3:] for ln in ev.text.splitlines() if ln.startswith("## ")]
    assert heads[0] == "What happened" and "Introduction" not in heads and heads[-1] == "What happens next"
    assert "news piece" in backend.prompts[0] and "never write 'I'" in backend.prompts[1]
    assert not ev.text.rstrip().endswith("and") and ev.text.rstrip().endswith("evening.")
    assert any(n.startswith("Left out 2 planned headings that did not fit the article") for n in ev.notes)
    assert "The text does not use 1 of your keywords: council. Work them in, or press Regenerate." in ev.notes


def test_only_the_headlines_on_topic_are_kept_and_the_notes_say_how_many():
    reply = ("1. Bakeries Rise on Instagram\n2. Small Bars Are Back\n3. #bakerylife #bread\n"
             "4. BEST BAKERY POSTS EVER\n5. Social Media for Bakers")
    eng, _ = engine_with([reply], retries=0)
    ev = final(eng, prompt="How small bakeries can use social media", task="headlines")
    assert ev.text == "1. Bakeries Rise on Instagram\n2. Social Media for Bakers"
    assert "Only 2 headline ideas were distinct and on the topic, so only those are kept. Press Regenerate for more." \
        in ev.notes


def test_a_feature_written_with_a_thousands_separator_is_named():
    from studio.text.brief import missing_items

    assert missing_items("The Lumo 2 gives 1,200 lumens.", "Lumo 2, 1200 lumens") == []


def test_the_model_talking_about_itself_in_a_neutral_piece_is_left_out_but_a_quotation_stays():
    from studio.text.shape import drop_first_person

    text = ("## Why it matters\n\nI'm thrilled to share my passion project with you! Urban gardens feed cities. "
            "I think that basil is easy. \"I love it,\" said Maria Lopez.\n\n- I always water daily.\n- Water at "
            "dawn.\n\nWorld War I changed farming. We're excited to help you.")
    out, dropped = drop_first_person(text)
    assert out == ("## Why it matters\n\nUrban gardens feed cities. Basil is easy. \"I love it,\" said Maria Lopez."
                   "\n\n- Water at dawn.\n\nWorld War I changed farming.")
    assert dropped == ["I'm thrilled to share my passion project with you!", "I always water daily.",
                       "We're excited to help you."]
    assert drop_first_person("I love it. My lamp.") == ("I love it. My lamp.", [])  # never left empty


def test_who_may_say_i_depends_on_the_task_the_tone_and_the_writers_own_text():
    from studio.text.shape import neutral_voice

    assert neutral_voice("article", "how-to", "neutral", "Urban gardening for beginners")
    assert neutral_voice("rewrite", "general", "formal", "hi all, the pool shuts")
    assert neutral_voice("product_description", "general", "neutral", "Lumo 2 desk lamp")
    assert not neutral_voice("article", "how-to", "friendly", "Urban gardening for beginners")
    assert not neutral_voice("article", "opinion", "neutral", "Why we should keep the library")
    assert not neutral_voice("rewrite", "general", "formal", "I will be away on Monday, my team covers")
    assert not neutral_voice("ad_copy", "general", "neutral", "Bloom Yoga")


def test_a_neutral_article_and_summary_never_say_i():
    plan = "1. Why it matters\n2. What you need\n3. Step by step"
    sections = ["I'm thrilled to share my passion project! Basil grows well in pots on a sunny balcony.",
                "Pots, soil and seeds are all a balcony garden needs.", "Sow the seeds and water them every day."]
    eng, _ = engine_with([plan, *sections], retries=0)
    ev = final(eng, prompt="Balcony gardening for beginners", task="article", length_words=450)
    assert "thrilled" not in ev.text and "Basil grows well in pots on a sunny balcony." in ev.text
    assert any(n.startswith("Left out 1 sentence where the model talked about itself") for n in ev.notes)
    eng, _ = engine_with(["I read this text. Walking is good for the heart and the mind."], retries=0)
    ev = final(eng, prompt="Walking is good for the heart.", task="summarize", length_words=60)
    assert ev.text == "Walking is good for the heart and the mind."
