"""The Models tab (issue #27): what is installed for each kind, a short recommended list for this
machine, a Hub search, and downloads with progress, Cancel, Delete and Make default.

The engines (:mod:`studio.hub`, :mod:`studio.hub_download`) decide; this tab only shows. Downloads
run in the studio's :class:`~studio.hub_download.Downloads` (threads of their own), so a page reload
finds them still running; a timer shows their progress every second. With ``--auth`` only the
``--admin`` users may download or delete. The API endpoints ``/models_list``, ``/models_download``
and ``/models_delete`` are registered here.
"""

from __future__ import annotations

import html

import gradio as gr

from .. import hub, hub_download
from ..errors import InvalidInput
from ..messages import Joined, Message
from .common import guard, user_name
from .i18n.core import Verbatim, request_language, translate
from .parts import Parts

KIND_CHOICES = [("Text (Write tab)", "text"), ("Pictures (Image tab)", "diffusion"),
                ("Voices (Listen, Piper)", "speech")]
INSTALLED_HEADERS = ["Model", "Size", "Licence", "Languages", "Used by", "Where"]
# no Reference column: the long Hub references made the table scroll sideways on a laptop (1366 px); a click on
# a row puts its reference in the Model box
RECOMMENDED_HEADERS = ["Model", "Size", "Memory needed", "Speed here", "Licence", "Languages", "Note"]
SEARCH_HEADERS = ["Reference", "Licence", "Downloads", "Likes"]
SOURCES = {"embedded": "built in", "hub": "Hugging Face cache", "folder": "--model-dir"}


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def _cells(rows: list[list], lang: str) -> list[list]:
    """Table cells in ``lang`` (Gradio translates only the column names); model names stay as they are."""
    return rows if lang != "zh" else [[translate(c, lang) if isinstance(c, str) else c for c in r] for r in rows]


def installed_rows(ctx, kind: str, lang: str = "en") -> list[list]:
    kinds = ("diffusion", "gan") if kind == "diffusion" else (kind,)
    return _cells([[e["ref"], _size(e["size"]), e["license"], e["languages"], e["tab"], SOURCES[e["source"]]]
                   for k in kinds for e in hub.installed(ctx.settings, k)], lang)


def recommended_rows(kind: str, base_speed: float | None = None, lang: str = "en") -> list[list]:
    rows = []
    for r in hub.recommended(kind, base_speed):
        speed = Message("about {n} tokens/s", n=f"{r['tokens_per_s']:g}") if r["tokens_per_s"] else ""
        note = Message("Installed") if r["installed"] else r["warning"]
        rows.append([r["title"], _size(r["size"]), _size(r["memory"]), speed, r["license"], r["languages"], note])
    return _cells(rows, lang)


def recommended_ref(kind: str, row: int, base_speed: float | None = None) -> str:
    """The Hub reference of the ``row``-th recommended model of ``kind`` (the table does not show it)."""
    return hub.recommended(kind, base_speed)[row]["ref"]


def _download_line(job) -> Joined:
    """One download: a bar, bytes, speed and time left while it runs; "Downloaded."; or, marked as such, a
    failed or cancelled one with its reason."""
    d = job.as_dict()
    state = "failed" if d["state"] == "failed" else "cancelled" if d["state"] == "cancelled" else ""
    head = Verbatim(f"<div class='studio-download{' studio-download-' + state if state else ''}'>"
                    f"<b>{html.escape(job.ref)}</b> · ")
    body: str
    tail: str
    if d["state"] == "running":
        pct = 100 * d["done"] / d["total"] if d["total"] else 0
        left = (Message("{n} s left", n=f"{d['seconds_left']:.0f}") if d["seconds_left"] is not None
                else Message("starting"))
        body = Joined(" · ", [Verbatim(f"{_size(d['done'])} / {_size(d['total'])}"),
                              Verbatim(f"{d['speed'] / 1e6:.1f} MB/s"), left])
        tail = Verbatim(f"<progress max='100' value='{pct:.0f}' style='width:100%'></progress></div>")
    elif d["state"] == "done":
        body, tail = Message("Downloaded."), Verbatim("</div>")
    elif d["state"] == "failed":
        reason = d["message"] or Message("The download did not finish.")
        body, tail = Message("Failed: {why}", why=reason), Verbatim("</div>")
    else:
        body, tail = d["message"], Verbatim("</div>")
    return Joined("", [head, body, tail])


def progress_view(ctx) -> Joined:
    """One line per download of this studio: a bar, bytes, speed and time left, or how it ended (a failed one
    says so, with its reason)."""
    return Joined("", [_download_line(job) for job in ctx.downloads.all()])


def _may_manage(ctx, request) -> None:
    if not ctx.settings.may_manage_models(user_name(request)):
        raise InvalidInput("model", "Only the studio's administrators (--admin) may download or delete models.")


def _layout(w: Parts, ctx) -> None:
    gr.Markdown("Get a larger or multilingual model for writing, a picture model or a Piper voice from the Hugging "
                "Face Hub. A downloaded model appears at once in the Write and Image tabs' model lists, a voice in "
                "the Listen voice lists.")
    w.kind = gr.Radio(KIND_CHOICES, value="text", label="Kind of model", elem_id="models-kind")
    with gr.Accordion("Installed", open=True):
        w.installed = gr.Dataframe(installed_rows(ctx, "text"), headers=INSTALLED_HEADERS, interactive=False,
                                   elem_id="models-installed")
    with gr.Accordion("Recommended", open=True):
        w.recommended = gr.Dataframe(recommended_rows("text", ctx.downloads.base_speed), headers=RECOMMENDED_HEADERS,
                                     interactive=False, elem_id="models-recommended", wrap=True)
        w.speed_btn = gr.Button("Estimate the speed on this machine", size="sm", elem_id="models-speed")
    with gr.Accordion("Search the Hub", open=False):
        with gr.Row(equal_height=True):
            w.query = gr.Textbox("", label="Search", placeholder="Qwen/Qwen2.5-7B-Instruct-GGUF", scale=3,
                                 elem_id="models-query")
            w.search_btn = gr.Button("Search", scale=1, elem_id="models-search")
        w.found = gr.Dataframe([], headers=SEARCH_HEADERS, interactive=False, elem_id="models-found")
    w.ref = gr.Textbox("", label="Model", placeholder="org/name:file.gguf, org/name:voice.onnx or org/name",
                       elem_id="models-ref",
                       info="Click a row above to fill it in.")
    with gr.Row():
        w.download_btn = gr.Button("Download", variant="primary", elem_id="models-download")
        w.cancel_btn = gr.Button("Cancel", variant="stop", elem_id="models-cancel")
        w.default_btn = gr.Button("Make default", elem_id="models-default")
        w.delete_btn = gr.Button("Delete", elem_id="models-delete")
    w.progress = gr.HTML("", elem_id="models-progress")
    w.status = gr.Markdown("", elem_id="models-status")
    w.timer = gr.Timer(1.0)


def build(ctx) -> dict:
    """The Models tab's components (inside its ``gr.Tab``); registers the ``/models_*`` API."""
    w = Parts()
    _layout(w, ctx)
    _connect(ctx, w)
    _api(ctx)
    return {"ref": w.ref, "installed": w.installed, "status": w.status}


def _connect(ctx, w: Parts) -> None:
    private = {"api_visibility": "private"}

    def show_kind(kind, request: gr.Request):
        lang = request_language(request)
        return installed_rows(ctx, kind, lang), recommended_rows(kind, ctx.downloads.base_speed, lang), []

    w.kind.change(show_kind, w.kind, [w.installed, w.recommended, w.found], queue=False, **private)

    @guard
    def measure(kind, request: gr.Request):
        ctx.downloads.base_speed = hub.measure_speed(ctx.text)
        return recommended_rows(kind, ctx.downloads.base_speed, request_language(request))

    w.speed_btn.click(measure, w.kind, w.recommended, concurrency_id="write", **private)

    @guard
    def search(query, kind):
        return [[r["ref"], r["license"], r["downloads"], r["likes"]]
                for r in hub_download.search(ctx.settings, query, kind)]

    w.search_btn.click(search, [w.query, w.kind], w.found, **private)
    w.query.submit(search, [w.query, w.kind], w.found, **private)

    def pick(table, evt: gr.SelectData, column: int = 0):
        try:
            return table.iloc[evt.index[0], column]
        except (IndexError, TypeError, AttributeError):
            return gr.update()

    w.installed.select(pick, w.installed, w.ref, queue=False, **private)

    def pick_ref(kind, evt: gr.SelectData):
        try:
            return recommended_ref(kind, int(evt.index[0]), ctx.downloads.base_speed)
        except (IndexError, TypeError, ValueError):
            return gr.update()

    w.recommended.select(pick_ref, w.kind, w.ref, queue=False, **private)
    w.found.select(pick, w.found, w.ref, queue=False, **private)

    @guard
    def download(ref, request: gr.Request):
        _may_manage(ctx, request)
        if not (ref or "").strip():
            raise InvalidInput("Model", "is empty: click a row of Recommended or of the search results first, or type "
                                        "a Hub id like org/name.")
        hub.parse_ref(ref)
        ctx.downloads.start(ref.strip())
        return progress_view(ctx), ""

    w.download_btn.click(download, w.ref, [w.progress, w.status], **private)

    @guard
    def cancel(ref, request: gr.Request):
        _may_manage(ctx, request)
        ctx.downloads.cancel((ref or "").strip())
        return progress_view(ctx)

    w.cancel_btn.click(cancel, w.ref, w.progress, **private)
    def tick(kind, request: gr.Request):
        lang = request_language(request)
        return (progress_view(ctx), installed_rows(ctx, kind, lang),
                recommended_rows(kind, ctx.downloads.base_speed, lang))

    w.timer.tick(tick, w.kind, [w.progress, w.installed, w.recommended], queue=False, show_progress="hidden",
                 **private)
    _connect_manage(ctx, w, private)


def _connect_manage(ctx, w: Parts, private: dict) -> None:
    @guard
    def delete(ref, kind, request: gr.Request):
        _may_manage(ctx, request)
        hub.delete((ref or "").strip())
        return installed_rows(ctx, kind, request_language(request)), Message("Deleted {ref}.", ref=ref)

    w.delete_btn.click(delete, [w.ref, w.kind], [w.installed, w.status], **private)

    @guard
    def make_default(ref, kind, request: gr.Request):
        _may_manage(ctx, request)
        ref = (ref or "").strip()
        if not any(e["ref"] == ref for e in hub.installed(ctx.settings, kind)):
            raise InvalidInput("model", "is not installed. Download it first, or pick one from the Installed list.")
        hub.make_default(ctx.settings, kind, ref)
        if kind == "speech":
            return Message("{ref} is the default voice from the next start (a --speech-model flag still wins).", ref=ref)
        return Message("{ref} is the default from the next start (a --text-model or --diffusion-model flag still wins).",
                       ref=ref)

    w.default_btn.click(make_default, [w.ref, w.kind], w.status, **private)


def _api(ctx) -> None:
    """``/models_list``, ``/models_download`` and ``/models_delete``."""

    @guard
    def models_list(kind: str = "text") -> dict:
        """Installed models of kind (text, diffusion, gan, style or speech), the recommended ones, and this
        studio's downloads."""
        if kind not in hub.KINDS:
            raise InvalidInput("kind", "must be one of {kinds}.", kinds=", ".join(hub.KINDS))
        return {"installed": hub.installed(ctx.settings, kind), "recommended": hub.recommended(kind, ctx.downloads.base_speed),
                "downloads": [j.as_dict() for j in ctx.downloads.all()]}

    @guard
    def models_download(ref: str, request: gr.Request | None = None) -> dict:
        """Download ref (org/name:file.gguf, org/name:path/voice.onnx for a Piper voice with its .onnx.json,
        or org/name) from the Hub; returns when it is done."""
        _may_manage(ctx, request)
        hub.parse_ref(ref)
        job = ctx.downloads.wait(ref.strip())
        if job.state != "done":
            why = job.message if isinstance(job.message, Message) else Message(job.message or "The download did not finish.")
            raise hub_download.ModelUnavailable(why.template, **why.params)
        return job.as_dict()

    @guard
    def models_delete(ref: str, request: gr.Request | None = None) -> str:
        """Delete a downloaded model from the Hugging Face cache."""
        _may_manage(ctx, request)
        hub.delete(ref)
        return Message("Deleted {ref}.", ref=ref)

    gr.api(models_list, api_name="models_list", queue=False)
    gr.api(models_download, api_name="models_download", concurrency_id="models_download")
    gr.api(models_delete, api_name="models_delete")


__all__ = ["build", "installed_rows", "recommended_rows", "recommended_ref", "progress_view"]
