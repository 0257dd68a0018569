"""Engine errors shown by id (issue #24): an error that carries its English template and named parameters
(:class:`studio.errors.StudioError`) is shown in Chinese by looking the template up in the catalogue and
putting the same parameters in, as given: a parameter is never translated, whatever it says.

An error whose template the catalogue lacks, or that carries no parameters and no exact entry, falls back
to the English text matched against the catalogue (:func:`.core.translate`).
"""

from __future__ import annotations

from ...errors import StudioError
from .core import chinese, templates, translate

BY_ID: dict[str, str] = templates()
FIELD_ID = "{t_f}: {m}"  # "Tone: must be ...": the field's label, then the message


def render(exc: StudioError, lang: str | None) -> str | None:
    """``exc``'s message in ``lang`` by its id, or None when it must be matched as English text."""
    if lang != "zh":
        return exc.message
    template, params = getattr(exc, "template", None), getattr(exc, "params", None) or {}
    if not isinstance(template, str):
        return None
    body = chinese(template, params)
    if body is None:
        return None
    english = template.format(**params) if params else template
    if exc.message == english:
        return body
    prefix = exc.message[: len(exc.message) - len(english)]
    if not exc.message.endswith(english) or not prefix.endswith(": "):
        return None
    field = prefix[:-2]  # an on-screen label is translated (Tone → 语气); an API or flag name stays as it is
    return BY_ID[FIELD_ID].format(t_f=translate(field, "zh"), m=body)


__all__ = ["BY_ID", "render"]
