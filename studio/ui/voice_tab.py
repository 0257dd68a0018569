"""The Voice tab: teach the language model to write like you, from your articles and files.

Pick Library articles and/or upload .md, .txt or .docx files, name the
voice, press Train. A progress bar shows step, loss and time left; Stop keeps
what was learnt so far. Voices are listed, renamed and deleted here, and
chosen in the Write tab. The work is done by :class:`studio.voice.train.VoiceTrainer`.
Also the ``/voice_train``, ``/voice_list``, ``/voice_rename`` and ``/voice_delete`` APIs.
"""

from __future__ import annotations

import functools
import html
import time
from collections.abc import Generator

import gradio as gr

from ..errors import StudioError
from ..messages import Joined, Message
from ..streams import worker_stream
from ..unitext import count_words
from ..voice.sources import FILE_TYPES, gather
from ..voice.train import TrainProgress, VoiceSettings, VoiceTrainer, default_settings, describe
from . import i18n
from .common import reports_to, session_id, stop_event, to_gr_error
from .i18n import Verbatim
from .parts import Parts

LABELS = {"name": "Voice name", "article_ids": "Articles", "files": "Files", "texts": "Articles and files",
          "steps": "Steps", "rank": "Rank", "learning_rate": "Learning rate", "voice": "Voice"}
HEADERS = ["Name", "Predicts held-out text", "Steps", "Words", "Text model", "Trained"]


def _owner(ctx, request):
    from .library import owner_of

    return owner_of(ctx, request)


def kept_choice(current: str | None, offered: list[tuple[str, str]]) -> str:
    """The Write tab's voice after its list is refreshed: ``current`` while it is still offered, else ""
    ("No voice"), so that a voice deleted (or renamed away) in the Voice tab is not left selected."""
    return current if current in {value for _, value in offered} else ""


def voice_choices(ctx, request) -> list[tuple[str, str]]:
    """``(label, id)`` pairs of the user's voices, "No voice" first (for dropdowns)."""
    try:
        voices = ctx.text.voices.list(_owner(ctx, request))
    except StudioError:
        voices = []
    return [(Message("No voice"), "")] + [(Verbatim(v["name"]), v["id"]) for v in voices]  # names: never translated


def _table(ctx, request) -> list[list]:
    return voice_rows(ctx.text.voices.list(_owner(ctx, request)))


def _escaped(text: str) -> str:
    """``text`` safe inside HTML; a message keeps its id (its parameters escaped)."""
    if isinstance(text, Message):
        return Message(text.template, **{k: v if isinstance(v, (int, float, Message, Joined)) else html.escape(str(v))
                                         for k, v in text.params.items()})
    if isinstance(text, Joined):
        return Joined(text.sep, [_escaped(t) for t in text.parts])
    return html.escape(text)


def _bar(p: TrainProgress | None, text: str = "") -> str:
    if p is None:
        return Joined("", [Verbatim('<div class="studio-note">'), _escaped(text), Verbatim("</div>")]) if text else ""
    line = p.message or p.phase
    if p.phase == "training":
        pieces = [Message("Step {i} of {n}", i=p.step, n=p.steps)]
        if p.loss is not None:
            pieces.append(Message("loss {l}", l=f"{p.loss:.3f}"))
        if p.seconds_left is not None:
            pieces.append(Message("about {d} left", d=_duration(p.seconds_left)))
        line = Joined(" · ", pieces)
    head = f'<progress id="voice-progress" value="{p.step}" max="{max(1, p.steps)}" style="width:100%"></progress>'
    return Joined("", [Verbatim(head + '<div id="voice-progress-text">'), _escaped(line), Verbatim("</div>")])


def _duration(seconds: float) -> Message:
    seconds = max(0, int(seconds))
    if seconds >= 60:
        return Message("{num_m} min {num_s} s", num_m=seconds // 60, num_s=f"{seconds % 60:02d}")
    return Message("{num_s} s", num_s=seconds)


def _settings_md(words: int, given: VoiceSettings) -> str:
    if not words:
        return Message("Choose articles or files to see the settings Studio picks for them.")
    s = default_settings(words, given)
    return Message("For **{w} words**: **{s} steps**, rank **{r}**, learning rate **{l}**, examples of {b} tokens. "
                   "20% of your text is kept aside to measure the result. Leave a field at 0 to use these numbers.",
                   w=f"{words:,}", s=s.steps, r=s.rank, l=f"{s.learning_rate:g}", b=s.block_tokens)


def _ids(value) -> list[int]:
    return [int(v) for v in (value or [])]


def voice_rows(voices: list[dict]) -> list[list]:
    """The voices table's rows: name, how much better it predicts held-out text, steps (and whether it was
    stopped), words, text model, when trained."""
    rows = []
    for v in voices:
        pct = v.get("improvement_percent")
        how = ("" if pct is None else Message("{num_p}% better", num_p=f"{pct:.0f}") if pct >= 0
               else Message("{num_p}% worse", num_p=f"{-pct:.0f}"))
        steps = Message("{n} (stopped)", n=v["steps_done"]) if v.get("stopped") else f"{v['steps_done']}"
        rows.append([Verbatim(v["name"]), how, steps, v.get("words", 0),
                     v["base_model"]["ref"], time.strftime("%Y-%m-%d %H:%M", time.localtime(v.get("created", 0)))])
    return rows


def article_choices_of(articles: list[dict]) -> list[tuple[str, int]]:
    """``("Title (1,200 words)", id)`` choices of the library's articles."""
    return [(Message("{user_t} ({n} words)", user_t=Verbatim(a["title"]) if a["title"] else Message("Untitled"),
                     n=f"{a['words']:,}"), a["id"]) for a in articles]


def ready_message(rec: dict) -> str:
    """The line shown when a voice is trained (and whether it was stopped early)."""
    stopped = [Message("Stopped after {n} steps; what was learnt so far is kept.", n=rec["steps_done"])]
    more = Joined(" ", [describe(rec), *(stopped if rec["stopped"] else []), Message("Choose it in the Write tab.")])
    return Message("**Voice “{user_v}” is ready.** {d}", user_v=html.escape(rec["name"]), d=more)


def _train_column(w: Parts) -> None:
    w.name = gr.Textbox(label="Voice name", placeholder="e.g. My blog", elem_id="voice-name")
    w.articles = gr.Dropdown([], value=[], multiselect=True, label="Articles from your Library",
                             elem_id="voice-articles", info="Click to see your articles.")
    w.files = gr.File(label="Or upload .md, .txt or .docx files", file_count="multiple",
                      file_types=list(FILE_TYPES), elem_id="voice-files")
    with gr.Accordion("Advanced", open=False):
        w.plan = gr.Markdown(_settings_md(0, VoiceSettings()), elem_id="voice-plan")
        with gr.Row():
            w.steps = gr.Number(0, precision=0, label="Steps", minimum=0, maximum=5000)
            w.rank = gr.Number(0, precision=0, label="Rank", minimum=0, maximum=128)
            w.learning_rate = gr.Number(0, label="Learning rate", minimum=0, maximum=0.1)
    with gr.Row():
        w.train_btn = gr.Button("Train", variant="primary", elem_id="voice-train")
        w.stop_btn = gr.Button("Stop", variant="stop", elem_id="voice-stop")
    w.progress = gr.HTML("", elem_id="voice-progress-box")
    w.result = gr.Markdown("", elem_id="voice-result")
    w.status = gr.Markdown("", elem_classes="studio-note", elem_id="voice-status")


def _voices_column(w: Parts) -> None:
    w.table = gr.Dataframe(headers=HEADERS, value=[], interactive=False, label="Your voices", elem_id="voice-table")
    w.pick = gr.Dropdown([("No voice", "")], value="", label="Voice", elem_id="voice-pick")
    w.new_name = gr.Textbox(label="New name")
    with gr.Row():
        w.rename_btn = gr.Button("Rename", elem_id="voice-rename")
        w.delete_btn = gr.Button("Delete", variant="stop", elem_id="voice-delete")
    w.manage_status = gr.Markdown("", elem_classes="studio-note", elem_id="voice-manage-status")


def build(ctx) -> dict:
    """The Voice tab (inside its ``gr.Tab``) and its APIs. Returns the parts :func:`wire` keeps in step."""
    trainer = ctx.text.voice_trainer()
    gr.Markdown("Teach the language model to write like you. Choose some of your articles or upload your own "
                "files, name the voice and press **Train**. On a laptop without a graphics card this takes a few "
                "minutes for a few articles. Then pick the voice in the Write tab.", elem_classes="studio-note")
    w = Parts()
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            _train_column(w)
        with gr.Column(scale=2, min_width=320):
            _voices_column(w)

    def refresh(request: gr.Request):
        choices = voice_choices(ctx, request)
        return _table(ctx, request), gr.update(choices=choices)

    def article_choices(request: gr.Request):
        return gr.update(choices=article_choices_of(ctx.library.list(_owner(ctx, request))))

    w.articles.focus(guardless(article_choices), None, w.articles, api_visibility="private", queue=False)
    train_event = _connect_train(ctx, w, trainer)
    rename_event, delete_event = _connect_manage(ctx, w)
    w.pick.focus(guardless(refresh), None, [w.table, w.pick], api_visibility="private", queue=False)
    _api(ctx, trainer)
    return {"refresh": refresh, "table": w.table, "pick": w.pick,
            "events": [train_event, rename_event, delete_event]}


def _bars(reports):
    """A progress bar for each training report; returns the voice's record when training ended."""
    while True:
        try:
            p = next(reports)
        except StopIteration as done:
            return done.value
        yield _bar(p), gr.skip(), gr.skip(), gr.skip()


def _connect_train(ctx, w: Parts, trainer):
    sources = [w.articles, w.files, w.steps, w.rank, w.learning_rate]

    def on_sources(ids, fs, st, rk, lr, request: gr.Request):
        try:
            texts, _ = gather(ctx.library, _owner(ctx, request), _ids(ids), fs or [])
            words = sum(count_words(t) for t in texts)
        except StudioError:
            words = 0
        return _settings_md(words, VoiceSettings(int(st or 0), int(rk or 0), float(lr or 0)))

    for comp in sources:
        comp.change(on_sources, sources, w.plan, api_visibility="private", show_progress="hidden")

    @reports_to(w.status, LABELS)
    def on_train(nm, ids, fs, st, rk, lr, request: gr.Request):
        owner = _owner(ctx, request)
        texts, found = gather(ctx.library, owner, _ids(ids), fs or [])
        cfg = VoiceSettings(steps=st or 0, rank=rk or 0, learning_rate=lr or 0.0).validated()
        yield _bar(None, Message("Starting…")), "", gr.skip(), gr.skip()
        with stop_event(ctx, request, "voice") as stop:
            reports: Generator[TrainProgress, None, dict] = worker_stream(lambda emit: trainer.train(owner, nm, texts, found, ctx.settings.text_model, cfg,
                                                               stop, emit),
                                    stop, name="studio-voice-train", latest_only=True)
            try:
                rec = yield from _bars(reports)
            finally:
                reports.close()
        i18n.Info(Message("Voice “{user_v}” is ready.", user_v=rec["name"]))
        yield "", ready_message(rec), _table(ctx, request), gr.update(choices=voice_choices(ctx, request),
                                                                      value=rec["id"])

    train_event = w.train_btn.click(on_train, [w.name, *sources], [w.progress, w.result, w.table, w.pick, w.status],
                                    api_visibility="private", concurrency_id="voice",
                                    concurrency_limit=ctx.settings.concurrency)  # one voice trains at a time

    def on_stop(request: gr.Request):
        ctx.jobs.stop(session_id(request), "voice")

    w.stop_btn.click(on_stop, None, None, api_visibility="private", queue=False)
    return train_event


def _connect_manage(ctx, w: Parts):
    @reports_to(w.manage_status, LABELS)
    def on_rename(voice, nn, request: gr.Request):
        if not voice:
            raise gr.Error(Message("Choose a voice to rename."))
        ctx.text.voices.rename(_owner(ctx, request), voice, nn or "")
        return _table(ctx, request), gr.update(choices=voice_choices(ctx, request), value=voice), ""

    @reports_to(w.manage_status, LABELS)
    def on_delete(voice, request: gr.Request):
        if not voice:
            raise gr.Error(Message("Choose a voice to delete."))
        rec = ctx.text.voices.delete(_owner(ctx, request), voice)
        i18n.Info(Message("Voice “{user_v}” deleted.", user_v=rec["name"]))
        return _table(ctx, request), gr.update(choices=voice_choices(ctx, request), value="")

    rename_event = w.rename_btn.click(on_rename, [w.pick, w.new_name], [w.table, w.pick, w.new_name, w.manage_status],
                                      api_visibility="private")
    delete_event = w.delete_btn.click(on_delete, [w.pick], [w.table, w.pick, w.manage_status],
                                      api_visibility="private")
    return rename_event, delete_event


def guardless(fn):
    """A refresh handler that shows nothing when it fails (e.g. not logged in)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StudioError:
            return gr.skip()

    return wrapper


def wire(ctx, parts) -> None:
    """Keep the Write tab's Voice list in step with this tab, and fill both when the page opens."""
    write_voice = parts.get("write", {}).get("voice")
    voice_parts = parts.get("voice", {})
    tabs = parts["tabs"]

    def choices(current, request: gr.Request):
        try:
            offered = voice_choices(ctx, request)
        except StudioError:
            return gr.skip()
        return gr.update(choices=offered, value=kept_choice(current, offered))

    if write_voice is not None:
        for ev in voice_parts.get("events", []):
            ev.then(choices, write_voice, write_voice, api_visibility="private", queue=False)
        write_voice.focus(choices, write_voice, write_voice, api_visibility="private", queue=False)
    if voice_parts:
        tabs.select(guardless(voice_parts["refresh"]), None, [voice_parts["table"], voice_parts["pick"]],
                    api_visibility="private", queue=False)


def _api(ctx, trainer: VoiceTrainer) -> None:
    def voice_train(name: str, article_ids: str = "", text: str = "", steps: int = 0, rank: int = 0,
                    learning_rate: float = 0.0, request: gr.Request | None = None) -> dict:
        """Train a voice (a LoRA adapter of the studio's text model) on your Library articles and/or a text.

        article_ids: comma-separated ids of your articles. text: more of your writing (optional).
        steps, rank, learning_rate: 0 picks them from the amount of text. Returns the voice's record with
        perplexity_before/after on the 20% of the text kept aside and improvement_percent.
        """
        try:
            owner = _owner(ctx, request)
            ids = [s.strip() for s in (article_ids or "").split(",") if s.strip()]
            texts, sources = gather(ctx.library, owner, ids, []) if ids else ([], [])
            if (text or "").strip():
                texts.append(text)
                sources.append({"kind": "text", "name": "text"})
            if not texts:
                from ..errors import InvalidInput

                raise InvalidInput("article_ids", "give article ids or a text to learn from.")
            cfg = VoiceSettings(steps=steps or 0, rank=rank or 0, learning_rate=learning_rate or 0.0)
            with stop_event(ctx, request, "voice") as stop:
                return trainer.train(owner, name, texts, sources, ctx.settings.text_model, cfg, stop)
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    def voice_list(request: gr.Request | None = None) -> list:
        """Your voices, newest first (id, name, base_model, settings, sources, perplexity before/after...)."""
        try:
            return ctx.text.voices.list(_owner(ctx, request))
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    def voice_rename(voice: str, name: str, request: gr.Request | None = None) -> dict:
        """Rename one of your voices (given by id or name)."""
        try:
            return ctx.text.voices.rename(_owner(ctx, request), voice, name)
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    def voice_delete(voice: str, request: gr.Request | None = None) -> dict:
        """Delete one of your voices (given by id or name); returns its record."""
        try:
            return ctx.text.voices.delete(_owner(ctx, request), voice)
        except Exception as exc:  # noqa: BLE001
            raise to_gr_error(exc) from exc

    gr.api(voice_train, api_name="voice_train", concurrency_id="voice", concurrency_limit=ctx.settings.concurrency)
    gr.api(voice_list, api_name="voice_list")
    gr.api(voice_rename, api_name="voice_rename")
    gr.api(voice_delete, api_name="voice_delete")
