"""Translation of English UI text into the writer's language (issue #15).

Two kinds of text:

* **Static** (labels, help texts, placeholders, buttons, tabs, accordions,
  display names of choices, Markdown notes): :func:`localize` replaces each
  string on the built Blocks with a Gradio translation key
  (:class:`gradio.i18n.I18nData`); Gradio's front end shows the catalog's
  text for the browser's locale (:data:`I18N`, given to ``launch``), and
  the English text for any other.
* **Dynamic** (status lines, notes, toasts, errors): :func:`translate` with
  the language of the request (:func:`request_language`: the ``studio-lang``
  cookie the page keeps equal to Gradio's locale, else the browser's
  ``Accept-Language``), applied once at the UI boundary (:mod:`.boundary`).

Only English is written in the code; :mod:`.zh` holds the Chinese.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from http.cookies import SimpleCookie

import gradio as gr
from gradio.i18n import I18nData

from ...messages import Joined, Message
from .zh import GRADIO_ZH, PATTERNS, ZH

LANGUAGES = {"en": "English", "zh": "中文"}
COOKIE = "studio-lang"
# Gradio picks the locale from the browser (navigator.language): these get the Chinese catalog.
ZH_LOCALES = ("zh-CN", "zh", "zh-SG", "zh-Hans")
# What Gradio's front end gets: the catalog plus Gradio's own missing words; one dict, so that entries
# added before launch (:func:`add`) reach it.
FRONT: dict = {**ZH, **GRADIO_ZH}
I18N = gr.I18n(**{loc: FRONT for loc in ZH_LOCALES})


ADDED: set[str] = set()  # entries added while the studio was built (not the catalogue's own)


def add(english: str, chinese: str) -> None:
    """Add an entry to the catalog (for the server and the page), before the studio is launched."""
    if english not in ZH:
        ADDED.add(english)
    ZH[english] = chinese
    FRONT[english] = chinese


def marker(text: str) -> str:
    """The translation key Gradio's front end replaces by the catalog's text for its locale."""
    return str(I18nData(text))


def has_marker(text) -> bool:
    return isinstance(text, str) and "__i18n__" in text


_MARKER = re.compile(r"__i18n__(\{[^{}]*\})")


def unmark(text):
    """``text`` with any translation key in it (a component label read back by code) turned back into English."""
    if not has_marker(text):
        return text

    def repl(m):
        try:
            return json.loads(m.group(1)).get("key", "")
        except ValueError:
            return m.group(0)

    return _MARKER.sub(repl, text)


# ---------------------------------------------------------------------- dynamic text
def _compile(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    # a field never spans a " · " (the separator of status-line pieces)
    # a field named num_* is a number ("1,234", "4.5")
    seen: set[str] = set()

    def field(p: str) -> str:
        if p in seen:  # a field said twice is the same text twice
            return f"(?P={p})"
        seen.add(p)
        return f"(?P<{p}>[\\d][\\d,.]*)" if p.startswith("num_") else f"(?P<{p}>(?:(?! · ).)+?)"

    rx = "".join(re.escape(p) if i % 2 == 0 else field(p) for i, p in enumerate(parts))
    return re.compile(rf"^{rx}$", re.DOTALL)


class Verbatim(str):
    """The writer's own words (a voice's or an article's name in a list): shown exactly as typed, never
    translated, whatever they say ("Stop" stays "Stop")."""

    __slots__ = ()


# The writer's own words inside a message are never translated: a template's field named ``user_*``, a
# field the template quotes (“{q}”, '{v}', "{h}", `{f}`), and a field whose text the code isolated as the
# writer's (``<bdi>…</bdi>``) keep their text exactly.
_QUOTES = "“‘'\"`«「『"
_BDI = re.compile(r"^(?:\*\*)?<bdi>(?:(?!</?bdi>).)*</bdi>(?:\*\*)?$", re.DOTALL)


def _verbatim_fields(template: str) -> frozenset[str]:
    return frozenset(m.group(1) for m in re.finditer(r"\{(\w+)\}", template)
                     if m.group(1).startswith("user_") or (m.start() > 0 and template[m.start() - 1] in _QUOTES))


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str, frozenset[str]]]:
    """The compiled patterns, those with the most fixed text first (the most specific wins), with the
    fields that hold the writer's words."""
    fixed = sorted(PATTERNS, key=lambda p: -len(re.sub(r"\{\w+\}", "", p[0])))
    return [(_compile(en), zh, _verbatim_fields(en)) for en, zh in fixed]


def _field(name: str, value: str, verbatim: frozenset[str], depth: int) -> str | None:
    """A pattern field's text in Chinese: the writer's words as they are, a ``t_*`` label or None, other
    text translated where it can be."""
    if name in verbatim or _BDI.match(value.strip()):
        return value
    return (_one if name.startswith("t_") else _piece)(value, depth + 1)


def _one(text: str, depth: int = 0) -> str | None:
    """The Chinese of one message (exact, or a pattern with its fields translated in turn), or None."""
    core = text.strip()
    if not core:
        return None
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    if core in ZH:
        return lead + ZH[core] + trail
    if depth > 3:
        return None
    if _BDI.match(core):
        return text  # the writer's words alone (a title)
    for rx, zh, verbatim in _patterns():
        m = rx.match(core)
        if not m:
            continue
        fields = {k: _field(k, v, verbatim, depth) for k, v in m.groupdict().items()}
        if any(v is None for k, v in fields.items() if k.startswith("t_")):
            continue  # a field named t_* must itself be translatable (a label, not any text)
        if any(not re.fullmatch(r"[a-z_]+", v) for k, v in m.groupdict().items() if k.startswith("id_")):
            continue  # a field named id_* is an API field name
        fields = {k: v if v is not None else m.group(k) for k, v in fields.items()}
        return lead + zh.format(**fields) + trail
    return None


_SENTENCE = re.compile(r"(?<=[.!?。)])\s+(?=[A-Z*“\"(])")


def _piece(text: str, depth: int = 0) -> str | None:
    """Like :func:`_one`, or sentence by sentence when the whole has no entry; None when nothing translates."""
    whole = _one(text, depth)
    if whole is not None or depth > 3:
        return whole
    sentences = _SENTENCE.split(text.strip())
    if len(sentences) < 2:
        return None
    done = [_one(s, depth + 1) for s in sentences]
    if all(d is None for d in done):
        return None
    out = ""
    for s, d in zip(sentences, done, strict=False):
        s = d if d is not None else s
        out += s if not out or out[-1] in "。！？：）" else " " + s
    return out


def _segments(line: str) -> str:
    """A line, whole or as its `` · `` pieces, or its sentences."""
    whole = _one(line)
    if whole is not None:
        return whole
    if " · " in line:
        return " · ".join(_segments(p) for p in line.split(" · "))
    return _piece(line) or line


# The writer's words isolated by the code (``<bdi>…</bdi>``) anywhere in a message are set aside before it is
# translated and put back after: a placeholder no catalog entry or template field can translate stands for each.
_BDI_SPAN = re.compile(r"<bdi>(?:(?!</?bdi>).)*</bdi>", re.DOTALL)
_HELD = re.compile("\ue000(\\d+)\ue001")


def _hold(text: str) -> tuple[str, list[str]]:
    held: list[str] = []

    def keep(m):
        held.append(m.group(0))
        return f"\ue000{len(held) - 1}\ue001"

    return _BDI_SPAN.sub(keep, text), held


def _put_back(text: str, held: list[str]) -> str:
    return _HELD.sub(lambda m: held[int(m.group(1))], text) if held else text


@functools.lru_cache(maxsize=1)
def templates() -> dict[str, str]:
    """The catalogue's templates with named fields (PATTERNS) by their English id."""
    return dict(PATTERNS)


def chinese(template: str, params: dict) -> str | None:
    """The catalogue's Chinese for ``template`` with ``params`` put in as they are (a parameter that is itself a
    message in Chinese by its own id); None without an entry."""
    zh = templates().get(template, ZH.get(template)) if params else ZH.get(template, templates().get(template))
    if zh is None or not params:
        return zh
    return zh.format(**{k: translate(v, "zh") if isinstance(v, (Message, Joined)) else v for k, v in params.items()})


def by_id(text: Message | Joined, lang: str | None) -> str | None:
    """A :class:`~studio.messages.Message` in ``lang`` by its id, its parameters put in as they are (one that is
    a message itself in ``lang`` in turn), or a :class:`~studio.messages.Joined` piece by piece; None when the
    catalogue has no text for the id."""
    if lang != "zh":
        return str(text)
    if isinstance(text, Joined):
        return text.sep.join(translate(p, lang) for p in text.parts)
    return chinese(text.template, text.params)


def translate(text, lang: str | None):
    """``text`` in ``lang`` (``"zh"``), line by line; text without a translation stays as it is.

    A :class:`~studio.messages.Message` is shown by its id, its parameters never translated (:func:`by_id`);
    other text is matched against the catalogue (the older way, while messages move to ids).
    English (or any other ``lang``) returns ``text`` unchanged; so does a non-string, and so do the writer's
    words in it: a :class:`Verbatim` text, and every ``<bdi>…</bdi>`` span (kept exactly as they are).
    """
    if lang != "zh" or not isinstance(text, str) or not text.strip() or isinstance(text, Verbatim):
        return text
    if isinstance(text, (Message, Joined)):
        shown = by_id(text, lang)
        if shown is not None:
            return shown
        text = str(text)  # an id the catalogue lacks (the catalogue test fails on it): matched as English
    if text.strip() in ZH:  # a multi-line entry (a Markdown list)
        return _one(text)
    masked, held = _hold(text)
    return _put_back("\n".join(_segments(line) for line in masked.split("\n")), held)


def translate_html(text, lang: str | None):
    """Like :func:`translate` for the text between the tags of a small HTML fragment."""
    if lang != "zh" or not isinstance(text, str) or "<" not in text or isinstance(text, (Verbatim, Message, Joined)):
        return translate(text, lang)
    if "<pre" in text:  # preformatted text is the writer's own (a diff of two versions): left as it is
        return text
    # kept as typed: <bdi> (the writer's words) and any element marked translate="no" (HTML's own way to say
    # "not to be translated": a fact quoted from the draft)
    parts = re.split(r"(<bdi>.*?</bdi>|<(\w+)\b[^<>]*\btranslate=\"no\"[^<>]*>.*?</\2>)", text, flags=re.DOTALL)
    parts = [p for i, p in enumerate(parts) if i % 3 != 2]  # the tag names the pattern's second group caught
    return "".join(p if i % 2 else re.sub(r">([^<>]+)<", lambda m: ">" + translate(m.group(1), lang) + "<", p)
                   for i, p in enumerate(parts))


def known(text: str) -> bool:
    """Whether ``text`` has a Chinese translation (exact, by pattern or piece by piece)."""
    return translate(text, "zh") != text or not re.search(r"[A-Za-z]{2,}", text)


# ---------------------------------------------------------------------- the request's language
def _lang_of(tag: str | None) -> str | None:
    tag = (tag or "").strip().lower()
    if tag.startswith("zh"):
        return "zh"
    if tag.startswith("en"):
        return "en"
    return None


def language_of_headers(headers) -> str:
    """``"zh"`` or ``"en"`` from request headers: the ``studio-lang`` cookie, else ``Accept-Language``
    (its first tag that is Chinese or English), else English."""
    if headers is None:
        return "en"
    get = headers.get
    cookie = SimpleCookie()
    with contextlib.suppress(Exception):  # a malformed cookie header is ignored
        cookie.load(get("cookie") or "")
    if COOKIE in cookie:
        lang = _lang_of(cookie[COOKIE].value)
        if lang:
            return lang
    for part in (get("accept-language") or "").split(","):
        lang = _lang_of(part.split(";")[0])
        if lang:
            return lang
    return "en"


def request_language(request=None) -> str:
    """The language of ``request`` (a ``gr.Request``), or of the event being handled now."""
    if request is None:
        from gradio.context import LocalContext

        request = LocalContext.request.get(None)
    return language_of_headers(getattr(request, "headers", None)) if request is not None else "en"


__all__ = ["I18N", "LANGUAGES", "COOKIE", "Verbatim", "by_id", "chinese", "templates", "marker", "has_marker", "unmark", "translate", "translate_html", "known",
           "request_language", "language_of_headers"]
