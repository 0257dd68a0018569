"""Helpers every tab uses: errors to ``gr.Error``, stop events per session."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging

import gradio as gr
import torch

from ..devices import free_memory
from ..errors import StudioError

log = logging.getLogger(__name__)

OOM_HINT = (
    "The device ran out of memory. Try a smaller size or fewer images, "
    "or restart the studio with --cpu-offload, --attention-slicing or --vae-tiling."
)


def to_gr_error(exc: BaseException) -> gr.Error:
    """A ``gr.Error`` with a message for the writer; unexpected errors are logged with their traceback."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, StudioError):
        return gr.Error(exc.message, title="Please check" if exc.field else "Studio")
    if isinstance(exc, torch.OutOfMemoryError):
        free_memory()
        return gr.Error(OOM_HINT, title="Out of memory")
    log.exception("unexpected error", exc_info=exc)
    return gr.Error(f"Something went wrong: {type(exc).__name__}: {str(exc)[:300]}", title="Studio")


def guard(fn):
    """Decorator for event handlers (plain or generator): turn errors into ``gr.Error``."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except GeneratorExit:
                raise
            except Exception as exc:  # noqa: BLE001
                raise to_gr_error(exc) from exc

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    return wrapper


def session_id(request: gr.Request | None) -> str:
    """The Gradio session hash of ``request`` (empty string outside a session)."""
    return getattr(request, "session_hash", None) or ""


def user_name(request: gr.Request | None) -> str | None:
    """The logged-in user (with ``--auth``), else ``None``."""
    return getattr(request, "username", None) or None


@contextlib.contextmanager
def stop_event(ctx, request: gr.Request | None, kind: str):
    """Context manager: a fresh stop event for this session's ``kind`` of job, forgotten afterwards.

    The event is also set when the handler's generator is closed (Gradio
    cancels it when the browser disconnects), so nothing keeps computing
    for a user who left.
    """
    sid = session_id(request)
    event = ctx.jobs.start(sid, kind)
    try:
        yield event
    finally:
        event.set()
        ctx.jobs.finish(sid, kind, event)
