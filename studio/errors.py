"""Typed errors raised by Studio's engines.

Every message is written for a writer, not an ML engineer: it says what was
wrong and what to do. The UI turns each one into a ``gr.Error``.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base class of every error Studio shows to its user.

    Attributes:
        message: The text shown to the user.
        field: The name of the input that was wrong (``"width"``,
            ``"seed"``...), or ``None`` when no single field is to blame.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InvalidInput(StudioError, ValueError):
    """A value given by the user (UI or API) is not allowed.

    The message names the field and the allowed values. Nothing was computed
    and nothing was written.
    """

    def __init__(self, field: str, message: str):
        text = message if message.lower().startswith(field.lower()) else f"{field}: {message}"
        super().__init__(text, field=field)


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
            f"article {article_id} was changed elsewhere (another tab, window or program) after version {base}: "
            f"its newest version is {newest}. Nothing was saved. Reload the article to see that text, or save "
            f"again with base_version={newest} to keep yours as the newest version (both stay in its versions).",
        )
        self.newest, self.base = newest, base
