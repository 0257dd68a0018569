"""Every choice sends its stable value whatever language its label is in (issue #31): Gradio's front end
looks up a component's first value in the page's catalog too, so no value may be a catalog text there."""

from __future__ import annotations

import pytest

from studio.ui.i18n.core import FRONT, translate
from studio.ui.i18n.values import keep_values, label_keys, values_of

from .conftest import free_port


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import app as studio_app

    tmp = tmp_path_factory.mktemp("choices")
    _ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "d"),
                                        "--output-dir", str(tmp / "o"), "--device", "cpu", "--offline"])
    return demo


def test_no_value_is_translated_by_the_page(demo):
    translated = sorted({v for _b, v in values_of(demo) if v in FRONT})
    assert translated == []
    assert keep_values(demo) == []  # no value is also a label's text (it would need a value of its own)


def test_the_choices_that_were_sent_translated_keep_their_values_and_translate_their_labels(demo):
    by_id = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    style_from = by_id["style-from"]
    assert [c[1] for c in style_from.choices] == ["preset", "image"] and style_from.value == "preset"
    assert {"Preset", "Style image", "Neutral", "Whole picture"} <= label_keys(demo)
    assert [translate(k, "zh") for k in ("Preset", "Style image", "Neutral", "Whole picture")] == \
        ["预设", "风格图片", "中性", "整张图片"]
