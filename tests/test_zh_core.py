"""Chinese round trips through the library and every export (issue #15): a Chinese
article saved, found by one- and two-character words, exported to DOCX (with an East
Asian font Word can show) and HTML (``lang="zh"``), under a Chinese file name, and
imported back from Markdown unchanged."""

from __future__ import annotations

import re
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from studio.export import export_article, import_markdown, render_docx, render_html
from studio.library import Library
from studio.unitext import count_words, language

TITLE = "阳台花园：城市里的小绿洲"
BODY = """城市的阳台可以变成一座小花园。本文介绍如何选择植物、准备土壤和安排光照。

## 选择植物

- 罗勒
- 薄荷
- 百里香

## 光照与浇水

每天观察阳光照射的时间。**香草**需要至少六小时的光照，*多肉*则更耐旱。

> 花园是一位随时可以拜访的朋友。
"""


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "data")
    yield library
    library.close()


def test_language_of_text():
    assert language(BODY) == "zh" and language(TITLE) == "zh"
    assert language("Gardens change a city.") is None
    assert language("日本語のテキストです") == "ja" and language("한국어 텍스트") == "ko"
    assert language("") is None
    assert count_words("阳台花园") == 4


def test_chinese_article_round_trip(lib, tmp_path):
    aid = lib.create("me", TITLE, BODY)["id"]
    lib.create("me", "Balcony gardens", "Gardens change a city.")
    # search by two- and one-character words (shorter than the trigram index's three), and by longer ones
    for query in ("阳台", "薄荷", "罗", "小绿洲", "光照 香草"):
        assert [a["id"] for a in lib.list("me", query)] == [aid], query
    assert lib.list("me", "熊猫") == [] and lib.list("me", "猫") == []
    assert "薄荷" in lib.list("me", "薄荷")[0]["snippet"]

    out = tmp_path / "exp"
    html_path = export_article(lib, "me", aid, "html", out_dir=out)
    docx_path = export_article(lib, "me", aid, "docx", out_dir=out)
    md_path = export_article(lib, "me", aid, "md", out_dir=out)
    # the file names keep the Chinese title (the full-width colon is allowed in file names)
    assert html_path.name == f"{TITLE}.html" and docx_path.name == f"{TITLE}.docx" and md_path.name == f"{TITLE}.zip"

    page = html_path.read_text(encoding="utf-8")
    assert re.search(r'<html lang="zh"', page) and "薄荷" in page and "<h2" in page

    d = docx.Document(str(docx_path))
    assert [p.text for p in d.paragraphs if p.style.name.startswith("Heading")] == [TITLE, "选择植物", "光照与浇水"]
    defaults = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimSun"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    for fonts in d.styles.element.iter(qn("w:rFonts")):  # a theme font would win over w:eastAsia: none is left
        assert fonts.get(qn("w:eastAsiaTheme")) is None and fonts.get(qn("w:eastAsia")) == "SimSun"
    heading = next(p for p in d.paragraphs if p.text == "选择植物")
    assert heading.style.element.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimSun"

    with zipfile.ZipFile(md_path) as zf:
        assert zf.namelist() == [f"{TITLE}.md", "provenance.json"]  # how it was made (issue #30)
        (tmp_path / f"{TITLE}.md").write_bytes(zf.read(f"{TITLE}.md"))
    for path in (md_path, tmp_path / f"{TITLE}.md"):
        back = import_markdown(lib, "me", path)
        assert (back["title"], back["body"]) == (TITLE, lib.get("me", aid)["body"])
        again = export_article(lib, "me", back["id"], "html",
                               out_dir=tmp_path / f"again-{path.suffix}")  # with its disclosure (issue #30)
        assert again.read_text(encoding="utf-8") == page


def test_english_documents_get_no_chinese_lang_but_keep_an_east_asian_font():
    page = render_html("Gardens", "Gardens change a city.", {})
    assert "<html dir=\"auto\">" in page and "lang=" not in page.split("<head>")[0]
    data = render_docx("Gardens", "Gardens change a city, 城市.", {})
    import io

    d = docx.Document(io.BytesIO(data))
    defaults = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimSun"
    ja = docx.Document(io.BytesIO(render_docx("日本語", "これは日本語の文章です。", {})))
    assert next(ja.styles.element.iter(qn("w:rFonts"))).get(qn("w:eastAsia")) == "MS Mincho"
