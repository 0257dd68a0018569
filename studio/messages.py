"""Messages by id (issue #24): what a writer reads is an English template, its id, with named parameters.

``Message("Saved {t}", t=when)`` *is* the English text (a ``str``: logs, the API and the English UI use it as
it is) and carries its id and parameters, so the UI shows it in the writer's language by looking the id up in
the catalogue (:mod:`studio.ui.i18n`) and putting the parameters in **as they are**: a parameter is never
translated, whatever it says (a writer's topic "Stop" stays "Stop"). A parameter that is itself a message
(``Message("Tone")``) is shown in the writer's language in turn. :class:`Joined` keeps the pieces of a status
line or a list of notes, each shown by its own id.

A template is a literal in the code (never an f-string), so that the catalogue test finds every id and every
id's Chinese text (``tests/test_i18n.py``). This module imports nothing of Studio; any layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable


class Message(str):
    """English text with its id (``template``) and named ``params``; see the module."""

    template: str
    params: dict

    def __new__(cls, template: str, /, **params) -> Message:
        text = template.format(**params) if params else template
        self = super().__new__(cls, text)
        self.template = template
        self.params = params
        return self

    def __reduce__(self):  # copies and pickles keep the id and the parameters
        return (_message, (self.template, self.params))

    # repr() stays the text's own: gr.Error's str() is repr(message), which tests and logs read as the English


def _message(template: str, params: dict) -> Message:
    return Message(template, **params)


class Joined(str):
    """Messages (or any text) joined by ``sep`` (" · " in a status line, "\\n" in a list), each piece shown by
    its own id: ``Joined(" · ", [saved, words])``."""

    sep: str
    parts: tuple

    def __new__(cls, sep: str, parts: Iterable[str]) -> Joined:
        parts = tuple(parts)
        self = super().__new__(cls, sep.join(parts))
        self.sep = sep
        self.parts = parts
        return self

    def __reduce__(self):
        return (Joined, (self.sep, self.parts))


__all__ = ["Message", "Joined"]
