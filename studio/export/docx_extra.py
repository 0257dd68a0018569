"""What python-docx does not do by itself, done with its ``oxml`` layer:

* :func:`restart_numbering`: a numbered list that starts at its own number.
  python-docx's "List Number" style points every paragraph at one numbering
  (``w:num``), so Word counts on across lists (1 2 / 3 4 / 5 6). Each list
  gets a new ``w:num`` over the style's abstract numbering with a
  ``w:lvlOverride``/``w:startOverride`` (ECMA-376 Part 1, §17.9.8 and §17.9.27),
  the way Word itself restarts a list.
* :func:`apply_bidi`: right-to-left paragraphs. A paragraph whose first strong
  letter is Arabic, Hebrew... (:func:`studio.unitext.direction`) gets
  ``w:bidi`` (§17.3.1.6); every run of right-to-left text gets ``w:rtl``
  (§17.3.2.30), with its bold/italic mirrored to ``w:bCs``/``w:iCs``, and runs
  that mix directions are split (:func:`studio.unitext.bidi_runs`).
* :func:`apply_east_asian`: an East Asian font (``w:rFonts/@w:eastAsia``,
  §17.3.2.26) on the document defaults, every style and every run that names
  fonts, in place of the theme's ``eastAsiaTheme`` (which resolves to a Latin
  font in python-docx's template, so Word shows boxes for Chinese), and the
  East Asian language (``w:lang/@w:eastAsia``, §17.3.2.20).
"""

from __future__ import annotations

import copy

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.run import Run

from ..errors import raise_if_stopped
from ..unitext import bidi_runs, direction, may_be_rtl

# children of w:pPr that come after w:bidi (ECMA-376 CT_PPrBase order)
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
               "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
               "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _style_numbering(style) -> tuple[int, int] | None:
    """``(numId, ilvl)`` a paragraph style numbers with (following ``basedOn``), or None."""
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.numPr is not None and ppr.numPr.numId is not None:
            ilvl = ppr.numPr.ilvl.val if ppr.numPr.ilvl is not None else 0
            return ppr.numPr.numId.val, ilvl
        style = style.base_style
    return None


def restart_numbering(doc, paragraphs: list, start: int = 1) -> None:
    """Number ``paragraphs`` (of one list, all with the same numbered style) from ``start``.

    Adds a ``w:num`` sharing the style's abstract numbering, with a start
    override for the style's level, and points each paragraph's ``w:numPr`` at
    it. Does nothing when the style has no numbering.
    """
    if not paragraphs:
        return
    found = _style_numbering(paragraphs[0].style)
    if found is None:
        return
    num_id, ilvl = found
    numbering = doc.part.numbering_part.element
    base = numbering.xpath(f"./w:num[@w:numId='{int(num_id)}']")
    if not base:
        return
    new = numbering.add_num(base[0].abstractNumId.val)
    new.add_lvlOverride(ilvl=ilvl).add_startOverride(max(0, int(start)))
    for para in paragraphs:
        num_pr = para._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = ilvl
        num_pr.get_or_add_numId().val = new.numId


def _all_paragraphs(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _mark_rtl(r) -> None:
    font = Run(r, None).font  # type: ignore[arg-type]  # a detached run: only its font properties are set
    font.rtl = True
    if font.bold is not None:
        font.cs_bold = font.bold
    if font.italic is not None:
        font.cs_italic = font.italic


def _plain_text_run(r) -> str | None:
    """The text of a run that holds only ``w:rPr`` and one ``w:t``, else None."""
    kids = [k for k in r if k.tag != qn("w:rPr")]
    if len(kids) == 1 and kids[0].tag == qn("w:t"):
        return kids[0].text or ""
    return None


def apply_bidi(doc, stop=None) -> int:
    """Mark right-to-left paragraphs and runs in ``doc`` (see the module). Returns how many
    paragraphs became right-to-left. ``stop`` (a ``threading.Event``): Cancelled at the next paragraph once set."""
    count = 0
    for para in _all_paragraphs(doc):
        raise_if_stopped(stop)
        text = para.text
        if not may_be_rtl(text):  # nothing right-to-left here: nothing to mark (most paragraphs)
            continue
        base = direction(text) or "ltr"
        if base == "rtl":
            ppr = para._p.get_or_add_pPr()
            if ppr.find(qn("w:bidi")) is None:
                ppr.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)
            count += 1
        for r in list(para._p.iter(qn("w:r"))):
            run_text = _plain_text_run(r)
            if run_text is None:
                continue
            pieces = bidi_runs(run_text, base)
            if not any(rtl for _, rtl in pieces):
                continue
            if len(pieces) == 1:
                _mark_rtl(r)
                continue
            for piece, rtl in pieces:
                twin = copy.deepcopy(r)
                t = twin.find(qn("w:t"))
                t.text = piece
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                if rtl:
                    _mark_rtl(twin)
                r.addprevious(twin)
            r.getparent().remove(r)
    return count


# Fonts that ship with Windows and that Word for Mac maps to its own (Songti, Mincho, Apple SD Gothic)
EAST_ASIAN_FONTS = {"zh": ("SimSun", "zh-CN"), "zh-Hant": ("PMingLiU", "zh-TW"), "ja": ("MS Mincho", "ja-JP"),
                    "ko": ("Malgun Gothic", "ko-KR")}


def apply_east_asian(doc, lang: str | None = None) -> str:
    """Give ``doc`` an East Asian font and language, for ``lang`` ``"zh"`` (default), ``"zh-Hant"``
    (Traditional Chinese: zh-TW, PMingLiU), ``"ja"`` or ``"ko"``.

    Sets ``w:eastAsia`` on the default run properties, on every style's and
    every run's ``w:rFonts`` (dropping ``w:eastAsiaTheme``, which would win
    over it), and the default ``w:lang/@w:eastAsia``. Latin and complex-script
    fonts are left as they are. Returns the font name set.
    """
    font, tag = EAST_ASIAN_FONTS.get(lang or "zh", EAST_ASIAN_FONTS["zh"])
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is not None:
        if rpr.find(qn("w:rFonts")) is None:
            rpr.insert(0, OxmlElement("w:rFonts"))
        lang_el = rpr.find(qn("w:lang"))
        if lang_el is None:
            lang_el = OxmlElement("w:lang")
            rpr.append(lang_el)
        lang_el.set(qn("w:eastAsia"), tag)
    for root in (styles, doc.element.body):
        for fonts in root.iter(qn("w:rFonts")):
            fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
            fonts.set(qn("w:eastAsia"), font)
    return font


__all__ = ["restart_numbering", "apply_bidi", "apply_east_asian", "EAST_ASIAN_FONTS"]
