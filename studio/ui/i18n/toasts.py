"""Toasts and progress texts in the language of the request that makes them, through Gradio's public API.

:func:`Info` and :func:`Warning` are ``gr.Info`` and ``gr.Warning`` with the message and the title translated
where they are made (the tabs call ``i18n.Info(...)``/``i18n.Warning(...)``). :class:`LocalProgress` stands
for the ``gr.Progress`` a handler is given (:func:`~.boundary.translate_events` hands it over), so each
``progress(..., desc=..., unit=...)`` is shown in the request's language. Nothing of Gradio is patched.
"""

from __future__ import annotations

import gradio as gr

from .core import request_language, translate, unmark


def _here(text, lang: str | None = None):
    """``text`` (English, or a translation key) in the language of the request being handled."""
    return translate(unmark(text), lang or request_language())


def Info(message: str = "", duration: float | None = 10, visible: bool = True, title: str = "Info") -> None:
    """``gr.Info`` in the request's language."""
    gr.Info(_here(message), duration=duration, visible=visible, title=_here(title))


def Warning(message: str = "", duration: float | None = 10, visible: bool = True,
            title: str = "Warning") -> None:
    """``gr.Warning`` in the request's language."""
    gr.Warning(_here(message), duration=duration, visible=visible, title=_here(title))


class LocalProgress:
    """A handler's ``gr.Progress`` whose descriptions and units are shown in ``lang``."""

    def __init__(self, progress: gr.Progress, lang: str):
        self._progress, self._lang = progress, lang

    def __call__(self, progress, desc: str | None = None, total=None, unit: str = "steps", _tqdm=None):
        return self._progress(progress, desc=_here(desc, self._lang), total=total, unit=_here(unit, self._lang),
                              _tqdm=_tqdm)

    def tqdm(self, iterable, desc: str | None = None, total=None, unit: str = "steps", _tqdm=None):
        return self._progress.tqdm(iterable, desc=_here(desc, self._lang), total=total,
                                   unit=_here(unit, self._lang), _tqdm=_tqdm)

    def __getattr__(self, name):
        return getattr(self._progress, name)

    def __iter__(self):
        return iter(self._progress)

    def __len__(self):
        return len(self._progress)


def localized_progress(args: tuple, kwargs: dict, lang: str) -> tuple[tuple, dict]:
    """``args`` and ``kwargs`` of a handler call with each ``gr.Progress`` in them shown in ``lang``."""
    if lang == "en":
        return args, kwargs

    def wrap(v):
        return LocalProgress(v, lang) if isinstance(v, gr.Progress) else v

    return tuple(wrap(a) for a in args), {k: wrap(v) for k, v in kwargs.items()}


__all__ = ["Info", "Warning", "LocalProgress", "localized_progress"]
