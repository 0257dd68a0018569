"""Zip-based files a writer hands to Studio (issue #23, kind 1): a .docx in the Voice tab, a Markdown zip in the
Library import. A small file that unpacks to hundreds of MB is refused from what the zip declares, before anything
is inflated, or stopped while it streams; it costs a few MB of memory, and the message names the field, the part
and the limit."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest

from studio.errors import InvalidInput
from studio.library import Library
from studio.ui.library.browse import imported
from studio.voice.sources import gather

MB = 1024 * 1024
BIG = 300 * MB  # what the bombs unpack to


def _docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_paragraph("A real first paragraph of the essay.")
    doc.save(str(path))
    return path


def _write_big(zf: zipfile.ZipFile, name: str, size: int, head: bytes = b"", tail: bytes = b"") -> None:
    """A part of ``size`` bytes of repeated XML, written in pieces (the test never holds it whole)."""
    piece = b"<w:p><w:r><w:t>aaaaaaaaaaaaaaaa</w:t></w:r></w:p>" * 1000
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w") as fh:
        fh.write(head)
        left = size - len(head) - len(tail)
        while left > 0:
            fh.write(piece[:left])
            left -= len(piece)
        fh.write(tail)


def _bomb_docx(path: Path, size: int = BIG) -> Path:
    """A valid .docx whose word/document.xml unpacks to ``size`` bytes (the file itself is well under 1 MB)."""
    src = _docx(path.with_name("src.docx"))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == "word/document.xml":
                xml = zin.read(info)
                cut = xml.index(b"<w:body>") + len(b"<w:body>")
                info2 = zipfile.ZipInfo(info.filename)
                info2.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(info2, "w") as fh:
                    fh.write(xml[:cut])
                    piece = b"<w:p><w:r><w:t>aaaaaaaaaaaaaaaa</w:t></w:r></w:p>" * 2000
                    for _ in range(size // len(piece)):
                        fh.write(piece)
                    fh.write(xml[cut:])
            else:
                zout.writestr(info, zin.read(info))
    return path


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the unpacked size ``member`` declares (local header and central directory) to ``declared``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    name = member.encode()
    data[info.header_offset + 22:info.header_offset + 26] = declared.to_bytes(4, "little")
    at = data.index(b"PK\x01\x02")
    while True:  # the central directory entry of this member
        n = int.from_bytes(data[at + 28:at + 30], "little")
        if bytes(data[at + 46:at + 46 + n]) == name:
            break
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + 24:at + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _rss_hwm() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def peak_growth(fn) -> tuple[int, int | None, BaseException | None]:
    """``(peak Python allocation, peak RSS growth or None, the exception fn raised)`` while ``fn`` runs."""
    try:  # reset the process's peak RSS (Linux), so VmHWM measures this call alone
        Path("/proc/self/clear_refs").write_text("5")
        rss0 = _rss_hwm()
    except OSError:
        rss0 = None
    tracemalloc.start()
    raised = None
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - returned to the test
        raised = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = _rss_hwm() if rss0 is not None else None
    return peak, (rss1 - rss0 if rss0 is not None and rss1 is not None else None), raised


def _assert_cheap(peak: int, rss: int | None, limit: int = 30 * MB) -> None:
    assert peak < limit, f"Python allocations peaked at {peak / MB:.0f} MB"
    if rss is not None:
        assert rss < limit + 20 * MB, f"the process grew by {rss / MB:.0f} MB"


@pytest.fixture
def lib(tmp_path):
    return Library(tmp_path / "data")


def test_a_docx_whose_xml_unpacks_to_hundreds_of_mb_is_refused_unopened(tmp_path, lib):
    bomb = _bomb_docx(tmp_path / "essay.docx")
    assert bomb.stat().st_size < MB
    peak, rss, raised = peak_growth(lambda: gather(lib, "ann", [], [str(bomb)]))
    assert isinstance(raised, InvalidInput) and raised.field == "files"
    msg = str(raised)
    assert "essay.docx" in msg and "word/document.xml" in msg and "the limit is 24 MB per part" in msg, msg
    _assert_cheap(peak, rss)


def test_a_docx_packed_too_tightly_is_refused_from_its_ratio(tmp_path, lib):
    bomb = _bomb_docx(tmp_path / "tight.docx", size=20 * MB)  # under the size limit, but 1000:1
    peak, rss, raised = peak_growth(lambda: gather(lib, "ann", [], [str(bomb)]))
    assert isinstance(raised, InvalidInput) and raised.field == "files"
    assert "the limit is 200 to 1" in str(raised) and "tight.docx" in str(raised)
    _assert_cheap(peak, rss)


def test_a_docx_that_lies_about_its_sizes_is_never_read_past_them(tmp_path, lib):
    bomb = _bomb_docx(tmp_path / "liar.docx", size=200 * MB)
    _lie_about_size(bomb, "word/document.xml", 200_000)  # declares 200 KB: passes the checks
    peak, rss, raised = peak_growth(lambda: gather(lib, "ann", [], [str(bomb)]))
    assert isinstance(raised, InvalidInput) and raised.field == "files"
    assert "liar.docx' is damaged: 'word/document.xml' could not be unpacked" in str(raised)
    _assert_cheap(peak, rss)


def test_an_ordinary_docx_still_reads(tmp_path, lib):
    texts, sources = gather(lib, "ann", [], [str(_docx(tmp_path / "fine.docx"))])
    assert texts == ["A real first paragraph of the essay."] and sources == [{"kind": "file", "name": "fine.docx"}]


def test_a_markdown_zip_bomb_is_refused_by_the_library_import(tmp_path, lib):
    bomb = tmp_path / "article.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        _write_big(zf, "article.md", BIG, head=b"# Title\n\n")
    assert bomb.stat().st_size < MB
    peak, rss, raised = peak_growth(lambda: imported(lib, "ann", str(bomb), "", False))
    assert isinstance(raised, InvalidInput) and raised.field == "file"
    assert "article.md" in str(raised) and "the limit is 64 MB per part" in str(raised)
    _assert_cheap(peak, rss)
    assert lib.list("ann") == []  # nothing imported


@pytest.mark.parametrize("size", [60 * MB, 20 * MB])
def test_a_tightly_packed_markdown_zip_is_refused_from_its_ratio(tmp_path, lib, size):
    bomb = tmp_path / "tight.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        _write_big(zf, "notes/article.md", size, head=b"# Title\n\n")
    peak, rss, raised = peak_growth(lambda: imported(lib, "ann", str(bomb), "", False))
    assert isinstance(raised, InvalidInput) and "the limit is 200 to 1" in str(raised)
    _assert_cheap(peak, rss)


def test_a_markdown_zip_that_lies_about_its_size_stops_while_streaming(tmp_path, lib):
    bomb = tmp_path / "liar.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        _write_big(zf, "article.md", 200 * MB, head=b"# Title\n\n")
    _lie_about_size(bomb, "article.md", 100_000)
    peak, rss, raised = peak_growth(lambda: imported(lib, "ann", str(bomb), "", False))
    assert isinstance(raised, InvalidInput) and raised.field == "file"
    assert "liar.zip" in str(raised) and "could not be unpacked" in str(raised)
    _assert_cheap(peak, rss)
    assert lib.list("ann") == []


def test_an_honest_markdown_part_over_its_limit_stops_at_the_limit(tmp_path, lib):
    import random

    rng = random.Random(0)
    text = "".join(rng.choice("abcdefghij klmnop\n") for _ in range(9 * MB)).encode()  # packs about 2 : 1
    big = tmp_path / "long.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("long.md", b"# Long\n\n" + text)
    del text
    with pytest.raises(InvalidInput, match=r"'long\.md', which unpacks to more than 7\.6 MB; the limit is 7\.6 MB per part"):
        imported(lib, "ann", str(big), "", False)


def test_an_ordinary_markdown_zip_still_imports(tmp_path, lib):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("trip.md", "# Trip\n\nWe walked to the lake.\n")
    out = imported(lib, "ann", str(good), "", False)
    assert "Imported" in out["lib_status"] and [a["title"] for a in lib.list("ann")] == ["Trip"]


def test_a_real_but_repetitive_docx_still_opens(tmp_path):
    import docx

    from studio.voice.sources import read_file

    doc = docx.Document()
    for _ in range(4800):  # one paragraph pasted again and again: its XML packs about 150 to 1
        doc.add_paragraph("The river turns slowly under the old bridge, and the lamps come on one by one. " * 5)
    doc.save(str(tmp_path / "pasted.docx"))
    peak, rss, raised = peak_growth(lambda: read_file(tmp_path / "pasted.docx"))
    assert raised is None
    _assert_cheap(peak, rss, limit=40 * MB)
