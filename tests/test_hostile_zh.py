"""Issue #23, kinds 8 and 9: Chinese in its own script (Traditional Chinese asked for, exported as
zh-TW / zh-Hant with a Traditional font; a Chinese query written without spaces finds its words apart),
and the writer's own words never translated in the Chinese UI."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import gradio as gr
import pytest
from docx.oxml.ns import qn

from studio.export import export_article
from studio.library import Library
from studio.models import ModelManager
from studio.settings import Settings
from studio.text.engine import TextEngine, WriteRequest
from studio.text.prompts import TaskInput, build_messages
from studio.ui.i18n import Verbatim, translate
from studio.ui.i18n.zh import PATTERNS
from studio.unitext import chinese_script, language_tag

from .conftest import free_port
from .fake_openai import FakeServer, delta

TRAD_TOPIC = "城市陽臺園藝：為忙碌的上班族準備的入門指南"
SIMP_TOPIC = "城市阳台园艺：为忙碌的上班族准备的入门指南"
TRAD_BODY = "## 選擇植物\n\n陽臺上的香草需要充足的陽光。這篇文章說明如何選擇植物、準備土壤與澆水。\n"


def test_the_script_of_chinese_text():
    assert chinese_script(TRAD_TOPIC) == "Hant" and chinese_script(SIMP_TOPIC) == "Hans"
    assert chinese_script("你好") is None and chinese_script("Gardens") is None
    assert chinese_script("陽臺與園藝，还有一个字") == "Hant"  # mostly Traditional, one Simplified word
    assert language_tag(TRAD_BODY) == "zh-Hant" and language_tag(SIMP_TOPIC) == "zh" and language_tag("Hi") is None


@pytest.mark.parametrize("task,text", [("article", TRAD_TOPIC), ("continue", TRAD_BODY), ("rewrite", TRAD_BODY),
                                       ("summarize", TRAD_BODY), ("outline", TRAD_TOPIC), ("headlines", TRAD_TOPIC)])
def test_traditional_chinese_is_asked_for_in_traditional(task, text):
    msgs = build_messages(TaskInput(task, text))
    user = "\n".join(m["content"] for m in msgs.messages if m["role"] == "user")
    assert "Traditional Chinese (繁體中文)" in user and "Simplified Chinese" not in user
    simp = build_messages(TaskInput(task, SIMP_TOPIC))
    assert "Simplified Chinese" in "\n".join(m["content"] for m in simp.messages)


@pytest.mark.parametrize("task,text", [("article", TRAD_TOPIC), ("continue", TRAD_BODY), ("rewrite", TRAD_BODY)])
def test_write_continue_rewrite_through_the_engine_ask_for_traditional(tmp_path, task, text):
    with FakeServer(chunks=[delta("陽臺上的香草。", "stop")]) as srv:
        s = Settings(device="cpu", text_backend="openai", text_model="qwen-fake", openai_base_url=srv.url,
                     data_dir=tmp_path / "d", cache_dir=tmp_path / "c").validate()
        engine = TextEngine(ModelManager(s), s)
        engine.retries = 0
        for _ev in engine.stream(WriteRequest(prompt=text, task=task, length_words=60, max_new_tokens=64, seed=1)):
            pass
    sent = "\n".join(m["content"] for r in srv.requests for m in r["messages"])
    assert "Traditional Chinese (繁體中文)" in sent


def test_long_traditional_article_falls_back_to_traditional_headings():
    from studio.text.prompts import default_outline

    heads = default_outline(5, "zh", "Hant")
    assert "結語" in heads and all(chinese_script(h) != "Hans" for h in heads)


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "data")
    yield library
    library.close()


def test_traditional_exports_say_zh_tw_and_zh_hant(lib, tmp_path):
    aid = lib.create("me", TRAD_TOPIC, TRAD_BODY)["id"]
    page = export_article(lib, "me", aid, "html", out_dir=tmp_path).read_text(encoding="utf-8")
    assert re.search(r'<html lang="zh-Hant"', page) and ":lang(zh-Hant)" in page and "PMingLiU" in page
    d = docx.Document(str(export_article(lib, "me", aid, "docx", out_dir=tmp_path)))
    defaults = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-TW"
    assert {f.get(qn("w:eastAsia")) for f in d.styles.element.iter(qn("w:rFonts"))} == {"PMingLiU"}
    # Simplified stays as it was
    sid = lib.create("me", SIMP_TOPIC, "阳台上的香草需要充足的阳光。")["id"]
    assert '<html lang="zh"' in export_article(lib, "me", sid, "html", out_dir=tmp_path).read_text(encoding="utf-8")


@pytest.mark.parametrize("query", ["城市园艺", "阳台香草", "城市園藝", "香草陽臺", "城市园艺 香草"])
def test_chinese_words_written_together_find_them_apart(lib, query):
    simp = lib.create("me", "城市", "在城市里，你也可以在阳台上种香草，开始一点园艺。")["id"]
    trad = lib.create("me", "城市", "在城市裡，你也可以在陽臺上種香草，開始一點園藝。")["id"]
    lib.create("me", "Other", "这篇文章讲的是海边的渔船。")
    found = {a["id"] for a in lib.list("me", query)}
    assert found & {simp, trad} and found <= {simp, trad}, query
    assert lib.list("me", "熊猫园艺") == []  # every word must still be there


@pytest.mark.slow
def test_search_and_exports_through_the_api(client):
    r = client.predict(title=TRAD_TOPIC, body="城市裡的陽臺，也能種出香草與園藝的樂趣。", api_name="/library_save")
    assert r["article_id"] in [a["id"] for a in client.predict(query="城市園藝", api_name="/library_list")]
    path = client.predict(article_id=r["article_id"], format="html", api_name="/export")
    assert '<html lang="zh-Hant"' in Path(path).read_text(encoding="utf-8")


# ---------------------------------------------------------------------- kind 9: the writer's words as typed
WORDS = ["Stop", "Continue", "Write", "Done", "Library", "neutral", "Topic"]  # all of them catalog entries


def test_writers_words_in_any_message_are_kept():
    """Every message template that quotes a field, or names it user_*, keeps the field's text exactly, even
    when that text is a word the catalog translates."""
    checked = 0
    for en, _zh in PATTERNS:
        fields = re.findall(r"\{(\w+)\}", en)
        quoted = [f for f in fields if f.startswith("user_") or re.search(r"[“‘'\"`]\{" + f + r"\}", en)]
        for word in WORDS:
            values = {f: (word if f in quoted else "3") for f in fields}
            zh = translate(en.format(**values), "zh")
            for _f in quoted:
                assert word in zh, (en, zh)
            checked += bool(quoted)
    assert checked > 40


@pytest.mark.parametrize("text,word", [
    ("No article matches “Stop”.", "Stop"), ("Voice “Continue” deleted.", "Continue"),
    ("Drew “Write”", "Write"), ('Section 2 ("Library") strays from the topic.', "Library"),
    ("Move **<bdi>Done</bdi>** to the trash?", "Done"), ("Imported **<bdi>Stop</bdi>** with 1 picture.", "Stop"),
    ("**<bdi>Stop</bdi>** · 12 words", "Stop"), ("Tone: must be one of neutral, formal, not Stop.", "Stop"),
    ("Saved 10:00 · <bdi>Stop. Write.</bdi>", "Stop. Write."), ("Audience: Stop", "Stop"),
    ("**Brief** · Audience: Stop · Keywords: Write, Continue · Outline: 2 headings", "关键词：Write, Continue"),
    ("The text does not use 1 of your keywords: Stop. Work them in, or press Regenerate.", "Stop"),
    ("Size: must look like WIDTHxHEIGHT (such as 512x512) or auto, not Stop.", "Stop"),
    ("Made from: Stop", "Stop"), ("- Check 1 fact that is not in your brief (marked beside the draft, with where they "
                                 "are): \"Stop\" (10–14).", "Stop"),
])
def test_messages_quoting_the_writer_keep_their_words(text, word):
    zh = translate(text, "zh")
    assert word in zh and re.search(r"[\u4e00-\u9fff]", zh), zh


def test_a_verbatim_name_is_never_translated():
    assert translate(Verbatim("Stop"), "zh") == "Stop" and translate("Stop", "zh") == "停止"
    from studio.ui.i18n.boundary import _value

    comp = gr.Dropdown(choices=[("No voice", "")])
    out = _value(comp, gr.update(choices=[("No voice", ""), (Verbatim("Stop"), "v1")]), "zh")
    assert out["choices"] == [("不用文风", ""), ("Stop", "v1")]
    from studio.ui.i18n.boundary import _key

    assert _key(Verbatim("Stop")) == "Stop" and _key("Stop") != "Stop"  # on the page as built, too


class FakeRequest:
    def __init__(self, headers):
        self.headers = headers
        self.username = None


@pytest.fixture(scope="module")
def app(tiny_gguf, tmp_path_factory):
    import app as studio_app

    tmp = tmp_path_factory.mktemp("verbatim")
    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "d"),
                                       "--output-dir", str(tmp / "o"), "--device", "cpu", "--offline",
                                       "--text-model", str(tiny_gguf)])
    return ctx, demo


def _handler(demo, name):
    return next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name)


def _in_chinese(fn, *args, **kwargs):
    from gradio.context import LocalContext

    request = FakeRequest({"accept-language": "zh-CN"})
    token = LocalContext.request.set(request)
    try:
        return fn(*args, request=request, **kwargs)
    finally:
        LocalContext.request.reset(token)


def test_the_chinese_ui_shows_a_search_for_stop_as_stop(app):
    _ctx, demo = app
    out = _in_chinese(_handler(demo, "on_search"), query="Stop", trash=False, selected=None)
    shown = [v for v in (out.values() if isinstance(out, dict) else out) if isinstance(v, str) and "Stop" in v]
    assert shown == ["没有文章包含“Stop”。"], out


def test_the_chinese_ui_asks_to_trash_an_article_named_stop_by_its_name(app):
    ctx, demo = app
    aid = ctx.library.create("local", "Stop", "Bees.")["id"]
    out = _in_chinese(_handler(demo, "ask_delete"), aid)
    texts = [v.get("value") if isinstance(v, dict) else v for v in (out.values() if isinstance(out, dict) else out)]
    asked = [t for t in texts if isinstance(t, str) and "回收站" in t]
    assert asked and "<bdi>Stop</bdi>" in asked[0] and "停止" not in asked[0], texts


def test_the_chinese_ui_error_quotes_the_writers_value(app):
    _ctx, demo = app
    with pytest.raises(gr.Error) as err:
        _in_chinese(_handler(demo, "write"), prompt="bees", tone="Stop")
    assert "Stop" in err.value.message and "停止" not in err.value.message, err.value.message


def _chinese_context(fn, *args):
    """``fn(*args)`` as a handler of a request from a Chinese browser (for handlers without a request)."""
    from gradio.context import LocalContext

    token = LocalContext.request.set(FakeRequest({"accept-language": "zh-CN"}))
    try:
        return fn(*args)
    finally:
        LocalContext.request.reset(token)


def test_the_chinese_ui_opens_an_article_called_stop_as_stop(app):
    """The title and the draft an article brings into the Write tab are the writer's, whatever they say."""
    ctx, demo = app
    aid = ctx.library.create("local", "Stop", "Write")["id"]
    out = _in_chinese(_handler(demo, "open_article"), aid, "", "", None, None)
    assert out[0] == "Write" and out[1] == "Stop", out
    assert "已打开" in out[3], out  # Studio's own line around them is in Chinese


def test_the_chinese_ui_shows_the_writers_brief_as_typed(app):
    _ctx, demo = app
    line = _chinese_context(_handler(demo, "brief_line"), "Stop", "Write, Continue", "Stop")
    assert line == "**简介** · 读者：Stop · 关键词：Write, Continue · 大纲：1 个小标题", line


def test_a_fact_quoted_from_the_draft_stays_as_it_is_in_the_list_beside_it():
    from studio.ui.facts_list import TITLE, facts_html
    from studio.ui.i18n import translate_html

    page = translate_html(facts_html([{"ustart": 0, "uend": 4, "text": "Stop", "reason": "Stop"}]), "zh")
    assert ">Stop</button>" in page and translate(TITLE, "zh") in page and TITLE not in page
    assert ">停止</span>" in page  # a reason is Studio's text (here, one the catalog happens to have)


def test_studios_own_stop_button_is_still_chinese(app):
    from studio.ui.i18n import unmark
    from studio.ui.i18n.core import FRONT

    _ctx, demo = app
    stop = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "stop-btn")
    assert unmark(stop.value) == "Stop" and stop.value != "Stop" and FRONT["Stop"] == "停止"


def test_the_chinese_ui_shows_the_article_beside_what_the_model_wrote_as_it_is(app):
    ctx, demo = app
    aid = ctx.library.create("local", "Stop", "Stop\n\nWrite")["id"]
    page = _in_chinese(_handler(demo, "show_origin"), aid)
    page = page if isinstance(page, str) else next(v for v in page if isinstance(v, str) and "<div" in v)
    assert "Stop\n\nWrite</div>" in page and "停止" not in page and "写作" not in page, page
