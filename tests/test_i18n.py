"""The studio in English and Simplified Chinese (issue #15), without a browser: every string a
writer sees on the built app has a Chinese entry, every message the UI code raises or shows has
one, handlers answer in the language of their request, and the page applies the writer's choice
before Gradio starts. (tests/test_browser_zh.py checks the screens themselves.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import gradio as gr
import pytest

from studio.ui import i18n
from studio.ui.i18n.core import FRONT, language_of_headers
from studio.ui.i18n.zh import KEEP, PATTERNS, ZH

from .conftest import ROOT, free_port

UI = ROOT / "studio" / "ui"


def english_left(text: str) -> list[str]:
    """English words in ``text`` other than model names, formats, API field names (KEEP), flags and tags."""
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"`[^`]*`|--[a-z][a-z0-9-]*|\b\d+x\d+\b|\S*/\S*|\S+\.(?:gguf|md|zip|png|py|docx)\b|\bv\d+\b", " ",
                  text)  # model ids, paths, file names, version numbers
    return sorted(set(re.findall(r"[A-Za-z][A-Za-z0-9_]+", text)) - KEEP)


@pytest.fixture(scope="module")
def demo(tiny_gguf, tmp_path_factory):
    import app as studio_app

    tmp = tmp_path_factory.mktemp("i18n")
    _ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "d"),
                                        "--output-dir", str(tmp / "o"), "--device", "cpu", "--offline",
                                        "--text-model", str(tiny_gguf)])
    return demo


def test_every_string_on_the_built_app_has_chinese(demo):
    seen, missing = 0, []
    for block, where, text in i18n.strings(demo):
        seen += 1
        key = i18n.unmark(text)
        if key != text:  # a translation key: the catalog must have it, in Chinese
            if key not in FRONT or english_left(FRONT[key]):
                missing.append((type(block).__name__, where, key))
            assert "{" not in key  # Gradio's front end would read braces as message fields
        elif where == "headers":  # table columns are translated per request (Gradio's front end does not)
            if english_left(i18n.translate(text, "zh")):
                missing.append((type(block).__name__, where, text))
        elif english_left(text):
            missing.append((type(block).__name__, where, text))
    assert seen > 200, "the walk found too few strings: is the Blocks walk broken?"
    assert not missing, f"no Chinese for {len(missing)} strings (add them to studio/ui/i18n/zh.py): {missing[:20]}"


def _sample(node) -> str | None:
    """The text of a string literal or f-string; each {field} becomes "7" ("seed" right before a colon)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        vals = node.values
        return "".join(v.value if isinstance(v, ast.Constant) else
                       "seed" if k + 1 < len(vals) and isinstance(vals[k + 1], ast.Constant)
                       and vals[k + 1].value.startswith(":") else "7" for k, v in enumerate(vals))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _sample(node.left), _sample(node.right)
        return a + b if a is not None and b is not None else None
    return None


MESSAGE_CALLS = {"Warning": 0, "Info": 0, "Error": 0, "InvalidInput": -1, "StudioError": 0, "ModelUnavailable": 0}


def ui_messages(folder: Path) -> list[tuple[str, str]]:
    """``(where, text)`` of every toast, error and InvalidInput message written in ``folder``'s code."""
    out = []
    for path in sorted(folder.rglob("*.py")):
        if "i18n" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in MESSAGE_CALLS:
                    text = _sample(node.args[MESSAGE_CALLS[name]])
                    if text and not {k.arg for k in node.keywords} & set(re.findall(r"\{(\w+)\}", text)):
                        # (a message with named parameters is checked by its id: id_messages)
                        out.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
    return out


def test_every_message_the_ui_code_shows_has_chinese():
    found = ui_messages(UI)
    assert len(found) > 30
    missing = [(w, t) for w, t in found if english_left(i18n.translate(t, "zh"))]
    assert not missing, f"no Chinese for (add to studio/ui/i18n/zh.py): {missing}"


def sentence_literals(folder: Path) -> list[tuple[str, str]]:
    """``(where, text)`` of the sentence-like string literals in ``folder``'s code (not docstrings, log lines or
    pieces of a longer f-string; a piece that continues another, starting with a space or a full stop, is
    skipped: the whole is checked where it is a message)."""
    out = []
    for path in sorted(folder.rglob("*.py")):
        if "i18n" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = set()
        for n in ast.walk(tree):
            body = getattr(n, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                skip.add(id(body[0].value))  # a docstring
            if isinstance(body, list):  # an attribute docstring: a string right after an assignment
                skip |= {id(b.value) for a, b in zip(body, body[1:], strict=False)
                         if isinstance(a, (ast.Assign, ast.AnnAssign)) and isinstance(b, ast.Expr)}
            if isinstance(n, ast.JoinedStr):
                skip |= {id(v) for v in n.values}
            if isinstance(n, ast.Call) and getattr(n.func, "attr", "") in ("debug", "info", "warning", "error",
                                                                            "exception") and \
                    getattr(n.func, "value", None) is not None and getattr(n.func.value, "id", "") == "log":
                skip |= {id(a) for a in n.args}
        for n in ast.walk(tree):
            if isinstance(n, (ast.Constant, ast.JoinedStr)) and id(n) not in skip:
                text = _sample(n)
                if text and re.match(r"[A-Z*(“]", text) and re.search(r"[A-Z][a-z]+ [a-z]+", text):
                    out.append((f"{path.relative_to(ROOT)}:{n.lineno}", text))
    return out


def test_every_sentence_in_the_ui_code_has_chinese():
    found = sentence_literals(UI)
    assert len(found) > 100
    # a message id (a template with {fields}) is checked by its id: test_message_ids.py
    missing = [(w, t) for w, t in found if t not in dict(PATTERNS) and english_left(i18n.translate(t, "zh"))]
    assert not missing, f"no Chinese for (add to studio/ui/i18n/zh.py): {missing}"


def test_every_message_of_the_engines_has_chinese():
    """Bad input, missing models, unreadable files: what the engines raise, shown after the field's name."""
    found = ui_messages(ROOT / "studio")
    assert len(found) > 80  # messages with parameters are checked by id (tests/test_message_ids.py)
    missing = [(w, t) for w, t in found if english_left(i18n.translate(t, "zh"))]
    assert not missing, f"no Chinese for (add to studio/ui/i18n/zh_engine.py): {missing}"


# Messages put together at run time (status lines, notes): the registry of what the tabs and engines show.
DYNAMIC = [
    "**1,234** words in the draft · generated 120 words, 160 tokens, 8.5 tokens/s · seed **42** · engine: llama.cpp"
    " · Writing section 2 of 4…",
    "**0** words in the draft", "Saved 12:03:04", "Opened 09:15:00", "Reopened where you left off (10:00:00)",
    "**<bdi>阳台</bdi>** · 1,200 words · 2 pictures · 3 versions · updated 2026-01-02 10:00 · **in the trash**",
    "v3 · 10:00 · 1200 words (current)", "No article matches “园艺”.", "Deleted 2 articles for good.",
    "Imported **<bdi>x</bdi>** with 1 picture.", "Moved to the trash. Tick “Show the trash” to restore it.",
    "Restored v2 into the Write tab.", "⚠️ Topic: the topic is empty.", "prompt: the draft is empty.",
    "Seed used: **7** (pictures use 7 to 9)", "The picture is 640×480 px; the result keeps that size.",
    "Step 3 of 10 · loss 1.234 · about 2 min 05 s left", "Done: 120 words, seed 7.",
    "- Stopped. The text so far is kept.", "Made 3 pictures and placed them under their sections. (The face GAN "
    "ignores prompts.)", "**Voice “博客” is ready.** The model now predicts your held-out text 12% better (it was never "
    "trained on that 20%). Perplexity, how surprised the model is by each next word: 12.0 before, 10.6 after; lower "
    "is better. Stopped after 5 steps; what was learnt so far is kept. Choose it in the Write tab.",
    "Saved 10:00:00. **This article is in the trash** (moved there from another tab or window); the text is kept "
    "there. Restore it from the trash in the Library tab to keep it in your library.",
    "Loading the language model (the first time on a computer takes up to a minute)…",
    # the fact check (#26): notes, the one-line summary, the list beside the draft
    "- Section 2: Changed '$20' to '$15', as in your brief.", "Facts corrected: 1 · Facts to check: 4 · Written again: 2",
    "Check 1 fact that is not in your brief (marked beside the draft, with where they are): \"120名志愿者\" (10–17).",
    "Only 3 headline ideas were distinct and on the topic, so only those are kept. Press Regenerate for more.",
    "The text does not use 1 of your keywords: 阳台. Work them in, or press Regenerate.",
    "a quotation attributed to someone, not in your brief", "temperature: must be from 0 to 2, not 5.",
    "Diffusion model stabilityai/sd-turbo is not available: the studio runs offline and it is not in the Hugging "
    "Face cache. Run the studio once with network access to download it, or pass a local folder with "
    "--diffusion-model. The face GAN works without it.",
    "Text model: smollm2-135m-instruct writes English only, and this request is in Chinese. Choose a multilingual "
    "text model: for example qwen2.5-1.5b-instruct-q4_k_m.gguf from Qwen/Qwen2.5-1.5B-Instruct-GGUF (a 1.1 GB "
    "file; about 2 GB of memory while writing), put in a --model-dir folder, or the Hub id Qwen/Qwen2.5-1.5B-Instruct.",
]


@pytest.mark.parametrize("text", DYNAMIC)
def test_dynamic_messages_have_chinese(text):
    zh = i18n.translate(text, "zh")
    assert not english_left(zh), (text, zh)
    assert re.findall(r"\d[\d,.:]*", text) == re.findall(r"\d[\d,.:]*", re.sub(r"(?<=\d)[^\S\n]", "", zh)) or \
        set(re.findall(r"\d+", text)) <= set(re.findall(r"\d+", zh)), "numbers are kept as they are"
    assert i18n.translate(text, "en") == text


def test_catalog_is_well_formed():
    assert all(isinstance(v, str) and v.strip() for v in ZH.values())
    for en, zh in PATTERNS:
        assert set(re.findall(r"\{(\w+)\}", zh)) <= set(re.findall(r"\{(\w+)\}", en)), en


@pytest.mark.parametrize("headers, lang", [
    ({"cookie": "studio-lang=zh-CN", "accept-language": "en-US"}, "zh"),
    ({"cookie": "studio-lang=en", "accept-language": "zh-CN,zh;q=0.9"}, "en"),
    ({"accept-language": "fr-FR,zh-CN;q=0.8,en;q=0.5"}, "zh"),
    ({"accept-language": "de-DE"}, "en"), ({}, "en"), ({"cookie": "garbage;;=="}, "en"),
])
def test_request_language(headers, lang):
    assert language_of_headers(headers) == lang


class FakeRequest:
    def __init__(self, headers):
        self.headers = headers


def test_handlers_answer_in_the_language_of_their_request():
    from gradio.context import LocalContext

    with gr.Blocks() as blocks:
        status = gr.Markdown("")
        draft = gr.Textbox(label="Draft")
        btn = gr.Button("Write")

        def plain():
            return "Saved 12:03:04", "Saved 12:03:04"  # the draft (a Textbox) is the writer's text: never translated

        def failing():
            raise gr.Error("Nothing to regenerate yet: press Write first.", title="Please check")

        def streaming():
            yield {status: "Planning the article…"}
            yield {status: "Done", btn: gr.update(value="Undo last generation", label="Draft")}

        btn.click(plain, None, [status, draft])
        btn.click(failing, None, None)
        btn.click(streaming, None, [status, btn])
    i18n.translate_events(blocks)
    fns = [f.fn for f in blocks.fns.values()]
    for lang_header, want in (("zh-CN", "已保存 12:03:04"), ("en-GB", "Saved 12:03:04")):
        token = LocalContext.request.set(FakeRequest({"accept-language": lang_header}))
        try:
            assert fns[0]() == (want, "Saved 12:03:04")
            with pytest.raises(gr.Error) as err:
                fns[1]()
            zh = lang_header.startswith("zh")
            assert (err.value.message == "还没有可以重新生成的内容：请先按写作。") == zh
            assert (err.value.title == "请检查") == zh
            steps = list(fns[2]())
            assert steps[0][status] == ("正在拟定文章提纲…" if zh else "Planning the article…")
            assert steps[1][btn]["value"] == ("撤销上次生成" if zh else "Undo last generation")
            assert steps[1][btn]["label"] == ("草稿" if zh else "Draft")
        finally:
            LocalContext.request.reset(token)


def test_static_strings_become_translation_keys():
    with gr.Blocks() as blocks:
        box = gr.Textbox(label="Topic", placeholder="e.g. Urban gardening for beginners", value="my own words")
        md = gr.Markdown("Select an article in the list.")
        radio = gr.Radio([("whole picture", "whole"), ("only masked", "masked")], value="whole")
        odd = gr.Markdown("A sentence no catalog has.")
    i18n.localize(blocks)
    assert i18n.unmark(box.label) == "Topic" and box.label != "Topic"
    assert i18n.unmark(box.placeholder) == "e.g. Urban gardening for beginners"
    assert box.value == "my own words"  # the writer's text is not a label
    assert i18n.unmark(md.value) == "Select an article in the list." and md.value != "Select an article in the list."
    assert [c[1] for c in radio.choices] == ["whole", "masked"]  # the values the API uses stay as they are
    assert [i18n.unmark(c[0]) for c in radio.choices] == ["whole picture", "only masked"]
    assert odd.value == "A sentence no catalog has."


def test_the_page_applies_the_writers_choice_before_gradio_starts():
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    page = "<!doctype html><html><head><script type=module src=app.js></script></head><body></body></html>"
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(page)), Route("/config", lambda r: JSONResponse({}))],
                    middleware=[Middleware(i18n.EarlyLocale)])
    with TestClient(app) as c:
        html = c.get("/").text
        assert html.index("localStorage.getItem('studio-lang')") < html.index("app.js")
        assert "Navigator.prototype, 'language'" in html
        assert c.get("/config").json() == {}
    assert 'data-studio-lang="zh-CN"' in i18n.SWITCH_HTML and "中文" in i18n.SWITCH_HTML
    assert "studio-lang=" in i18n.HEAD_JS and "location.reload()" in i18n.HEAD_JS


def test_toasts_and_progress_follow_the_request_language(monkeypatch):
    """Toasts are translated where they are made (i18n.Info/Warning call gr.Info/gr.Warning), progress texts
    through the handler's own gr.Progress; nothing of Gradio is patched (issue #24)."""
    from gradio.context import LocalContext

    sent = []
    monkeypatch.setattr(gr, "Warning", lambda message, title="Warning", **kw: sent.append((message, title)))
    monkeypatch.setattr(gr, "Info", lambda message, title="Info", **kw: sent.append((message, title)))

    class Recording(gr.Progress):
        def __call__(self, progress, desc=None, total=None, unit="steps", _tqdm=None):
            sent.append([(desc, unit)])

    with gr.Blocks() as blocks:
        btn = gr.Button("Write")

        def denoise(progress=gr.Progress()):
            progress((1, 3), desc="Denoising", unit="steps")
            return "Done"

        btn.click(denoise, None, btn)
    i18n.translate_events(blocks)
    wrapped = next(f.fn for f in blocks.fns.values())
    token = LocalContext.request.set(FakeRequest({"cookie": "studio-lang=zh-CN"}))
    try:
        i18n.Warning("Select a picture in the gallery first.")
        i18n.Info("The picture was added to the draft.")
        wrapped(Recording())
    finally:
        LocalContext.request.reset(token)
    i18n.Warning("Select a picture in the gallery first.")  # no request: English
    assert sent == [("请先在图库中选择一张图片。", "警告"), ("图片已加入草稿。", "提示"), [("正在去噪", "步")],
                    ("Select a picture in the gallery first.", "Warning")]
    queue = getattr(blocks, "_queue", None)
    assert queue is None or not {"log_message", "set_progress"} & set(vars(queue))  # Gradio's own methods


def test_the_api_description_keeps_english_labels(demo):
    """Endpoints whose fields are on screen (/export's Article and Format) describe them in English."""
    text = str(demo.get_api_info())
    assert "'/export'" in text and "'label': 'Format'" in text and "__i18n__" not in text


def test_a_handler_that_returns_a_named_tuple_keeps_it_through_the_language_boundary():
    """The Library's handlers return NamedTuples (Saved, Opened...): the translating wrapper rebuilds them
    field by field (rebuilding one from a generator raised TypeError and broke autosave)."""
    from typing import NamedTuple

    from studio.ui.i18n.boundary import _result

    class Saved(NamedTuple):
        saved_upto: float
        article_id: int
        save_status: str

    out = _result(Saved(1.0, 7, "Saved 10:00"), [gr.State(), gr.State(), gr.Markdown()], "en")
    assert isinstance(out, Saved) and out == Saved(1.0, 7, "Saved 10:00")


# ---------------------------------------------------------------------- engine errors by id (issue #24)
def test_engine_errors_are_shown_by_id_with_their_parameters_untranslated():
    from studio.errors import InvalidInput
    from studio.ui.i18n.messages import render
    from studio.validate import check_choice, check_int

    with pytest.raises(InvalidInput) as err:
        check_choice("tone", "Stop", ["neutral", "formal"])
    e = err.value
    assert str(e) == e.message == "tone: must be one of neutral, formal, not 'Stop'."  # English as before
    assert e.template == "must be one of {c}, not {user_v}." and e.params["user_v"] == "'Stop'"
    zh = render(e, "zh")
    assert zh == "tone：" + PATTERN_ZH[e.template].format(c="neutral, formal", user_v="'Stop'") and "停止" not in zh
    assert render(e, "en") == str(e)
    # parameters are put in as given, even when they are words the catalogue translates
    e = InvalidInput("Tone", "must be one of {c}, not {user_v}.", c="Write, Stop", user_v="Continue")
    zh = render(e, "zh")
    assert zh.startswith(ZH["Tone"] + "：") and "Write, Stop" in zh and "Continue" in zh, zh
    with pytest.raises(InvalidInput) as err:
        check_int("num_images", 4.5, 1, 50)
    assert render(err.value, "zh") == "num_images：" + PATTERN_ZH["must be a whole number from {a} to {b}, not {user_v}."]\
        .format(a=1, b=50, user_v="4.5")


PATTERN_ZH = dict(PATTERNS)


def test_a_handler_shows_an_engine_error_by_its_id():
    from gradio.context import LocalContext

    from studio.ui.common import guard
    from studio.validate import check_choice

    with gr.Blocks() as blocks:
        btn = gr.Button("Write")

        @guard
        def pick():
            check_choice("Tone", "Stop", ["neutral", "formal"])

        btn.click(pick, None, None)
    i18n.translate_events(blocks)
    fn = next(f.fn for f in blocks.fns.values())
    token = LocalContext.request.set(FakeRequest({"accept-language": "zh-CN"}))
    try:
        with pytest.raises(gr.Error) as err:
            fn()
    finally:
        LocalContext.request.reset(token)
    assert err.value.message == ZH["Tone"] + "：" + PATTERN_ZH["must be one of {c}, not {user_v}."].format(
        c="neutral, formal", user_v="'Stop'")


def id_messages(folder: Path) -> list[tuple[str, str, set[str]]]:
    """``(where, template, parameter names)`` of every error raised with named parameters in ``folder``."""
    out = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.keywords or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            params = {k.arg for k in node.keywords if k.arg and k.arg != "field"}
            template = node.args[MESSAGE_CALLS.get(name, 0)] if name in MESSAGE_CALLS else None
            if params and isinstance(template, ast.Constant) and isinstance(template.value, str):
                out.append((f"{path.relative_to(ROOT)}:{node.lineno}", template.value, params))
    return out


def test_every_engine_message_id_has_chinese_with_the_same_parameters():
    from studio.ui.i18n.messages import BY_ID

    found = id_messages(ROOT / "studio")
    assert len(found) >= 10
    missing = [(w, t) for w, t, _p in found if t not in BY_ID]
    assert not missing, f"no Chinese for these message ids (add them to studio/ui/i18n/zh_engine.py): {missing}"
    for where, template, params in found:
        assert set(re.findall(r"\{(\w+)\}", template)) == params, (where, template)
        assert set(re.findall(r"\{(\w+)\}", BY_ID[template])) <= params, (where, template)


def test_a_version_conflict_is_shown_by_id():
    from studio.errors import VersionConflict
    from studio.ui.i18n.messages import render

    e = VersionConflict(base=3, newest=5, article_id=7)
    assert str(e).startswith("base_version: article 7 was changed elsewhere") and "base_version=5 to keep" in str(e)
    zh = render(e, "zh")
    assert zh.startswith("base_version：文章 7 ") and "base_version=5" in zh and english_left(zh) == ["base_version"], zh
