"""Where the studio's English meets the writer's language: once, on the built Blocks.

* :func:`localize`: every user-visible string of every component (label,
  info, placeholder, the value of Markdown, HTML and buttons, tab and
  accordion labels, the display names of choices) becomes a Gradio
  translation key, so the front end shows it in the browser's language.
  Values the API uses (choice values, field names) are not touched.
* :func:`translate_events`: every event handler's display outputs (Markdown,
  HTML, button text, and the label/info/placeholder/choices of updates), its
  errors (``gr.Error``) and its progress texts (the ``gr.Progress`` it is given)
  are translated into the language of the request that ran it. Toasts are
  translated where they are made (:mod:`.toasts`: ``i18n.Info``/``i18n.Warning``).

The tab modules stay in English and know nothing of this.
"""

from __future__ import annotations

import functools
import inspect

import gradio as gr

from ...errors import StudioError
from ...messages import Joined, Message
from .core import Verbatim, add, has_marker, marker, request_language, translate, translate_html, unmark
from .messages import render
from .toasts import localized_progress
from .values import keep_values
from .zh import ZH

_SKIP = ("Api", "State", "BrowserState", "Timer", "Form", "Row", "Column", "Group", "Tabs")
# components whose value is text Studio shows (a Button's value is its label; a DownloadButton's or an
# UploadButton's is a file, and every other component's value is the writer's: none of them is translated)
_DISPLAY_VALUE = ("Markdown", "Button")


def _key(text):
    """A translation key for ``text`` when the catalog has it (exactly, or by pattern: then it is added), else
    ``text``. Keys with braces are left alone (Gradio's front end reads them as ICU message fields)."""
    if not isinstance(text, str) or not text.strip() or has_marker(text) or "{" in text or "}" in text \
            or isinstance(text, Verbatim):  # the writer's own words (a voice's name) stay as typed
        return text
    if text not in ZH:
        zh = translate(text, "zh")  # a message by its id
        if zh == text:
            return text
        add(str(text), zh)  # a built-in note made from a template ("The picture is 64×64 px."); a plain str key
    return marker(str(text))


def strings(demo: gr.Blocks):
    """``(component, where, text)`` for every user-visible English string on ``demo``."""
    for block in demo.blocks.values():
        kind = type(block).__name__
        if kind in _SKIP or getattr(block, "visible", True) == "hidden":  # "hidden": never shown
            continue
        for attr in ("label", "info", "placeholder"):
            value = getattr(block, attr, None)
            if isinstance(value, str) and value.strip():
                yield block, attr, value
        value = getattr(block, "value", None)
        if (kind in _DISPLAY_VALUE or kind == "HTML") and isinstance(value, str) and value.strip():
            yield block, "value", value
        for label, _value in getattr(block, "choices", None) or []:
            if isinstance(label, str):
                yield block, "choices", label
        headers = getattr(block, "headers", None)
        if kind == "Dataframe" and headers:
            for h in headers:
                yield block, "headers", h


def localize(demo: gr.Blocks) -> None:
    """Replace each catalogued string on ``demo`` by its translation key (see the module)."""
    for block in demo.blocks.values():
        kind = type(block).__name__
        if kind in _SKIP:
            continue
        for attr in ("label", "info", "placeholder"):
            value = getattr(block, attr, None)
            if isinstance(value, str):
                setattr(block, attr, _key(value))
        if kind in _DISPLAY_VALUE and isinstance(getattr(block, "value", None), str):
            block.value = _key(block.value)  # type: ignore[union-attr]  # a component's: checked just above
        choices = getattr(block, "choices", None)
        if choices:
            block.choices = [  # type: ignore[union-attr]  # a component's: checked just above
                (_key(c[0]), c[1]) if isinstance(c, (tuple, list)) and len(c) == 2 else c for c in choices]
    keep_values(demo)  # a value the page would otherwise show (and send back) translated


# ---------------------------------------------------------------------- events
def _choices(choices, lang):
    if not isinstance(choices, (list, tuple)):
        return choices
    return [(translate(unmark(c[0]), lang), c[1]) if isinstance(c, (tuple, list)) and len(c) == 2 else c
            for c in choices]


def _cells(rows):
    """A table's rows with each cell that is a message by id (not the writer's words) in Chinese."""
    if not isinstance(rows, list):
        return rows
    return [[translate(c, "zh") if isinstance(c, (Message, Joined)) else c for c in r] if isinstance(r, list) else r
            for r in rows]


def _table(comp, value, lang):
    """A Dataframe's value with its column names in ``lang`` (Gradio's front end does not translate them) and its
    cells that are messages by id."""
    if lang != "zh":
        return value
    if isinstance(value, dict) and isinstance(value.get("headers"), list):
        return {**value, "headers": [translate(str(h), lang) for h in value["headers"]],
                **({"data": _cells(value["data"])} if "data" in value else {})}
    if isinstance(value, list) and getattr(comp, "headers", None):
        return {"data": _cells(value), "headers": [translate(str(h), lang) for h in comp.headers]}
    if hasattr(value, "columns") and hasattr(value, "rename"):  # a pandas DataFrame
        return value.rename(columns={c: translate(str(c), lang) for c in value.columns})
    return value


def _value(comp, value, lang):
    kind = type(comp).__name__
    if kind == "Dataframe" and not (isinstance(value, dict) and value.get("__type__") == "update"):
        return _table(comp, value, lang)
    if isinstance(value, dict) and value.get("__type__") == "update":
        out = dict(value)
        for attr in ("label", "info", "placeholder"):
            if isinstance(out.get(attr), str):
                out[attr] = translate(unmark(out[attr]), lang)
        if "choices" in out:
            out["choices"] = _choices(out["choices"], lang)
        if "value" in out:
            out["value"] = _value(comp, out["value"], lang)
        return out
    if not isinstance(value, str):
        return value
    if kind == "HTML":
        return translate_html(unmark(value), lang)
    if kind in _DISPLAY_VALUE:
        return translate(unmark(value), lang)
    return value


def _result(result, outputs, lang):
    if isinstance(result, dict) and result.get("__type__") != "update":
        return {k: _value(k, v, lang) for k, v in result.items()}
    if len(outputs) == 1:
        return _value(outputs[0], result, lang)
    if isinstance(result, (tuple, list)) and len(result) == len(outputs):
        values = [_value(c, v, lang) for c, v in zip(outputs, result, strict=False)]
        # a NamedTuple (the Library's handlers return them: Saved, Opened...) is rebuilt field by field
        return type(result)._make(values) if hasattr(result, "_make") else type(result)(values)
    return result


def _error(exc: gr.Error, lang) -> gr.Error:
    """``exc`` in ``lang``: by its id when it stands for an engine error that carries one (:mod:`.messages`),
    else by its English text."""
    cause = exc.__cause__
    by_id = render(cause, lang) if isinstance(cause, StudioError) and unmark(exc.message) == cause.message else None
    exc.message = by_id if by_id is not None else translate(unmark(exc.message), lang)
    exc.title = translate(unmark(exc.title), lang)
    return exc


def _wrap(fn, outputs):
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen(*args, **kwargs):
            lang = request_language()
            args, kwargs = localized_progress(args, kwargs, lang)
            inner = fn(*args, **kwargs)
            try:
                for result in inner:
                    yield _result(result, outputs, lang)
            except gr.Error as exc:
                _error(exc, lang)
                raise
            finally:
                inner.close()  # a closed page or Stop reaches the handler's own clean-up at once

        return gen

    @functools.wraps(fn)
    def plain(*args, **kwargs):
        lang = request_language()
        args, kwargs = localized_progress(args, kwargs, lang)
        try:
            return _result(fn(*args, **kwargs), outputs, lang)
        except gr.Error as exc:
            _error(exc, lang)
            raise

    return plain


def _load_localizer(demo: gr.Blocks) -> None:
    """A page-load event that sends, in the page's language, what Gradio's front end does not translate and no
    other load event fills: table column names (Dataframe) and picture captions (Gallery)."""
    loaded = {id(o) for f in demo.fns.values() if any(t[1] == "load" for t in (f.targets or []))
              for o in f.outputs}
    tables = [b for b in demo.blocks.values() if type(b).__name__ == "Dataframe" and id(b) not in loaded
              and isinstance(v := getattr(b, "value", None), dict) and v.get("headers")]
    galleries = [b for b in demo.blocks.values() if type(b).__name__ == "Gallery" and id(b) not in loaded
                 and isinstance(v := getattr(b, "value", None), list)
                 and any(isinstance(i, dict) and i.get("caption") for i in v)]
    if not tables and not galleries:
        return

    def localized():
        lang = request_language()
        if lang == "en":
            return tuple(gr.skip() for _ in tables + galleries)
        out = [{"data": t.value.get("data") or [], "headers": t.value["headers"]} for t in tables]
        out += [[((i.get("image") or {}).get("path"), translate(i.get("caption") or "", lang)) for i in g.value]
                for g in galleries]
        return tuple(out)

    with demo:
        demo.load(localized, None, tables + galleries, show_progress="hidden", api_visibility="private",
                  queue=False)


def _plain(value):
    """``value`` (API info: dicts, lists, strings) with every translation key turned back into English."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return unmark(value) if isinstance(value, str) else value


def translate_events(demo: gr.Blocks) -> None:
    """Wrap every Python event handler of ``demo`` (see the module). Async handlers are left as they are.
    The API's description (``/info``, ``gradio_client``'s ``view_api``) keeps English labels."""
    _load_localizer(demo)
    api_info = demo.get_api_info

    @functools.wraps(api_info)
    def get_api_info(*args, **kwargs):
        return _plain(api_info(*args, **kwargs))

    demo.get_api_info = get_api_info  # type: ignore[method-assign]  # the API page without the catalogue's keys
    for block_fn in demo.fns.values():
        fn = block_fn.fn
        if fn is None or inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
            continue
        if getattr(fn, "_studio_i18n", False):
            continue
        wrapped = _wrap(fn, list(block_fn.outputs))
        wrapped._studio_i18n = True
        block_fn.fn = wrapped


__all__ = ["localize", "translate_events", "strings", "unmark"]
