"""The Style tab: restyle a photo as a painting or in the look of another picture.

Two ways, side by side:

* **Neural style** (default model ``magenta-arbitrary``): a preset from the
  gallery, your own style picture, or a blend of two, with ``strength`` and
  ``preserve_colors``; the result keeps the photo's resolution up to ``max_side``.
* **Diffusion** (image-to-image, when a diffusion model is available): a style
  prompt and a denoising strength.

The result shows in a before/after slider, is saved as a PNG with its
parameters, and can go into the draft or the library. The ``/style_transfer``
API endpoint (see DESIGN.md) is registered here with :func:`gradio.api`.

Contract keys returned by :func:`build`: ``content_image`` (the content
``gr.Image``, a file path value), ``result_path`` (gr.State, str | None),
``insert_btn`` (wired by the Library tab), ``send_to_library_btn`` (wired here).
"""

from pathlib import Path

import gradio as gr
from gradio.data_classes import FileData

from ..errors import InvalidInput
from ..image.imageio import MIN_SIDE, probe_size
from ..image.style import DEFAULT_MAX_SIDE, MIN_MAX_SIDE, PRESETS
from .common import guard, reports_to, session_id, stop_event
from .owners import claim, owns
from .components import path_image as _image

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
    return f"{PRESET_NAMES.get(preset, preset)} ({preset})"


STYLE_FROM = ("Preset", "Style image")
DEFAULT_PROMPT = "an oil painting with thick visible brush strokes"


def size_note(path, max_side) -> str:
    """What will happen to the content picture's size, from its header only."""
    size = probe_size(path)
    if size is None:
        return ""
    w, h = size
    if min(w, h) < MIN_SIDE:
        return f"The picture is {w}×{h} px: too small to restyle (each side needs at least {MIN_SIDE} px)."
    try:
        limit = int(max_side)
    except (TypeError, ValueError):
        return f"The picture is {w}×{h} px."
    if max(w, h) <= limit:
        return f"The picture is {w}×{h} px; the result keeps that size."
    nw, nh = fit_within_size((w, h), limit)
    return (f"The picture is {w}×{h} px; it will be **downscaled to {nw}×{nh}** (max side {limit}). "
            "Raise *Max side* to keep more pixels.")


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
    head = ("Repaints the photo with a diffusion model (image-to-image), guided by a style prompt."
            if refs else "No diffusion model is available right now.")
    return " ".join([head, *missing])


def _status(result, what: str) -> str:
    w, h = result.image.size
    lines = [f"{what} · {w}×{h} px · {result.seconds:.1f} s · saved as `{Path(result.path).name}`"]
    lines += [f"- {n}" for n in result.notes]
    return "\n".join(lines)


def build(ctx) -> dict:
    """The Style tab's components (inside its ``gr.Tab``); registers ``/style_transfer``."""
    engine = ctx.style
    limit = engine.max_side_limit()
    default_side = min(DEFAULT_MAX_SIDE, limit)
    thumbs = engine.preset_thumbnails()

    gr.Markdown("Restyle a photo as a painting, in the look of another picture, or with a diffusion model. "
                "The result keeps your photo's size (up to *Max side*).")
    result_path = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1):
            content_image = _image("Content picture (your photo)", elem_id="style-content", height=320)
            content_note = gr.Markdown(elem_id="style-content-note")
            max_side = gr.Slider(MIN_MAX_SIDE, limit, value=default_side, step=1, label="Max side (px)",
                                 info="A larger photo is downscaled to this on its longer side.",
                                 elem_id="style-max-side")
            with gr.Tabs(elem_id="style-mode"):
                with gr.Tab("Neural transfer", id="neural"):
                    style_from = gr.Radio(list(STYLE_FROM), value=STYLE_FROM[0], label="Style from",
                                          elem_id="style-from")
                    with gr.Group(visible=True) as preset_group:
                        gallery = gr.Gallery(value=[(p, preset_label(n)) for p, n in thumbs], columns=5, height=360,
                                             allow_preview=False, object_fit="cover", label="Presets",
                                             interactive=False, elem_id="style-presets")
                        preset = gr.Dropdown([(preset_label(n), n) for n in PRESETS], value=PRESETS[0], label="Preset",
                                             elem_id="style-preset")
                    with gr.Group(visible=False) as image_group:
                        style_image = _image("Style picture", elem_id="style-image", height=240)
                    with gr.Accordion("Blend with a second style picture", open=False):
                        second_style = _image("Second style picture", elem_id="style-second", height=200)
                        style_blend = gr.Slider(0, 1, value=0.5, step=0.05, label="Share of the second style",
                                                elem_id="style-blend")
                    strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength",
                                         info="0 keeps your photo's own style, 1 applies the full style.",
                                         elem_id="style-strength")
                    preserve_colors = gr.Checkbox(False, label="Keep the photo's colours (transfer brightness only)",
                                                  elem_id="style-preserve")
                    with gr.Row():
                        run_btn = gr.Button("Restyle", variant="primary", elem_id="style-run")
                        stop_btn = gr.Button("Stop", variant="stop", elem_id="style-stop")
                    run_status = gr.Markdown("", elem_classes="studio-note", elem_id="style-run-status")
                with gr.Tab("Diffusion", id="diffusion") as diffusion_tab:
                    refs, missing = _diffusion_offer(ctx)
                    diff_note = gr.Markdown(_diffusion_note(refs, missing), elem_id="style-diff-note")
                    diff_model = gr.Dropdown(refs, value=refs[0] if refs else None, allow_custom_value=True,
                                             label="Diffusion model", elem_id="style-diff-model")
                    prompt = gr.Textbox(DEFAULT_PROMPT, label="Style prompt", lines=2, elem_id="style-prompt")
                    negative_prompt = gr.Textbox("", label="Negative prompt", elem_id="style-negative")
                    d_strength = gr.Slider(0, 1, value=0.5, step=0.05, label="Strength",
                                           info="How much is repainted. Steps × strength must be at least 1.",
                                           elem_id="style-diff-strength")
                    with gr.Row():
                        steps = gr.Number(4, label="Steps", precision=0, minimum=1, maximum=150,
                                          elem_id="style-steps")
                        guidance = gr.Number(0.0, label="Guidance scale", minimum=0, maximum=50,
                                             elem_id="style-guidance")
                        seed = gr.Number(-1, label="Seed (-1 random)", precision=0, elem_id="style-seed")
                    with gr.Row():
                        # disabled while no diffusion model can be loaded; the note above says why
                        d_run_btn = gr.Button("Repaint", variant="primary", elem_id="style-diff-run",
                                              interactive=bool(refs))
                        d_stop_btn = gr.Button("Stop", variant="stop", elem_id="style-diff-stop")
                    d_status = gr.Markdown("", elem_classes="studio-note", elem_id="style-diff-status")
        with gr.Column(scale=1):
            compare = gr.ImageSlider(label="Before / after", type="filepath", format="png", elem_id="style-compare",
                                     max_height=640)
            status = gr.Markdown(elem_id="style-status")
            download = gr.File(label="PNG", interactive=False, elem_id="style-download")
            with gr.Row():
                insert_btn = gr.Button("Insert into draft", elem_id="style-insert")
                send_to_library_btn = gr.Button("Send to library", elem_id="style-send-library")

    private = {"api_visibility": "private"}

    # ----- small UI reactions ---------------------------------------------------------------
    for trigger in (content_image.change, max_side.release):
        trigger(size_note, [content_image, max_side], content_note, show_progress="hidden", queue=False, **private)

    def pick_source(choice):
        return gr.update(visible=choice == STYLE_FROM[0]), gr.update(visible=choice == STYLE_FROM[1])

    style_from.change(pick_source, style_from, [preset_group, image_group], queue=False, **private)

    def pick_preset(evt: gr.SelectData):
        return PRESETS[evt.index], STYLE_FROM[0]

    gallery.select(pick_preset, None, [preset, style_from], queue=False, **private)

    def uploaded_style(path):
        return STYLE_FROM[1] if path else gr.skip()

    style_image.upload(uploaded_style, style_image, style_from, queue=False, **private)

    # ----- neural style ---------------------------------------------------------------------
    @reports_to(run_status)
    def restyle(content, source, preset_name, style_path, second_path, blend, strength_value, keep, side,
                request: gr.Request):
        if not content:
            raise InvalidInput("content_image", "is missing. Upload your photo first.")
        use_preset = source == STYLE_FROM[0]
        with stop_event(ctx, request, "style") as stop:
            result = engine.transfer(
                content, style_image=None if use_preset else style_path, preset=preset_name if use_preset else None,
                second_style_image=second_path, style_blend=blend, strength=strength_value,
                preserve_colors=bool(keep), max_side=side, stop=stop,
            )
        path = claim(ctx, request, result.path)
        what = f"Preset {preset_label(preset_name)}" if use_preset else "Your style picture"
        if second_path:
            what += f" blended with a second picture ({blend:.0%})"
        return ((result.content, path), _status(result, f"{what}, strength {strength_value:g}"), path, path)

    run_btn.click(restyle, [content_image, style_from, preset, style_image, second_style, style_blend, strength,
                            preserve_colors, max_side], [compare, status, download, result_path, run_status],
                  concurrency_id="style", **private)
    def stop_job(request: gr.Request):
        ctx.jobs.stop(session_id(request), "style")

    stop_btn.click(stop_job, None, None, queue=False, **private)

    # ----- diffusion ------------------------------------------------------------------------
    @reports_to(d_status)
    def repaint(content, model, prompt_text, negative, strength_value, steps_value, guidance_value, seed_value,
                side, request: gr.Request, progress=gr.Progress()):
        if not content:
            raise InvalidInput("content_image", "is missing. Upload your photo first.")
        if not (model or "").strip():
            raise InvalidInput("model", "No diffusion model is available. Start the studio with network access "
                                        "once, or pass a local folder with --diffusion-model.")
        with stop_event(ctx, request, "style") as stop:
            result = engine.restyle_diffusion(
                content, prompt_text, negative_prompt=negative or "", strength=strength_value,
                num_inference_steps=steps_value, guidance_scale=guidance_value, seed=seed_value,
                max_side=side, model=model, stop=stop,
                progress=lambda i, n: progress(i / max(1, n), desc=f"Step {i} of {n}"),
            )
        path = claim(ctx, request, result.path)
        what = f"Diffusion ({result.params['model']}), strength {strength_value:g}, seed {result.params['seed']}"
        return (result.content, path), _status(result, what), path, path

    def refresh_models(current):
        refs, missing = _diffusion_offer(ctx)
        value = current if current in refs else (refs[0] if refs else None)
        return gr.update(choices=refs, value=value), _diffusion_note(refs, missing), gr.update(interactive=bool(refs))

    diffusion_tab.select(refresh_models, diff_model, [diff_model, diff_note, d_run_btn], **private)

    def model_defaults(model):
        if not (model or "").strip():
            return gr.skip(), gr.skip()
        pre = ctx.diffusion.defaults(model)
        return pre["num_inference_steps"], pre["guidance_scale"]

    diff_model.change(model_defaults, diff_model, [steps, guidance], queue=False, **private)
    diff_model.change(lambda m: gr.update(interactive=bool((m or "").strip())), diff_model, d_run_btn,
                      queue=False, show_progress="hidden", **private)

    d_run_btn.click(repaint, [content_image, diff_model, prompt, negative_prompt, d_strength, steps, guidance,
                              seed, max_side], [compare, status, download, result_path, d_status],
                    concurrency_id="style", **private)
    d_stop_btn.click(stop_job, None, None, queue=False, **private)

    # ----- the /style_transfer API endpoint (DESIGN.md) -------------------------------------
    @guard
    def style_transfer(content_image: FileData, style_image: FileData | None = None, preset: str | None = None,
                       strength: float = 1.0, preserve_colors: bool = False,
                       max_side: int = DEFAULT_MAX_SIDE, request: gr.Request = None) -> FileData:
        """Restyle content_image with style_image or a preset (style-00 … style-25); returns the PNG.

        strength 0..1 (the content's own style → the full style), preserve_colors keeps the
        photo's colours, max_side caps the longer side (the output keeps the photo's size up to it).
        """
        with stop_event(ctx, request, "style-api") as stop:
            result = engine.transfer(content_image, style_image=style_image, preset=preset, strength=strength,
                                     preserve_colors=preserve_colors, max_side=max_side, stop=stop)
        path = claim(ctx, request, result.path)
        return FileData(path=path, orig_name=Path(path).name, mime_type="image/png")

    gr.api(style_transfer, api_name="style_transfer", concurrency_id="style")

    return {
        "content_image": content_image,
        "result_path": result_path,
        "insert_btn": insert_btn,
        "send_to_library_btn": send_to_library_btn,
        "status": status,
        "compare": compare,
    }


def wire(ctx, parts: dict) -> None:
    """"Send to library": attach the last result to the article open in the Write tab
    (a new draft article when none is open)."""
    me, write = parts.get("style") or {}, parts.get("write") or {}
    draft, title, article_id = write.get("draft"), write.get("title"), write.get("article_id")
    if not me or article_id is None or title is None or draft is None:
        return
    from .library import owner_of

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
        name = (title_value or "").strip()
        where = f"the article “{name}”" if name else "your untitled draft"
        return aid, f"Saved to the library, attached to {where} (the text is unchanged)."

    me["send_to_library_btn"].click(send, [me["result_path"], title, draft, article_id],
                                    [article_id, me["status"]], api_visibility="private")


__all__ = ["build", "wire", "size_note", "fit_within_size"]
