"""A tab's components by name, so that handlers can say what they change by name."""

from __future__ import annotations

import types

import gradio as gr


class Parts(types.SimpleNamespace):
    """A tab's components as attributes (``parts.prompt``).

    A handler's logic returns ``{name: value}``; :meth:`show` makes it Gradio's ``{component: value}``
    (components not named keep their value) and :meth:`list` gives an event's outputs by name.
    """

    def list(self, *names: str) -> list:
        """The components called ``names``, in that order."""
        return [getattr(self, n) for n in names]

    def show(self, result: dict) -> dict:
        """``{name: value}`` to ``{component: value}`` (``gr.skip()`` when nothing changes)."""
        if not result:
            return gr.skip()
        return {getattr(self, name): value for name, value in result.items()}
