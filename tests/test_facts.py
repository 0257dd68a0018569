"""The writer's facts (#26): the extractor (studio/text/facts.py) and the checker (studio/text/factcheck.py)
on hand-written English and Chinese texts, without a model."""

from __future__ import annotations

import pytest

from studio.text.factcheck import check, marks_note
from studio.text.facts import FactSheet, extract, parse_chinese_number, parse_number_words


@pytest.mark.parametrize("text, value", [("二千三百", 2300), ("两万五千", 25000), ("十二", 12), ("一百零五", 105),
                                         ("三亿", 3e8), ("二〇二四", 2024)])
def test_chinese_numerals(text, value):
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize("text, value", [("two million", 2e6), ("twenty-three", 23), ("a third", 1 / 3),
                                         ("two thousand three hundred", 2300), ("a dozen", 12), ("two thirds", 2 / 3)])
def test_english_number_words(text, value):
    assert parse_number_words(text) == pytest.approx(value)


def _facts(text):
    return {(f.kind, f.text): f for f in extract(text)}


def test_numbers_with_what_they_count_money_percent_dates_names_quotes():
    found = _facts("The petition gathered 2,300 signatures by March 3, 2024. \"We will not let our library close,\" "
                   "said Maria Lopez. About a third of residents use it, and 2.3k followers share it. Tickets cost "
                   "$49, 20% off until 5 May; doors open at 7 p.m. and 20-30 volunteers help. The Lumo 2 lamp "
                   "gives 1200 lumens.")
    assert found[("number", "2,300")].value == 2300 and found[("number", "2,300")].unit == "signatur"
    assert found[("date", "March 3, 2024")].value == "2024-3-3"
    assert found[("quote", "\"We will not let our library close,\"")].counted == "attributed"
    assert ("name", "Maria Lopez") in found and ("name", "Lumo 2") in found
    assert found[("number", "a third")].value == pytest.approx(1 / 3)
    assert found[("number", "a third")].unit == "resident"
    assert found[("number", "2.3k")].value == 2300
    assert found[("money", "$49")].value == 49 and found[("percent", "20%")].value == 20
    assert found[("date", "5 May")].value == "?-5-5" and found[("time", "7 p.m.")].value == "19:00"
    rng = found[("number", "20-30")]
    assert (rng.value, rng.high, rng.unit) == (20, 30, "volunt")
    assert found[("number", "1200")].unit == "lumen"


def test_chinese_facts():
    found = _facts("请愿书在2024年3月5日前收集了二千三百个签名，约三分之一的居民使用图书馆。门票199元，"
                   "张伟表示：「我们不会让图书馆关门。」下午3点开门，20至30名志愿者，百分之二十的折扣。")
    assert found[("date", "2024年3月5日")].value == "2024-3-5"
    assert found[("number", "二千三百")].value == 2300 and found[("number", "二千三百")].unit == "签名"
    assert found[("number", "三分之一")].value == pytest.approx(1 / 3)
    assert found[("money", "199元")].value == 199
    assert found[("quote", "「我们不会让图书馆关门。」")].counted == "attributed"
    assert found[("time", "下午3点")].value == "15:00"
    assert found[("number", "20至30")].high == 30
    assert found[("percent", "百分之二十")].value == 20


BRIEF = ("Residents of Springfield gathered 2,300 signatures by March 3, 2024 to keep the Elm Street library open. "
         "Maria Lopez leads the group. Tickets to the fundraiser cost $15.")


def test_contradictions_are_corrected_to_the_writers_value_with_a_note():
    text = "Over two million signatures were collected, said Maria Lopes. The fundraiser costs $20."
    out = check(text, FactSheet.of(BRIEF))
    assert out.text == "Over 2,300 signatures were collected, said Maria Lopez. The fundraiser costs $15."
    assert out.changes == ["Changed 'two million signatures' to '2,300 signatures', as in your brief.",
                           "Changed 'Maria Lopes' to 'Maria Lopez', as in your brief.",
                           "Changed '$20' to '$15', as in your brief."]
    assert not out.marks


def test_facts_not_in_the_brief_are_marked_never_deleted():
    text = ("The group met on March 3. \"This library is the heart of our town,\" said Mayor John Carter. "
            "76 volunteers helped. In 2019 the library won an award. About a third of residents use it. "
            "It has two floors.")
    out = check(text, FactSheet.of(BRIEF))
    assert out.text == text  # nothing deleted or changed
    marked = {m.text: m for m in out.marks}
    assert set(marked) == {"\"This library is the heart of our town,\"", "Mayor John Carter", "76 volunteers",
                           "2019", "a third of residents", "two floors"}  # a small count of a thing is a claim
    for m in out.marks:
        assert text[m.start:m.end] == m.text
    assert "attributed" in marked["\"This library is the heart of our town,\""].reason
    note = marks_note(out.marks)
    assert note.startswith("Check 6 facts that are not in your brief")
    assert f"\"76 volunteers\" ({marked['76 volunteers'].start}–{marked['76 volunteers'].end})" in note


def test_the_same_fact_written_differently_is_kept():
    text = ("By 3 March 2024, 2300 signatures — two thousand three hundred in all, or 2.3k — were in. "
            "Maria and the Elm Street Library group thank Springfield. Tickets: $15.")
    out = check(text, FactSheet.of(BRIEF))
    assert out.text == text and not out.changes and not out.marks


def test_a_range_in_the_brief_covers_a_value_inside_it_and_an_ambiguous_count_is_marked():
    sheet = FactSheet.of("20-30 volunteers will plant 400 trees and 150 shrubs.")
    out = check("25 volunteers planted 500 trees.", sheet)
    assert [m.text for m in out.marks] == [] and out.text == "25 volunteers planted 400 trees."
    sheet = FactSheet.of("Prices: $15 for adults, $8 for children.")
    out = check("Adults pay $12.", sheet)
    assert out.text == "Adults pay $12." and out.marks[0].reason.startswith("differs from your brief")


def test_chinese_contradictions_and_marks():
    sheet = FactSheet.of("请愿者在2024年3月5日前收集了二千三百个签名。门票30元。")
    text = "截至3月5日，居民共收集了两百万个签名。门票50元，约120名志愿者参与。张伟说：「图书馆是我们社区的心脏，不能关门。」"
    out = check(text, sheet)
    assert "二千三百个签名" in out.text and "30元" in out.text
    assert out.changes[0] == "Changed '两百万个签名' to '二千三百个签名', as in your brief."
    assert [m.kind for m in out.marks] == ["number", "quote"]
    assert out.marks[0].text == "120名志愿者"


def test_list_numbers_and_small_counts_are_not_facts():
    out = check("1. Gather 3 pots.\n2. Water them twice.\n", FactSheet.of("Balcony herbs for beginners"))
    assert not out.marks and not out.changes


# ---------------------------------------------------------------------- the Write tab's list (studio/ui/facts_list.py)
def test_the_list_beside_the_draft_points_at_each_marked_fact_in_the_draft():
    from studio.ui.facts_list import facts_html, marks_in_draft

    generated = "# Petition\n\n76 volunteers helped the 图书馆 group, said Mayor John Carter."
    out = check(generated, FactSheet.of(BRIEF))
    draft = "My notes 😀 first.\n\n" + generated  # the article was added after the writer's text
    marks = marks_in_draft(draft, generated, [m.as_dict() for m in out.marks])
    assert [draft[m["start"]:m["end"]] for m in marks] == ["76 volunteers", "Mayor John Carter"]
    # the browser counts UTF-16 code units: the emoji is two
    assert marks[0]["ustart"] == marks[0]["start"] + 1
    page = facts_html(marks)
    assert page.count('class="studio-fact"') == 2
    assert f'data-fact-start="{marks[1]["ustart"]}" data-fact-end="{marks[1]["uend"]}">Mayor John Carter<' in page
    assert facts_html([]) == ""


def test_the_script_selects_the_span_in_the_draft():
    from studio.ui.facts_list import FACTS_JS

    assert "setSelectionRange(s, t)" in FACTS_JS and "#draft textarea" in FACTS_JS and "data-fact-start" in FACTS_JS


def test_many_notes_get_a_one_line_summary_with_the_details_behind_a_click():
    from studio.ui.facts_list import notes_md

    notes = ["Section 1 (\"Why\") left the topic; writing it again (attempt 2 of 3).",
             "Section 2: Changed '$20' to '$15', as in your brief.", "Left out 1 line where the model talked to you.",
             "Check 4 facts that are not in your brief (marked beside the draft, with where they are): \"x\" (1–2)."]
    md = notes_md(notes)
    assert md.splitlines()[0] == "Facts corrected: 1 · Facts to check: 4 · Written again: 1 · Other notes: 1"
    assert "<summary>All notes</summary>" in md and all(n in md for n in notes)
    assert notes_md(notes[:2]) == "\n".join(f"- {n}" for n in notes[:2])


def test_a_number_of_the_brief_given_to_something_else_is_marked():
    sheet = FactSheet.of("The scheme recorded 1.2 million trips and will add 40 stations.")
    out = check("It took 1.2 million miles off the road and added 40 bus stops. It made 1.2 million trips.", sheet)
    assert [(m.text, m.reason) for m in out.marks] == [
        ("1.2 million miles", "the brief gives this number for something else (1.2 million trips)"),
        ("40 bus", "the brief gives this number for something else (40 stations)")]


def test_a_year_or_a_weekday_the_brief_did_not_give_is_marked():
    sheet = FactSheet.of("The council meets on March 14, 2025 and plans to close the library on June 30.")
    out = check("The deadline of 2026 looms. On Wednesday the council met. On June 30 it closes.", sheet)
    assert [m.text for m in out.marks] == ["2026", "Wednesday"]


def test_a_product_name_with_a_number_opening_a_sentence_is_a_name():
    out = check("Lumina 2: a revolutionary lamp. Lumo 2 is bright.", FactSheet.of("Lumo 2 desk lamp: 1200 lumens."))
    assert [(m.text, m.kind) for m in out.marks] == [("Lumina 2", "name")]


# ---------------------------------------------------------------------- dates said from today, small counts, pence
PETITION = ("Residents gathered 2,300 signatures in three weeks. Maria Lopez hands the petition to the council on "
            "March 14, 2025. The council plans to close the library on June 30 to save $180,000 a year.")


@pytest.mark.parametrize("phrase, value", [
    ("last week", "relative:last week"), ("Next month", "relative:next month"), ("this year", "relative:this year"),
    ("yesterday", "relative:yesterday"), ("two weeks ago", "relative:-2 week"), ("3 days ago", "relative:-3 day"),
    ("a year ago", "relative:-1 year"), ("last Tuesday", "relative:last tuesday"), ("next Saturday", "weekday:sat"),
    ("上周", "relative:上周"), ("三天前", "relative:三天前"), ("下个月", "relative:下个月")])
def test_dates_said_from_today_are_dates(phrase, value):
    found = [f for f in extract(f"It happened {phrase}, they said.") if f.kind == "date"]
    assert [(f.text, f.value) for f in found] == [(phrase, value)]


def test_a_date_said_from_today_that_the_brief_did_not_give_is_marked():
    text = "Last week the group met. Next month the council votes. Two weeks ago it began. Last Tuesday they met."
    out = check(text, FactSheet.of(PETITION))
    assert out.text == text
    assert [m.text for m in out.marks] == ["Last week", "Next month", "Two weeks ago", "Last Tuesday"]
    assert not check("Next month it closes.", FactSheet.of("The library closes next month.")).marks


def test_a_count_of_time_is_marked_never_changed_to_the_briefs_other_count():
    out = check("In two weeks it closes.", FactSheet.of(PETITION))  # the brief's "three weeks" is a duration
    assert out.text == "In two weeks it closes." and not out.changes
    assert [(m.text, m.reason) for m in out.marks] == [("two weeks", "differs from your brief (three weeks)")]


@pytest.mark.parametrize("text, marked", [
    ("Three councillors voted against it.", ["Three councillors"]),
    ("A dozen volunteers helped.", ["A dozen volunteers"]),
    ("Ten new additions play this year.", ["Ten new additions", "this year"]),
    ("五位议员", ["五位议员"]),
    ("There are two ways to help, in 3 steps, and one of them is easy.", []),  # about the text, not a claim
])
def test_small_counts_of_things_are_facts_but_counts_of_steps_are_not(text, marked):
    assert [m.text for m in check(text, FactSheet.of(PETITION)).marks] == marked


@pytest.mark.parametrize("text", ["Lumo 2 is one of the best lamps on the market.", "No one came to the one meeting.",
                                  "Two of them agreed."])
def test_a_bare_small_number_word_is_no_fact(text):
    assert [f for f in extract(text) if f.kind == "number"] == []


def test_one_of_the_best_in_a_brief_is_never_a_left_out_fact():
    from studio.text.factcheck import missing_facts

    brief = "Lumo 2 is one of the best desk lamps: 1200 lumens for $49."
    assert missing_facts("The Lumo 2 gives 1200 lumens for $49.", brief) == []
    assert [f.text for f in extract("Only one councillor and three volunteers came.")] == ["one", "three"]


@pytest.mark.parametrize("written, value, currency", [
    ("2p", 0.02, "£"), ("5 pence", 0.05, "£"), ("50 cents", 0.5, "$"), ("£3m", 3e6, "£"), ("£15", 15, "£"),
    ("five pence", 0.05, "£"), ("three million pounds", 3e6, "£"), ("twenty dollars", 20, "$")])
def test_money_in_pence_millions_and_words(written, value, currency):
    found = [f for f in extract(f"Tickets rose {written} above last year's price.") if f.kind == "money"]
    assert [(f.text, f.unit) for f in found] == [(written, currency)]
    assert found[0].value == pytest.approx(value)


def test_money_not_in_the_brief_is_marked_and_the_briefs_money_in_another_form_is_not():
    out = check("Tickets cost £15, 2p more. It saves 180,000 dollars, $180k a year.", FactSheet.of(PETITION))
    assert [m.text for m in out.marks] == ["£15", "2p"] and not out.changes
    out = check("Coffee is £0.50, or fifty pence.", FactSheet.of("A coffee costs 50p."))
    assert not out.marks and not out.changes
    assert not [f for f in extract("Open at 2pm and 2 p.m. with 5 percent off 3 centuries; add two pounds of "
                                   "flour and 2 pounds of sugar") if f.kind == "money"]


@pytest.mark.parametrize("text", [
    "They collected 2300 signatures, two thousand three hundred in all, 2.3k by 14 March 2025.",
    "On 14th March, or March 14th, Lopez hands it over; the library shuts on 30 June, saving $180k a year.",
    "In 2025 the council meets; by June it decides, saving 180 thousand dollars.",
])
def test_the_briefs_facts_in_another_form_are_not_marked(text):
    out = check(text, FactSheet.of(PETITION))
    assert not out.marks and not out.changes


def test_a_year_opening_a_sentence_is_a_year_not_a_count():
    out = check("In 2024 trips hit a record.", FactSheet.of("The scheme recorded 1.2 million trips in 2024."))
    assert not out.marks and not out.changes


# ---------------------------------------------------------------------- the brief's facts a text left out
def test_the_briefs_facts_the_text_left_out_are_found_in_any_form():
    from studio.text.factcheck import missing_facts

    text = "Lopez and 2300 residents signed over 3 weeks; the council meets on 14 March 2025 and votes on 30 June."
    assert [g.text for g in missing_facts(text, PETITION)] == ["$180,000"]


def test_the_briefs_own_sentences_join_a_text_that_left_its_facts_out():
    from studio.text.factcheck import add_missing_facts

    brief = ("Announce the Riverside Jazz Festival: Saturday, August 9, 2025, 2 p.m. to 10 p.m. at Riverside Park. "
             "Twelve bands play. Tickets cost $25; children under 12 go free.")
    text = "The Riverside Jazz Festival comes to Riverside Park on Saturday, August 9, 2025, from 2 p.m. Tickets: $25."
    out, added, covered = add_missing_facts(text, brief)
    assert out.startswith(text + " ")  # the writer sees the model's text unchanged, then the brief's words
    assert added == ["Saturday, August 9, 2025, 2 p.m. to 10 p.m. at Riverside Park.", "Twelve bands play.",
                     "Tickets cost $25; children under 12 go free."]
    assert covered == ["10 p.m.", "Twelve", "12"]
    assert add_missing_facts(out, brief)[1] == []  # nothing left out any more


def test_a_left_out_fact_goes_to_the_section_that_talks_about_the_same_thing_and_marks_move_with_it():
    from types import SimpleNamespace

    from bench.factscore import PETITION as NEWS
    from studio.text.factcheck import check, keep_request_facts

    text = ("# Residents gathered signatures\n\n## What happened\n\nResidents of Springfield gathered 2,300 "
            "signatures in three weeks to keep the Elm Street library open. Maria Lopez and 76 volunteers lead "
            "the campaign.\n\n## What happens next\n\nThe council plans to close the library to save money, "
            "and 40 residents object.\n\n## Background\n\nThe library has served the town for many years.\n")
    marks = check(text, FactSheet.of(NEWS)).marks
    assert [m.text for m in marks] == ["76 volunteers", "40 residents"]
    out, notes, moved = keep_request_facts(SimpleNamespace(task="article", check_facts=True, prompt=NEWS),
                                           text, marks)
    sections = out.split("## ")
    assert "council on March 14, 2025." in sections[1]  # Maria Lopez hands the petition: what happened
    assert sections[2].rstrip().endswith("to save $180,000 a year.")  # the council's plan: what happens next
    assert sections[3] == "Background\n\nThe library has served the town for many years.\n"  # not at the end
    assert [out[m.start:m.end] for m in moved] == ["76 volunteers", "40 residents"]
    assert notes[0].startswith("The text left out March 14, 2025, June 30, $180,000 of your brief, so your own "
                               "words for them were added where they fit:")


def test_at_most_three_sentences_are_added_and_a_chinese_brief_keeps_its_sentences():
    from studio.text.factcheck import add_missing_facts

    brief = "A costs $1. B costs $2. C costs $3. D costs $4."
    assert add_missing_facts("Prices vary.", brief)[1] == ["A costs $1.", "B costs $2.", "C costs $3."]
    out, added, _ = add_missing_facts("居民收集了签名。", "居民收集了二千三百个签名。市议会计划在6月30日关闭图书馆。")
    assert added == ["居民收集了二千三百个签名。", "市议会计划在6月30日关闭图书馆。"]
    assert out == "居民收集了签名。居民收集了二千三百个签名。市议会计划在6月30日关闭图书馆。"


def test_only_articles_rewrites_and_product_descriptions_get_the_left_out_facts():
    from types import SimpleNamespace

    from studio.text.factcheck import keep_request_facts

    def req(task, check_facts=True):
        return SimpleNamespace(task=task, check_facts=check_facts, prompt="The pool shuts from 3 March to 21 March.")

    text, notes, _ = keep_request_facts(req("rewrite"), "The pool will close for repairs.")
    assert text == "The pool will close for repairs. The pool shuts from 3 March to 21 March."
    assert notes == ["The text left out 3 March, 21 March of your brief, so your own words for them were added "
                     "where they fit: \"The pool shuts from 3 March to 21 March.\" Work them into the text as you "
                     "like."]
    notice = "hi all, the pool shuts from 3 March to 21 March. the gym stays open 6am to 10pm. ask Sam Patel."
    text, notes, _ = keep_request_facts(SimpleNamespace(task="rewrite", check_facts=True, prompt=notice),
                                        "Dear members, the pool closes on 3 March.\n\nThe gym stays open, ask "
                                        "Sam Patel.")
    assert text == ("Dear members, the pool closes on 3 March. The pool shuts from 3 March to 21 March.\n\nThe gym "
                    "stays open, ask Sam Patel. The gym stays open 6am to 10pm.")
    for r in (req("summarize"), req("rewrite", check_facts=False), req("headlines")):
        assert keep_request_facts(r, "The pool will close.") == ("The pool will close.", [], [])
