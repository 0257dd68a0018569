"""Helpers every tab uses: errors to ``gr.Error``, stop events per session."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging

import gradio as gr

from ..devices import free_memory
from ..errors import StudioError
from ..identity import user_name  # noqa: F401 - re-exported: the tabs ask common for it
from ..lazy import torch_oom  # torch is imported on first use, not at start-up
from ..messages import Joined, Message
from . import i18n

log = logging.getLogger(__name__)

OOM_HINT = (
    "The device ran out of memory. Try a smaller size or fewer images, "
    "or restart the studio with --cpu-offload, --attention-slicing or --vae-tiling."
)


def to_gr_error(exc: BaseException) -> gr.Error:
    """A ``gr.Error`` with a message for the writer.

    Expected errors (a bad value, a missing model, a ``gr.Error`` raised on purpose) are quiet in the
    server log: Gradio would print a full traceback for each. Unexpected ones are logged once, here,
    with their traceback.
    """
    if isinstance(exc, gr.Error):
        exc.print_exception = False
        return exc
    if isinstance(exc, StudioError):
        return gr.Error(exc.message, title="Please check" if exc.field else "Studio", print_exception=False)
    if isinstance(exc, torch_oom()):
        free_memory()
        log.warning("out of memory: %s", exc)
        return gr.Error(OOM_HINT, title="Out of memory", print_exception=False)
    log.exception("unexpected error", exc_info=exc)
    return gr.Error(Message("Something went wrong: {m}", m=f"{type(exc).__name__}: {str(exc)[:300]}"),
                    title="Studio", print_exception=False)


def as_param(text: str) -> str:
    """``text`` as a message's parameter that is shown in the writer's language: by its id, or (text with no id
    yet, plain English) matched against the catalogue as before."""
    return text if isinstance(text, (Message, Joined)) else Joined("", [text])


def _body(exc: BaseException, rest: str) -> str:
    """The part of ``exc``'s message after its field's name, by its id where the error carries one."""
    if isinstance(exc, StudioError) and isinstance(getattr(exc, "template", None), str):
        body = Message(exc.template, **(exc.params or {}))
        if body == rest:
            return body
    return as_param(rest)


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


def ui_message(exc: BaseException, labels: dict[str, str] | None = None) -> str:
    """The message of ``exc`` as the writer should read it: an engine error names its field by the API name
    (``prompt: the topic is empty.``); in a tab, the field is named by the label the writer sees
    (``Topic: the topic is empty.``). ``labels`` maps API field names to the tab's labels."""
    err = to_gr_error(exc)
    msg = getattr(err, "message", "") or str(err)
    msg = msg if isinstance(msg, str) else str(msg)
    field = getattr(exc, "field", None)
    if labels and field in labels and msg.startswith(f"{field}:"):
        rest = msg[len(field) + 1:].strip()
        # an empty label: the rest already names the thing ("the topic is empty.")
        msg = Message("{t_f}: {m}", t_f=Message(labels[field]), m=_body(exc, rest)) if labels[field] \
            else rest[:1].upper() + rest[1:]
    return msg


def reports_to(status, labels: dict[str, str] | None = None):
    """Decorator for event handlers whose outputs must never be covered by an error.

    Gradio marks every output of a failed event with a red "Error" panel that hides it (a draft looks
    deleted). A handler wrapped here never fails for the writer: its error is shown as a toast and as a
    line in ``status``, a Markdown next to the control that caused it, and no other output changes.
    ``status`` must be the *last* output of the event; the wrapper appends ``""`` (clears it) to each
    normal result, so the handler itself returns or yields its other outputs as before.
    """

    def with_status(result):
        if isinstance(result, dict):
            return {**result, status: ""}
        return (*result, "") if isinstance(result, tuple) else (result, "")

    def failed(exc: BaseException) -> dict:
        msg = ui_message(exc, labels)
        i18n.Warning(msg)
        return {status: Message("⚠️ {m}", m=as_param(msg))}

    def deco(fn):
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                try:
                    for result in gen:
                        yield with_status(result)
                except GeneratorExit:
                    raise
                except Exception as exc:  # noqa: BLE001
                    yield failed(exc)
                finally:
                    gen.close()  # a closed tab or Stop reaches the handler's own clean-up at once

            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return with_status(fn(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001
                return failed(exc)

        return wrapper

    return deco


def session_id(request: gr.Request | None) -> str:
    """The Gradio session hash of ``request`` (empty string outside a session)."""
    return getattr(request, "session_hash", None) or ""


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
