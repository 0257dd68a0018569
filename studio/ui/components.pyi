"""Small Gradio components of Studio's own.

Kept in this module, with its committed ``components.pyi``, because Gradio writes a
``.pyi`` stub beside any module that subclasses a component; with the stub already
present and current, importing the studio writes nothing (a read-only install works).
"""

from __future__ import annotations

import gradio as gr

from gradio.events import Dependency

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
            raise gr.Error(f"{self.label}: must be a whole number, not {payload!r}.") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise gr.Error(f"{self.label}: must be a whole number, not {payload!r}.")
        return int(number) if number.is_integer() else number
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component