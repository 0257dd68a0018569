"""Messages by id (issue #24) in the text engine's notes: each note is a Message whose id has Chinese, shown in
Chinese with the writer's words (a fact, a heading, a keyword) exactly as they are, and the same English."""

from __future__ import annotations

from studio.errors import InvalidInput, StudioError
from studio.messages import Joined, Message
from studio.text.article import keywords_note, removed_note
from studio.text.checks import names_items
from studio.text.factcheck import Mark, marks_note, missing_facts_note
from studio.ui.i18n import translate
from studio.ui.i18n.messages import render


def _mark(text: str, start: int) -> Mark:
    return Mark(start, start + len(text), text, "number", "not in your brief")


def test_fact_check_notes_are_messages_with_the_writers_words_untranslated():
    one = marks_note([_mark("Stop", 10)])
    assert isinstance(one, Message)
    assert one == 'Check 1 fact that is not in your brief (marked beside the draft, with where they are): "Stop" (10–14).'
    assert "“Stop”" not in translate(one, "zh") and '"Stop"' in translate(one, "zh") and "请核对" in translate(one, "zh")
    many = marks_note([_mark(f"{i} jars", i * 10) for i in range(10)], limit=8)
    assert str(many).endswith(" and 2 more.") and "另有 2 处" in translate(many, "zh")
    added = missing_facts_note(["Open Stop at 9."], ["Stop"])
    assert added.startswith("The text left out Stop of your brief") and "Stop" in translate(added, "zh")


def test_retry_and_left_out_notes_show_by_id_in_chinese():
    problem = Joined("; ", [names_items("a text", "Stop, rye").problem, Message("left the topic")])
    assert problem == "did not mention Stop, rye; left the topic"
    note = Message("The reply {t_p}; writing again (attempt {a} of {n}).", t_p=problem, a=2, n=3)
    zh = translate(note, "zh")
    assert "Stop, rye" in zh and "偏离了主题" in zh and "停止" not in zh
    assert translate(removed_note(["Sure! Here is the article:"]), "zh").startswith("去掉了 1 行")
    kw = keywords_note("nothing here", "Stop")[0]
    assert kw == "The text does not use 1 of your keywords: Stop. Work them in, or press Regenerate."
    assert "Stop" in translate(kw, "zh") and "停止" not in translate(kw, "zh")
    section = Message("Section {num_i}: {t_n}", num_i=2, t_n=Message("Changed '{a}' to '{b}', as in your brief.",
                                                                       a="Stop", b="Go"))
    assert translate(section, "zh") == "第 2 节：已把“Stop”改为“Go”，与你的简介一致。"


def test_an_engine_error_shows_its_label_and_inner_message_in_chinese():
    assert render(InvalidInput("prompt", "the {what} is empty.", what=Message("draft")), "zh") == "prompt：草稿是空的。"
    inner = Message("The text engine (llama-server) failed ({e}).", e="ConnectError")
    outer = StudioError("{e} The text so far is kept; try again.", e=inner)
    assert str(outer) == "The text engine (llama-server) failed (ConnectError). The text so far is kept; try again."
    assert render(outer, "zh").startswith("文本引擎（`llama-server`）出错了（ConnectError）。")
