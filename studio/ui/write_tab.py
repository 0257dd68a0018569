"""The Write tab: a topic or a draft in, an article streaming into an editable draft.

The draft box is the writer's document. Every generation keeps what was
there: new text is added after it (continue, article on a non-empty draft),
a rewrite replaces only the selection, and "Undo last generation" brings
back the draft as it was before the last click.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import types
from collections.abc import Iterator

import gradio as gr

from ..errors import InvalidInput, StudioError
from ..library.briefs import BRIEF_KEYS
from ..messages import Joined, Message
from ..streams import throttled
from ..text.engine import WriteEvent, WriteRequest, count_words
from ..text.prompts import DRAFT_TASKS, TASK_SAMPLING, TASKS, TONES
from . import brief, i18n, listen, plan_box
from .common import reports_to, session_id, stop_event, to_gr_error
from .drafting import (
    KEPT_KEYS,
    SETTING_KEYS,
    TASK_HELP,
    TASK_LENGTH,
    Plan,
    Pulled,
    continue_request,
    draft_after,
    generated_by,
    join,
    listened_text,
    plan,
    restored_settings,
    selection_of,
    task_defaults,
    task_view,
    write_request,
)
from .facts_list import facts_html, marks_in_draft, notes_md

log = logging.getLogger(__name__)

# "continue" has its own button (and stays an API task)
TASK_CHOICES = [(label, key) for key, label in TASKS.items() if key != "continue"]
# API field names as the Write tab labels them, for messages ("draft": the prompt of a task that works on the
# draft, see _validated_naming_the_draft)
LABELS = {"prompt": "Topic", "draft": "Draft", "tone": "Tone", "length_words": "Length (words)", "seed": "seed",
          "model": "Text model",
          "temperature": "temperature", "top_p": "top_p", "top_k": "top_k",
          "repetition_penalty": "repetition_penalty", "max_new_tokens": "max_new_tokens", "voice": "Voice",
          "plan": "Plan"}
TONE_LABELS = {"neutral": "Neutral", "formal": "Formal", "casual": "Casual", "persuasive": "Persuasive",
               "friendly": "Friendly", "academic": "Academic"}  # the tones as the writer reads them
UNDO_LABEL, NO_UNDO_LABEL = "Undo last generation", "Nothing to undo yet"
UPDATE_INTERVAL_S = 0.05  # the draft updates at most 20 times a second, not once a token (see _paced)


def model_choices(ctx) -> list[str]:
    """Text models to offer (see :meth:`studio.text.engine.TextEngine.offered`)."""
    return ctx.text.offered()


def stats_line(ev: WriteEvent | None, draft: str) -> str:
    words = count_words(draft or "")
    parts: list[str] = [Message("**{n}** word in the draft", n=words) if words == 1 else
                        Message("**{n}** words in the draft", n=f"{words:,}")]
    if ev is not None:
        made = Message("generated {w} word", w=1) if ev.words == 1 else Message("generated {w} words", w=f"{ev.words:,}")
        if ev.tokens_per_s:
            parts.append(Message("{t_made}, {t} tokens, {r} tokens/s", t_made=made, t=f"{ev.tokens:,}",
                                 r=f"{ev.tokens_per_s:.1f}"))
        else:
            parts.append(Message("{t_made}, {t} tokens", t_made=made, t=f"{ev.tokens:,}"))
        parts.append(Message("seed **{s}**", s=ev.seed))
        if ev.engine:
            parts.append(Message("engine: {e}", e=ev.engine))
        if ev.status:
            parts.append(ev.status)
    return Joined(" · ", parts)


def title_for(current: str, ev: WriteEvent, topic: str = ""):
    """A title when the writer has not given one: the text's ``# heading``, else the topic (headlines, ad copy,
    an article stopped before its heading); no change when there is a title or the generation is not done."""
    if (current or "").strip() or not ev.done:
        return gr.skip()
    for line in ev.text.splitlines():
        if line.startswith("# ") and line[2:].strip():
            return line[2:].strip()[:200]
    first = next((line.strip() for line in (topic or "").splitlines() if line.strip()), "")
    if len(first) > 120:  # a long topic: cut at a word, and say it goes on
        first = first[:120].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    if first:
        return first[:1].upper() + first[1:]
    return gr.skip()


_join = join  # the name the tests knew


def _save_streamed(ctx, request, aid, title: str, text: str, model: str = "", before: str | None = None) -> None:
    """Save what a generation streamed when its browser tab went away (closed, reloaded, lost connection),
    so a reload reopens it; ``before``: the draft it started from, so that only the new text is the model's, as
    after any generation. Another tab's newer save is never overwritten: both stay as versions."""
    from ..identity import owner_of  # the library tab owns the rule for who owns an article

    if not (title or "").strip():  # a generated article names itself in its first '# heading'
        title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ") and ln[2:].strip()), "")
    try:
        ctx.library.save(owner_of(ctx, request), aid, title or "", text, create_missing=True,
                         note="generated (tab closed)", keep_both=True, generated_by=model, before=before)
    except Exception:  # noqa: BLE001 - the tab is gone; nothing to show, but say so in the log
        log.exception("could not save the text streamed before the tab was closed")


# ---------------------------------------------------------------------- layout
def _form(ctx, w) -> None:
    """The left column: what to write, the buttons, the brief and the model's settings."""
    w.task = gr.Dropdown(TASK_CHOICES, value="article", label="What to write", elem_id="write-task")
    w.task_help = gr.Markdown(TASK_HELP["article"], elem_classes="studio-note")
    w.prompt = gr.Textbox(label="Topic", lines=2, max_lines=8, elem_id="write-prompt",
                          placeholder="e.g. Urban gardening for beginners")
    with gr.Row():
        w.tone = gr.Dropdown([(TONE_LABELS.get(t, t.capitalize()), t) for t in TONES], value="neutral", label="Tone",
                             min_width=100)
        # any value reaches the handler (a voice deleted in another browser tab): the engine names what is wrong
        w.voice = gr.Dropdown([("No voice", "")], value="", label="Voice", elem_id="write-voice", min_width=100,
                              allow_custom_value=True)
    w.length_words = gr.Slider(20, 5000, value=400, step=10, label="Length (words)", elem_id="write-length")
    _writing_bar(w)
    with gr.Accordion("Audience, keywords, outline", open=False):
        w.audience = gr.Textbox(label="Audience", placeholder="e.g. busy parents in small flats")
        w.keywords = gr.Textbox(label="Keywords", placeholder="e.g. balcony, herbs, compost")
        w.outline = gr.Textbox(label="Outline (one heading per line)", lines=4)
    plan_box.build(w)  # articles: plan first, edit the headings, write from them
    with gr.Accordion("Model and sampling", open=False):
        _sampling(ctx, w)


def _writing_bar(w) -> None:
    """The brief's summary, progress, problems, the buttons and the Saved line: a bar that stays in view
    (sticky, studio.css) while the page and the draft scroll, on a laptop screen too."""
    with gr.Column(elem_id="write-bar", elem_classes="studio-write-bar"):
        w.brief_line = gr.Markdown("", elem_classes="studio-note", elem_id="write-brief")
        w.stats = gr.Markdown(stats_line(None, ""), elem_classes="studio-stats", elem_id="write-stats")
        w.status = gr.Markdown("", elem_classes="studio-note", elem_id="write-status")
        with gr.Row():
            w.write_btn = gr.Button("Write", variant="primary", elem_id="write-btn", min_width=80)
            w.continue_btn = gr.Button("Continue", elem_id="continue-btn", min_width=80)
            w.stop_btn = gr.Button("Stop", variant="stop", elem_id="stop-btn", min_width=80)
        with gr.Row():
            w.regen_btn = gr.Button("Regenerate", elem_id="regenerate-btn", size="sm")
            w.undo_btn = gr.Button(NO_UNDO_LABEL, elem_id="undo-btn", interactive=False, size="sm")
        w.save_status = gr.Markdown("", elem_classes="studio-note", elem_id="save-status")
        # the article was changed in another tab or window (the Library wires it: library/elsewhere.py)
        with gr.Row(visible=False, elem_id="write-elsewhere") as w.elsewhere_row:
            w.elsewhere_note = gr.Markdown("", elem_classes="studio-note", elem_id="write-elsewhere-note")
            w.elsewhere_load = gr.Button("Load that text", size="sm", elem_id="write-elsewhere-load")
            w.elsewhere_keep = gr.Button("Keep mine as a new version", size="sm", elem_id="write-elsewhere-keep")


def _server_slots(ctx) -> int:
    """Writers llama-server writes for at once (``--text-slots``); 0 on the other engines."""
    return ctx.text.server_slots()


def _text_queue(ctx) -> dict:
    """Gradio's limit for writing jobs: on llama-server its ``--text-slots`` writers at once, the others wait
    in the queue with their place shown; elsewhere the queue's default (they wait at the device's lock)."""
    slots = _server_slots(ctx)
    return {"concurrency_limit": slots} if slots else {}


def _sampling(ctx, w) -> None:
    choices = model_choices(ctx)
    w.model = gr.Dropdown(choices, value=choices[0], allow_custom_value=True, label="Text model",
                          info="An embedded name, a Hugging Face id (org/name) or a local folder.")
    tuned = TASK_SAMPLING["article"]
    w.temperature = gr.Slider(0, 2, value=tuned["temperature"], step=0.05, label="temperature",
                              info="Higher is more surprising; 0 always picks the likeliest word.")
    w.top_p = gr.Slider(0.05, 1, value=tuned["top_p"], step=0.05, label="top_p",
                        info="Lower keeps to the safest words; 1 allows every word.")
    w.top_k = gr.Slider(0, 200, value=tuned["top_k"], step=1, label="top_k",
                        info="How many likely words are in the running at each step; 0 means no limit.")
    w.repetition_penalty = gr.Slider(1, 2, value=tuned["repetition_penalty"], step=0.01,
                                     label="repetition_penalty",
                                     info="Above 1 discourages repeating the same words; 1 is off.")
    w.max_new_tokens = gr.Slider(16, 4096, value=1024, step=16, label="max_new_tokens",
                                 elem_id="write-max-new-tokens", info="The most tokens one model call may write.")
    seed_info = "-1 picks a random seed; the one used is shown."
    if _server_slots(ctx) > 1:  # llama-server batches writers: numbers differ slightly across batch sizes
        seed_info = ("-1 picks a random seed; the one used is shown. Several writers share the model at once here, "
                     "so a seed may give a slightly different text.")
    w.seed = gr.Number(value=-1, precision=0, label="seed", info=seed_info)


def _draft_column(ctx, w) -> None:
    w.title = gr.Textbox(label="Title", placeholder="Untitled article", elem_id="title")
    # a fixed height with autoscroll keeps the newest text in view while it streams
    with gr.Row(equal_height=False):
        w.draft = gr.Textbox(label="Draft", lines=22, max_lines=22, elem_id="draft", autoscroll=True, scale=4,
                             placeholder="Your article appears here as it is written. You can edit it at any time.")
        # the facts of the new text that are not in the brief: each click selects its place in the draft
        w.facts = gr.HTML("", elem_id="write-facts", elem_classes="studio-facts-list")
    w.notes = gr.Markdown("", elem_id="write-notes")
    with gr.Accordion("Listen (the whole draft, or the selected text)", open=False, elem_id="write-listen-box"):
        w.listen = listen.build(ctx.speech.offered(), "write")


def _layout(ctx) -> types.SimpleNamespace:
    w = types.SimpleNamespace()
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            _form(ctx, w)
        with gr.Column(scale=3, min_width=400):
            _draft_column(ctx, w)
    w.article_id = gr.State(None)
    w.selection = gr.State(None)  # (start, end, text) of the last selection in the draft
    w.before = gr.State(None)  # the draft before the last generation, for Undo
    w.last_request = gr.State(None)  # dict of the last WriteRequest, for Regenerate
    return w


# ---------------------------------------------------------------------- events
def build(ctx) -> dict:
    """The Write tab (inside its ``gr.Tab``) and the ``/write`` and ``/write_full`` APIs. Returns the parts
    the Library, Image, Style and Voice tabs use."""
    w = _layout(ctx)
    _connect_form(ctx, w)
    brief.connect(ctx, w)
    generation_events = _connect_generation(ctx, w)
    _connect_stop(ctx, w)
    listen.connect(ctx, w.listen, [w.draft, w.selection, w.title], listened_text)
    undo_event = _connect_undo(w)
    _api(ctx)
    return {"draft": w.draft, "title": w.title, "article_id": w.article_id, "generation_events": generation_events,
            "stats": w.stats, "save_status": w.save_status, "undo_event": undo_event, "voice": w.voice,
            "before": w.before, "last_request": w.last_request, "notes": w.notes, "facts": w.facts,
            "elsewhere": (w.elsewhere_row, w.elsewhere_note, w.elsewhere_load, w.elsewhere_keep)}


def _connect_form(ctx, w) -> None:
    private = {"api_visibility": "private", "queue": False}
    w.task.change(task_view, w.task, [w.task_help, w.prompt], **private)
    w.task.input(task_defaults, w.task, [w.length_words, w.temperature, w.top_p, w.top_k, w.repetition_penalty],
                 show_progress="hidden", **private)

    # the topic and settings come back after a reload (kept in this browser)
    setting_inputs = [getattr(w, k) for k in KEPT_KEYS]  # the brief is kept with its article (brief.py)
    from ..identity import browser_secret

    kept_settings = gr.BrowserState({}, storage_key="studio-write-settings", secret=browser_secret(ctx))
    gr.on([c.change for c in setting_inputs], lambda *vals: dict(zip(KEPT_KEYS, vals, strict=False)), setting_inputs,
          kept_settings, show_progress="hidden", trigger_mode="always_last", **private)
    root = gr.context.Context.root_block
    if root is not None:
        root.load(restored_settings, kept_settings, setting_inputs, api_visibility="private", show_progress="hidden")

    def on_select(evt: gr.SelectData):
        return selection_of(evt.index, evt.value)

    w.draft.select(on_select, None, w.selection, **private)
    w.draft.input(lambda d: stats_line(None, d), w.draft, w.stats, show_progress="hidden", **private)


def _validated_naming_the_draft(req: WriteRequest) -> WriteRequest:
    """``req.validated()``; for a task that works on the draft (Continue, Rewrite, Summarise…), an error in
    its text names the Draft, where the writer must look, not the Topic (the API calls both ``prompt``)."""
    try:
        return req.validated()
    except InvalidInput as exc:
        if exc.field == "prompt" and req.task in DRAFT_TASKS:
            raise InvalidInput("draft", exc.message.removeprefix("prompt:").strip()) from None
        raise


def _stream(ctx, p: Plan, request, title_now: str = "", aid: int | None = None) -> Iterator[tuple]:
    """Stream the plan's request into the draft; ``aid`` is the open article (what was streamed is saved to
    it if the browser goes away mid-generation: the generation is stopped and its text kept as after Stop).
    Yields the outputs of a generation event (see :func:`_connect_generation`)."""
    from ..identity import owner_of

    valid = _validated_naming_the_draft(p.request)  # errors before anything changes
    run = types.SimpleNamespace(text=None, stop=None, pulled=None, saved=False, lock=threading.Lock())
    req_dict, base, ev = dataclasses.asdict(valid), p.base, None
    if aid is None:  # a new draft becomes an article now, so a reload mid-generation can reopen it
        aid = ctx.library.create(owner_of(ctx, request), title_now or "", base)["id"]
        ctx.library.set_brief(owner_of(ctx, request), aid, {k: getattr(valid, k) for k in BRIEF_KEYS})
    if not ctx.text.is_loaded(valid.model):
        yield (gr.skip(), "Loading the language model (the first time on a computer takes up to a minute)…",
               gr.skip(), gr.skip(), gr.skip(), gr.skip(), aid, gr.skip())
    topic = "" if valid.task in DRAFT_TASKS else valid.prompt

    def keep_streamed():
        """When the page goes away (closed, reloaded, lost): stop, let the engine end as after Stop, and save
        its text; once."""
        with run.lock:
            if not run.saved:
                final = stopped_text(run)
                text = draft_after(valid.task, base, valid.prompt, p.splice, final.text) if final else run.text
                if text is not None and text != base:
                    run.saved = True
                    _save_streamed(ctx, request, aid, title_now, text, generated_by(ctx, req_dict), before=base)
        written.set()

    with ctx.jobs.writing(aid) as written, ctx.jobs.when_gone(session_id(request), keep_streamed), \
            stop_event(ctx, request, "write") as run.stop:
        run.pulled = Pulled(ctx.text.stream(valid, run.stop, owner=owner_of(ctx, request)))
        try:
            for ev in _paced(run.pulled):
                ev.notes = p.notes + ev.notes
                run.text = draft_after(valid.task, base, valid.prompt, p.splice, ev.text)
                yield (run.text, stats_line(ev, run.text), notes_md(ev.notes), base, req_dict,
                       title_for(title_now, ev, topic), aid, facts_html(marks_in_draft(run.text, ev.text, ev.marks)))
        except GeneratorExit:  # the tab was closed or reloaded mid-generation: keep what was streamed
            keep_streamed()
            raise
        except StudioError:  # the engine failed mid-reply (its message says so): the line stops saying "Writing…"
            if ev is not None:
                yield (gr.skip(), stats_line(dataclasses.replace(ev, status=""), run.text or ""), gr.skip(),
                       gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
            raise
        if ctx.jobs.is_gone(session_id(request)):
            keep_streamed()  # stopped because the page went away
    if ev is not None and ev.done and not ev.stopped:
        i18n.Info(Message("Done: {w} words, seed {s}.", w=f"{ev.words:,}", s=ev.seed))


def stopped_text(run) -> WriteEvent | None:
    """The last event of a generation whose page went away: its stop is set and the rest of its events are
    pulled, so it ends as after Stop (its section finished and checked); None when it cannot end in time."""
    if run.stop is not None:
        run.stop.set()
    if run.pulled is None or run.text is None:  # nothing streamed yet (the model still loading): nothing to keep
        return None
    try:
        return run.pulled.last if run.pulled.drain(10) and run.pulled.last and run.pulled.last.done else None
    except Exception:  # noqa: BLE001 - the page is gone: what it last showed is kept instead
        log.exception("the generation could not end after its page went away")
        return None


def _paced(events: Iterator[WriteEvent]) -> Iterator[WriteEvent]:
    """The engine's events at most :data:`UPDATE_INTERVAL_S` apart (each holds the whole text so far, so none is
    lost): a new status and the last event go at once. Each update costs Gradio's processing, the draft's diff and
    a page render, on the cores the model computes on (bench/text_server.py measures it)."""
    status: list[str | None] = [None]

    def urgent(ev: WriteEvent) -> bool:
        new, status[0] = ev.status != status[0], ev.status
        return ev.done or new

    return throttled(events, UPDATE_INTERVAL_S, urgent)


def _connect_generation(ctx, w) -> list:
    """Write (the button and Enter in the topic), Continue and Regenerate. Returns their events."""
    outputs = [w.draft, w.stats, w.notes, w.before, w.last_request, w.title, w.article_id, w.facts,
               w.status]  # status last
    form = {k: getattr(w, k) for k in (*SETTING_KEYS, "model", "voice")}
    on_draft = {**form, "draft": w.draft, "selection": w.selection, "title": w.title, "article_id": w.article_id}

    @reports_to(w.status, LABELS)
    def on_write(draft, selection, title, article_id, request: gr.Request, **form_values):
        yield from _stream(ctx, plan(write_request(**form_values), draft or "", selection), request, title or "",
                           article_id)

    @reports_to(w.status, LABELS)
    def on_continue(draft, selection, title, article_id, request: gr.Request, **form_values):
        req = continue_request(draft, **form_values)
        yield from _stream(ctx, plan(req, draft or ""), request, title or "", article_id)

    @reports_to(w.status, LABELS)
    def on_regenerate(last, prev, d, ttl, aid, request: gr.Request):
        if not last:
            raise gr.Error("Nothing to regenerate yet: press Write first.")
        base = prev if prev is not None else (d or "")
        yield from _stream(ctx, plan(WriteRequest(**{**last, "seed": -1}), base), request, ttl or "", aid)

    @reports_to(w.status, LABELS)
    def on_write_plan(draft, selection, title, article_id, plan_text, request: gr.Request, **form_values):
        yield from _stream(ctx, plan(plan_box.plan_request(plan_text, **form_values), draft or "", selection),
                           request, title or "", article_id)

    text = {"api_visibility": "private", "concurrency_id": "text", **_text_queue(ctx)}
    plan_box.connect(ctx, w, form, LABELS, _text_queue(ctx))
    # every writing button says so when this page is already writing, instead of doing nothing
    guard = plan_box.guard(ctx)
    return [
        w.write_btn.click(**guard).success(on_write, inputs_kwargs=on_draft, outputs=outputs, **text),
        w.prompt.submit(**guard).success(on_write, inputs_kwargs=on_draft, outputs=outputs, **text),
        w.continue_btn.click(**guard).success(on_continue, inputs_kwargs=on_draft, outputs=outputs, **text),
        w.regen_btn.click(**guard).success(on_regenerate, [w.last_request, w.before, w.draft, w.title, w.article_id],
                                           outputs, **text),
        w.write_plan_btn.click(**guard).success(on_write_plan, inputs_kwargs={**on_draft, "plan_text": w.plan},
                                                outputs=outputs, **text),
    ]


def _connect_stop(ctx, w) -> None:
    def on_stop(request: gr.Request):
        ctx.jobs.stop(session_id(request), "write")

    w.stop_btn.click(on_stop, None, None, api_visibility="private", queue=False)


def undone(before: str | None) -> tuple:
    """Undo: the draft as it was before the last generation, nothing left to undo, its word count.

    Raises:
        gr.Error: there is no generation to undo.
    """
    if before is None:
        raise gr.Error("There is no generation to undo.")
    return before, None, stats_line(None, before)


def _connect_undo(w):
    @reports_to(w.status)
    def on_undo(prev, d):
        return (*undone(prev), "")  # the marked facts were those of the generation undone

    undo_event = w.undo_btn.click(on_undo, [w.before, w.draft], [w.draft, w.before, w.stats, w.facts, w.status],
                                  api_visibility="private", concurrency_limit=None)
    # Undo can act only after a generation: otherwise it is disabled and says why
    w.before.change(lambda prev: gr.update(interactive=prev is not None,
                                           value=UNDO_LABEL if prev is not None else NO_UNDO_LABEL),
                    w.before, w.undo_btn, api_visibility="private", queue=False, show_progress="hidden")
    return undo_event


# ---------------------------------------------------------------------- the /write API (docs/architecture.md)
def _api(ctx) -> None:
    from ..identity import owner_of

    def last_event(request, **fields):
        valid, last = WriteRequest(**{**fields, "voice": fields.get("voice") or ""}).validated(), None
        with stop_event(ctx, request, "write") as stop:
            for ev in ctx.text.stream(valid, stop, owner=owner_of(ctx, request)):
                last = ev
        return valid, last

    def write(prompt: str, task: str = "article", tone: str = "neutral", length_words: int = 400,
              temperature: float = 0.7, top_p: float = 0.9, max_new_tokens: int = 1024, seed: int = -1,
              voice: str = "", audience: str = "", keywords: str = "", outline: str = "", top_k: int = 50,
              repetition_penalty: float = 1.1, model: str = "", check_facts: bool = True,
              plan: list[str] | str | None = None, request: gr.Request | None = None) -> str:
        """Write text with the studio's language model and return it.

        task: article, outline, continue, rewrite, summarize, headlines, product_description, ad_copy.
        For continue, rewrite and summarize, `prompt` is your text. seed -1 is random.
        voice: the id or name of one of your voices (see /voice_list); empty for none.
        audience, keywords, outline: the brief, as in the Write tab (each up to 4,000 characters; outline:
        one heading per line). top_k, repetition_penalty: sampling, as in the Write tab. model: a text
        model reference; empty for the studio's default. check_facts: correct numbers and names that contradict
        your text (see /write_full for the notes); false turns the check off. plan: an article's section
        headings (see /plan), a list or one text with a heading per line: the sections are written under
        exactly these, in this order (1 to 12 headings of at most 150 characters); empty to let Studio plan.
        """
        try:
            _valid, last = last_event(request, **_fields(locals()))
            return last.text if last else ""
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    gr.api(write, api_name="write", concurrency_id="text", **_text_queue(ctx))

    def write_full(prompt: str, task: str = "article", tone: str = "neutral", length_words: int = 400,
                   temperature: float = 0.7, top_p: float = 0.9, max_new_tokens: int = 1024, seed: int = -1,
                   voice: str = "", audience: str = "", keywords: str = "", outline: str = "", top_k: int = 50,
                   repetition_penalty: float = 1.1, model: str = "", check_facts: bool = True,
                   plan: list[str] | str | None = None, request: gr.Request | None = None) -> dict:
        """Like /write (the same parameters), but returns {"text", "seed", "notes", "marks"}: the seed actually
        used (drawn when -1), the notes the Write tab shows (text trimmed to fit the model, facts corrected to
        your text's, facts to check with their character spans...) and "marks": each fact of the text that is not
        in your own text, {"start", "end", "text", "kind", "reason"} (characters of "text"). check_facts=False
        turns the check off. plan: the article's headings, as in /write."""
        try:
            valid, last = last_event(request, **_fields(locals()))
            return {"text": last.text if last else "", "seed": last.seed if last else valid.seed,
                    "notes": list(last.notes) if last else [], "marks": list(last.marks) if last else []}
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    gr.api(write_full, api_name="write_full", concurrency_id="text", **_text_queue(ctx))

    def plan_headings(prompt: str, task: str = "article", tone: str = "neutral", length_words: int = 400,
                      temperature: float = 0.7, top_p: float = 0.9, max_new_tokens: int = 1024, seed: int = -1,
                      voice: str = "", audience: str = "", keywords: str = "", outline: str = "", top_k: int = 50,
                      repetition_penalty: float = 1.1, model: str = "", request: gr.Request | None = None) -> dict:
        """The section headings Studio plans for an article (the same parameters as /write), before any section
        is written: returns {"plan": [headings], "seed"}. Edit them and pass them as /write's or /write_full's
        `plan` (with this seed, unedited, they give the text /write gives without a plan)."""
        try:
            valid = WriteRequest(**{**_fields(locals()), "voice": voice or ""}).validated()
            with stop_event(ctx, request, "write") as stop:
                return {"plan": ctx.text.plan(valid, stop, owner=owner_of(ctx, request)), "seed": valid.seed}
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    gr.api(plan_headings, api_name="plan", concurrency_id="text", **_text_queue(ctx))


def _fields(values: dict) -> dict:
    """An API call's parameters as :class:`WriteRequest` fields (its ``request`` left out)."""
    return {k: v for k, v in values.items() if k in WriteRequest.__dataclass_fields__}


__all__ = ["build", "model_choices", "stats_line", "title_for", "TASK_CHOICES", "TASK_LENGTH", "LABELS", "_join",
           "count_words", "undone"]
