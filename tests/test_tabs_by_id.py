"""The Image, Repair, Style, Voice and Listen tabs' run-time messages are messages by id (issue #24): the English
text is unchanged, the Chinese comes from the catalogue by id, and the writer's words (a voice's or article's
name, a picture's prompt) are put in as they are, never translated."""

from __future__ import annotations

import types

from studio.messages import Joined, Message
from studio.ui import image_tab, listen, repair_tab, style_tab, voice_tab
from studio.ui.i18n import translate
from studio.ui.i18n.boundary import _key, _table
from studio.ui.i18n.core import FRONT
from studio.voice.train import TrainProgress, VoiceSettings


def zh(text):
    return translate(text, "zh")


def test_voice_training_progress_is_shown_by_id():
    bar = voice_tab._bar(TrainProgress("training", 3, 40, loss=2.5, seconds_left=75))
    assert isinstance(bar, Joined) and "Step 3 of 40 · loss 2.500 · about 1 min 15 s left" in bar
    assert "第 3 步（共 40 步） · 损失 2.500 · 大约还剩 1 分 15 秒" in zh(bar)
    assert zh(voice_tab._bar(None, Message("Starting…"))) == '<div class="studio-note">正在开始…</div>'


def test_a_voice_or_article_named_stop_keeps_its_name():
    rec = {"name": "Stop", "improvement_percent": 5.0, "steps_done": 4, "stopped": True, "words": 900,
           "base_model": {"ref": "m"}, "created": 0, "id": "v1"}
    assert zh(voice_tab.ready_message(rec)).startswith("**文风“Stop”已就绪。**")
    label = voice_tab.article_choices_of([{"id": 1, "title": "Stop", "words": 1200}])[0][0]
    assert label == "Stop (1,200 words)" and zh(label) == "Stop（1,200 字）"
    assert zh(voice_tab.article_choices_of([{"id": 1, "title": "", "words": 3}])[0][0]) == "无标题（3 字）"
    assert zh(voice_tab._settings_md(5000, VoiceSettings())).startswith("共 **5,000 字**")


def test_table_cells_that_are_messages_are_shown_in_chinese_and_names_are_not():
    comp = types.SimpleNamespace(headers=voice_tab.HEADERS)
    rows = voice_tab.voice_rows([{"name": "Stop", "improvement_percent": -3.0, "steps_done": 4, "stopped": True,
                                  "words": 9, "base_model": {"ref": "m"}, "created": 0}])
    shown = _table(comp, rows, "zh")["data"][0]
    assert shown[:3] == ["Stop", "差 3%", "4（已停止）"]
    assert _table(comp, rows, "en") is rows


def test_listen_progress_is_shown_by_id():
    assert zh(listen.progress_line(2, 10, 6.0)) == "第 2 句（共 10 句）· 约剩 24 秒"
    assert zh(listen.progress_line(10, 10, 6.0)) == "第 10 句（共 10 句）"


def test_image_repair_and_style_lines_are_shown_by_id():
    assert zh(image_tab.seed_line(7, 3)) == "使用的种子：**7**（各图片用 7 到 9）"
    assert image_tab.warnings_view(["a", "b"]) == "⚠️ a\n\n⚠️ b"
    result = types.SimpleNamespace(image=types.SimpleNamespace(size=(64, 48)), seconds=2.34, path="/x/y.png",
                                   notes=["Stop"], params={"engine": "inpaint-diffusion", "model": "org/m",
                                                           "seed": 7, "denoising_strength": 0.75})
    line = repair_tab._status(result)
    assert line == "Repaired with org/m, seed 7, strength 0.75 · 64×48 px · 2.3 s · saved as `y.png`\n- Stop"
    assert zh(line) == "修复方式：org/m，种子 7，强度 0.75 · 64×48 像素 · 2.3 秒 · 保存为 `y.png`\n- 停止"
    args = {"preset": "style-03", "second_style_image": "b.png", "style_blend": 0.5, "strength": 0.8}
    assert zh(style_tab.transfer_label(args)) == "预设 红蓝马赛克（style-03）与第二张图片混合（50%），强度 0.8"
    status = style_tab._status(result, style_tab.transfer_label(args))
    assert zh(status).startswith("预设 红蓝马赛克（style-03）与第二张图片混合（50%），强度 0.8 · 64×48 px · 2.3 秒 · 保存为 `y.png`")


def test_a_static_message_reaches_the_page_catalogue_under_a_plain_key():
    """orjson (Gradio's page config) refuses a str subclass as a key: the page would not load."""
    key = _key(Message("The picture is {w}×{h} px.", w=3, h=4))
    assert key != "The picture is 3×4 px." and all(type(k) is str for k in FRONT)


def test_a_tabs_error_names_the_field_the_writer_sees():
    """Found by a new user: Style said "content_image: is missing", Repair "image: …", Models "model: …"."""
    from studio.errors import InvalidInput
    from studio.ui import repair_tab, style_tab
    from studio.ui.common import ui_message
    from studio.ui.i18n import translate

    shown = ui_message(InvalidInput("content_image", "is missing. Upload your photo first."), style_tab.LABELS)
    assert shown == "Content picture (your photo): is missing. Upload your photo first."
    assert translate(shown, "zh").startswith("内容图（你的照片）：")
    shown = ui_message(InvalidInput("image", "is missing. Load a picture first."), repair_tab.LABELS)
    assert shown == "Picture to repair: is missing. Load a picture first."
    assert translate(shown, "zh").startswith("要修复的图片：")


def test_an_untitled_article_is_untitled_in_chinese_and_a_title_stays_as_typed():
    """Found by a new user: the Library's list said "Untitled" in English on the Chinese page."""
    from studio.messages import Message
    from studio.ui.i18n import translate
    from studio.ui.library.formatting import rows

    items = [{"id": 1, "title": "", "deleted": None, "updated": 0, "words": 3, "snippet": "x"},
             {"id": 2, "title": "Untitled", "deleted": None, "updated": 0, "words": 3, "snippet": "x"}]
    untitled, typed = (r[1] for r in rows(items))
    assert untitled == "Untitled" and translate(untitled, "zh") != "Untitled"
    # a table's cells are shown by id only when they are messages: the writer's own title is plain text
    assert isinstance(untitled, Message) and not isinstance(typed, Message)
