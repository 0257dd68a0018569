"""A writer's text and pictures survive every export and the way back (issue #12, items 1-5):
characters XML forbids, awkward titles and headings, right-to-left text, pictures of every
mode Pillow opens, numbered lists that restart."""

from __future__ import annotations

import base64
import io
import re
import sqlite3
import zipfile
from html.parser import HTMLParser

import docx
import numpy as np
import pytest
from PIL import Image

from studio.errors import InvalidInput
from studio.export import export_article, import_markdown, markdown_document, split_title
from studio.library import Library
from studio.unitext import fold
from studio.validate import check_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "data")
    yield library
    library.close()


def docx_of(lib, aid, tmp_path, notes=None):
    path = export_article(lib, "me", aid, "docx", out_dir=tmp_path / "x", notes=notes)
    return docx.Document(str(path)), path


class Blocks(HTMLParser):
    """(tag, attrs, text) of every block element of an HTML export, and its images."""

    BLOCK = {"h1", "h2", "h3", "p", "li", "td", "th", "blockquote"}

    def __init__(self):
        super().__init__()
        self.blocks, self.stack, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.stack.append([tag, dict(attrs), ""])
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            self.blocks.append(tuple(self.stack.pop()))

    def handle_data(self, data):
        for b in self.stack:
            b[2] += data


def html_blocks(lib, aid, tmp_path) -> Blocks:
    path = export_article(lib, "me", aid, "html", out_dir=tmp_path / "h")
    parser = Blocks()
    parser.feed(path.read_text("utf-8"))
    return parser


# ---------------------------------------------------------------------- 1. characters XML forbids
def test_every_character_the_text_check_lets_in_fits_in_a_docx():
    run = docx.Document().add_paragraph().add_run()
    for lo in range(0, 0x110000, 0x4000):
        allowed = []
        for code in range(lo, lo + 0x4000):
            try:
                check_text("body", chr(code), required=False)
            except InvalidInput:
                continue
            allowed.append(chr(code))
        run.text = "".join(allowed)  # lxml raises ValueError on any character XML forbids


@pytest.mark.parametrize("bad", ["\uffff", "\ufffe", "\x00", "\x1b", "\ud800"])
def test_characters_documents_cannot_hold_are_refused_at_save_naming_the_field(lib, bad):
    aid = lib.create("me", "Fine", "fine")["id"]
    with pytest.raises(InvalidInput, match="^body"):
        lib.save("me", aid, "Fine", f"text {bad} more")
    with pytest.raises(InvalidInput, match="^title"):
        lib.save("me", aid, f"T{bad}", "fine")
    assert lib.get("me", aid)["body"] == "fine"  # nothing changed


def test_an_older_article_holding_uffff_exports_to_every_format_and_says_so(lib, tmp_path):
    aid = lib.create("me", "Old", "placeholder")["id"]
    con = sqlite3.connect(lib.db_path)  # as a save before this check wrote it
    con.create_function("studio_fold", 1, fold)  # the search index's function (Library registers it too)
    con.execute("UPDATE articles SET title=?, body=? WHERE id=?", ("Old \ufffe", "ab\uffffcd **x\uffff**", aid))
    con.commit()
    con.close()
    notes: list[str] = []
    d, _ = docx_of(lib, aid, tmp_path, notes)
    text = "\n".join(p.text for p in d.paragraphs)
    assert "ab\ufffdcd" in text and "Old \ufffd" in text
    assert notes and "3 character" in notes[0]
    assert "ab\uffffcd" in export_article(lib, "me", aid, "html", out_dir=tmp_path / "h").read_text("utf-8")
    with zipfile.ZipFile(export_article(lib, "me", aid, "md", out_dir=tmp_path / "m")) as zf:
        assert "ab\uffffcd" in zf.read(zf.namelist()[0]).decode("utf-8")


# ---------------------------------------------------------------------- 2. round trips
TITLES = [
    "C#", "C# & <T> *stars* _under_ `tick`", "# hash first", "Trailing hashes ##", "AT&T &amp; Tom & Jerry",
    "back\\slash \\* [link](x) ![img](y)", "🌱 Balcony 🌿 gardens 👩\u200d🌾", "حدائق الشرفة", "阳台花园：入门指南",
    "עברית and English!", "50% off * today_only", "<script>alert(1)</script>", "Tips &copy; 2024 &#169;", "#",
]


@pytest.mark.parametrize("title", TITLES)
def test_a_title_comes_out_of_every_export_and_back_exactly(lib, tmp_path, title):
    body = "Some text.\n\n## C# & <T>\n\nMore."
    aid = lib.create("me", title, body)["id"]
    assert lib.get("me", aid)["title"] == title
    blocks = html_blocks(lib, aid, tmp_path)
    assert blocks.blocks[0][:1] == ("h1",) and blocks.blocks[0][2] == title
    d, _ = docx_of(lib, aid, tmp_path)
    assert d.paragraphs[0].text == title and d.paragraphs[0].style.name == "Heading 1"
    assert d.core_properties.title == title
    zpath = export_article(lib, "me", aid, "md", out_dir=tmp_path / "m")
    back = import_markdown(lib, "me", zpath)
    assert (back["title"], back["body"]) == (title, body)
    assert split_title(markdown_document(title, body)) == (title, body)


def test_trailing_spaces_in_a_title_are_trimmed_at_save_and_exports_show_the_saved_title(lib, tmp_path):
    aid = lib.create("me", "  Tips   and tricks  ", "x")["id"]
    assert lib.get("me", aid)["title"] == "Tips and tricks"
    assert html_blocks(lib, aid, tmp_path).blocks[0][2] == "Tips and tricks"


HEADINGS = [  # (as written in the body, as every export must show it)
    ("## C#", "C#"), ("## C# ##", "C#"), ("## C\\#", "C#"), ("## Ends with a hash \\#", "Ends with a hash #"),
    ("## 2 * 3 * 4 = 24", "2 * 3 * 4 = 24"), ("## snake_case_name", "snake_case_name"),
    ("## Rock & Roll <3 & <b>bold</b>", "Rock & Roll <3 & <b>bold</b>"), ("## Use `code` here", "Use code here"),
    ("## Trailing spaces   ", "Trailing spaces"), ("## 🌱 Herbs 👩\u200d🌾", "🌱 Herbs 👩\u200d🌾"),
    ("## زراعة الطماطم!", "زراعة الطماطم!"), ("## 种菜的方法", "种菜的方法"), ("### #hashtag", "#hashtag"),
]


def test_headings_keep_every_character_in_html_docx_and_markdown(lib, tmp_path):
    body = "\n\n".join(f"{h}\n\ntext {i}" for i, (h, _) in enumerate(HEADINGS)) + "\n"
    aid = lib.create("me", "Headings", body)["id"]
    want = [shown for _, shown in HEADINGS]
    got_html = [text for tag, _, text in html_blocks(lib, aid, tmp_path).blocks if tag in ("h2", "h3")]
    assert got_html == want
    d, _ = docx_of(lib, aid, tmp_path)
    assert [p.text for p in d.paragraphs if p.style.name in ("Heading 2", "Heading 3")] == want
    back = import_markdown(lib, "me", export_article(lib, "me", aid, "md", out_dir=tmp_path / "m"))
    assert back["body"] == body and back["title"] == "Headings"


# ---------------------------------------------------------------------- 3. right to left
ARABIC = """## طريقة الزراعة

ازرع البذور في الربيع واسقها كل يوم!

- اترك مسافة بين النباتات (20 سم).
- ضع الأصيص في الشمس.

Mixed: the word حديقة means garden.

ابدأ بـ SmolLM2 ثم تابع.
"""


def test_an_arabic_article_reads_right_to_left_in_html_and_docx(lib, tmp_path):
    aid = lib.create("me", "حدائق الشرفة", ARABIC)["id"]
    blocks = html_blocks(lib, aid, tmp_path).blocks
    assert blocks and all(attrs.get("dir") == "auto" for _, attrs, _ in blocks)
    d, path = docx_of(lib, aid, tmp_path)
    by_text = {p.text: p for p in d.paragraphs}
    rtl_texts = ["حدائق الشرفة", "طريقة الزراعة", "ازرع البذور في الربيع واسقها كل يوم!",
                 "اترك مسافة بين النباتات (20 سم).", "ضع الأصيص في الشمس.", "ابدأ بـ SmolLM2 ثم تابع."]
    for text in rtl_texts:
        p = by_text[text]
        assert p._p.pPr.find(f"{W}bidi") is not None, text
    for p in d.paragraphs:
        for r in p.runs:
            has_rtl_letters = bool(re.search("[\u0600-\u06ff]", r.text))
            has_latin = bool(re.search("[A-Za-z]", r.text))
            assert not (has_rtl_letters and has_latin), f"a run mixes directions: {r.text!r}"
            assert bool(r.font.rtl) == has_rtl_letters or not r.text.strip(" .!():0123456789"), r.text
    mixed = by_text["Mixed: the word حديقة means garden."]
    assert mixed._p.pPr is None or mixed._p.pPr.find(f"{W}bidi") is None  # an English sentence stays LTR
    assert [r.text for r in mixed.runs if r.font.rtl] == ["حديقة"]
    inner = by_text["ابدأ بـ SmolLM2 ثم تابع."]
    assert [r.text for r in inner.runs if not r.font.rtl] == ["SmolLM2"]
    assert "".join(r.text for r in inner.runs) == inner.text


# ---------------------------------------------------------------------- 4. pictures of every mode
def _ramp16() -> Image.Image:
    a = np.linspace(0, 16383, 128 * 96).reshape(96, 128).astype(np.uint16)
    return Image.fromarray(a, "I;16")


def _pictures() -> dict[str, tuple[Image.Image, str]]:
    grey = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (40, 1))
    pal = Image.new("P", (40, 30))
    pal.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    pal.paste(1, (0, 0, 20, 30))
    pal.info["transparency"] = 0
    la = Image.merge("LA", (Image.new("L", (40, 30), 90), Image.linear_gradient("L").resize((40, 30))))
    return {
        "scan.png": (_ramp16(), "PNG"),
        "int.png": (Image.fromarray((grey * 40000).astype(np.int32), "I"), "PNG"),
        "float.tif": (Image.fromarray(grey, "F"), "TIFF"),
        "alpha.png": (la, "PNG"),
        "palette.png": (pal, "PNG"),
        "cmyk.tif": (Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "TIFF"),
    }


def _rgba(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        a = np.asarray(im.convert("RGBA")).astype(int)
    a[a[..., 3] == 0] = 0  # the colour of an invisible pixel does not matter
    return a


def test_pictures_of_every_mode_look_the_same_in_every_export_as_in_the_library(lib, tmp_path):
    zpath = tmp_path / "article.zip"
    pics = _pictures()
    with zipfile.ZipFile(zpath, "w") as zf:
        refs = []
        for name, (im, fmt) in pics.items():
            buf = io.BytesIO()
            im.save(buf, format=fmt)
            zf.writestr(f"images/{name}", buf.getvalue())
            refs.append(f"![{name}](images/{name})")
        zf.writestr("a.md", "# Scans\n\n" + "\n\n".join(refs) + "\n")
    a = import_markdown(lib, "me", zpath)
    assert len(a["images"]) == len(pics)
    library = {i["name"]: _rgba(i["path"].read_bytes()) for i in a["images"]}
    scan = library["scan.png"]
    assert 28 <= scan[..., 0].mean() <= 36, "a 16-bit ramp 0..16383 is dark grey, as a browser shows it"
    assert library["float.png"][..., 0].max() == 255 and library["float.png"][..., 0].min() == 0
    assert library["int.png"][..., 0].max() == round(40000 / 257)
    assert (library["palette.png"][:, 20:, 3] == 0).all(), "the transparent half stays transparent"
    assert (library["palette.png"][:, :20] == [0, 0, 255, 255]).all()
    assert tuple(library["cmyk.png"][0, 0, :3]) == (255, 0, 0)

    d, path = docx_of(lib, aid := a["id"], tmp_path)
    with zipfile.ZipFile(path) as zf:
        media = [zf.read(n) for n in sorted(zf.namelist()) if n.startswith("word/media/")]
    blips = [b.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
             for b in d.element.body.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip")]
    in_docx = [_rgba(d.part.related_parts[rid].blob) for rid in blips]
    assert len(in_docx) == len(pics) and media
    html = html_blocks(lib, aid, tmp_path).images
    in_html = [_rgba(base64.b64decode(src.split(",", 1)[1])) for src in html]
    with zipfile.ZipFile(export_article(lib, "me", aid, "md", out_dir=tmp_path / "m")) as zf:
        in_md = {n.split("/", 1)[1]: _rgba(zf.read(n)) for n in zf.namelist() if n.startswith("images/")}
    for n, img in enumerate(a["images"]):
        want = library[img["name"]]
        assert np.array_equal(in_docx[n], want), f"{img['name']} differs in the DOCX"
        assert np.array_equal(in_html[n], want), f"{img['name']} differs in the HTML"
        assert np.array_equal(in_md[img["name"]], want), f"{img['name']} differs in the Markdown zip"


def test_a_16_bit_picture_already_in_the_library_is_not_white_in_docx(lib, tmp_path):
    """Pictures attached before the conversion rule still export as they look."""
    aid = lib.create("me", "Old scan", "")["id"]
    img = lib.attach_image("me", aid, Image.new("RGB", (8, 8)))
    buf = io.BytesIO()
    _ramp16().save(buf, format="PNG")
    img["path"].write_bytes(buf.getvalue())  # what an older version stored byte for byte
    lib.save("me", aid, "Old scan", f"![scan]({img['ref']})")
    d, _ = docx_of(lib, aid, tmp_path)
    blob = next(iter(p.blob for p in d.part.related_parts.values() if p.partname.startswith("/word/media/")))
    assert 28 <= _rgba(blob)[..., 0].mean() <= 36


# ---------------------------------------------------------------------- 5. numbered lists
def shown_numbers(d) -> list[tuple[str, int]]:
    """(text, number Word shows) for every numbered paragraph, simulating Word's counters."""
    numbering = d.part.numbering_part.element
    starts, abstract_of = {}, {}
    for num in numbering.findall(f"{W}num"):
        nid = int(num.get(f"{W}numId"))
        abstract_of[nid] = num.find(f"{W}abstractNumId").get(f"{W}val")
        for o in num.findall(f"{W}lvlOverride"):
            s = o.find(f"{W}startOverride")
            if s is not None:
                starts[(nid, int(o.get(f"{W}ilvl")))] = int(s.get(f"{W}val"))
    counters: dict = {}
    out = []
    for p in d.paragraphs:
        ppr = p._p.pPr
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is None and p.style.element.pPr is not None:
            num_pr = p.style.element.pPr.numPr
        if num_pr is None or not p.style.name.startswith("List Number"):
            continue
        nid = num_pr.numId.val
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        key = (nid, ilvl)
        counters[key] = counters[key] + 1 if key in counters else starts.get(key, 1)
        out.append((p.text.strip(), counters[key]))
    return out


def test_each_numbered_list_restarts_at_its_own_start_and_nested_lists_nest(lib, tmp_path):
    body = ("1. one\n2. two\n\nA paragraph.\n\n1. uno\n2. dos\n\nAnother.\n\n3. three\n4. four\n"
            "    1. inner one\n    2. inner two\n5. five\n\nEnd.\n\n1. again\n    1. deep\n")
    aid = lib.create("me", "Lists", body)["id"]
    d, _ = docx_of(lib, aid, tmp_path)
    assert shown_numbers(d) == [("one", 1), ("two", 2), ("uno", 1), ("dos", 2), ("three", 3), ("four", 4),
                                ("inner one", 1), ("inner two", 2), ("five", 5), ("again", 1), ("deep", 1)]
    styles = {p.text.strip(): p.style.name for p in d.paragraphs}
    assert styles["inner one"] == "List Number 2" and styles["deep"] == "List Number 2"
    ol = re.findall(r"<ol(?: start=\"(\d+)\")?>", export_article(lib, "me", aid, "html", out_dir=tmp_path / "h")
                    .read_text("utf-8"))
    assert ol == ["", "", "3", "", "", ""]
