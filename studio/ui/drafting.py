"""The Write tab's logic, as plain functions: which request a click sends, and where the generated
text lands in the draft.

* :func:`write_request`: the form's named values as a :class:`~studio.text.engine.WriteRequest`.
* :func:`plan`: a draft task (continue, rewrite, summarize) reads the draft or its selection; checks
  the draft's size before anything changes.
* :func:`draft_after`: the draft while a generation streams: a rewrite replaces only the selection
  (the text around it is kept), continue carries on from the end, anything else is added after the draft.
* :func:`task_view`, :func:`task_defaults`, :func:`restored_settings`, :func:`selection_of`: small
  reactions of the form.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from typing import cast

import gradio as gr

from ..messages import Message
from ..provenance.spans import model_name
from ..text.engine import MAX_DRAFT_CHARS, WriteRequest
from ..text.prompts import DRAFT_TASKS, TASK_SAMPLING
from ..text.splice import splice_rewrite

# a default length that fits each task, set when the writer picks the task
TASK_LENGTH = {"article": 400, "outline": 200, "rewrite": 300, "summarize": 120, "headlines": 100,
               "product_description": 120, "ad_copy": 60}
SHORT_PIECES = ("headlines", "product_description", "ad_copy")  # kept apart from the article they join
SETTING_KEYS = ("task", "prompt", "tone", "length_words", "temperature", "top_p", "top_k", "repetition_penalty",
                "max_new_tokens", "seed", "audience", "keywords", "outline")
# kept in the browser across reloads; the brief (audience, keywords, outline) is kept with its article
KEPT_KEYS = tuple(k for k in SETTING_KEYS if k not in ("audience", "keywords", "outline"))
SAMPLING_KEYS = ("temperature", "top_p", "top_k", "repetition_penalty")
CONTINUE_MAX_WORDS = 600
TASK_HELP = {
    "article": "Type a topic. The article is added to the draft (a long one is planned, then written section by section).",
    "outline": "Type a topic. An outline is added to the draft.",
    "continue": "Carries on from the end of your draft, in its voice.",
    "rewrite": "Rewrites the selected text of the draft (or all of it) in the chosen tone.",
    "summarize": "Adds a summary of the selected text (or the whole draft) at the end.",
    "headlines": "Type a topic. Ten headline ideas are added to the draft.",
    "product_description": "Describe the product. A description is added to the draft.",
    "ad_copy": "Describe the product or offer. Ad copy is added to the draft.",
}

Selection = tuple[int, int, str]
"""``(start, end, text)`` of the draft's last selection, in characters."""


def write_request(*, task: str, prompt: str | None, tone: str, length_words, temperature, top_p, top_k,
                  repetition_penalty, max_new_tokens, seed, audience: str | None = "", keywords: str | None = "",
                  outline: str | None = "", model: str | None = "", voice: str | None = "") -> WriteRequest:
    """The Write tab's form as a request (not yet checked: :meth:`WriteRequest.validated` does that).
    Empty boxes are empty strings; an empty seed is -1 (random)."""
    return WriteRequest(prompt=prompt or "", task=task, tone=tone, length_words=length_words,
                        temperature=temperature, top_p=top_p, top_k=top_k, repetition_penalty=repetition_penalty,
                        max_new_tokens=max_new_tokens, seed=seed if seed is not None else -1,
                        audience=audience or "", keywords=keywords or "", outline=outline or "", model=model or "",
                        voice=voice or "")


def continue_request(draft: str, **form) -> WriteRequest:
    """The request of the Continue button: the form's settings, the draft as the text to carry on, at most
    :data:`CONTINUE_MAX_WORDS` words.

    Raises:
        gr.Error: the draft is empty.
    """
    if not (draft or "").strip():
        raise gr.Error("The draft is empty: write or paste something first, then Continue.")
    form = {**form, "task": "continue", "prompt": draft,
            "length_words": min(form["length_words"], CONTINUE_MAX_WORDS)}
    return write_request(**form)


@dataclasses.dataclass
class Plan:
    """A generation on the draft: the request to send, the draft it starts from, the selection it
    replaces (a rewrite of a selection) and the notes to show with it."""

    request: WriteRequest
    base: str
    splice: Selection | None = None
    notes: list[str] = dataclasses.field(default_factory=list)


def plan(req: WriteRequest, base: str, selection: Selection | None = None) -> Plan:
    """What ``req`` does on the draft ``base``: rewrite and summarize take the selection (when it is still
    the draft's text there) or the whole draft; continue takes the draft, its last
    :data:`~studio.text.engine.MAX_DRAFT_CHARS` characters when it is longer (a note says so).

    Raises:
        gr.Error: a draft task on an empty draft, or a rewrite/summary of a text longer than the model takes.
    """
    splice: Selection | None = None
    if req.task in ("rewrite", "summarize"):
        sel = selection
        if sel and 0 <= sel[0] < sel[1] <= len(base) and base[sel[0]:sel[1]] == sel[2] and sel[2].strip():
            req, splice = dataclasses.replace(req, prompt=sel[2]), cast(Selection, tuple(sel))
        else:
            req = dataclasses.replace(req, prompt=base)
    elif req.task == "continue":
        req = dataclasses.replace(req, prompt=base)
    notes: list[str] = []
    if req.task in DRAFT_TASKS and not req.prompt.strip():
        raise gr.Error("The draft is empty: write or paste something into it first.")
    if req.task in DRAFT_TASKS and len(req.prompt) > MAX_DRAFT_CHARS:
        if req.task != "continue":
            raise gr.Error(Message("Your text is {n} characters long; the model can take at most {m} at once. "
                                   "Select a part of the draft to {t} it.",
                                   n=f"{len(req.prompt):,}", m=f"{MAX_DRAFT_CHARS:,}", t=req.task))
        req = dataclasses.replace(req, prompt=req.prompt[-MAX_DRAFT_CHARS:])
        notes = [Message("Your draft is long, so the model read only its last {m} characters.",
                         m=f"{MAX_DRAFT_CHARS:,}")]
    return Plan(req, base, splice, notes)


class Pulled:
    """The events of a running generation, pulled by its page and, when the page goes away, drained by whoever
    learns it (:meth:`drain`): one pull at a time, so the engine's generator never runs in two threads.
    :attr:`last` is the last event pulled."""

    def __init__(self, events: Iterator):
        self._events = iter(events)
        self._lock = threading.Lock()
        self.last = None

    def __iter__(self):
        while True:
            with self._lock:
                ev = next(self._events, None)
                if ev is None:
                    return
                self.last = ev
            yield ev

    def drain(self, timeout: float = 30.0) -> bool:
        """Pull the events left (set the generation's stop first: then it ends within a token); False when the
        page's own pull did not let go within ``timeout`` seconds (a model still loading)."""
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            for ev in self._events:
                self.last = ev
        finally:
            self._lock.release()
        return True


def join(before: str, new: str, separate: bool = False) -> str:
    """``new`` after the draft ``before``; ``separate`` puts a rule between them (a short piece such as
    headline ideas added to an article stays a block of its own)."""
    if not before.strip():
        return new
    return before.rstrip() + ("\n\n---\n\n" if separate else "\n\n") + new.lstrip()


def draft_after(task: str, base: str, prompt: str, splice: Selection | None, new: str) -> str:
    """The draft with the generated text ``new`` so far. ``prompt``: the text the model read (for continue,
    the end of ``base``); ``splice``: the selection a rewrite replaces."""
    if task == "continue":
        return base[: len(base) - len(prompt)] + new
    if task == "rewrite" and splice:
        return splice_rewrite(base, splice[0], splice[1], new)
    if task == "rewrite":
        return new
    return join(base, new, separate=task in SHORT_PIECES)


def task_view(task: str) -> tuple[dict, dict]:
    """The task's help line, and the topic box: hidden for draft tasks, "Product" for product pieces."""
    return (gr.update(value=TASK_HELP.get(task, "")),
            gr.update(visible=task not in DRAFT_TASKS,
                      label="Product" if task in ("product_description", "ad_copy") else "Topic"))


def task_defaults(task: str) -> tuple:
    """``(length_words, temperature, top_p, top_k, repetition_penalty)`` that fit a task the writer picks
    (a product description is not 400 words); ``gr.skip()`` where the task has no default of its own."""
    tuned = TASK_SAMPLING.get(task, {})
    return (TASK_LENGTH.get(task, gr.skip()), *(tuned[k] if k in tuned else gr.skip() for k in SAMPLING_KEYS))


def restored_settings(stored) -> list:
    """The form's values kept in the browser, in :data:`KEPT_KEYS` order; ``gr.skip()`` for those not
    kept, empty, or no longer valid (an unknown task)."""
    stored = stored if isinstance(stored, dict) else {}
    ok = {k: v for k, v in stored.items() if v is not None and (k != "task" or v in TASK_LENGTH)}
    return [ok[k] if k in ok else gr.skip() for k in KEPT_KEYS]


def listened_text(draft: str | None, selection: Selection | None, title: str | None, request=None) -> tuple[str, str]:
    """What Listen reads on the Write tab: the selected text when the draft still holds it there, else the
    whole draft with its title."""
    draft = draft or ""
    if selection and selection[2].strip() and draft[selection[0]:selection[1]] == selection[2]:
        return selection[2], ""
    return draft, title or ""


def selection_of(index, value) -> Selection | None:
    """A ``gr.SelectData``'s ``index`` and ``value`` on the draft as a selection; None for a click
    without a selected text."""
    if isinstance(index, (list, tuple)) and len(index) == 2 and value:
        return (int(index[0]), int(index[1]), str(value))
    return None


def generated_by(ctx, last_request) -> str:
    """The name of the model a generation used (its request's ``model``, else ``--text-model``), for the
    text-origin spans the Library keeps."""
    return model_name((last_request or {}).get("model") or ctx.settings.text_model)
