"""Small Gradio components of Studio's own.

Kept in this module, with its committed ``components.pyi``, because Gradio writes a
``.pyi`` stub beside any module that subclasses a component; with the stub already
present and current, importing the studio writes nothing (a read-only install works).
"""

from __future__ import annotations

import types

import gradio as gr

from ..messages import Message
from .i18n.core import unmark


def _not_whole(label, payload) -> Message:
    # the label as the writer reads it (a translation key once the page is localized: its English)
    return Message("{t_f}: {m}", t_f=Message(unmark(label or "")),
                   m=Message("must be a whole number, not {user_v}.", user_v=repr(payload)))


class WholeNumber(gr.Number):
    """A ``gr.Number`` that the API documents as an integer but that is never rounded:
    ``4.5`` reaches the engine's checks and is refused with a message, not silently made 4."""

    is_template = True  # rendered by the frontend's ordinary Number; create with precision=0

    def preprocess(self, payload):
        if payload is None:
            return None
        try:
            number = float(payload)
        except (TypeError, ValueError):
            raise gr.Error(_not_whole(self.label, payload)) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise gr.Error(_not_whole(self.label, payload))
        return int(number) if number.is_integer() else number


def _path_preprocess(self, payload):
    """Hand an uploaded file's path to the handler without opening it (a ``gr.Image`` with
    ``type="filepath"`` otherwise opens it with Pillow first), so Studio's own loader checks
    its size (decompression bombs, tiny pictures) and reports problems in words before any
    pixel is decoded. Data URLs (pasted pictures) keep Gradio's own handling."""
    if payload is not None and payload.path and not str(payload.url or "").startswith("data:"):
        return str(payload.path)
    return gr.Image.preprocess(self, payload)


def path_image(label: str, **kw) -> gr.Image:
    """An upload ``gr.Image`` whose value is the file's path, unopened (see :func:`_path_preprocess`)."""
    image = gr.Image(label=label, type="filepath", image_mode=None, sources=["upload", "clipboard"],
                     format="png", **kw)
    image.preprocess = types.MethodType(_path_preprocess, image)  # type: ignore[method-assign]  # per instance: Gradio has no hook
    return image


def _any_choice_preprocess(self, payload):
    """Hand the value to the handler as it came, so the engine's own check refuses an unknown one with a
    message naming the field and the values allowed (Gradio's would name neither)."""
    return payload


def any_choice_radio(choices: list, **kw) -> gr.Radio:
    """A ``gr.Radio`` whose API value reaches the handler unchecked (see :func:`_any_choice_preprocess`);
    the handler must check it (``studio.validate.check_choice``)."""
    radio = gr.Radio(choices, **kw)
    radio.preprocess = types.MethodType(_any_choice_preprocess, radio)  # type: ignore[method-assign]  # per instance: Gradio has no hook
    return radio
