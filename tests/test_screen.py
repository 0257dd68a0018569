"""The writer's screen (issue 16) through plain functions: one title in every export, short pieces kept
apart from the article, titles from the topic, versions numbered per article, pictures not counted as
words. The browser test covers what needs a page (errors, progress, reload, export, PNG info)."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from studio.export import markdown_document, render_docx, render_html, split_title
from studio.text.engine import WriteEvent
from studio.ui.library.formatting import version_choices as _version_choices
from studio.ui.write_tab import TASK_CHOICES, TASK_LENGTH, _join, title_for
from studio.unitext import count_words

GENERATED = "# Balcony herbs\n\n## Light\n\nBasil loves sun."


def h1_texts_html(html: str) -> list[str]:
    import re

    return re.findall(r"<h1[^>]*>(.*?)</h1>", html)


@pytest.mark.parametrize("title", ["Balcony herbs", "Herbs on a balcony (renamed)"])
def test_every_export_shows_one_title_the_current_one(title):
    assert h1_texts_html(render_html(title, GENERATED, {})) == [title]
    doc = docx.Document(io.BytesIO(render_docx(title, GENERATED, {})))
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == [title]
    md = markdown_document(title, GENERATED)
    assert md.count("\n# ") + md.startswith("# ") == 1 and md.startswith(f"# {title}\n")
    assert split_title(md) == (title, "## Light\n\nBasil loves sun.")


def test_a_body_without_a_heading_gets_the_title_once():
    assert h1_texts_html(render_html("Notes", "Just a paragraph.", {})) == ["Notes"]
    assert markdown_document("Notes", "Just a paragraph.") == "# Notes\n\nJust a paragraph."


def test_short_pieces_are_a_block_of_their_own():
    assert _join("# My article\n\nText.", "1. A headline", separate=True) == \
        "# My article\n\nText.\n\n---\n\n1. A headline"
    assert _join("", "1. A headline", separate=True) == "1. A headline"  # an empty draft: nothing to separate
    assert _join("Text.", "More.") == "Text.\n\nMore."


def test_lengths_fit_the_task_and_continue_is_a_button_not_a_task():
    assert TASK_LENGTH["product_description"] < 200 and TASK_LENGTH["ad_copy"] < 100
    assert TASK_LENGTH["article"] == 400
    assert "continue" not in [key for _label, key in TASK_CHOICES]


def test_a_title_comes_from_the_heading_else_the_topic():
    done = WriteEvent(text="1. Bees\n2. Flowers", done=True)
    assert title_for("", done, "bees in the city\nmore words") == "Bees in the city"
    long_topic = "news: " + "residents signed the petition " * 8
    cut = title_for("", done, long_topic)
    assert cut.endswith("…") and len(cut) <= 121 and cut[:-1] == cut[:-1].rstrip() and long_topic.capitalize().startswith(cut[:-1])
    assert title_for("", WriteEvent(text="# Urban bees\n\ntext", done=True), "topic") == "Urban bees"
    assert not isinstance(title_for("Mine", done, "topic"), str)  # the writer's own title stays
    assert not isinstance(title_for("", WriteEvent(text="partial", done=False), "topic"), str)  # only at the end


def test_versions_are_numbered_per_article():
    versions = [{"id": 84, "created": 3.0, "words": 9, "note": "generated"},
                {"id": 83, "created": 2.0, "words": 4, "note": "autosave"},
                {"id": 12, "created": 1.0, "words": 0, "note": "created"}]
    labels = [label for label, _id in _version_choices(versions)]
    assert labels[0].startswith("v3 ") and labels[1].startswith("v2 ") and labels[2].startswith("v1 ")
    assert "#84" not in labels[0] and labels[0].endswith("(current)")
    assert [vid for _l, vid in _version_choices(versions)] == [84, 83, 12]


def test_pictures_are_not_words():
    body = "Basil loves sun.\n\n![a red square on a long alt text](images/img-1.png)\n\nSee [my blog](https://x.y/z)."
    assert count_words(body) == 6


def test_markdown_zip_export_has_one_title(tmp_path):
    from studio.export import markdown_zip

    data = markdown_zip("Renamed", GENERATED, [])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        text = zf.read(zf.namelist()[0]).decode()
    assert text.startswith("# Renamed\n") and "Balcony herbs" not in text
