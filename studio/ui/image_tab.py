"""The Image tab: faces from the DCGAN or pictures from any diffusers model,
a session gallery with each picture's parameters, Stop, a PNG-info box, a
latent walk, and the ``/generate_image`` API endpoint.

Contract keys returned by :func:`build`: ``selected_path`` (gr.State, str |
None), ``send_to_style_btn``, ``insert_btn`` (wired by the Library tab).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import Cancelled
from ..image import gan as gan_mod
from ..image.diffusion import family_defaults
from ..image.gan import ATTRIBUTION, is_gan_ref
from ..image.metadata import a1111_parameters, read_png_parameters
from ..messages import Joined, Message
from ..provenance.read import describe_credentials
from . import i18n
from .common import guard, reports_to, session_id, stop_event
from .components import WholeNumber, path_image
from .i18n import Verbatim
from .owners import claim, owns
from .parts import Parts

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


# ---------------------------------------------------------------------- logic
CONTROLS = ("model", "prompt", "negative_prompt", "width", "height", "steps", "guidance", "scheduler", "size", "seed")
"""The controls that "Use these settings" fills, by name."""


def model_view(ctx, choice: str | None) -> dict:
    """What choosing a model shows: the diffusion controls or the GAN's size and note; for an available
    diffusion model, its family's size, steps and guidance, and its schedulers once it is loaded."""
    vis = _visibility(choice or "")
    out = {"diffusion_box": gr.update(visible=vis["diffusion"]), "size": gr.update(visible=vis["gan"]),
           "gan_note": gr.update(visible=vis["gan"])}
    if vis["gan"] or not choice:
        return out
    ref = choice.strip()
    if ctx.diffusion.availability(ref):
        return out
    dfl = ctx.diffusion.defaults(ref)
    sched = [OWN_SCHEDULER]
    if ctx.diffusion.is_loaded(ref):
        sched += [(n, n) for n in ctx.diffusion.schedulers(ref)]
    return {**out, "width": gr.update(value=dfl["width"]), "height": gr.update(value=dfl["height"]),
            "steps": gr.update(value=dfl["num_inference_steps"]), "guidance": gr.update(value=dfl["guidance_scale"]),
            "scheduler": gr.update(choices=sched, value="")}


def seed_line(used: int, count: int) -> Message:
    """``Seed used: **7** (pictures use 7 to 10)``: the first seed of a run of ``count`` pictures."""
    if count > 1:
        return Message("Seed used: **{s}** (pictures use {a} to {b})", s=used, a=used, b=used + count - 1)
    return Message("Seed used: **{s}**", s=used)


def warnings_view(warnings: list[str]) -> Joined:
    """The engine's warnings, one paragraph each, each shown by its own id."""
    return Joined("\n\n", [Joined(" ", [Verbatim("⚠️"), w]) for w in warnings])


def generated_view(paths, params, used: int, warnings: list[str], history: list | None,
                   schedulers: list[str] | None = None) -> dict:
    """The gallery after a run: the new pictures first (the session keeps :data:`HISTORY_MAX`), the seed
    line, the warnings, and the first new picture selected with its parameters. ``schedulers``: the
    diffusion model's scheduler names (None for the GAN: the list stays)."""
    new = [{"path": str(p), "params": prm} for p, prm in zip(paths, params, strict=False)]
    hist = (new + list(history or []))[:HISTORY_MAX]
    out = {"gallery": [(h["path"], caption(h["params"])) for h in hist], "history": hist,
           "seed_used": seed_line(used, len(paths)), "warnings_box": warnings_view(warnings),
           "selected_path": new[0]["path"], "params_box": a1111_parameters(new[0]["params"])}
    if schedulers is not None:
        out["scheduler"] = gr.update(choices=[OWN_SCHEDULER] + [(n, n) for n in schedulers])
    return out


def seed_in(text: str | None) -> int | None:
    """The seed in the seed line (``Seed used: **7**``), None when there is none."""
    m = re.search(r"\*\*(\d+)\*\*", text or "")
    return int(m.group(1)) if m else None


def selected_item(history: list | None, index) -> tuple[str | None, str]:
    """``(path, parameters text)`` of the gallery's picture at ``index``; ``(None, "")`` when there is none."""
    if not history or index is None or index >= len(history):
        return None, ""
    item = history[index]
    return item["path"], a1111_parameters(item["params"])


def controls_from(ctx, choices: list[str], params: dict, current_model: str) -> dict:
    """The controls for ``params`` (Studio's or AUTOMATIC1111's names): a model this studio does not run is
    not chosen (the current one stays), a sampler name becomes its scheduler, and sizes go to the GAN's size
    or the diffusion width and height. Controls without a value stay as they are."""
    if not params:
        return {}
    ref = str(params.get("model") or "")
    known = ctx.images.is_known(ref, choices)
    gan = is_gan_ref(ref) if known else is_gan_ref(current_model or "")
    sched = str(params.get("scheduler") or "")
    sched = A1111_SAMPLERS.get(sched.lower(), sched)
    numbers = {name: params.get(key) for name, key in (("width", "width"), ("height", "height"),
                                                       ("steps", "num_inference_steps"),
                                                       ("guidance", "guidance_scale"), ("seed", "seed"))}
    out: dict[str, Any] = {name: v for name, v in numbers.items()
           if isinstance(v, (int, float)) and not isinstance(v, bool) and not (gan and name in ("width", "height"))}
    out.update(prompt=gr.update(value=str(params.get("prompt") or "")),
               negative_prompt=gr.update(value=str(params.get("negative_prompt") or "")))
    if known and ref:
        out["model"] = gr.update(value=ref)
    if sched:
        out["scheduler"] = gr.update(value=sched)
    if gan and params.get("width") in gan_mod.SIZES:
        out["size"] = gr.update(value=params.get("width"))
    return out


def png_params(path) -> dict | None:
    """The generation parameters in the PNG at ``path``; None when it cannot be read."""
    try:
        return read_png_parameters(path)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
        return None


def png_info(ctx, choices: list[str], path) -> tuple[str, bool]:
    """``(text, usable)`` for a dropped picture: its parameters (and a note when its model is not one this
    studio runs), its Content Credentials and digital source type, and whether "Use these settings" can
    use them."""
    if not path:
        return "", False
    params = png_params(path)
    if params is None:
        return Message("This file could not be read as a picture (it is damaged, not an image, or far too large)."), False
    creds = describe_credentials(path, getattr(ctx, "settings", None))
    if not params:
        return Joined("\n\n", [t for t in (Message("This picture carries no generation parameters."), creds) if t]), False
    text = Verbatim(a1111_parameters(params))  # the picture's prompt and settings: never translated
    ref = str(params.get("model") or "")
    made = ""
    if ref and not ctx.images.is_known(ref, choices):
        made = Message("(Made with '{m}', which this studio does not offer; the model choice would be kept.)", m=ref)
    return Joined("\n\n", [t for t in (text, made, creds) if t]), True


# ---------------------------------------------------------------------- layout
def _controls(w, choices, default, note, d, gan_default) -> None:
    w.model = gr.Dropdown(choices=choices, value=default or None, label="Model", allow_custom_value=True,
                          elem_id="image-model",
                          info="A face GAN, a Hugging Face diffusers model id, or a folder under --model-dir.")
    w.model_note = gr.Markdown(note, visible=bool(note), elem_id="image-model-note")
    w.gan_note = gr.Markdown(ATTRIBUTION, visible=gan_default, elem_id="image-gan-note")
    with gr.Group(visible=not gan_default) as w.diffusion_box:
        w.prompt = gr.Textbox(label="Prompt", lines=3, placeholder="a watercolor fox in a misty forest")
        w.negative_prompt = gr.Textbox(label="Negative prompt", lines=1, placeholder="blurry, text")
        with gr.Row():
            w.width = WholeNumber(d["width"], label="Width (px)", precision=0)
            w.height = WholeNumber(d["height"], label="Height (px)", precision=0)
        with gr.Row():
            w.steps = gr.Slider(1, 150, value=d["num_inference_steps"], step=1, label="Steps")
            w.guidance = gr.Slider(0, 30, value=d["guidance_scale"], step=0.1, label="Guidance scale",
                                   info="Turbo models: 0 and 1-4 steps.")
        w.scheduler = gr.Dropdown(choices=[OWN_SCHEDULER], value="", label="Scheduler",
                                  allow_custom_value=True, info="The list fills in once the model is loaded.")
    w.size = gr.Radio([64, 256, 512], value=256, label="Size (px)", visible=gan_default,
                      info="The network makes 64×64 faces; 256 and 512 are Lanczos upscales.")
    with gr.Row():
        w.seed = WholeNumber(-1, label="Seed (-1 = random)", precision=0, elem_id="image-seed")
        w.num_images = gr.Slider(1, 64, value=4, step=1, label="Number of images", elem_id="image-count")
    with gr.Row():
        w.generate_btn = gr.Button("Generate", variant="primary", elem_id="image-generate")
        w.stop_btn = gr.Button("Stop", variant="stop", elem_id="image-stop")
    w.image_status = gr.Markdown("", elem_classes="studio-note", elem_id="image-status")
    w.seed_used = gr.Markdown("", elem_id="image-seed-used")
    w.reuse_btn = gr.Button("Reuse this seed", size="sm")
    w.warnings_box = gr.Markdown("", elem_id="image-warnings")


def _results(w) -> None:
    w.gallery = gr.Gallery(label="This session's pictures", columns=4, height=520, format="png",
                           object_fit="contain", buttons=["download", "fullscreen"], elem_id="image-gallery")
    w.params_box = gr.Textbox(label="Parameters of the selected picture", lines=4, interactive=False,
                              buttons=["copy"], elem_id="image-params")
    with gr.Row():
        w.send_to_style_btn = gr.Button("Send to Style tab", size="sm")
        w.insert_btn = gr.Button("Insert into draft", size="sm")
        w.use_btn = gr.Button("Use these settings", size="sm")
    with gr.Accordion("PNG info: read a picture's settings", open=False):
        w.png_in = path_image("Drop a PNG made here or by AUTOMATIC1111", height=220, elem_id="image-png-in")
        w.png_text = gr.Textbox(label="Its parameters", lines=4, interactive=False, elem_id="image-png-text")
        # reading a picture changes nothing; its settings go into the controls only when asked
        w.png_use_btn = gr.Button("Use these settings", size="sm", elem_id="image-png-use", interactive=False)
    with gr.Accordion("Latent walk: morph one face into another", open=False):
        _latent_walk(w)


def _latent_walk(w) -> None:
    with gr.Row():
        w.seed_a = WholeNumber(1, label="From seed", precision=0)
        w.seed_b = WholeNumber(2, label="To seed", precision=0)
    with gr.Row():
        w.frames = gr.Slider(2, 120, value=24, step=1, label="Frames")
        w.frame_ms = gr.Slider(20, 1000, value=80, step=10, label="Milliseconds per frame")
    with gr.Row():
        w.walk_size = gr.Radio([64, 256, 512], value=256, label="Size (px)")
        w.walk_fmt = gr.Radio(["gif", "webp"], value="gif", label="Format")
    w.walk_btn = gr.Button("Make animation", elem_id="image-walk")
    w.walk_view = gr.Image(label="Animation", type="filepath", interactive=False, height=280)
    w.walk_file = gr.File(label="Download", interactive=False, elem_id="image-walk-file")
    gr.Markdown(Message("<small>{m}</small>", m=Message(ATTRIBUTION)))  # the walk always uses the face GAN


def build(ctx) -> dict:
    """Build the Image tab inside the current ``gr.Tab``; returns the contract components."""
    choices, default, note = model_choices(ctx)
    gan_default = is_gan_ref(default)
    d = family_defaults(default) if not gan_default else family_defaults(ctx.settings.diffusion_model)

    gr.Markdown("Make pictures for your article: faces from a small GAN, or anything you describe with a "
                "diffusion model. Every picture is saved as a PNG that remembers how it was made.")
    w = Parts(history=gr.State([]), selected_path=gr.State(None))
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            _controls(w, choices, default, note, d, gan_default)
        with gr.Column(scale=3, min_width=360):
            _results(w)
    generated = _connect_generate(ctx, w)
    _connect_gallery(ctx, w, choices)
    _connect_walk(ctx, w)
    _build_api(ctx)
    return {"selected_path": w.selected_path, "send_to_style_btn": w.send_to_style_btn, "insert_btn": w.insert_btn,
            "gallery": w.gallery, "model": w.model, "history": w.history, "generated": generated}


# ---------------------------------------------------------------------- events
def _connect_generate(ctx, w: Parts):
    private = {"api_visibility": "private"}
    w.model.change(lambda choice: w.show(model_view(ctx, choice)), w.model,
                   w.list("diffusion_box", "size", "gan_note", "width", "height", "steps", "guidance", "scheduler"),
                   **private)

    @reports_to(w.image_status)
    def on_generate(model, prompt, negative_prompt, width, height, steps, guidance, scheduler, size, seed,
                    num_images, history, request: gr.Request, progress=gr.Progress()):
        gan = is_gan_ref(model or "")

        def report(done, total):
            progress((done, total), desc="Saving faces" if gan else "Denoising", unit="faces" if gan else "steps")

        with stop_event(ctx, request, "image") as stop:
            try:
                paths, params, used, warns = generate_images(
                    ctx, prompt=prompt, negative_prompt=negative_prompt, model=model,
                    width=size if gan else width, height=size if gan else height,
                    num_inference_steps=steps, guidance_scale=guidance, scheduler=scheduler, seed=seed,
                    num_images=num_images, stop=stop, progress=report, request=request,
                )
            except Cancelled as exc:  # a picture server's Stop says it may still finish its picture
                i18n.Warning(exc.message if exc.message != Cancelled().message else
                             Message("Stopped. Nothing from this run was saved."))
                return w.show({"seed_used": Message("Stopped; nothing from this run was saved.")})
        for warning in warns:
            i18n.Warning(warning)
        return w.show(generated_view(paths, params, used, warns, history,
                                     None if gan else ctx.diffusion.schedulers(model)))

    generated = w.generate_btn.click(
        on_generate, inputs_kwargs={k: getattr(w, k) for k in (*CONTROLS, "num_images", "history")},
        outputs=w.list("gallery", "history", "seed_used", "warnings_box", "selected_path", "params_box", "scheduler",
                       "image_status"), concurrency_id="image", **private)

    def on_stop(request: gr.Request):
        ctx.jobs.stop(session_id(request), "image")

    w.stop_btn.click(on_stop, None, None, queue=False, **private)

    def on_reuse(text):
        seed = seed_in(text)
        return gr.update() if seed is None else seed

    w.reuse_btn.click(on_reuse, w.seed_used, w.seed, **private)
    return generated


def _connect_gallery(ctx, w: Parts, choices: list[str]) -> None:
    private = {"api_visibility": "private"}

    def on_select(hist, evt: gr.SelectData):
        return selected_item(hist, evt.index)

    w.gallery.select(on_select, w.history, [w.selected_path, w.params_box], **private)

    def on_use(path, current_model):
        if not path:
            i18n.Warning("Select a picture in the gallery first.")
            return gr.skip()
        return w.show(controls_from(ctx, choices, read_png_parameters(path), current_model))

    w.use_btn.click(on_use, [w.selected_path, w.model], w.list(*CONTROLS), **private)

    def on_png(path):
        """Show a dropped picture's parameters; enable "Use these settings" when it has some."""
        text, usable = png_info(ctx, choices, path)
        return text, gr.update(interactive=usable)

    def on_png_use(path, current_model):
        params = png_params(path) if path else None
        if not params:
            i18n.Warning("Drop a PNG that carries generation parameters first.")
            return gr.skip()
        return w.show(controls_from(ctx, choices, params, current_model))

    w.png_in.change(on_png, w.png_in, [w.png_text, w.png_use_btn], **private)
    w.png_use_btn.click(on_png_use, [w.png_in, w.model], w.list(*CONTROLS), **private)


def _connect_walk(ctx, w: Parts) -> None:
    @guard
    def on_walk(a, b, n, ms, side, fmt, model_ref, request: gr.Request, progress=gr.Progress()):
        ref = model_ref if is_gan_ref(model_ref or "") else ctx.gan.default_model()
        with stop_event(ctx, request, "image") as stop:
            try:
                path = ctx.gan.latent_walk(a, b, frames=n, size=side, fmt=fmt, frame_ms=ms, model=ref, stop=stop,
                                           progress=lambda d, t: progress((d, t), desc="Frames", unit="frames"))
            except Cancelled:
                i18n.Warning(Message("Stopped. No animation was saved."))
                return gr.update(), gr.update()
        path = claim(ctx, request, path)
        return path, path

    w.walk_btn.click(on_walk, w.list("seed_a", "seed_b", "frames", "frame_ms", "walk_size", "walk_fmt", "model"),
                     w.list("walk_view", "walk_file"), api_visibility="private", concurrency_id="image")


def _build_api(ctx) -> None:
    """The ``/generate_image`` endpoint (docs/architecture.md), on hidden components (so gradio_client sees
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
                       num_images: int = 1, request: gr.Request | None = None) -> list[tuple[str, str]]:
        """Make pictures and return them as PNG files, each carrying its parameters (the caption
        holds the AUTOMATIC1111 text). For the face GAN (``dcgan-faces``), width and height are the
        upscale size (64, 256 or 512, equal), and the prompt, steps and guidance do not apply."""
        with stop_event(ctx, request, "image") as stop:
            paths, params, _seed, _warns = generate_images(
                ctx, prompt=prompt, negative_prompt=negative_prompt, model=model, width=width, height=height,
                num_inference_steps=num_inference_steps, guidance_scale=guidance_scale, seed=seed,
                num_images=num_images, stop=stop, request=request,
            )
        return [(str(p), a1111_parameters(prm)) for p, prm in zip(paths, params, strict=False)]

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
            i18n.Warning("Select a picture in the gallery first.")
            return gr.update(), gr.update()
        return path, gr.Tabs(selected="style")

    image["send_to_style_btn"].click(send, image["selected_path"], [content, tabs], api_visibility="private")
