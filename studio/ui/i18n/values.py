"""Values stay values (issue #31): Gradio's front end shows a component's first ``value`` through its
catalog too, looking up any plain string, so a choice whose value is also an English text of the catalog
("Preset", "neutral") would be sent back translated ("预设") and refused by the server. After
:func:`~.boundary.localize`, every string value of the built Blocks (choice values, first values) is taken
out of the page's catalog, unless a label uses the same text: then a test fails
(tests/test_i18n.py) and the choice needs a value of its own (a ``(label, value)`` pair)."""

from __future__ import annotations

import gradio as gr

from .core import FRONT, has_marker

_DISPLAY = ("Markdown", "Button", "DownloadButton", "UploadButton", "HTML")
_SKIP = ("Api", "State", "BrowserState", "Timer")


def values_of(demo: gr.Blocks):
    """``(component, value)`` for every string a component sends back as its value (choice values, first
    values), not the texts it only shows."""
    for block in demo.blocks.values():
        kind = type(block).__name__
        if kind in _SKIP or kind in _DISPLAY:
            continue
        for choice in getattr(block, "choices", None) or []:
            value = choice[1] if isinstance(choice, (tuple, list)) and len(choice) == 2 else choice
            if isinstance(value, str):
                yield block, value
        value = getattr(block, "value", None)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and not has_marker(v):
                yield block, v


def label_keys(demo: gr.Blocks) -> set[str]:
    """The catalog texts the page's labels, help texts, buttons and choice labels use."""
    import json
    import re

    keys = set()
    for block in demo.blocks.values():
        texts = [getattr(block, a, None) for a in ("label", "info", "placeholder", "value")]
        texts += [c[0] for c in getattr(block, "choices", None) or [] if isinstance(c, (tuple, list))]
        for text in texts:
            if isinstance(text, str) and has_marker(text):
                for m in re.finditer(r"__i18n__(\{[^{}]*\})", text):
                    keys.add(json.loads(m.group(1)).get("key", ""))
    return keys


def keep_values(demo: gr.Blocks) -> list[tuple[object, str]]:
    """Take every value of ``demo`` out of the page's catalog (see the module). Returns the values that
    could not be taken out because a label uses the same text (each needs a value of its own)."""
    labels, clashes = label_keys(demo), []
    for block, value in values_of(demo):
        if value in FRONT:
            if value in labels:
                clashes.append((block, value))
            else:
                del FRONT[value]
    return clashes


__all__ = ["keep_values", "values_of", "label_keys"]
