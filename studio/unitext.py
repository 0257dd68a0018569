"""Text rules every part of Studio shares, so that a writer's text behaves the
same way in the editor, the library, search and every export.

* :func:`count_words`: one rule for word counts everywhere (Write tab,
  library, versions, API). Each Chinese or Japanese character (Han, kana) is
  a word, since those scripts do not put spaces between words; elsewhere a
  word is a run of letters and digits (with inner ``'``, ``’`` and ``-``).
* :func:`xml_unsafe` / :func:`xml_safe`: the characters XML 1.0 cannot hold
  (https://www.w3.org/TR/xml/#charsets); :func:`studio.validate.check_text`
  refuses them, and exports replace any that older saves hold.
* :func:`direction` and :func:`bidi_runs`: the base direction of a paragraph
  from its first strong character (rules P2/P3 of the Unicode Bidirectional
  Algorithm, UAX #9, the same rule as HTML's ``dir="auto"``), and a paragraph
  split into right-to-left and left-to-right runs (neutral characters take
  the direction of the strong characters around them when both agree, else
  the paragraph's; rules N1/N2).
* :func:`language`: the CJK language a text is written in (``"zh"``, ``"ja"``,
  ``"ko"``), from the share of Han, kana and Hangul among its letters.
* :func:`fold`: the form search compares: NFKC (so full-width letters,
  ligatures and NFD accents match their usual forms), case-folded, with soft
  hyphens and zero-width characters removed.
"""

from __future__ import annotations

import re
import unicodedata

# ---------------------------------------------------------------------- word counts
_CJK = ("\u3040-\u30ff"  # Hiragana, Katakana
        "\u31f0-\u31ff"  # Katakana phonetic extensions
        "\u3400-\u4dbf"  # CJK Unified Ideographs Extension A
        "\u4e00-\u9fff"  # CJK Unified Ideographs
        "\uf900-\ufaff"  # CJK Compatibility Ideographs
        "\uff66-\uff9f"  # half-width Katakana
        "\U00020000-\U0003134f")  # Extensions B-G
CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD = re.compile(rf"(?:(?![{_CJK}])\w)+(?:['’-](?:(?![{_CJK}])\w)+)*")


_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")  # ![alt](images/x.png): a picture, not words
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")  # [text](url): only the text is read


def count_words(text: str) -> int:
    """Words in ``text``: each Han or kana character counts as one word; in other scripts
    a word is a run of letters/digits (``don't``, ``well-known`` are one word each).
    Markdown pictures (``![alt](images/x.png)``) count nothing and links count their text only,
    as a reader sees them.

    ``我喜欢在阳台上种菜。`` is 9 words; ``Gardens change a city.`` is 4.
    """
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub(" ", text or ""))
    return len(_WORD.findall(text)) + len(CJK_CHAR.findall(text))


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def language(text: str, min_share: float = 0.3) -> str | None:
    """The East Asian language ``text`` is mostly written in, or None.

    Counts Han characters, kana and Hangul syllables against all letters
    (a Chinese character counts as one letter, an English word as its
    letters/4, roughly a word): ``"ko"`` when Hangul makes at least
    ``min_share`` of them, ``"ja"`` when kana does at least a tenth of the
    CJK characters, ``"zh"`` when Han does ``min_share``. Markdown pictures
    and link targets are ignored. ``"我喜欢在阳台上种菜。"`` is ``"zh"``;
    ``"Gardens change a city."`` is None.
    """
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub(" ", text or ""))
    han, kana, hangul = len(_HAN.findall(text)), len(_KANA.findall(text)), len(_HANGUL.findall(text))
    other = sum(len(w) for w in _WORD.findall(_HANGUL.sub(" ", text))) / 4
    total = han + kana + hangul + other
    if not total:
        return None
    if hangul / total >= min_share:
        return "ko"
    if han + kana and (han + kana) / total >= min_share:
        return "ja" if kana >= 0.1 * (han + kana) else "zh"
    return None


def chinese_script(text: str) -> str | None:
    """``"Hant"`` when Chinese ``text`` is written in Traditional characters, ``"Hans"`` in Simplified, None
    when it has no character that tells them apart (or no Chinese). Characters unique to one script are
    counted with CC-CEDICT's lists (``hanzidentifier``, ``zhon``); the script with more of them wins."""
    import hanzidentifier
    from zhon import cedict

    kind = hanzidentifier.identify(text or "")
    if kind == hanzidentifier.TRADITIONAL:
        return "Hant"
    if kind == hanzidentifier.SIMPLIFIED:
        return "Hans"
    if kind != hanzidentifier.MIXED:
        return None
    trad, simp = _script_sets(cedict.traditional, cedict.simplified)
    t, s = sum(c in trad for c in text), sum(c in simp for c in text)
    return "Hant" if t > s else "Hans" if s > t else None


_SCRIPT_SETS: list = []


def _script_sets(traditional: str, simplified: str) -> tuple[frozenset, frozenset]:
    """Characters only Traditional and only Simplified Chinese write (built once)."""
    if not _SCRIPT_SETS:
        t, s = set(traditional), set(simplified)
        _SCRIPT_SETS.append((frozenset(t - s), frozenset(s - t)))
    return _SCRIPT_SETS[0]


def language_tag(text: str) -> str | None:
    """The BCP 47 tag of the East Asian language ``text`` is written in (:func:`language`), with
    Traditional Chinese as ``"zh-Hant"``; None for other text."""
    lang = language(text)
    if lang == "zh" and chinese_script(text) == "Hant":
        return "zh-Hant"
    return lang


# ---------------------------------------------------------------------- XML
_XML_BAD = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def is_noncharacter(ch: str) -> bool:
    """True for Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every plane)."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def xml_unsafe(text: str) -> list[str]:
    """The characters of ``text`` that XML 1.0 (so DOCX) cannot hold, in order of appearance."""
    return _XML_BAD.findall(text or "")


def xml_safe(text: str, replacement: str = "\ufffd") -> tuple[str, int]:
    """``text`` with every character XML 1.0 forbids replaced by ``replacement``; returns (text, how many)."""
    return _XML_BAD.subn(replacement, text or "")


# ---------------------------------------------------------------------- direction
_RTL = {"R", "AL"}
_ISOLATE_START = {"\u2066", "\u2067", "\u2068"}
_ISOLATE_END = "\u2069"


# every character whose bidirectional class is R or AL lies in these ranges (tests/test_hostile_export.py checks it
# against unicodedata for every code point)
_MAY_BE_RTL = re.compile("[\u0590-\u08ff\u200f\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff"
                         "\U0001e800-\U0001efff]")


def may_be_rtl(text: str) -> bool:
    """False when ``text`` holds no right-to-left character (a quick test before :func:`bidi_runs`)."""
    return bool(_MAY_BE_RTL.search(text or ""))


def _strong(ch: str) -> str | None:
    kind = unicodedata.bidirectional(ch)
    if kind in _RTL:
        return "rtl"
    if kind == "L":
        return "ltr"
    return None


def direction(text: str) -> str | None:
    """``"rtl"`` or ``"ltr"`` from the first strong character of ``text`` (skipping isolates),
    or ``None`` when it has none (digits and punctuation only)."""
    depth = 0
    for ch in text or "":
        if ch in _ISOLATE_START:
            depth += 1
        elif ch == _ISOLATE_END:
            depth = max(0, depth - 1)
        elif depth == 0:
            d = _strong(ch)
            if d:
                return d
    return None


def bidi_runs(text: str, base: str = "ltr") -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, is_rtl)`` runs. Strong characters decide; neutral ones
    (spaces, punctuation, digits) between two strong characters of the same direction take
    it, other neutrals take ``base`` (the paragraph's direction). Joined, the pieces are ``text``."""
    if not text:
        return []
    dirs: list[str | None] = [_strong(ch) for ch in text]
    last: str | None = base
    for k, ch in enumerate(text):  # rule W7: European digits after a left-to-right letter are left-to-right
        if dirs[k]:
            last = dirs[k]
        elif last == "ltr" and unicodedata.bidirectional(ch) == "EN":
            dirs[k] = "ltr"
    resolved: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if dirs[i]:
            resolved.append(dirs[i])  # type: ignore[arg-type]
            i += 1
            continue
        j = i
        while j < n and not dirs[j]:
            j += 1
        before = next((d for d in reversed(resolved) if d), None) if resolved else None
        before = before or base
        after = dirs[j] if j < n else base
        fill = before if before == after else base
        resolved.extend([fill] * (j - i))
        i = j
    runs: list[tuple[str, bool]] = []
    start = 0
    for k in range(1, n + 1):
        if k == n or resolved[k] != resolved[start]:
            runs.append((text[start:k], resolved[start] == "rtl"))
            start = k
    return runs


# ---------------------------------------------------------------------- search
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e\u034f"))


def fold(text: str) -> str:
    """The form search compares: NFKC, case-folded, without soft hyphens and zero-width
    characters. ``"Ｃafe\u0301"`` and ``"CAFÉ"`` both fold to ``"café"``; ``"ﬁg"`` to ``"fig"``."""
    text = unicodedata.normalize("NFKC", (text or "").translate(_INVISIBLE))
    return unicodedata.normalize("NFKC", text.casefold())


__all__ = ["count_words", "CJK_CHAR", "xml_unsafe", "xml_safe", "is_noncharacter", "direction", "bidi_runs",
           "fold", "language", "chinese_script", "language_tag"]
