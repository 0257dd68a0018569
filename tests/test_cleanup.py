"""The clean-up of generated text (studio/text/cleanup.py), the topic measure and the reply checks, on fixed strings."""

from __future__ import annotations

import pytest

from studio.text.brief import add_missing_items, missing_items
from studio.text.checks import drop_repeats, format_headlines, headline_items, names_items, pick_headlines, topic_terms
from studio.text.cleanup import clean, is_chatter
from studio.text.topic import coverage, mentions_item, stem, terms, words

# Remarks small models really made (issue #17) and their usual cousins.
CHATTER = [
    "Here's the revised version of your introduction with explanations:",
    "Awesome article! I'd love to add it to my blog.",
    "I'll take it from here.",
    "Sure!",
    "Certainly! Here are 10 headline ideas:",
    "Here are 10 headlines for your article:",
    "I hope this helps!",
    "Let me know if you'd like any changes.",
    "As an AI language model, I cannot taste bread.",
    "I've revised the text to sound more formal.",
    "Notes:",
    "**Explanation:**",
    "The following is a continuation of the text.",
    "Your introduction effectively conveys the importance of social media.",
    "(Approx. 120 words)",
    "Word count: 118",
    "In this revised version, the tone is friendlier.",
    "Thank you for your request.",
    # seen on the bench (SmolLM2-135M, 2026-11-30)
    "I made several changes to enhance clarity and grammar throughout the entire piece. For instance, I added "
    "quotation marks when referring to the internet.",
    "I rephrased certain sections to improve flow and readability.",
    "This sentence effectively conveys the idea that technology has its drawbacks.",
    "This post effectively captures the spirit of a small bakery.",
    "Summary:",
    "**Rewritten text:**",
    "The above advertisement uses a persuasive tone that makes readers want to know more.",
    "This advertisement uses a friendly tone to welcome beginners.",
    "Including bold headlines makes it easy for readers to scan the ad quickly.",
    'You could use "First Class Free" instead of "free."',
    "Text completed by the AI.",
]

# Lines an article, ad or headline list may well contain: never removed.
WRITING = [
    "Here's how to get started with Instagram:",
    "Here are five ways to win new customers.",
    "I hope you enjoy our fresh croissants every morning!",
    "Let your customers see the bread come out of the oven.",
    "Feel free to experiment with seasonal flavours.",
    "Sure, social media takes time, but it pays off.",
    "I've baked bread in this town for twenty years.",
    "Your post should show the crumb, not just the crust.",
    "Notes of caramel and rye make this loaf special.",
    "## Why social media matters",
    "1. Rise and Shine: Instagram Tips for Small Bakeries",
    "Thank you, Maria said, and took the loaf.",
    "Great bread starts with a lively starter.",
    "I made my first sourdough loaf in a borrowed oven.",
    "I added rye flour, and the dough came alive.",
    "This sentence on the chalkboard sold more croissants than any advert.",
    "The post that sold out our rolls was a photo of flour on the counter.",
    "Headline: Find Your Calm at Bloom Yoga",
    "Summary: walking daily keeps the heart strong.",
    "You can use whole wheat flour instead of white flour.",
    "Adding a short video of the oven makes readers hungry.",
    "This summary of our menu fits on one card.",
    "The text was written by the baker's daughter.",
]


@pytest.mark.parametrize("line", CHATTER)
def test_chatter_lines_are_removed(line):
    text = f"Bakeries can share photos of fresh bread.\n\n{line}\n\nPost every morning."
    out = clean(text)
    assert line not in out.text
    assert out.text == "Bakeries can share photos of fresh bread.\n\nPost every morning."
    assert out.removed


@pytest.mark.parametrize("line", WRITING)
def test_lines_that_belong_to_the_text_are_kept(line):
    text = f"Bakeries can share photos of fresh bread.\n{line}\nPost every morning."
    out = clean(text)
    assert out.text == text and out.removed == [] and not is_chatter(line)


def test_framing_prefix_is_cut_and_the_headline_kept():
    out = clean("1. Here's a sample of a headline using a warm, friendly tone: Bake Your Way to Local Fame\n"
                "2. Sure! Fresh Loaves, Fresh Posts")
    assert out.text == "1. Bake Your Way to Local Fame\n2. Fresh Loaves, Fresh Posts"
    assert len(out.removed) == 2


def test_chatter_sentence_inside_a_paragraph_goes_and_the_paragraph_stays():
    out = clean("Bread sells itself on Instagram. I hope this helps. Post at seven, when people wake up.")
    assert out.text == "Bread sells itself on Instagram. Post at seven, when people wake up."


def test_the_writers_own_lines_are_never_removed():
    draft = "Here's the revised version of the plan:\nI hope this helps!\nThe meeting moves to Thursday."
    reply = ("Here's the revised version of the plan:\nI hope this helps!\nThe meeting is moved to Thursday.\n"
             "I hope this helps!\nLet me know if you need more.")
    out = clean(reply, protect=draft)
    # the two lines the writer wrote stay, in place; the model's own remark at the end goes
    assert out.text == ("Here's the revised version of the plan:\nI hope this helps!\n"
                        "The meeting is moved to Thursday.\nI hope this helps!")
    assert out.removed == ["Let me know if you need more."]


def test_clean_text_comes_back_unchanged():
    text = "# Bread\n\n## Starters\n\nA starter is flour and water.\n\n- Feed it daily.\n- Keep it warm."
    assert clean(text).text == text


def test_only_chatter_leaves_nothing():
    assert clean("Sure!\nI hope this helps!").text == ""


def test_stemmer_and_topic_coverage():
    assert {stem(w) for w in ("bakeries", "bakery", "baker", "baking")} == {"bak"}
    t = terms("How small bakeries can use social media")
    assert t == {"bak", "social", "media"}
    text = "## A\n\nPost your bakery's bread daily.\n\nSustainability matters for the planet.\n\nUse social apps."
    assert coverage(text, t) == pytest.approx(2 / 3)


def test_brief_items_names_exact_features_by_stem():
    text = "The Crumb & Co kit comes with glass jars, rye flour, a thermometer and a guide. Now 20% off!"
    assert all(mentions_item(text, k) for k in ("Crumb & Co", "glass jar", "rye flour", "thermometer", "20% off"))
    assert not mentions_item(text, "Crumb and Co") and not mentions_item(text, "30% off")
    v = names_items(text, "Crumb & Co, thermometer, banneton")
    assert not v.ok and v.problem == "did not mention banneton" and v.score == pytest.approx(2 / 3)


def test_headlines_are_parsed_deduplicated_and_kept_on_topic():
    reply = "1. Bakeries on Instagram\n2. **Bakeries on Instagram**\n3. Small Bars Are Back\n\n4. \"Social Bread\""
    items = headline_items(reply)
    assert items == ["Bakeries on Instagram", "Bakeries on Instagram", "Small Bars Are Back", "Social Bread"]
    picked = pick_headlines(items, [], topic_terms("How small bakeries can use social media"))
    assert picked == ["Bakeries on Instagram", "Social Bread"]
    assert format_headlines(picked) == "1. Bakeries on Instagram\n2. Social Bread"


def test_a_paragraph_is_not_a_headline():
    prose = " ".join(["word"] * 25) + " bakery"
    assert pick_headlines([prose, "Bakery Mornings on Instagram"], [], {"bak"}) == ["Bakery Mornings on Instagram"]


def test_notes_on_the_rewrite_are_removed():
    out = clean("The team meeting will take place on Thursday.\n\nIn this edited version, I've aimed to maintain "
                "the professionalism and clarity while keeping the facts.")
    assert out.text == "The team meeting will take place on Thursday."


def test_a_summary_about_its_own_editing_is_chatter_and_a_real_summary_is_not():
    assert is_chatter("This text conveys the importance of exercise but has been made more concise.")
    assert not is_chatter("The text explains how walking strengthens the heart and lifts the mood.")


# ----- brief coverage: the writer's own words for what a reply left out (studio/text/brief.py) -----------
STARTER = ("Crumb & Co sourdough starter kit: a glass jar, organic rye flour, a dough thermometer and a "
           "step-by-step guide. Launch offer: 20% off.")
STARTER_KEYS = "Crumb & Co, glass jar, rye flour, thermometer, guide, 20% off"


def test_missing_items_are_added_in_the_briefs_own_words():
    reply = "The Crumb & Co kit gives you a glass jar, rye flour and a thermometer for better bread."
    text, added = add_missing_items(reply, STARTER, STARTER_KEYS)
    assert text.startswith(reply + "\n\n")  # the model's text is kept as it was
    assert added == ["Crumb & Co sourdough starter kit: a glass jar, organic rye flour, a dough thermometer and a "
                     "step-by-step guide.", "Launch offer: 20% off."]
    assert missing_items(text, STARTER_KEYS) == []


def test_nothing_is_added_when_every_item_is_named():
    reply = "Crumb & Co: a glass jar, rye flour, a thermometer and a guide. Now 20% off."
    assert add_missing_items(reply, STARTER, STARTER_KEYS) == (reply, [])


def test_a_keyword_the_brief_never_names_is_added_as_written_and_nothing_else_is_invented():
    text, added = add_missing_items("Bloom Yoga welcomes you.", "Bloom Yoga, a downtown studio.",
                                    "Bloom Yoga, free mats")
    assert added == ["Also: free mats."] and text == "Bloom Yoga welcomes you.\n\nAlso: free mats."


def test_one_brief_sentence_covers_several_missing_items_once():
    text, added = add_missing_items("Great hikes ahead.", "TrailLite 30 hiking backpack: waterproof fabric, "
                                    "padded straps, a rain cover, weighs 900 g.",
                                    "TrailLite 30, waterproof, padded straps, rain cover, 900 g")
    assert len(added) == 1 and text.count("TrailLite 30") == 1


def test_a_sentence_naming_only_what_the_added_sentences_name_again_makes_room_for_them():
    """The length stays within the brief: the reply's last sentence goes when the brand it names is named
    again by the brief's sentence that is added (it once stayed, and the description ran 21% long)."""
    opening = ("Crumb & Co brings warm homemade bread to every kitchen, with simple steps that anyone can follow "
               "from the first morning, and a starter that keeps for years.")
    closing = "Crumb & Co makes a lovely gift for friends who bake, and for anyone who loves fresh bread."
    text, added = add_missing_items(opening + " " + closing, STARTER, STARTER_KEYS, max_words=50)
    assert text.startswith(opening) and closing not in text, text
    assert len(words(text)) <= 50 and added and missing_items(text, STARTER_KEYS) == []


def test_a_headline_keeps_its_title_and_drops_the_models_description_and_remarks():
    reply = ('1. Social Media Superheroes - A fun way to show off all those awesome features you have\n'
             '2. "Ladle of Wonder" - Social Media: Simple Steps (not in bold)\n'
             '3. Bakers and Bikes - The Future of Food\n4. Also\n5. Rise and Shine - Bakery')
    assert headline_items(reply) == ["Social Media Superheroes", 'Ladle of Wonder" - Social Media: Simple Steps',
                                     "Bakers and Bikes - The Future of Food", "Also", "Rise and Shine - Bakery"]
    assert pick_headlines(headline_items(reply), [], {"social", "bak"})[-1] != "Also"


def test_room_for_the_added_words_comes_from_the_replys_last_sentences_that_name_no_item():
    reply = "Crumb & Co makes bread with a glass jar. It is lovely. You will love it every single day of the week."
    text, added = add_missing_items(reply, STARTER, STARTER_KEYS, max_words=30)
    assert text.startswith("Crumb & Co makes bread with a glass jar. It is lovely.\n\n")
    assert "every single day" not in text and missing_items(text, STARTER_KEYS) == []


def test_a_sentence_the_model_already_wrote_is_left_out_once_and_the_rest_stays():
    previous = "Urban gardening has been on my mind ever since I started."
    section = ("Urban gardening has been on my mind ever since I started. Grow basil in pots on a sunny sill.\n\n"
               "Water the pots every morning before work.\nWater the pots every morning before work.\nShort. Short.")
    text, dropped = drop_repeats(section, previous)
    assert text == "Grow basil in pots on a sunny sill.\n\nWater the pots every morning before work.\nShort. Short."
    assert dropped == [previous, "Water the pots every morning before work."]
    assert drop_repeats("A line with no repeat at all here.") == ("A line with no repeat at all here.", [])


def test_a_short_sentence_written_twice_or_a_heading_echoed_in_the_text_is_a_repeat():
    text, dropped = drop_repeats("Why it matters\nTwelve bands play. Tickets cost $25. Twelve bands play.",
                                 exact="Riverside Jazz Festival\nWhy it matters")
    assert text == "Twelve bands play. Tickets cost $25." and dropped == ["Why it matters", "Twelve bands play."]
    assert drop_repeats("Plant it. Plant it.") == ("Plant it. Plant it.", [])  # two words: no claim repeated


def test_a_paragraph_the_model_loops_on_is_kept_once_whatever_its_length():
    loop = "P.S.\n\nBest regards,\n\nEleanor Johnson\nBristol, UK"
    text, dropped = drop_repeats("The pool shuts on 3 March.\n\n" + "\n\n".join([loop] * 4))
    assert text == "The pool shuts on 3 March.\n\n" + loop and len(dropped) == 9
    assert drop_repeats("Eleanor Johnson\nBristol, UK", earlier="Eleanor Johnson\nBristol, UK")[0] == ""


def test_making_room_never_cuts_a_sentence_after_an_abbreviation():
    reply = ("Crumb & Co makes bread with a glass jar. It is lovely.\n\nCrumble & Co. offers a variety of tasty "
             "treats, but one that really stands out is their homemade bread.")
    text, _ = add_missing_items(reply, STARTER, STARTER_KEYS, max_words=40)
    assert "Crumble & Co." not in text and text.startswith("Crumb & Co makes bread with a glass jar.")


def test_a_near_copy_of_an_earlier_sentence_is_a_repeat_but_a_new_sentence_on_the_same_topic_is_not():
    earlier = ("Whether it is plants or flowers, people use their homes as much as they need them for food. "
               "Grow basil in pots on a sunny sill.")
    text, dropped = drop_repeats("Whether it is plants or flowers, people use their homes as much as they need for "
                                 "food. Basil in a pot needs a sunny sill and water every day.", earlier)
    assert text == "Basil in a pot needs a sunny sill and water every day." and len(dropped) == 1


def test_headlines_numbered_twice_or_framed_are_cleaned_and_a_repeat_with_a_full_stop_is_a_duplicate():
    reply = ("1. 1. How small bakeries can use social media\n2. The 1st headline is: Bakeries Go Social\n"
             "3. How small bakeries can use social media.")
    items = headline_items(reply)
    assert items[:2] == ["How small bakeries can use social media", "Bakeries Go Social"]
    assert pick_headlines(items, [], {"bak", "social"}) == items[:2]
