"""Paragraphs survive export (issue #31): each line the draft shows as a paragraph is one in HTML and DOCX,
unless it is clearly a wrapped line of the same sentence. The text is the embedded model's own (SmolLM2,
/write, seeds 7 and 11), its paragraphs one per line as models often write them."""

from __future__ import annotations

import re

import pytest

from studio.export import export_article
from studio.export.paragraphs import as_seen
from studio.library import Library

MODEL_TEXT = (
    "# Urban gardening for beginners\n"
    "Urban gardening for beginners. A new era has arrived, and people have embraced sustainable practices to "
    "create their own thriving ecosystems. Whether it's creating your own mini-gardens or simply sharing knowledge "
    "across communities, there’s always something to be done! 🌱💚\n"
    "The world today seems to be designed by machines, yet we still find ways to adapt and improve. Gardening is "
    "one such way. #SustainableLiving #Gardening\n"
    "## Why cats sleep so much\n"
    "Cats have been nature's companions for millions of years, and their unique physiology makes them surprisingly "
    "resilient to just about anything.\n"
    "With their love for exercise comes their ability to nap all day long. They get up every morning to play games "
    "or eat breakfast. When they're not doing those things, they will often spend hours on end sleeping and\n"
    "dreaming of the garden.\n"
    "- basil\n"
    "- mint\n"
)
PARAGRAPHS = ["Urban gardening for beginners.", "The world today", "Cats have been", "With their love"]


@pytest.fixture
def article(tmp_path):
    lib = Library(tmp_path / "data")
    aid = lib.create("me", "Urban gardening for beginners", MODEL_TEXT)["id"]
    yield lib, aid, tmp_path
    lib.close()


def test_each_line_is_a_paragraph_unless_it_is_a_wrapped_sentence():
    seen = as_seen(MODEL_TEXT)
    assert "🌱💚\n\nThe world today" in seen and "anything.\n\nWith their" in seen
    assert "sleeping and\ndreaming of the garden." in seen  # a wrapped line stays in its paragraph
    assert "- basil\n- mint" in seen  # a list is left as it is
    assert as_seen("```\na\nb\n```") == "```\na\nb\n```"  # so is code
    assert as_seen("line one  \nline two") == "line one  \nline two"  # and a hard break


def test_html_has_the_paragraphs_the_draft_shows(article):
    lib, aid, tmp = article
    html = export_article(lib, "me", aid, "html", out_dir=tmp / "exp").read_text(encoding="utf-8")
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", html, re.S)
    for start in PARAGRAPHS:
        assert sum(p.strip().startswith(start) for p in paragraphs) == 1, start
    assert any("sleeping and\ndreaming" in p or "sleeping and dreaming" in p for p in paragraphs)


def test_docx_has_the_paragraphs_the_draft_shows(article):
    import docx

    lib, aid, tmp = article
    doc = docx.Document(str(export_article(lib, "me", aid, "docx", out_dir=tmp / "exp")))
    texts = [p.text for p in doc.paragraphs]
    for start in PARAGRAPHS:
        assert sum(t.startswith(start) for t in texts) == 1, (start, texts)
