"""The Write tab: a topic or a draft in, an article streaming into an editable draft.

The draft box is the writer's document. Every generation keeps what was
there: new text is added after it (continue, article on a non-empty draft),
a rewrite replaces only the selection, and "Undo last generation" brings
back the draft as it was before the last click.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Iterator

import gradio as gr

from ..models import EMBEDDED, hub_cached_snapshot
from ..text.engine import MAX_DRAFT_CHARS, WriteEvent, WriteRequest, count_words
from ..text.prompts import DRAFT_TASKS, TASK_SAMPLING, TASKS, TONES
from ..text.splice import splice_rewrite
from .common import reports_to, session_id, stop_event

log = logging.getLogger(__name__)

# "continue" has its own button (and stays an API task)
TASK_CHOICES = [(label, key) for key, label in TASKS.items() if key != "continue"]
# a default length that fits each task, set when the writer picks the task
TASK_LENGTH = {"article": 400, "outline": 200, "rewrite": 300, "summarize": 120, "headlines": 100,
               "product_description": 120, "ad_copy": 60}
SHORT_PIECES = ("headlines", "product_description", "ad_copy")  # kept apart from the article they join
SETTING_KEYS = ("task", "prompt", "tone", "length_words", "temperature", "top_p", "top_k", "repetition_penalty",
                "max_new_tokens", "seed", "audience", "keywords", "outline")
# API field names as the Write tab labels them, for messages (draft tasks check the draft themselves)
LABELS = {"prompt": "Topic", "tone": "Tone", "length_words": "Length (words)", "seed": "seed", "model": "Text model",
          "temperature": "temperature", "top_p": "top_p", "top_k": "top_k",
          "repetition_penalty": "repetition_penalty", "max_new_tokens": "max_new_tokens", "voice": "Voice"}
UNDO_LABEL, NO_UNDO_LABEL = "Undo last generation", "Nothing to undo yet"
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


def model_choices(ctx) -> list[str]:
    """Text models to offer: the configured one, the embedded one if installed, cached Hub twins."""
    choices = [ctx.settings.text_model]
    if ctx.settings.text_backend == "openai":  # the server's model; local ones are not used then
        return choices
    for name, emb in EMBEDDED.items():
        if emb.kind == "text" and name not in choices:
            try:
                ctx.manager.resolve(name, "text")
                choices.append(name)
            except Exception:  # noqa: BLE001 - unavailable models are simply not listed
                pass
        if emb.kind == "text" and emb.hub_twin and hub_cached_snapshot(emb.hub_twin) and emb.hub_twin not in choices:
            choices.append(emb.hub_twin)
    return choices


def stats_line(ev: WriteEvent | None, draft: str) -> str:
    words = count_words(draft or "")
    line = f"**{words:,}** words in the draft"
    if ev is not None:
        line += f" · generated {ev.words:,} words, {ev.tokens:,} tokens"
        if ev.tokens_per_s:
            line += f", {ev.tokens_per_s:.1f} tokens/s"
        line += f" · seed **{ev.seed}**"
        if ev.engine:
            line += f" · engine: {ev.engine}"
        if ev.status:
            line += f" · {ev.status}"
    return line


def notes_md(notes: list[str]) -> str:
    return "\n".join(f"- {n}" for n in notes)


def title_for(current: str, ev: WriteEvent, topic: str = ""):
    """A title when the writer has not given one: the text's ``# heading``, else the topic (headlines, ad copy,
    an article stopped before its heading); no change when there is a title or the generation is not done."""
    if (current or "").strip() or not ev.done:
        return gr.skip()
    for line in ev.text.splitlines():
        if line.startswith("# ") and line[2:].strip():
            return line[2:].strip()[:200]
    first = next((line.strip() for line in (topic or "").splitlines() if line.strip()), "")
    if first:
        return (first[:1].upper() + first[1:])[:120]
    return gr.skip()


def _join(before: str, new: str, separate: bool = False) -> str:
    """``new`` after the draft ``before``; ``separate`` puts a rule between them (a short piece such as
    headline ideas added to an article stays a block of its own)."""
    if not before.strip():
        return new
    return before.rstrip() + ("\n\n---\n\n" if separate else "\n\n") + new.lstrip()


def _save_streamed(ctx, request, aid, title: str, text: str) -> None:
    """Save what a generation streamed when its browser tab went away (closed, reloaded, lost connection),
    so a reload reopens it. Another tab's newer save is never overwritten: both stay as versions."""
    from .library_tab import owner_of  # the library tab owns the rule for who owns an article

    if not (title or "").strip():  # a generated article names itself in its first '# heading'
        title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ") and ln[2:].strip()), "")
    try:
        ctx.library.save(owner_of(ctx, request), aid, title or "", text, create_missing=True,
                         note="generated (tab closed)", keep_both=True)
    except Exception:  # noqa: BLE001 - the tab is gone; nothing to show, but say so in the log
        log.exception("could not save the text streamed before the tab was closed")


def build(ctx) -> dict:
    def _owner(request) -> str:
        from .library_tab import owner_of  # the library's owner: the logged-in user, or "local"

        return owner_of(ctx, request)

    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            task = gr.Dropdown(TASK_CHOICES, value="article", label="What to write", elem_id="write-task")
            task_help = gr.Markdown(TASK_HELP["article"], elem_classes="studio-note")
            prompt = gr.Textbox(label="Topic", lines=2, max_lines=8, max_length=4000, elem_id="write-prompt",
                                placeholder="e.g. Urban gardening for beginners")
            with gr.Row():
                tone = gr.Dropdown(list(TONES), value="neutral", label="Tone", min_width=100)
                voice = gr.Dropdown([("No voice", "")], value="", label="Voice", elem_id="write-voice", min_width=100)
            length_words = gr.Slider(20, 5000, value=400, step=10, label="Length (words)", elem_id="write-length")
            # progress and problems right next to the buttons, in sight on a laptop screen while the draft fills
            stats = gr.Markdown(stats_line(None, ""), elem_classes="studio-stats", elem_id="write-stats")
            status = gr.Markdown("", elem_classes="studio-note", elem_id="write-status")
            with gr.Row():
                write_btn = gr.Button("Write", variant="primary", elem_id="write-btn")
                continue_btn = gr.Button("Continue", elem_id="continue-btn")
            with gr.Row():
                regen_btn = gr.Button("Regenerate", elem_id="regenerate-btn")
                stop_btn = gr.Button("Stop", variant="stop", elem_id="stop-btn")
                undo_btn = gr.Button(NO_UNDO_LABEL, elem_id="undo-btn", interactive=False)
            with gr.Accordion("Audience, keywords, outline", open=False):
                audience = gr.Textbox(label="Audience", placeholder="e.g. busy parents in small flats", max_length=4000)
                keywords = gr.Textbox(label="Keywords", placeholder="e.g. balcony, herbs, compost", max_length=4000)
                outline = gr.Textbox(label="Outline (one heading per line)", lines=4, max_length=4000)
            with gr.Accordion("Model and sampling", open=False):
                choices = model_choices(ctx)
                model = gr.Dropdown(choices, value=choices[0], allow_custom_value=True, label="Text model",
                                    info="An embedded name, a Hugging Face id (org/name) or a local folder.")
                tuned = TASK_SAMPLING["article"]
                temperature = gr.Slider(0, 2, value=tuned["temperature"], step=0.05, label="temperature",
                                        info="Higher is more surprising; 0 always picks the likeliest word.")
                top_p = gr.Slider(0.05, 1, value=tuned["top_p"], step=0.05, label="top_p",
                                  info="Lower keeps to the safest words; 1 allows every word.")
                top_k = gr.Slider(0, 200, value=tuned["top_k"], step=1, label="top_k",
                                  info="How many likely words are in the running at each step; 0 means no limit.")
                repetition_penalty = gr.Slider(1, 2, value=tuned["repetition_penalty"], step=0.01,
                                               label="repetition_penalty",
                                               info="Above 1 discourages repeating the same words; 1 is off.")
                max_new_tokens = gr.Slider(16, 4096, value=1024, step=16, label="max_new_tokens", elem_id="write-max-new-tokens",
                                           info="The most tokens one model call may write.")
                seed = gr.Number(value=-1, precision=0, label="seed", info="-1 picks a random seed; the one used is shown.")
        with gr.Column(scale=3, min_width=400):
            title = gr.Textbox(label="Title", placeholder="Untitled article", elem_id="title", max_length=500)
            # a fixed height with autoscroll keeps the newest text in view while it streams
            draft = gr.Textbox(label="Draft", lines=22, max_lines=22, elem_id="draft", autoscroll=True,
                               placeholder="Your article appears here as it is written. You can edit it at any time.")
            save_status = gr.Markdown("", elem_classes="studio-note", elem_id="save-status")
            notes = gr.Markdown("", elem_id="write-notes")
    article_id = gr.State(None)
    selection = gr.State(None)  # (start, end, text) of the last selection in the draft
    before = gr.State(None)  # the draft before the last generation, for Undo
    last_request = gr.State(None)  # dict of the last WriteRequest, for Regenerate

    def on_task(t):
        is_draft = t in DRAFT_TASKS
        return (gr.update(value=TASK_HELP.get(t, "")),
                gr.update(visible=not is_draft, label="Product" if t in ("product_description", "ad_copy") else "Topic"))

    task.change(on_task, task, [task_help, prompt], api_visibility="private", queue=False)

    def task_defaults(t):
        """Picking a task (not a restored setting) sets a length and sampling that fit it: a product description
        is not 400 words; the writer may still change them."""
        tuned = TASK_SAMPLING.get(t, {})
        return (TASK_LENGTH.get(t, gr.skip()),
                *(tuned[k] if k in tuned else gr.skip() for k in ("temperature", "top_p", "top_k", "repetition_penalty")))

    task.input(task_defaults, task, [length_words, temperature, top_p, top_k, repetition_penalty],
               api_visibility="private", queue=False, show_progress="hidden")

    # ----- the topic and settings come back after a reload (kept in this browser) ---------------
    setting_inputs = [task, prompt, tone, length_words, temperature, top_p, top_k, repetition_penalty,
                      max_new_tokens, seed, audience, keywords, outline]
    from .library_tab import browser_secret

    kept_settings = gr.BrowserState({}, storage_key="studio-write-settings", secret=browser_secret(ctx))
    gr.on([c.change for c in setting_inputs], lambda *vals: dict(zip(SETTING_KEYS, vals)), setting_inputs,
          kept_settings, api_visibility="private", queue=False, show_progress="hidden", trigger_mode="always_last")

    def restore_settings(stored):
        stored = stored if isinstance(stored, dict) else {}
        ok = {k: v for k, v in stored.items() if v is not None and (k != "task" or v in TASK_LENGTH)}
        return [ok[k] if k in ok else gr.skip() for k in SETTING_KEYS]

    root = gr.context.Context.root_block
    if root is not None:
        root.load(restore_settings, kept_settings, setting_inputs, api_visibility="private", show_progress="hidden")

    def on_select(evt: gr.SelectData):
        if isinstance(evt.index, (list, tuple)) and len(evt.index) == 2 and evt.value:
            return (int(evt.index[0]), int(evt.index[1]), str(evt.value))
        return None

    draft.select(on_select, None, selection, api_visibility="private", queue=False)
    draft.input(lambda d: stats_line(None, d), draft, stats, api_visibility="private", queue=False,
                show_progress="hidden")

    def run(req: WriteRequest, base: str, sel, request: gr.Request, title_now: str = "",
            aid: int | None = None) -> Iterator[tuple]:
        """Stream ``req`` into the draft; ``base`` is the draft before this generation, ``aid`` the open
        article (what was streamed is saved to it if the browser goes away mid-generation)."""
        splice = None
        if req.task in ("rewrite", "summarize"):
            if sel and 0 <= sel[0] < sel[1] <= len(base) and base[sel[0]:sel[1]] == sel[2] and sel[2].strip():
                req = dataclasses.replace(req, prompt=sel[2])
                splice = sel
            else:
                req = dataclasses.replace(req, prompt=base)
        elif req.task == "continue":
            req = dataclasses.replace(req, prompt=base)
        cut_note = []
        if req.task in DRAFT_TASKS and not req.prompt.strip():
            raise gr.Error("The draft is empty: write or paste something into it first.")
        if req.task in DRAFT_TASKS and len(req.prompt) > MAX_DRAFT_CHARS:
            if req.task != "continue":
                raise gr.Error(f"Your text is {len(req.prompt):,} characters long; the model can take at most "
                               f"{MAX_DRAFT_CHARS:,} at once. Select a part of the draft to {req.task} it.")
            req = dataclasses.replace(req, prompt=req.prompt[-MAX_DRAFT_CHARS:])
            cut_note = [f"Your draft is long, so the model read only its last {MAX_DRAFT_CHARS:,} characters."]
        valid = req.validated()  # errors before anything changes
        req_dict = dataclasses.asdict(valid)
        ev = None
        if aid is None:  # a new draft becomes an article now, so a reload mid-generation can reopen it
            from .library_tab import owner_of

            aid = ctx.library.create(owner_of(ctx, request), title_now or "", base)["id"]
        if not ctx.text.is_loaded(valid.model):
            yield (gr.skip(), "Loading the language model (the first time on a computer takes up to a minute)…",
                   gr.skip(), gr.skip(), gr.skip(), gr.skip(), aid)
        topic = "" if valid.task in DRAFT_TASKS else valid.prompt
        text = None
        saved = []

        def keep_streamed():
            """Save what was streamed when the page goes away (closed, reloaded, lost): once."""
            if not saved and text is not None and text != base:
                saved.append(True)
                _save_streamed(ctx, request, aid, title_now, text)
            written.set()

        with ctx.jobs.writing(aid) as written, ctx.jobs.when_gone(session_id(request), keep_streamed), \
                stop_event(ctx, request, "write") as stop:
            try:
                for ev in ctx.text.stream(valid, stop, owner=_owner(request)):
                    ev.notes = cut_note + ev.notes
                    if valid.task == "continue":
                        text = base[: len(base) - len(valid.prompt)] + ev.text
                    elif valid.task == "rewrite" and splice:
                        text = splice_rewrite(base, splice[0], splice[1], ev.text)
                    elif valid.task == "rewrite":
                        text = ev.text
                    else:
                        text = _join(base, ev.text, separate=valid.task in SHORT_PIECES)
                    yield (text, stats_line(ev, text), notes_md(ev.notes), base, req_dict,
                           title_for(title_now, ev, topic), aid)
            except GeneratorExit:  # the tab was closed or reloaded mid-generation: keep what was streamed
                keep_streamed()
                raise
            if ctx.jobs.is_gone(session_id(request)):
                keep_streamed()  # stopped because the page went away
        if ev is not None and ev.done and not ev.stopped:
            gr.Info(f"Done: {ev.words:,} words, seed {ev.seed}.")

    inputs = [task, prompt, tone, length_words, temperature, top_p, top_k, repetition_penalty, max_new_tokens,
              seed, audience, keywords, outline, model, voice, draft, selection, title, article_id]
    outputs = [draft, stats, notes, before, last_request, title, article_id, status]  # status last: see reports_to

    def request_from(t, p, tn, lw, temp, tp, tk, rp, mnt, sd, aud, kw, ol, mdl, vc="") -> WriteRequest:
        return WriteRequest(prompt=p or "", task=t, tone=tn, length_words=lw, temperature=temp, top_p=tp, top_k=tk,
                            repetition_penalty=rp, max_new_tokens=mnt, seed=sd if sd is not None else -1,
                            audience=aud or "", keywords=kw or "", outline=ol or "", model=mdl or "",
                            voice=vc or "")

    @reports_to(status, LABELS)
    def on_write(t, p, tn, lw, temp, tp, tk, rp, mnt, sd, aud, kw, ol, mdl, vc, d, sel, ttl, aid,
                 request: gr.Request):
        yield from run(request_from(t, p, tn, lw, temp, tp, tk, rp, mnt, sd, aud, kw, ol, mdl, vc), d or "", sel,
                       request, ttl or "", aid)

    @reports_to(status, LABELS)
    def on_continue(t, p, tn, lw, temp, tp, tk, rp, mnt, sd, aud, kw, ol, mdl, vc, d, sel, ttl, aid,
                    request: gr.Request):
        if not (d or "").strip():
            raise gr.Error("The draft is empty: write or paste something first, then Continue.")
        req = request_from("continue", d, tn, min(lw, 600), temp, tp, tk, rp, mnt, sd, aud, kw, ol, mdl, vc)
        yield from run(req, d or "", None, request, ttl or "", aid)

    @reports_to(status, LABELS)
    def on_regenerate(last, prev, d, ttl, aid, request: gr.Request):
        if not last:
            raise gr.Error("Nothing to regenerate yet: press Write first.")
        req = WriteRequest(**{**last, "seed": -1})
        base = prev if prev is not None else (d or "")
        yield from run(req, base, None, request, ttl or "", aid)

    generation_events = [
        write_btn.click(on_write, inputs, outputs, api_visibility="private", concurrency_id="text"),
        prompt.submit(on_write, inputs, outputs, api_visibility="private", concurrency_id="text"),
        continue_btn.click(on_continue, inputs, outputs, api_visibility="private", concurrency_id="text"),
        regen_btn.click(on_regenerate, [last_request, before, draft, title, article_id], outputs,
                        api_visibility="private",
                        concurrency_id="text"),
    ]

    def on_stop(request: gr.Request):
        ctx.jobs.stop(session_id(request), "write")

    stop_btn.click(on_stop, None, None, api_visibility="private", queue=False)

    @reports_to(status)
    def on_undo(prev, d):
        if prev is None:
            raise gr.Error("There is no generation to undo.")
        return prev, None, stats_line(None, prev)

    undo_event = undo_btn.click(on_undo, [before, draft], [draft, before, stats, status], api_visibility="private",
                                concurrency_limit=None)
    # Undo can act only after a generation: otherwise it is disabled and says why
    before.change(lambda prev: gr.update(interactive=prev is not None,
                                         value=UNDO_LABEL if prev is not None else NO_UNDO_LABEL),
                  before, undo_btn, api_visibility="private", queue=False, show_progress="hidden")

    # ----- the /write API (DESIGN.md contract) -------------------------------------------
    def write(prompt: str, task: str = "article", tone: str = "neutral", length_words: int = 400,
              temperature: float = 0.7, top_p: float = 0.9, max_new_tokens: int = 1024, seed: int = -1,
              voice: str = "", request: gr.Request = None) -> str:
        """Write text with the studio's language model and return it.

        task: article, outline, continue, rewrite, summarize, headlines, product_description, ad_copy.
        For continue, rewrite and summarize, `prompt` is your text. seed -1 is random.
        voice: the id or name of one of your voices (see /voice_list); empty for none.
        """
        req = WriteRequest(prompt=prompt, task=task, tone=tone, length_words=length_words, temperature=temperature,
                           top_p=top_p, max_new_tokens=max_new_tokens, seed=seed, voice=voice or "")
        try:
            valid = req.validated()
            text = ""
            with stop_event(ctx, request, "write") as stop:
                for ev in ctx.text.stream(valid, stop, owner=_owner(request)):
                    text = ev.text
            return text
        except Exception as exc:  # noqa: BLE001
            from .common import to_gr_error

            raise to_gr_error(exc) from exc

    gr.api(write, api_name="write", concurrency_id="text")

    def write_full(prompt: str, task: str = "article", tone: str = "neutral", length_words: int = 400,
                   temperature: float = 0.7, top_p: float = 0.9, max_new_tokens: int = 1024, seed: int = -1,
                   voice: str = "", request: gr.Request = None) -> dict:
        """Like /write, but returns {"text", "seed", "notes"}: the seed actually used (drawn when -1) and the
        notes the Write tab shows (text trimmed to fit the model, max_new_tokens reached...)."""
        req = WriteRequest(prompt=prompt, task=task, tone=tone, length_words=length_words, temperature=temperature,
                           top_p=top_p, max_new_tokens=max_new_tokens, seed=seed, voice=voice or "")
        try:
            valid = req.validated()
            last = None
            with stop_event(ctx, request, "write") as stop:
                for ev in ctx.text.stream(valid, stop, owner=_owner(request)):
                    last = ev
            return {"text": last.text if last else "", "seed": last.seed if last else valid.seed,
                    "notes": list(last.notes) if last else []}
        except Exception as exc:  # noqa: BLE001
            from .common import to_gr_error

            raise to_gr_error(exc) from exc

    gr.api(write_full, api_name="write_full", concurrency_id="text")
    return {"draft": draft, "title": title, "article_id": article_id, "generation_events": generation_events,
            "stats": stats, "save_status": save_status, "undo_event": undo_event, "voice": voice}
