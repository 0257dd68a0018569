"""Which characters came from the model (issue #30): the text-origin spans the Library keeps with each
version, through Continue, Rewrite of a selection, a manual edit, Undo, a restart and an import, and the
exports' disclosure, whose percentage matches the spans."""

from __future__ import annotations

import base64
import json
import re
import zipfile

import pytest
from docx import Document
from PIL import Image

from studio.export import export_article, import_markdown
from studio.library import Library
from studio.provenance.disclosure import percent
from studio.provenance.read import read_credentials
from studio.provenance.spans import generated_share, remap
from studio.ui.drafting import draft_after
from studio.ui.library.autosave import saved

M = "SmolLM2-135M-Instruct"
MINE = "My garden is small. I grow beans and tomatoes on the balcony."
MODEL = " The beans climb the railing by June, and the tomatoes ripen in the late sun."


def generated(body: str, spans) -> str:
    return "".join(body[s:e] for s, e, _ in spans)


@pytest.fixture
def lib(tmp_path):
    return Library(tmp_path / "data")


def continued(lib, owner="local"):
    """The writer types, autosave keeps it, then Continue adds the model's text and the save after it runs."""
    art = lib.create(owner, "Balcony", MINE)
    text = draft_after("continue", MINE, MINE, None, MINE + MODEL)
    r = saved(lib, owner, 1.0, "Balcony", text, art["id"], art["version_id"], note="generated", now=1.0,
              generated_by=M, before=MINE)
    return art["id"], r


def test_continue_marks_what_the_model_added(lib):
    aid, _ = continued(lib)
    origin = lib.origin("local", aid)
    assert generated(origin["body"], origin["spans"]) == MODEL and origin["models"] == [M]
    visible = len(re.sub(r"\s", "", MODEL)) / len(re.sub(r"\s", "", MINE + MODEL))
    assert origin["share"] == pytest.approx(visible)


def test_text_typed_before_continue_stays_the_writers(lib):
    art = lib.create("local", "Balcony", MINE)
    typed = MINE + " Also mint."  # typed, then Continue before the autosave ran
    text = typed + MODEL
    saved(lib, "local", 1.0, "Balcony", text, art["id"], art["version_id"], note="generated", generated_by=M,
          before=typed)
    origin = lib.origin("local", art["id"])
    assert generated(origin["body"], origin["spans"]) == MODEL


def test_rewrite_of_a_selection_marks_only_the_selection(lib):
    art = lib.create("local", "Balcony", MINE)
    start = MINE.index("I grow")
    sel = (start, len(MINE), MINE[start:])
    text = draft_after("rewrite", MINE, sel[2], sel, "Beans and tomatoes crowd my balcony.")
    saved(lib, "local", 1.0, "Balcony", text, art["id"], art["version_id"], generated_by=M, before=MINE)
    origin = lib.origin("local", art["id"])
    marked = generated(origin["body"], origin["spans"])
    # the text around the selection stays the writer's (an ending the model wrote alike may count as kept)
    assert "My garden is small." not in marked and marked.startswith("Beans and tomatoes crowd my")


def test_a_manual_edit_makes_the_retyped_words_the_writers(lib):
    aid, r = continued(lib)
    body = lib.get("local", aid)["body"]
    edited = body.replace("railing", "old iron railing")
    saved(lib, "local", 2.0, "Balcony", edited, aid, r.base_vid)
    origin = lib.origin("local", aid)
    marked = generated(origin["body"], origin["spans"])
    assert "old iron " not in marked and "railing by June" in marked and "The beans climb the" in marked


def test_undo_brings_back_the_spans_of_the_text_it_restores(lib):
    aid, r = continued(lib)
    before = lib.origin("local", aid)
    saved(lib, "local", 2.0, "Balcony", MINE, aid, r.base_vid)  # Undo: the draft before the generation
    assert lib.origin("local", aid)["spans"] == []
    again = lib.get("local", aid)
    saved(lib, "local", 3.0, "Balcony", MINE + MODEL, aid, again["version_id"])  # redo by pasting it back
    assert lib.origin("local", aid)["spans"] == before["spans"]


def test_spans_survive_a_restart_and_are_kept_per_version(lib, tmp_path):
    aid, _ = continued(lib)
    spans = lib.origin("local", aid)["spans"]
    lib.close()
    again = Library(tmp_path / "data")
    assert again.origin("local", aid)["spans"] == spans
    versions = again.versions("local", aid)
    assert again.origin("local", aid, versions[-1]["id"])["spans"] == []  # the writer's first version


def test_an_export_and_its_import_keep_the_spans_and_say_the_share(lib, tmp_path):
    aid, _ = continued(lib)
    origin = lib.origin("local", aid)
    p = percent(origin["share"])
    line = f"About {p}% of this text was generated with {M} and edited by the author."
    md = export_article(lib, "local", aid, "md", out_dir=tmp_path)
    with zipfile.ZipFile(md) as zf:
        prov = json.loads(zf.read("provenance.json"))
        text = zf.read(next(n for n in zf.namelist() if n.endswith(".md"))).decode()
    assert prov["text"]["percent"] == p and prov["text"]["disclosure"] == line and prov["text"]["models"] == [M]
    assert "".join(text[s:e] for s, e, _ in prov["text"]["spans"]) == MODEL
    imported = import_markdown(lib, "local", md)
    back = lib.origin("local", imported["id"])
    assert generated(back["body"], back["spans"]) == MODEL and percent(back["share"]) == p

    page = export_article(lib, "local", aid, "html", out_dir=tmp_path).read_text()
    assert '<meta name="ai-generated" content="partial">' in page and line in page
    own = export_article(lib, "local", aid, "html", out_dir=tmp_path / "own", disclosure_line="Drafted with AI help.")
    assert "Drafted with AI help." in own.read_text() and line not in own.read_text()

    docx = export_article(lib, "local", aid, "docx", out_dir=tmp_path)
    assert Document(docx).core_properties.comments == line
    with zipfile.ZipFile(docx) as zf:
        custom = zf.read("docProps/custom.xml").decode()
    assert 'name="AIGenerated"' in custom and f">{p}<" in custom and "partial" in custom


def test_provenance_off_exports_say_nothing(lib, tmp_path):
    aid, _ = continued(lib)
    page = export_article(lib, "local", aid, "html", out_dir=tmp_path, provenance="off").read_text()
    assert "ai-generated" not in page
    with zipfile.ZipFile(export_article(lib, "local", aid, "md", out_dir=tmp_path, provenance="off")) as zf:
        assert "provenance.json" not in zf.namelist()


def test_a_signed_picture_keeps_its_credentials_in_the_exports(lib, tmp_path, settings):
    from studio.image.metadata import save_png
    from studio.provenance.credentials import credentials_for

    pic = save_png(Image.new("RGB", (32, 32), (9, 99, 199)), tmp_path, {"model": "dcgan-faces", "engine": "gan"},
                   "face", credentials_for(settings))
    art = lib.create("local", "Faces", "Some text.")
    img = lib.attach_image("local", art["id"], pic)
    lib.save("local", art["id"], "Faces", f"Some text.\n\n![a face]({img['ref']})\n")
    with zipfile.ZipFile(export_article(lib, "local", art["id"], "md", out_dir=tmp_path)) as zf:
        data = zf.read(f"images/{img['name']}")
        prov = json.loads(zf.read("provenance.json"))
    assert read_credentials(data, "image/png").state == "Valid"
    assert prov["pictures"][0]["digital_source_type"].endswith("trainedAlgorithmicMedia")
    page = export_article(lib, "local", art["id"], "html", out_dir=tmp_path).read_text()
    assert '<meta name="ai-generated" content="partial">' in page  # text by the writer, picture by a model
    inlined = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    assert read_credentials(inlined, "image/png").state == "Valid"
    with zipfile.ZipFile(export_article(lib, "local", art["id"], "docx", out_dir=tmp_path)) as zf:
        media = [zf.read(n) for n in zf.namelist() if n.startswith("word/media/")]
    assert read_credentials(media[0], "image/png").state == "Valid"


def test_remap_keeps_origin_through_large_texts():
    old = ("A line the writer typed.\n" * 3000) + ("A line the model wrote.\n" * 3000)
    spans = [[len("A line the writer typed.\n") * 3000, len(old), M]]
    new = old.replace("A line the model wrote.\n", "A line the model wrote!\n", 1)
    out = remap(old, spans, new)
    assert generated_share(new, out) == pytest.approx(generated_share(old, spans), abs=0.001)
    assert remap(old, spans, old) == spans


def test_a_duplicate_keeps_the_spans(lib):
    aid, _ = continued(lib)
    copy = lib.duplicate("local", aid)
    assert lib.origin("local", copy["id"])["spans"] == lib.origin("local", aid)["spans"]


def test_the_sentence_follows_the_share_and_the_articles_language():
    from studio.provenance.disclosure import sentence

    assert sentence(0.0, []) == "This text was written by the author."
    assert sentence(1.0, [M]) == f"This text was generated with {M}."
    assert sentence(0.404, [M]) == f"About 40% of this text was generated with {M} and edited by the author."
    assert sentence(0.001, [M]).startswith("About 1% ") and sentence(0.999, [M]).startswith("About 99% ")
    assert sentence(0.4, [M], "zh") == f"本文约 40% 的文字由 {M} 生成，并经作者编辑。"
