"""The Image tab: faces from the DCGAN or pictures from any diffusers model,
a session gallery with each picture's parameters, Stop, a PNG-info box, a
latent walk, and the ``/generate_image`` API endpoint.

Contract keys returned by :func:`build`: ``selected_path`` (gr.State, str |
None), ``send_to_style_btn``, ``insert_btn`` (wired by the Library tab).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..errors import Cancelled
from ..image import gan as gan_mod
from ..image.diffusion import family_defaults
from ..image.gan import ATTRIBUTION, is_gan_ref
from ..image.metadata import a1111_parameters, read_png_parameters
from .common import guard, reports_to, session_id, stop_event
from .owners import claim, owns
from .components import WholeNumber, path_image

HISTORY_MAX = 200
KEEP_IN_BROWSER = 100  # pictures remembered across reloads
# AUTOMATIC1111 sampler names -> diffusers scheduler classes (for PNGs made elsewhere).
A1111_SAMPLERS = {
    "euler a": "EulerAncestralDiscreteScheduler", "euler": "EulerDiscreteScheduler", "ddim": "DDIMScheduler",
    "plms": "PNDMScheduler", "pndm": "PNDMScheduler", "lms": "LMSDiscreteScheduler", "heun": "HeunDiscreteScheduler",
    "dpm2": "KDPM2DiscreteScheduler", "dpm2 a": "KDPM2AncestralDiscreteScheduler",
    "dpm++ 2m": "DPMSolverMultistepScheduler", "dpm++ 2m karras": "DPMSolverMultistepScheduler",
    "dpm++ sde": "DPMSolverSinglestepScheduler", "unipc": "UniPCMultistepScheduler", "deis": "DEISMultistepScheduler",
    "ddpm": "DDPMScheduler",
}
OWN_SCHEDULER = ("The model's own", "")


def generate_images(ctx, *, request=None, **kwargs):
    """Make pictures through ``ctx.images.generate`` (see :meth:`studio.image.router.ImageRouter.generate`)
    and give them to the request's user. Returns ``(paths, params, seed, warnings)``."""
    paths, params, seed, warnings = ctx.images.generate(**kwargs)
    return claim(ctx, request, paths), params, seed, warnings


def caption(params: dict) -> str:
    """A short gallery caption: seed and size (and the model for diffusion)."""
    text = f"seed {params.get('seed')} · {params.get('width')}×{params.get('height')}"
    return text if params.get("engine") == "gan" else f"{text} · {params.get('model')}"


def model_choices(ctx) -> tuple[list[str], str, str]:
    """``(dropdown choices, default choice, note)`` (see :meth:`studio.image.router.ImageRouter.offered`)."""
    return ctx.images.offered()


def _visibility(model: str) -> dict[str, bool]:
    gan = is_gan_ref(model)
    return {"diffusion": not gan, "gan": gan}


def build(ctx) -> dict:
    """Build the Image tab inside the current ``gr.Tab``; returns the contract components."""
    choices, default, note = model_choices(ctx)
    gan_default = is_gan_ref(default)
    d = family_defaults(default) if not gan_default else family_defaults(ctx.settings.diffusion_model)

    gr.Markdown("Make pictures for your article: faces from a small GAN, or anything you describe with a "
                "diffusion model. Every picture is saved as a PNG that remembers how it was made.")
    history = gr.State([])
    selected_path = gr.State(None)
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            model = gr.Dropdown(choices=choices, value=default or None, label="Model", allow_custom_value=True,
                                info="A face GAN, a Hugging Face diffusers model id, or a folder under --model-dir.")
            model_note = gr.Markdown(note, visible=bool(note), elem_id="image-model-note")
            gan_note = gr.Markdown(ATTRIBUTION, visible=gan_default, elem_id="image-gan-note")
            with gr.Group(visible=not gan_default) as diffusion_box:
                prompt = gr.Textbox(label="Prompt", lines=3, placeholder="a watercolor fox in a misty forest")
                negative_prompt = gr.Textbox(label="Negative prompt", lines=1, placeholder="blurry, text")
                with gr.Row():
                    width = WholeNumber(d["width"], label="Width (px)", precision=0)
                    height = WholeNumber(d["height"], label="Height (px)", precision=0)
                with gr.Row():
                    steps = gr.Slider(1, 150, value=d["num_inference_steps"], step=1, label="Steps")
                    guidance = gr.Slider(0, 30, value=d["guidance_scale"], step=0.1, label="Guidance scale",
                                         info="Turbo models: 0 and 1-4 steps.")
                scheduler = gr.Dropdown(choices=[OWN_SCHEDULER], value="", label="Scheduler",
                                        allow_custom_value=True, info="The list fills in once the model is loaded.")
            size = gr.Radio([64, 256, 512], value=256, label="Size (px)", visible=gan_default,
                            info="The network makes 64×64 faces; 256 and 512 are Lanczos upscales.")
            with gr.Row():
                seed = WholeNumber(-1, label="Seed (-1 = random)", precision=0, elem_id="image-seed")
                num_images = gr.Slider(1, 64, value=4, step=1, label="Number of images", elem_id="image-count")
            with gr.Row():
                generate_btn = gr.Button("Generate", variant="primary", elem_id="image-generate")
                stop_btn = gr.Button("Stop", variant="stop", elem_id="image-stop")
            image_status = gr.Markdown("", elem_classes="studio-note", elem_id="image-status")
            seed_used = gr.Markdown("", elem_id="image-seed-used")
            reuse_btn = gr.Button("Reuse this seed", size="sm")
            warnings_box = gr.Markdown("", elem_id="image-warnings")
        with gr.Column(scale=3, min_width=360):
            gallery = gr.Gallery(label="This session's pictures", columns=4, height=520, format="png",
                                 object_fit="contain", buttons=["download", "fullscreen"], elem_id="image-gallery")
            params_box = gr.Textbox(label="Parameters of the selected picture", lines=4, interactive=False,
                                    buttons=["copy"], elem_id="image-params")
            with gr.Row():
                send_to_style_btn = gr.Button("Send to Style tab", size="sm")
                insert_btn = gr.Button("Insert into draft", size="sm")
                use_btn = gr.Button("Use these settings", size="sm")
            with gr.Accordion("PNG info: read a picture's settings", open=False):
                png_in = path_image("Drop a PNG made here or by AUTOMATIC1111", height=220, elem_id="image-png-in")
                png_text = gr.Textbox(label="Its parameters", lines=4, interactive=False, elem_id="image-png-text")
                # reading a picture changes nothing; its settings go into the controls only when asked
                png_use_btn = gr.Button("Use these settings", size="sm", elem_id="image-png-use", interactive=False)
            with gr.Accordion("Latent walk: morph one face into another", open=False):
                with gr.Row():
                    seed_a = WholeNumber(1, label="From seed", precision=0)
                    seed_b = WholeNumber(2, label="To seed", precision=0)
                with gr.Row():
                    frames = gr.Slider(2, 120, value=24, step=1, label="Frames")
                    frame_ms = gr.Slider(20, 1000, value=80, step=10, label="Milliseconds per frame")
                with gr.Row():
                    walk_size = gr.Radio([64, 256, 512], value=256, label="Size (px)")
                    walk_fmt = gr.Radio(["gif", "webp"], value="gif", label="Format")
                walk_btn = gr.Button("Make animation", elem_id="image-walk")
                walk_view = gr.Image(label="Animation", type="filepath", interactive=False, height=280)
                walk_file = gr.File(label="Download", interactive=False, elem_id="image-walk-file")
                gr.Markdown(f"<small>{ATTRIBUTION}</small>")  # the walk always uses the face GAN

    # ----- events -----------------------------------------------------------------------
    def on_model(choice):
        vis = _visibility(choice or "")
        out = [gr.update(visible=vis["diffusion"]), gr.update(visible=vis["gan"]), gr.update(visible=vis["gan"])]
        if vis["gan"] or not choice:
            return out + [gr.update()] * 5
        ref = choice.strip()
        if ctx.diffusion.availability(ref):
            return out + [gr.update()] * 5
        dfl = ctx.diffusion.defaults(ref)
        sched = [OWN_SCHEDULER]
        if ctx.diffusion.is_loaded(ref):
            sched += [(n, n) for n in ctx.diffusion.schedulers(ref)]
        return out + [gr.update(value=dfl["width"]), gr.update(value=dfl["height"]),
                      gr.update(value=dfl["num_inference_steps"]), gr.update(value=dfl["guidance_scale"]),
                      gr.update(choices=sched, value="")]

    model.change(on_model, model, [diffusion_box, size, gan_note, width, height, steps, guidance, scheduler],
                 api_visibility="private")

    @reports_to(image_status)
    def on_generate(model_ref, prompt_v, neg_v, width_v, height_v, steps_v, guidance_v, sched_v, size_v, seed_v,
                    count_v, hist, request: gr.Request, progress=gr.Progress()):
        gan = is_gan_ref(model_ref or "")

        def report(done, total):
            progress((done, total), desc="Saving faces" if gan else "Denoising", unit="faces" if gan else "steps")

        with stop_event(ctx, request, "image") as stop:
            try:
                paths, params, used, warns = generate_images(
                    ctx, prompt=prompt_v, negative_prompt=neg_v, model=model_ref,
                    width=size_v if gan else width_v, height=size_v if gan else height_v,
                    num_inference_steps=steps_v, guidance_scale=guidance_v, scheduler=sched_v, seed=seed_v,
                    num_images=count_v, stop=stop, progress=report, request=request,
                )
            except Cancelled:
                gr.Warning("Stopped. Nothing from this run was saved.")
                return (gr.update(), hist, "Stopped; nothing from this run was saved.", gr.update(), gr.update(),
                        gr.update(), gr.update())
        for w in warns:
            gr.Warning(w)
        new = [{"path": str(p), "params": prm} for p, prm in zip(paths, params)]
        hist = (new + list(hist or []))[:HISTORY_MAX]
        last = used + len(paths) - 1
        used_text = f"Seed used: **{used}**" + (f" (pictures use {used} to {last})" if len(paths) > 1 else "")
        sched_update = gr.update()
        if not gan:
            names = ctx.diffusion.schedulers(model_ref)
            sched_update = gr.update(choices=[OWN_SCHEDULER] + [(n, n) for n in names])
        first = new[0]
        return ([(h["path"], caption(h["params"])) for h in hist], hist, used_text,
                "\n\n".join(f"⚠️ {w}" for w in warns), first["path"], a1111_parameters(first["params"]), sched_update)

    generated = generate_btn.click(
        on_generate,
        [model, prompt, negative_prompt, width, height, steps, guidance, scheduler, size, seed, num_images, history],
        [gallery, history, seed_used, warnings_box, selected_path, params_box, scheduler, image_status],
        api_visibility="private", concurrency_id="image",
    )

    def on_stop(request: gr.Request):
        ctx.jobs.stop(session_id(request), "image")

    stop_btn.click(on_stop, None, None, queue=False, api_visibility="private")

    def on_reuse(text):
        import re

        m = re.search(r"\*\*(\d+)\*\*", text or "")
        return int(m.group(1)) if m else gr.update()

    reuse_btn.click(on_reuse, seed_used, seed, api_visibility="private")

    def on_select(hist, evt: gr.SelectData):
        if not hist or evt.index is None or evt.index >= len(hist):
            return None, ""
        item = hist[evt.index]
        return item["path"], a1111_parameters(item["params"])

    gallery.select(on_select, history, [selected_path, params_box], api_visibility="private")


    control_outputs = [model, prompt, negative_prompt, width, height, steps, guidance, scheduler, size, seed]

    def controls_from(params: dict, current_model: str) -> list:
        """Updates of the controls for ``params`` (Studio's or AUTOMATIC1111's names)."""
        if not params:
            return [gr.update()] * len(control_outputs)
        ref = str(params.get("model") or "")
        known = ctx.images.is_known(ref, choices)
        gan = is_gan_ref(ref) if known else is_gan_ref(current_model or "")
        sched = str(params.get("scheduler") or "")
        sched = A1111_SAMPLERS.get(sched.lower(), sched)

        def num(key):
            v = params.get(key)
            return v if isinstance(v, (int, float)) and not isinstance(v, bool) else gr.update()

        side = params.get("width")
        return [
            gr.update(value=ref) if known and ref else gr.update(),
            gr.update(value=str(params.get("prompt") or "")),
            gr.update(value=str(params.get("negative_prompt") or "")),
            num("width") if not gan else gr.update(), num("height") if not gan else gr.update(),
            num("num_inference_steps"), num("guidance_scale"),
            gr.update(value=sched) if sched else gr.update(),
            gr.update(value=side) if gan and side in gan_mod.SIZES else gr.update(),
            num("seed"),
        ]

    def on_use(path, current_model):
        if not path:
            gr.Warning("Select a picture in the gallery first.")
            return [gr.update()] * len(control_outputs)
        return controls_from(read_png_parameters(path), current_model)

    use_btn.click(on_use, [selected_path, model], control_outputs, api_visibility="private")

    def png_params(path) -> dict | None:
        """The generation parameters in the PNG at ``path``; None when it cannot be read."""
        try:
            return read_png_parameters(path)
        except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
            return None

    def on_png(path):
        """Show a dropped picture's parameters; enable "Use these settings" when it has some."""
        if not path:
            return "", gr.update(interactive=False)
        params = png_params(path)
        if params is None:
            return ("This file could not be read as a picture (it is damaged, not an image, or far too large).",
                    gr.update(interactive=False))
        if not params:
            return "This picture carries no generation parameters.", gr.update(interactive=False)
        text = a1111_parameters(params)
        ref = str(params.get("model") or "")
        if ref and not ctx.images.is_known(ref, choices):
            text += f"\n\n(Made with '{ref}', which this studio does not offer; the model choice would be kept.)"
        return text, gr.update(interactive=True)

    def on_png_use(path, current_model):
        params = png_params(path) if path else None
        if not params:
            gr.Warning("Drop a PNG that carries generation parameters first.")
            return [gr.update()] * len(control_outputs)
        return controls_from(params, current_model)

    png_in.change(on_png, png_in, [png_text, png_use_btn], api_visibility="private")
    png_use_btn.click(on_png_use, [png_in, model], control_outputs, api_visibility="private")

    @guard
    def on_walk(a, b, n, ms, side, fmt, model_ref, request: gr.Request, progress=gr.Progress()):
        ref = model_ref if is_gan_ref(model_ref or "") else ctx.gan.default_model()
        with stop_event(ctx, request, "image") as stop:
            try:
                path = ctx.gan.latent_walk(a, b, frames=n, size=side, fmt=fmt, frame_ms=ms, model=ref, stop=stop,
                                           progress=lambda d, t: progress((d, t), desc="Frames", unit="frames"))
            except Cancelled:
                gr.Warning("Stopped. No animation was saved.")
                return gr.update(), gr.update()
        path = claim(ctx, request, path)
        return path, path

    walk_btn.click(on_walk, [seed_a, seed_b, frames, frame_ms, walk_size, walk_fmt, model], [walk_view, walk_file],
                   api_visibility="private", concurrency_id="image")

    _build_api(ctx)
    return {"selected_path": selected_path, "send_to_style_btn": send_to_style_btn, "insert_btn": insert_btn,
            "gallery": gallery, "model": model, "history": history, "generated": generated}


def _build_api(ctx) -> None:
    """The ``/generate_image`` endpoint of DESIGN.md, on hidden components (so gradio_client sees
    named, typed parameters with defaults and gets a gallery of PNG files back)."""
    with gr.Column(visible=False):
        inputs = [
            gr.Textbox("", label="prompt"), gr.Textbox("", label="negative_prompt"),
            gr.Textbox("dcgan-faces", label="model"),
            WholeNumber(512, label="width", precision=0), WholeNumber(512, label="height", precision=0),
            WholeNumber(4, label="num_inference_steps", precision=0), gr.Number(0.0, label="guidance_scale"),
            WholeNumber(-1, label="seed", precision=0), WholeNumber(1, label="num_images", precision=0),
        ]
        out = gr.Gallery(label="images", format="png")
        trigger = gr.Button("generate_image")

    @guard
    def generate_image(prompt: str = "", negative_prompt: str = "", model: str = "dcgan-faces", width: int = 512,
                       height: int = 512, num_inference_steps: int = 4, guidance_scale: float = 0.0, seed: int = -1,
                       num_images: int = 1, request: gr.Request = None) -> list[tuple[str, str]]:
        """Make pictures and return them as PNG files, each carrying its parameters (the caption
        holds the AUTOMATIC1111 text). For the face GAN (``dcgan-faces``), width and height are the
        upscale size (64, 256 or 512, equal), and the prompt, steps and guidance do not apply."""
        with stop_event(ctx, request, "image") as stop:
            paths, params, _seed, _warns = generate_images(
                ctx, prompt=prompt, negative_prompt=negative_prompt, model=model, width=width, height=height,
                num_inference_steps=num_inference_steps, guidance_scale=guidance_scale, seed=seed,
                num_images=num_images, stop=stop, request=request,
            )
        return [(str(p), a1111_parameters(prm)) for p, prm in zip(paths, params)]

    trigger.click(generate_image, inputs, out, api_name="generate_image", concurrency_id="image")


def keep_pictures_across_reloads(ctx, image: dict) -> None:
    """This browser's pictures come back after a reload.

    The list (paths and parameters, newest first) is kept in the browser, in a ``gr.BrowserState``
    made at the page's root (a component inside a tab that is not shown is not mounted, so it would
    not be read back on load); only pictures that still exist and belong to the request's user are
    shown again.
    """
    from .library import browser_secret

    history, gallery, generated = image.get("history"), image.get("gallery"), image.get("generated")
    root = gr.context.Context.root_block
    if history is None or gallery is None or generated is None or root is None:
        return
    kept_history = gr.BrowserState({}, storage_key="studio-image-history", secret=browser_secret(ctx))
    generated.then(lambda h: {"pictures": list(h or [])[:KEEP_IN_BROWSER]}, history, kept_history,
                   api_visibility="private", show_progress="hidden")

    def restore_history(stored, current, request: gr.Request):
        stored = stored.get("pictures") if isinstance(stored, dict) else None
        if current or not isinstance(stored, list):
            return gr.skip(), gr.skip()
        hist = [h for h in stored if isinstance(h, dict) and isinstance(h.get("path"), str)
                and isinstance(h.get("params"), dict) and Path(h["path"]).is_file() and owns(ctx, request, h["path"])]
        if not hist:
            return gr.skip(), gr.skip()
        return [(h["path"], caption(h["params"])) for h in hist], hist

    root.load(restore_history, [kept_history, history], [gallery, history], api_visibility="private",
              show_progress="hidden")


def wire(ctx, parts: dict) -> None:
    """Send the selected picture to the Style tab's content image and switch to that tab; keep this
    browser's pictures across reloads."""
    keep_pictures_across_reloads(ctx, parts.get("image") or {})
    image, style, tabs = parts.get("image") or {}, parts.get("style") or {}, parts.get("tabs")
    content = style.get("content_image")
    if not image or content is None or tabs is None:
        return

    def send(path):
        if not path or not Path(path).exists():
            gr.Warning("Select a picture in the gallery first.")
            return gr.update(), gr.update()
        return path, gr.Tabs(selected="style")

    image["send_to_style_btn"].click(send, image["selected_path"], [content, tabs], api_visibility="private")
