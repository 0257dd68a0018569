"""Which script a text is written in, and whether a voice can read it.

A Piper voice speaks one language. Chinese (or Arabic, Russian...) given to an English voice would be read
out as "Chinese letter, Chinese letter...", so the engine refuses it and names voices that fit: the
installed ones, and one from the Hub repository ``rhasspy/piper-voices``. Latin-script text is not
checked (a German article read by an English voice is the writer's choice).
"""

from __future__ import annotations

import unicodedata

# Unicode script (from the character's name) -> the language families whose voices read it, and a name.
SCRIPTS = {
    "CJK": (("zh", "ja"), "Chinese"), "HIRAGANA": (("ja",), "Japanese"), "KATAKANA": (("ja",), "Japanese"),
    "HANGUL": (("ko",), "Korean"), "ARABIC": (("ar", "fa", "ur"), "Arabic"), "HEBREW": (("he",), "Hebrew"),
    "CYRILLIC": (("ru", "uk", "bg", "sr", "kk", "mk", "be"), "Russian"), "GREEK": (("el",), "Greek"),
    "THAI": (("th",), "Thai"), "DEVANAGARI": (("hi", "ne", "mr"), "Hindi"), "GEORGIAN": (("ka",), "Georgian"),
}
# A voice of rhasspy/piper-voices for each, for the message.
HUB_VOICES = {"CJK": "zh_CN-huayan-medium", "ARABIC": "ar_JO-kareem-medium", "CYRILLIC": "ru_RU-irina-medium",
              "GREEK": "el_GR-rapunzelina-low", "GEORGIAN": "ka_GE-natia-medium", "DEVANAGARI": "hi_IN-pratham-medium"}
HUB_REPO = "rhasspy/piper-voices"
FOREIGN_SHARE = 0.3  # above this share of letters in a script the voice cannot read, the text is refused


def script_of(ch: str) -> str | None:
    """The key of :data:`SCRIPTS` for a letter, ``"LATIN"`` for other letters, None for anything else."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for script in SCRIPTS:
        if name.startswith(script):
            return script
    return "LATIN"


def reads(family: str, script: str | None) -> bool:
    """Whether a voice of language ``family`` (``en``, ``zh``...) reads letters of ``script``."""
    if script is None or script == "LATIN":
        return True
    return family in SCRIPTS[script][0]


def foreign_script(text: str, family: str) -> str | None:
    """The script of :data:`SCRIPTS` that makes up more than :data:`FOREIGN_SHARE` of ``text``'s letters and
    that a voice of ``family`` cannot read, or None when the voice can read the text."""
    counts: dict[str | None, int] = {}
    letters = 0
    for ch in text[:200_000]:
        script = script_of(ch)
        if script is not None:
            letters += 1
            counts[script] = counts.get(script, 0) + 1
    for script, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        if not reads(family, script) and n > FOREIGN_SHARE * letters:
            return script
    return None


def readable(text: str, family: str) -> str:
    """``text`` with the letters the voice cannot read (a few Chinese words in an English text) left out."""
    return "".join(ch if reads(family, script_of(ch)) else " " for ch in text)
