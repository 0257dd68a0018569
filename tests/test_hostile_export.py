"""Long jobs other than repair stop (issue #23, kind 3): a DOCX export of a long illustrated article ends at its
next paragraph once Stop (or a closed page) sets its event, writing nothing; the right-to-left pass skips the
paragraphs that hold no right-to-left character, so the longest article is written in seconds."""

from __future__ import annotations

import sys
import threading
import unicodedata

import numpy as np
import pytest
from PIL import Image

from studio.errors import Cancelled
from studio.export import export_article
from studio.library import Library
from studio.unitext import may_be_rtl


def test_every_right_to_left_character_is_caught_by_the_quick_test():
    missed = [hex(c) for c in range(sys.maxunicode + 1)
              if unicodedata.bidirectional(chr(c)) in ("R", "AL") and not may_be_rtl(chr(c))]
    assert not missed
    assert not may_be_rtl("Plain English, 中文 and digits 123.") and may_be_rtl("שלום") and may_be_rtl("سلام")


@pytest.fixture
def long_article(tmp_path):
    lib = Library(tmp_path / "data")
    body = "\n\n".join(f"## Part {i}\n\n" + "The river turns slowly under the old bridge. " * 40 for i in range(300))
    art = lib.save("ann", None, "Long", body)
    rng = np.random.default_rng(0)
    refs = []
    for i in range(3):
        path = tmp_path / f"p{i}.png"
        Image.fromarray((rng.random((96, 128, 3)) * 255).astype("uint8")).save(path)
        refs.append(lib.attach_image("ann", art["article_id"], path)["ref"])
    lib.save("ann", art["article_id"], "Long", body + "\n\n" + "\n\n".join(f"![p]({r})" for r in refs))
    return lib, art["article_id"]


def test_a_docx_export_stops_at_the_next_paragraph_and_writes_nothing(tmp_path, long_article):
    lib, aid = long_article
    out = tmp_path / "out"
    out.mkdir()
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        export_article(lib, "ann", aid, "docx", out_dir=out, stop=stop)
    assert list(out.iterdir()) == []
    path = export_article(lib, "ann", aid, "docx", out_dir=out, stop=threading.Event())  # unset: written
    assert path.exists() and path.suffix == ".docx"


def test_stop_set_while_a_docx_export_runs_ends_it(tmp_path, long_article, monkeypatch):
    from studio.export import docx_export

    lib, aid = long_article
    stop = threading.Event()
    seen = []
    real = docx_export._Docx.block

    def block(self, node, quote=False):  # Stop is pressed while the 10th block is written
        seen.append(node.tag)
        if len(seen) == 10:
            stop.set()
        return real(self, node, quote)

    monkeypatch.setattr(docx_export._Docx, "block", block)
    with pytest.raises(Cancelled):
        export_article(lib, "ann", aid, "docx", out_dir=tmp_path, stop=stop)
    assert len(seen) == 10  # not one block more
