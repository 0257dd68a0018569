"""The Style tab: restyle a photo as a painting or in the look of another picture.

Two ways, side by side:

* **Neural style** (default model ``magenta-arbitrary``): a preset from the
  gallery, your own style picture, or a blend of two, with ``strength`` and
  ``preserve_colors``; the result keeps the photo's resolution up to ``max_side``.
* **Diffusion** (image-to-image, when a diffusion model is available): a style
  prompt and a denoising strength.

The result shows in a before/after slider, is saved as a PNG with its
parameters, and can go into the draft or the library. The ``/style_transfer``
API endpoint (see docs/architecture.md) is registered here with :func:`gradio.api`.

Contract keys returned by :func:`build`: ``content_image`` (the content
``gr.Image``, a file path value), ``result_path`` (gr.State, str | None),
``insert_btn`` (wired by the Library tab), ``send_to_library_btn`` (wired here).
"""

from pathlib import Path
from typing import Any

import gradio as gr
from gradio.data_classes import FileData

from ..errors import InvalidInput
from ..image.imageio import MIN_SIDE, probe_size
from ..image.style import DEFAULT_MAX_SIDE, MIN_MAX_SIDE, PRESETS
from ..messages import Joined, Message
from .common import guard, reports_to, session_id, stop_event
from .components import path_image as _image
from .i18n import Verbatim
from .owners import claim, owns
from .parts import Parts

# Names a writer recognises for the 26 presets (what each looks like on the reference landscape); the
# API and the PNG metadata keep the ids (style-00 ... style-25).
PRESET_NAMES = {
    "style-00": "Warm cubist",
    "style-01": "Yellow crackle",
    "style-02": "Grey charcoal",
    "style-03": "Red and blue mosaic",
    "style-04": "Sunset glow",
    "style-05": "Autumn patchwork",
    "style-06": "Midnight blue",
    "style-07": "Night fire",
    "style-08": "Pastel pink",
    "style-09": "Silver etching",
    "style-10": "Sepia smoke",
    "style-11": "Cream parchment",
    "style-12": "Soft peach",
    "style-13": "Olive meadow",
    "style-14": "Misty blue",
    "style-15": "Rose sketch",
    "style-16": "Blue brushwork",
    "style-17": "Red stitches",
    "style-18": "Sand wash",
    "style-19": "Teal and gold",
    "style-20": "Crimson",
    "style-21": "Ink and orange",
    "style-22": "Dusk ink",
    "style-23": "Stormy sky",
    "style-24": "Pale ink",
    "style-25": "Bronze engraving",
}


def preset_label(preset: str) -> str:
    """``Red and blue mosaic (style-03)``: the preset's name (shown in the writer's language) and its id."""
    name = PRESET_NAMES.get(preset)
    if name is None or not preset.startswith("style-"):
        return Verbatim(f"{preset} ({preset})")
    return Message("{name} (style-{n})", name=Message(name), n=preset.removeprefix("style-"))


STYLE_FROM = ("preset", "image")  # what the "Style from" radio sends, whatever language its labels are in
STYLE_FROM_LABELS = {"preset": "Preset", "image": "Style image"}
DEFAULT_PROMPT = "an oil painting with thick visible brush strokes"


def size_note(path, max_side) -> str:
    """What will happen to the content picture's size, from its header only."""
    size = probe_size(path)
    if size is None:
        return ""
    w, h = size
    if min(w, h) < MIN_SIDE:
        return Message("The picture is {w}×{h} px: too small to restyle (each side needs at least {m} px).",
                       w=w, h=h, m=MIN_SIDE)
    try:
        limit = int(max_side)
    except (TypeError, ValueError):
        return Message("The picture is {w}×{h} px.", w=w, h=h)
    if max(w, h) <= limit:
        return Message("The picture is {w}×{h} px; the result keeps that size.", w=w, h=h)
    nw, nh = fit_within_size((w, h), limit)
    return Message("The picture is {w}×{h} px; it will be **downscaled to {a}×{b}** (max side {l}). "
                   "Raise *Max side* to keep more pixels.", w=w, h=h, a=nw, b=nh, l=limit)


def fit_within_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size :func:`~studio.image.imageio.fit_within` gives ``size`` for ``max_side``."""
    w, h = size
    if max(w, h) <= max_side:
        return w, h
    scale = max_side / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _diffusion_offer(ctx) -> tuple[list[str], list[str]]:
    """``(diffusion models available now, notes on the missing ones)``; see
    :meth:`studio.image.router.ImageRouter.diffusion_offered`."""
    return ctx.images.diffusion_offered()


def _diffusion_note(refs: list[str], missing: list[str]) -> str:
    head = (Message("Repaints the photo with a diffusion model (image-to-image), guided by a style prompt.")
            if refs else Message("No diffusion model is available right now."))
    return Joined(" ", [head, *missing])


def _status(result, what: str) -> str:
    w, h = result.image.size
    line = Joined(" · ", [what, Message("{num_w}×{num_h} px", num_w=w, num_h=h),
                          Message("{num_s} s", num_s=f"{result.seconds:.1f}"),
                          Message("saved as `{f}`", f=Path(result.path).name)])
    return Joined("\n", [line, *(Joined("", [Verbatim("- "), n]) for n in result.notes)])


# ---------------------------------------------------------------------- logic
def source_view(choice: str) -> tuple[dict, dict]:
    """Which of the preset gallery and the style picture shows for "Style from" ``choice``."""
    return gr.update(visible=choice == STYLE_FROM[0]), gr.update(visible=choice == STYLE_FROM[1])


def transfer_args(*, content, style_from: str, preset: str, style_image, second_style, style_blend, strength,
                  preserve_colors, max_side) -> dict:
    """The neural transfer's arguments from the form: the preset or the style picture, as "Style from" says.

    Raises:
        InvalidInput: no content picture.
    """
    if not content:
        raise InvalidInput("content_image", "is missing. Upload your photo first.")
    use_preset = style_from == STYLE_FROM[0]
    return {"content_image": content, "style_image": None if use_preset else style_image,
            "preset": preset if use_preset else None, "second_style_image": second_style,
            "style_blend": style_blend, "strength": strength, "preserve_colors": bool(preserve_colors),
            "max_side": max_side}


def transfer_label(args: dict) -> str:
    """What a neural result was made with, for its status line."""
    what = Message("Preset {p}", p=preset_label(args["preset"])) if args["preset"] else Message("Your style picture")
    if args["second_style_image"]:
        what = Message("{what} blended with a second picture ({p})", what=what, p=f"{args['style_blend']:.0%}")
    return Message("{what}, strength {s}", what=what, s=f"{args['strength']:g}")


def check_repaint(content, model: str | None) -> None:
    """Raises InvalidInput when the diffusion repaint lacks its photo or a model (saying how to get one)."""
    if not content:
        raise InvalidInput("content_image", "is missing. Upload your photo first.")
    if not (model or "").strip():
        raise InvalidInput("model", "No diffusion model is available. Start the studio with network access "
                                    "once, or pass a local folder with --diffusion-model.")


def models_view(ctx, current: str | None) -> tuple[dict, str, dict]:
    """The diffusion mode's model list now (the current choice kept when still offered), its note, and
    whether Repaint can run."""
    refs, missing = _diffusion_offer(ctx)
    value = current if current in refs else (refs[0] if refs else None)
    return gr.update(choices=refs, value=value), _diffusion_note(refs, missing), gr.update(interactive=bool(refs))


def model_defaults(ctx, model: str | None) -> tuple:
    """``(steps, guidance)`` of the model's family; ``gr.skip()`` for no model."""
    if not (model or "").strip():
        return gr.skip(), gr.skip()
    pre = ctx.diffusion.defaults(model)
    return pre["num_inference_steps"], pre["guidance_scale"]


# ---------------------------------------------------------------------- layout
def _neural_tab(w: Parts, thumbs) -> None:
    w.style_from = gr.Radio([(STYLE_FROM_LABELS[k], k) for k in STYLE_FROM], value=STYLE_FROM[0], label="Style from", elem_id="style-from")
    with gr.Group(visible=True) as w.preset_group:
        w.gallery = gr.Gallery(value=[(p, preset_label(n)) for p, n in thumbs], columns=5, height=360,
                               allow_preview=False, object_fit="cover", label="Presets", interactive=False,
                               elem_id="style-presets")
        w.preset = gr.Dropdown([(preset_label(n), n) for n in PRESETS], value=PRESETS[0], label="Preset",
                               elem_id="style-preset")
    with gr.Group(visible=False) as w.image_group:
        w.style_image = _image("Style picture", elem_id="style-image", height=240)
    with gr.Accordion("Blend with a second style picture", open=False):
        w.second_style = _image("Second style picture", elem_id="style-second", height=200)
        w.style_blend = gr.Slider(0, 1, value=0.5, step=0.05, label="Share of the second style",
                                  elem_id="style-blend")
    w.strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength",
                           info="0 keeps your photo's own style, 1 applies the full style.", elem_id="style-strength")
    w.preserve_colors = gr.Checkbox(False, label="Keep the photo's colours (transfer brightness only)",
                                    elem_id="style-preserve")
    with gr.Row():
        w.run_btn = gr.Button("Restyle", variant="primary", elem_id="style-run")
        w.stop_btn = gr.Button("Stop", variant="stop", elem_id="style-stop")
    w.run_status = gr.Markdown("", elem_classes="studio-note", elem_id="style-run-status")


def _diffusion_tab(ctx, w: Parts) -> None:
    refs, missing = _diffusion_offer(ctx)
    w.diff_note = gr.Markdown(elem_id="style-diff-note")
    # set after construction: Markdown's constructor turns its value into plain text, which loses the message's id
    w.diff_note.value = _diffusion_note(refs, missing)
    w.diff_model = gr.Dropdown(refs, value=refs[0] if refs else None, allow_custom_value=True,
                               label="Diffusion model", elem_id="style-diff-model")
    w.prompt = gr.Textbox(DEFAULT_PROMPT, label="Style prompt", lines=2, elem_id="style-prompt")
    w.negative_prompt = gr.Textbox("", label="Negative prompt", elem_id="style-negative")
    w.d_strength = gr.Slider(0, 1, value=0.5, step=0.05, label="Strength",
                             info="How much is repainted. Steps × strength must be at least 1.",
                             elem_id="style-diff-strength")
    with gr.Row():
        w.steps = gr.Number(4, label="Steps", precision=0, minimum=1, maximum=150, elem_id="style-steps")
        w.guidance = gr.Number(0.0, label="Guidance scale", minimum=0, maximum=50, elem_id="style-guidance")
        w.seed = gr.Number(-1, label="Seed (-1 random)", precision=0, elem_id="style-seed")
    with gr.Row():
        # disabled while no diffusion model can be loaded; the note above says why
        w.d_run_btn = gr.Button("Repaint", variant="primary", elem_id="style-diff-run", interactive=bool(refs))
        w.d_stop_btn = gr.Button("Stop", variant="stop", elem_id="style-diff-stop")
    w.d_status = gr.Markdown("", elem_classes="studio-note", elem_id="style-diff-status")


def _inputs_column(ctx, w: Parts, limit: int, default_side: int, thumbs) -> None:
    w.content_image = _image("Content picture (your photo)", elem_id="style-content", height=320)
    w.content_note = gr.Markdown(elem_id="style-content-note")
    w.max_side = gr.Slider(MIN_MAX_SIDE, limit, value=default_side, step=1, label="Max side (px)",
                           info="A larger photo is downscaled to this on its longer side.", elem_id="style-max-side")
    with gr.Tabs(elem_id="style-mode"):
        with gr.Tab("Neural transfer", id="neural"):
            _neural_tab(w, thumbs)
        with gr.Tab("Diffusion", id="diffusion") as w.diffusion_tab:
            _diffusion_tab(ctx, w)


def _result_column(w: Parts) -> None:
    w.compare = gr.ImageSlider(label="Before / after", type="filepath", format="png", elem_id="style-compare",
                               max_height=640)
    w.status = gr.Markdown(elem_id="style-status")
    w.download = gr.File(label="PNG", interactive=False, elem_id="style-download")
    with gr.Row():
        w.insert_btn = gr.Button("Insert into draft", elem_id="style-insert")
        w.send_to_library_btn = gr.Button("Send to library", elem_id="style-send-library")


def build(ctx) -> dict:
    """The Style tab's components (inside its ``gr.Tab``); registers ``/style_transfer``."""
    limit = ctx.style.max_side_limit()
    thumbs = ctx.style.preset_thumbnails()
    gr.Markdown("Restyle a photo as a painting, in the look of another picture, or with a diffusion model. "
                "The result keeps your photo's size (up to *Max side*).")
    w = Parts(result_path=gr.State(None))
    with gr.Row():
        with gr.Column(scale=1):
            _inputs_column(ctx, w, limit, min(DEFAULT_MAX_SIDE, limit), thumbs)
        with gr.Column(scale=1):
            _result_column(w)
    _connect_form(w)
    _connect_neural(ctx, w)
    _connect_diffusion(ctx, w)
    _api(ctx)
    return {"content_image": w.content_image, "result_path": w.result_path, "insert_btn": w.insert_btn,
            "send_to_library_btn": w.send_to_library_btn, "status": w.status, "compare": w.compare}


# ---------------------------------------------------------------------- events
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def _connect_form(w: Parts) -> None:
    for trigger in (w.content_image.change, w.max_side.release):
        trigger(size_note, [w.content_image, w.max_side], w.content_note, show_progress="hidden", queue=False,
                **PRIVATE)
    w.style_from.change(source_view, w.style_from, [w.preset_group, w.image_group], queue=False, **PRIVATE)

    def pick_preset(evt: gr.SelectData):
        return PRESETS[evt.index], STYLE_FROM[0]

    w.gallery.select(pick_preset, None, [w.preset, w.style_from], queue=False, **PRIVATE)
    w.style_image.upload(lambda path: STYLE_FROM[1] if path else gr.skip(), w.style_image, w.style_from,
                         queue=False, **PRIVATE)


def _stop_job(ctx):
    def stop_job(request: gr.Request):
        ctx.jobs.stop(session_id(request), "style")

    return stop_job


# the engine's field names as this tab shows them (an error names the field the writer sees)
LABELS = {"content_image": "Content picture (your photo)", "style_image": "Style image", "model": "Diffusion model",
          "prompt": "Style prompt", "negative_prompt": "Negative prompt", "strength": "Strength",
          "max_side": "Max side (px)", "num_inference_steps": "Steps", "guidance_scale": "Guidance scale",
          "seed": "Seed (-1 random)"}


def _connect_neural(ctx, w: Parts) -> None:
    @reports_to(w.run_status, LABELS)
    def restyle(request: gr.Request, **form):
        args = transfer_args(**form)
        with stop_event(ctx, request, "style") as stop:
            result = ctx.style.transfer(args.pop("content_image"), **args, stop=stop)
        path = claim(ctx, request, result.path)
        return (result.content, path), _status(result, transfer_label(args)), path, path

    w.run_btn.click(restyle, inputs_kwargs={
        "content": w.content_image, "style_from": w.style_from, "preset": w.preset, "style_image": w.style_image,
        "second_style": w.second_style, "style_blend": w.style_blend, "strength": w.strength,
        "preserve_colors": w.preserve_colors, "max_side": w.max_side},
        outputs=w.list("compare", "status", "download", "result_path", "run_status"), concurrency_id="style",
        **PRIVATE)
    w.stop_btn.click(_stop_job(ctx), None, None, queue=False, **PRIVATE)


def _connect_diffusion(ctx, w: Parts) -> None:
    @reports_to(w.d_status, LABELS)
    def repaint(content, model, prompt_text, negative, strength_value, steps_value, guidance_value, seed_value,
                side, request: gr.Request, progress=gr.Progress()):
        check_repaint(content, model)
        with stop_event(ctx, request, "style") as stop:
            result = ctx.style.restyle_diffusion(
                content, prompt_text, negative_prompt=negative or "", strength=strength_value,
                num_inference_steps=steps_value, guidance_scale=guidance_value, seed=seed_value,
                max_side=side, model=model, stop=stop,
                progress=lambda i, n: progress(i / max(1, n), desc=Message("Step {i} of {n}", i=i, n=n)),
            )
        path = claim(ctx, request, result.path)
        what = Message("Diffusion ({m}), strength {s}, seed {d}", m=result.params["model"], s=f"{strength_value:g}",
                       d=result.params["seed"])
        return (result.content, path), _status(result, what), path, path

    w.diffusion_tab.select(lambda current: models_view(ctx, current), w.diff_model,
                           [w.diff_model, w.diff_note, w.d_run_btn], **PRIVATE)
    w.diff_model.change(lambda model: model_defaults(ctx, model), w.diff_model, [w.steps, w.guidance], queue=False,
                        **PRIVATE)
    w.diff_model.change(lambda m: gr.update(interactive=bool((m or "").strip())), w.diff_model, w.d_run_btn,
                        queue=False, show_progress="hidden", **PRIVATE)
    w.d_run_btn.click(repaint, w.list("content_image", "diff_model", "prompt", "negative_prompt", "d_strength",
                                      "steps", "guidance", "seed", "max_side"),
                      w.list("compare", "status", "download", "result_path", "d_status"), concurrency_id="style",
                      **PRIVATE)
    w.d_stop_btn.click(_stop_job(ctx), None, None, queue=False, **PRIVATE)


def _api(ctx) -> None:
    """The ``/style_transfer`` API endpoint (docs/architecture.md)."""

    @guard
    def style_transfer(content_image: FileData, style_image: FileData | None = None, preset: str | None = None,
                       strength: float = 1.0, preserve_colors: bool = False,
                       max_side: int = DEFAULT_MAX_SIDE, request: gr.Request | None = None) -> FileData:
        """Restyle content_image with style_image or a preset (style-00 … style-25); returns the PNG.

        strength 0..1 (the content's own style → the full style), preserve_colors keeps the
        photo's colours, max_side caps the longer side (the output keeps the photo's size up to it).
        """
        with stop_event(ctx, request, "style-api") as stop:
            result = ctx.style.transfer(content_image, style_image=style_image, preset=preset, strength=strength,
                                        preserve_colors=preserve_colors, max_side=max_side, stop=stop)
        path = claim(ctx, request, result.path)
        return FileData(path=path, orig_name=Path(path).name, mime_type="image/png")

    gr.api(style_transfer, api_name="style_transfer", concurrency_id="style")


def wire(ctx, parts: dict) -> None:
    """"Send to library": attach the last result to the article open in the Write tab
    (a new draft article when none is open)."""
    me, write = parts.get("style") or {}, parts.get("write") or {}
    draft, title, article_id = write.get("draft"), write.get("title"), write.get("article_id")
    if not me or article_id is None or title is None or draft is None:
        return
    from .library import attached_message, owner_of

    @guard
    def send(path, title_value, body, aid, request: gr.Request):
        if not path or not Path(path).exists():
            raise InvalidInput("result", "Restyle a picture first.")
        if not owns(ctx, request, path):
            raise InvalidInput("result", "Only pictures made in this studio can be sent to the library.")
        owner = owner_of(ctx, request)
        saved = ctx.library.save(owner, aid, title_value or "", body or "", create_missing=True, note="autosave")
        aid = saved["article_id"]
        ctx.library.attach_image(owner, aid, path)
        return aid, attached_message(title_value)

    me["send_to_library_btn"].click(send, [me["result_path"], title, draft, article_id],
                                    [article_id, me["status"]], api_visibility="private")


__all__ = ["build", "wire", "size_note", "fit_within_size"]
