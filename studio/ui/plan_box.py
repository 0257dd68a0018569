"""The Write tab's plan step, for articles only (issue #26): "Plan first" shows the headings Studio plans (the
writer's outline, or the model's plan for the kind of article, each heading checked) in an editable box, one
heading per line; the writer edits, reorders, adds or removes lines, and "Write from this plan" writes the
sections under exactly those headings (:func:`plan_request`). Writing without planning first is unchanged.

Also the guard every writing button passes first (:func:`not_busy`): a click while this page is already writing
says so, instead of nothing happening.
"""

from __future__ import annotations

import dataclasses

import gradio as gr

from ..errors import InvalidInput
from ..identity import browser_secret, owner_of
from ..messages import Message
from ..text.engine import WriteRequest
from .common import reports_to, session_id, stop_event
from .drafting import write_request

PLAN_HELP = "Edit, reorder, add or remove lines: the sections are written under exactly these headings."


def build(w) -> None:
    """The plan box, below the brief (``w.plan_group``, shown for articles only): the "Plan first" button, then
    the headings to edit and "Write from this plan" (shown once there is a plan)."""
    with gr.Column(elem_id="write-plan-box") as w.plan_group:
        w.plan_btn = gr.Button("Plan first", size="sm", elem_id="plan-btn")
        with gr.Column(visible=False, elem_id="write-plan-edit") as w.plan_edit:
            w.plan = gr.Textbox(label="Plan (one heading per line)", lines=6, max_lines=14, elem_id="write-plan",
                                info=PLAN_HELP)
            w.write_plan_btn = gr.Button("Write from this plan", variant="primary", size="sm",
                                         elem_id="write-plan-btn")


def plan_view(task: str) -> dict:
    """The plan box is shown for an article only (the other tasks have no sections)."""
    return gr.update(visible=task == "article")


def restored_plan(stored) -> tuple:
    """The plan kept in this browser, back in its box after a reload (an edited plan is the writer's words)."""
    text = stored if isinstance(stored, str) else ""
    return (text, gr.update(visible=True)) if text.strip() else (gr.skip(), gr.skip())


def plan_request(plan_text: str | None, **form) -> WriteRequest:
    """The request of "Write from this plan": the form's settings and the plan box's headings, one per line
    (blank lines skipped), each exactly as the writer typed it.

    Raises:
        InvalidInput: (field ``plan``) the box is empty; the engine checks the headings themselves.
    """
    if not (plan_text or "").strip():
        raise InvalidInput("plan", "is empty. Press Plan first, or type one heading per line.")
    return dataclasses.replace(write_request(**form), plan=plan_text)


def not_busy(ctx):
    """The guard a writing button runs first (not queued): when this page is already writing, it says so and
    the click does nothing else (the button's generation is chained with ``.success``)."""

    def check(request: gr.Request):
        if ctx.jobs.running(session_id(request), "write"):
            raise gr.Error(Message("Already writing — press Stop first, or wait."))

    return check


def guard(ctx) -> dict:
    """The listener options of :func:`not_busy`: queued (an error of an event that is not queued reaches the page
    as a bare HTTP error, no message), but never waiting behind the writing jobs."""
    return {"fn": not_busy(ctx), "inputs": None, "outputs": None, "api_visibility": "private",
            "concurrency_limit": None, "show_progress": "hidden"}


def connect(ctx, w, form: dict, labels: dict, queue: dict) -> None:
    """Wire the plan box: shown with the task, filled by "Plan first". ``form``: the form's components by field
    name; ``labels``: field names as the tab shows them; ``queue``: the writing queue's options."""
    w.task.change(plan_view, w.task, w.plan_group, api_visibility="private", queue=False)

    @reports_to(w.status, labels)
    def on_plan(request: gr.Request, **form_values):
        req = write_request(**form_values).validated()  # a bad field is said before the box appears
        # the box shows that it is being planned (the model may take half a minute on a small machine)
        yield gr.update(value="", placeholder=Message("Planning the article…")), gr.update(visible=True)
        try:
            with stop_event(ctx, request, "write") as stop:
                headings = ctx.text.plan(req, stop, owner=owner_of(ctx, request))
        except Exception:
            yield gr.update(placeholder=""), gr.update(visible=True)  # then the error is said
            raise
        yield gr.update(value="\n".join(headings), placeholder=""), gr.update(visible=True)

    # the plan, edited or not, comes back after a reload (kept in this browser, like the topic)
    kept = gr.BrowserState("", storage_key="studio-write-plan", secret=browser_secret(ctx))
    w.plan.change(lambda text: text or "", w.plan, kept, show_progress="hidden", trigger_mode="always_last",
                  api_visibility="private")
    root = gr.context.Context.root_block
    if root is not None:
        root.load(restored_plan, kept, [w.plan, w.plan_edit], api_visibility="private", show_progress="hidden")

    w.plan_btn.click(**guard(ctx)).success(
        on_plan, inputs_kwargs=form, outputs=[w.plan, w.plan_edit, w.status], api_visibility="private",
        concurrency_id="text", **queue)


__all__ = ["build", "connect", "guard", "not_busy", "plan_request", "plan_view", "restored_plan", "PLAN_HELP"]
