"""Exports with real content checks (DOCX read back with python-docx, HTML
parsed and its images decoded, the Markdown zip imported back) and safe names."""

from __future__ import annotations

import base64
import io
import shutil
import zipfile
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from studio.errors import InvalidInput
from studio.export import export_article, import_markdown, render_html, safe_filename, split_title
from studio.image.metadata import save_png
from studio.library import Library, markdown_image

BODY = """Gardens change a city. This is an *introduction* with **bold words**.

## Choosing plants

Start with herbs:

- basil
- mint
    - spearmint
- thyme

{img1}

### Light

1. Watch the sun for a day.
2. Note the **hours** of light.

> A garden is a friend you can visit any time.

## Tools and soil

Use `peat-free` compost. <script>alert("x")</script> [Bad link](javascript:alert(1)) and [good](https://example.org).

{img2}

| Plant | Water |
|-------|------:|
| basil | daily |
"""


@pytest.fixture
def article(tmp_path):
    lib = Library(tmp_path / "data")
    aid = lib.create("me", "Balcony gardens: a guide / 2024", "")["id"]
    a = Image.fromarray(np.tile(np.arange(64, dtype=np.uint8)[None, :, None] * 4, (48, 1, 3)), "RGB")
    b = Image.new("RGB", (800, 400), (10, 120, 200))
    img1 = lib.attach_image("me", aid, save_png(a, tmp_path / "out", {"prompt": "a gradient", "seed": 3}, "t"))
    img2 = lib.attach_image("me", aid, save_png(b, tmp_path / "out", {"prompt": "blue sky", "seed": 4}, "t"))
    body = BODY.format(img1=markdown_image(img1["ref"], "a gradient"), img2=markdown_image(img2["ref"], "blue sky"))
    lib.save("me", aid, "Balcony gardens: a guide / 2024", body)
    yield lib, aid, [img1, img2], tmp_path
    lib.close()


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.imgs, self.links, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "img":
            self.imgs.append(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_parses_and_its_images_decode(article, tmp_path):
    lib, aid, imgs, _ = article
    path = export_article(lib, "me", aid, "html", out_dir=tmp_path / "exp")
    assert path.name == "Balcony gardens a guide 2024.html"
    doc = path.read_text(encoding="utf-8")
    p = Collect()
    p.feed(doc)
    p.close()
    assert p.tags[:3] == ["html", "head", "meta"] and "style" in p.tags
    assert p.tags.count("h1") == 1 and p.tags.count("h2") == 2 and p.tags.count("h3") == 1
    assert {"ul", "ol", "li", "blockquote", "table", "strong", "em", "code"} <= set(p.tags)
    assert "script" not in p.tags and "javascript:" not in doc
    assert p.links == [None, "https://example.org"]
    text = "".join(p.text)
    assert "Balcony gardens: a guide / 2024" in text and '<script>alert("x")</script>' in text  # shown, not run
    assert len(p.imgs) == 2
    for attrs, img in zip(p.imgs, imgs, strict=False):
        assert attrs["src"].startswith("data:image/png;base64,")
        decoded = Image.open(io.BytesIO(base64.b64decode(attrs["src"].split(",", 1)[1])))
        with Image.open(img["path"]) as original:
            assert np.array_equal(np.asarray(decoded.convert("RGB")), np.asarray(original.convert("RGB")))
    assert p.imgs[0]["alt"] == "a gradient"


def test_docx_has_headings_lists_formatting_and_images(article, tmp_path):
    import docx

    lib, aid, imgs, _ = article
    path = export_article(lib, "me", aid, "docx", out_dir=tmp_path / "exp")
    d = docx.Document(str(path))
    assert d.core_properties.title == "Balcony gardens: a guide / 2024"
    heads = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert heads == [("Heading 1", "Balcony gardens: a guide / 2024"), ("Heading 2", "Choosing plants"),
                     ("Heading 3", "Light"), ("Heading 2", "Tools and soil")]
    styles = [(p.style.name, p.text.strip()) for p in d.paragraphs]
    assert ("List Bullet", "basil") in styles and ("List Bullet 2", "spearmint") in styles
    assert ("List Number", "Watch the sun for a day.") in styles
    assert ("Quote", "A garden is a friend you can visit any time.") in styles
    intro = next(p for p in d.paragraphs if p.text.startswith("Gardens change"))
    assert [r.text for r in intro.runs if r.bold] == ["bold words"]
    assert [r.text for r in intro.runs if r.italic] == ["introduction"]
    assert any("alert" in p.text for p in d.paragraphs)  # the raw HTML is kept as text
    assert not any("javascript" in p.text for p in d.paragraphs)
    assert len(d.tables) == 1 and d.tables[0].cell(1, 0).text == "basil"

    shapes = d.inline_shapes
    assert len(shapes) == 2
    sec = d.sections[0]
    text_width = sec.page_width - sec.left_margin - sec.right_margin
    assert shapes[1].width == text_width  # an 800 px picture fills the text width
    assert text_width / 2 <= shapes[0].width < text_width  # a 64 px one is enlarged to half of it
    blobs = [r.target_part.blob for r in d.part.rels.values() if "image" in r.reltype]
    sizes = sorted(Image.open(io.BytesIO(b)).size for b in blobs)
    assert sizes == [(64, 48), (800, 400)]


def test_markdown_zip_round_trip_keeps_text_and_images(article, tmp_path):
    lib, aid, imgs, _ = article
    path = export_article(lib, "me", aid, "md", out_dir=tmp_path / "exp")
    assert path.suffix == ".zip"
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(["Balcony gardens a guide 2024.md", "provenance.json",  # how it was made (#30)
                                *(f"images/{i['name']}" for i in imgs)])
        md = zf.read("Balcony gardens a guide 2024.md").decode("utf-8")
    assert md.startswith("# Balcony gardens: a guide / 2024\n\n## Choosing plants") is False
    assert md.startswith("# Balcony gardens: a guide / 2024\n\nGardens change a city.")
    original = lib.get("me", aid)
    back = import_markdown(lib, "me", path)
    assert back["id"] != aid
    assert back["title"] == original["title"] and back["body"] == original["body"]
    assert [i["name"] for i in back["images"]] == [i["name"] for i in original["images"]]
    for new, old in zip(back["images"], original["images"], strict=False):
        assert new["path"].read_bytes() == old["path"].read_bytes()
        assert new["params"]["prompt"] == old["params"]["prompt"]
    # and the imported article exports to the same HTML
    assert render_html(back["title"], back["body"], lib.image_map("me", back["id"])) == \
        render_html(original["title"], original["body"], lib.image_map("me", aid))


def test_import_of_a_foreign_zip_and_a_plain_markdown_file(tmp_path):
    lib = Library(tmp_path / "data")
    buf = io.BytesIO()
    Image.new("RGB", (10, 10), "yellow").save(buf, format="JPEG")
    png = io.BytesIO()
    Image.new("RGB", (5, 5), "green").save(png, format="PNG")
    zpath = tmp_path / "notes.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("post/index.md", "Text first.\n\n![sun](pics/My%20Sun.jpg)\n\n![web](https://x.org/a.png)\n")
        zf.writestr("post/pics/My Sun.jpg", buf.getvalue())
        zf.writestr("post/images/extra.png", png.getvalue())
    a = import_markdown(lib, "me", zpath)
    assert a["title"] == "index"
    assert [i["name"] for i in a["images"]] == ["My-Sun.png", "extra.png"]
    assert "![sun](images/My-Sun.png)" in a["body"] and "![web](https://x.org/a.png)" in a["body"]
    md = tmp_path / "Plain note.md"
    md.write_text("\ufeff# Real title #\n\nHello **world**.\n", encoding="utf-8")
    b = import_markdown(lib, "me", md)
    assert (b["title"], b["body"]) == ("Real title", "Hello **world**.\n")
    bad = tmp_path / "latin1.md"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(InvalidInput, match="UTF-8"):
        import_markdown(lib, "me", bad)
    empty = tmp_path / "nomd.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("a.txt", "x")
    with pytest.raises(InvalidInput, match=r"\.md"):
        import_markdown(lib, "me", empty)
    assert len(lib.list("me")) == 2
    lib.close()


def test_split_title():
    assert split_title("# T\n\nbody", "f") == ("T", "body")
    assert split_title("# T\n\n\nbody", "f") == ("T", "\nbody")
    assert split_title("no heading", "f") == ("f", "no heading")
    assert split_title("## Sub\ntext", "f") == ("f", "## Sub\ntext")


@pytest.mark.parametrize("title, expected", [
    ("Balcony gardens", "Balcony gardens.zip"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a b c d e f g h i j.zip"),
    ("  ..hidden..  ", "hidden.zip"),
    ("", "article.zip"),
    ("????", "article.zip"),
    ("con", "con_.zip"),
    ("Lpt1.txt", "Lpt1.txt_.zip"),
    ("北京の夏 — été", "北京の夏 — été.zip"),
    ("line\nbreak\ttab\x00nul", "line break tab nul.zip"),
])
def test_safe_filename(title, expected):
    assert safe_filename(title, ".zip") == expected


def test_safe_filename_is_short_in_bytes_for_any_script():
    for ch in ("a", "é", "北", "👩‍👩‍👧", "ᄀ"):
        name = safe_filename(ch * 500, ".docx")
        assert len(name.encode("utf-8")) <= 150 + 5 and name.endswith(".docx")
        name.encode("utf-8")  # no broken character
    assert safe_filename("👩\u200d👩\u200d👧", ".md") == "👩\u200d👩\u200d👧.md"  # emoji sequences stay whole
    assert safe_filename("invoice\u202egpj.exe", ".md") == "invoice gpj.exe.md"  # no bidi override spoofing
    name = safe_filename("q\u0301" * 200, ".md")  # no precomposed form: the cut must not split letter and accent
    stem = name[:-3]
    assert len(stem.encode()) <= 150 and stem == "q\u0301" * 50
    stem = safe_filename("x" + "q\u0301" * 200, ".md")[:-3]  # the cut falls between q and its accent
    assert stem == "x" + "q\u0301" * 49
    stem = safe_filename("👩\u200d👩\u200d👧" * 40, ".md")[:-3]
    assert stem == "👩\u200d👩\u200d👧" * (len(stem) // 5) and len(stem.encode()) <= 150


def test_export_checks_format_and_owner(article):
    lib, aid, _, _ = article
    with pytest.raises(InvalidInput, match="format"):
        export_article(lib, "me", aid, "pdf")
    with pytest.raises(InvalidInput, match="no article"):
        export_article(lib, "someone else", aid, "md")
    path = export_article(lib, "me", aid, "html")  # default place: a private temporary folder
    assert path.parent.name.startswith("studio-export-") and path.exists()
    shutil.rmtree(path.parent)
