"""Typed errors raised by Studio's engines.

Every message is written for a writer, not an ML engineer: it says what was
wrong and what to do. The UI turns each one into a ``gr.Error``.
"""

from __future__ import annotations

from .messages import Message


class StudioError(Exception):
    """Base class of every error Studio shows to its user.

    A message is an English template, its id, with named parameters: ``StudioError("The folder {p} does not
    exist.", p=path)``. The English text (``message``, ``str()``) is the template with the parameters put in;
    the UI shows the catalogue's text for the id in the writer's language and puts the same parameters in,
    untranslated (``studio/ui/i18n/messages.py``). A message given without parameters is its own id.

    Attributes:
        message: The English text (for logs, the API and the English UI).
        field: The name of the input that was wrong (``"width"``,
            ``"seed"``...), or ``None`` when no single field is to blame.
        template: The message's id: its English template (the text itself when there are no parameters).
        params: The named parameters, as given (never translated).
    """

    def __init__(self, message: str, field: str | None = None, **params):
        text = message.format(**params) if params else message
        super().__init__(text)
        self.message = Message(message, **params)
        self.field = field
        self.template = message
        self.params = params

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InvalidInput(StudioError, ValueError):
    """A value given by the user (UI or API) is not allowed.

    The message names the field and the allowed values. Nothing was computed
    and nothing was written.
    """

    def __init__(self, field: str, message: str, **params):
        body = message.format(**params) if params else message
        text = body if body.lower().startswith(field.lower()) else f"{field}: {body}"
        super().__init__(text, field=field)
        self.template, self.params = message, params  # the id is the part after the field's name


class ModelUnavailable(StudioError):
    """A model reference could not be resolved or loaded.

    The message says what was tried and how to fix it.
    """


class Cancelled(StudioError):
    """The user pressed Stop (or closed the tab) before the work finished."""

    def __init__(self, message: str = "Stopped."):
        super().__init__(message)


def raise_if_stopped(stop) -> None:
    """Raise :class:`Cancelled` when the stop event ``stop`` (a ``threading.Event`` or None) is set."""
    if stop is not None and stop.is_set():
        raise Cancelled()


class OutOfMemory(StudioError):
    """The device ran out of memory; the message suggests a smaller job or offload flags."""


class VersionConflict(InvalidInput):
    """A save was based on an older version than the article's newest one (another tab,
    window or API client saved in between). Nothing was written.

    Attributes:
        newest: the id of the article's newest version.
        base: the version the refused save was based on.
    """

    def __init__(self, base: int, newest: int, article_id: int):
        super().__init__(
            "base_version",
            "article {a} was changed elsewhere (another tab, window or program) after version {b}: its newest "
            "version is {n}. Nothing was saved. Reload the article to see that text, or save again with "
            "base_version={n} to keep yours as the newest version (both stay in its versions).",
            a=article_id, b=base, n=newest,
        )
        self.newest, self.base = newest, base
