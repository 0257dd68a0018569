"""The Repair tab: remove, fill and restore parts of a picture, or extend it.

Its own tab (not a mode of Image or Style) because its input is a picture *and* a
painted mask, and its result must keep the picture's own pixels and size, which
neither of the other tabs' controls express.

Load a picture (or take the Image tab's selected picture, the Style tab's result, or a
picture of the article open in the Write tab),
paint over what to fix, and press Repair. With no inpainting model, OpenCV's
``cv2.inpaint`` runs (offline, any machine); with a diffusers inpainting model the
masked area is repainted from a prompt. The picture is kept as uploaded: the editor
only draws the mask over it. The ``/inpaint`` API endpoint is registered here.

Contract keys returned by :func:`build`: ``picture`` (the picture ``gr.Image``, a file
path value), ``result_path`` (gr.State, str | None), ``send_to_library_btn``, ``status``.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
from gradio.data_classes import FileData
from PIL import Image

from ..errors import Cancelled, InvalidInput
from ..image.imageio import FORMATS, load_user_image, probe_size
from ..image.repair import INPAINT_AREAS, MAX_EXTEND, MAX_MASK_BLUR, MAX_PADDING, MAX_RADIUS, OPENCV_METHODS
from ..messages import Joined, Message
from . import i18n
from .common import guard, reports_to, session_id, stop_event
from .components import WholeNumber, path_image
from .i18n import Verbatim
from .parts import Parts

OPENCV_CHOICE = ("OpenCV (offline, no model)", "")
HISTORY_MAX = 100


def editor_mask(value, size: tuple[int, int] | None) -> np.ndarray | None:
    """The painted strokes of a ``gr.ImageEditor`` value (type numpy, RGBA layers) as a boolean
    ``(H, W)`` mask at ``size`` (the picture's ``(width, height)``), or None when nothing is painted.

    The editor draws over the picture at the picture's own size; should its canvas differ
    (a browser scaling a huge picture), the strokes are scaled to the picture (nearest neighbour).
    """
    if not value:
        return None
    mask = None
    for layer in value.get("layers") or []:
        if layer is None:
            continue
        arr = np.asarray(layer)
        painted = arr[..., 3] > 0 if arr.ndim == 3 and arr.shape[2] == 4 else arr.reshape(arr.shape[:2] + (-1,)).max(-1) > 0
        mask = painted if mask is None else (mask | painted)
    if mask is None or not mask.any():
        return None
    if size is not None and mask.shape[::-1] != tuple(size):
        mask = np.asarray(Image.fromarray(mask.view(np.uint8) * 255).resize((size[0], size[1]), Image.Resampling.NEAREST)) > 0
    return mask


def size_note(path, limit: int) -> str:
    """What the tab will do with the picture at ``path``, from its header only."""
    size = probe_size(path)
    if size is None:
        return ""
    w, h = size
    if max(w, h) > limit:
        return Message("The picture is {w}×{h} px: **too large to repair here** (the limit is {l} px on the longer "
                       "side, --max-image-side). Make it smaller first.", w=w, h=h, l=limit)
    return Message("The picture is {w}×{h} px; the result keeps that size.", w=w, h=h)


def _model_offer(ctx) -> tuple[list, str, str]:
    """``(dropdown choices, default value, note)``: OpenCV first, then the inpainting models."""
    try:
        refs, _notes = ctx.repair.offered()
    except Exception:  # noqa: BLE001 - a probe must not break the tab
        refs = []
    default = refs[0] if refs else ""
    return [OPENCV_CHOICE] + [(r, r) for r in refs], default, ctx.repair.describe(default)


def _status(result) -> str:
    w, h = result.image.size
    p = result.params
    what = ("OpenCV " + p["model"].removeprefix("opencv-") if p["engine"] == "inpaint-opencv"
            else Message("{m}, seed {s}, strength {d}", m=p["model"], s=p["seed"], d=f"{p['denoising_strength']:g}"))
    head = [Message("Repaired with {w} · {s} px · {t} s", w=what, s=f"{w}×{h}", t=f"{result.seconds:.1f}")]
    if result.path:
        head.append(Message("saved as `{f}`", f=Path(result.path).name))
    return Joined("\n", [Joined(" · ", head), *(Joined("", [Verbatim("- "), n]) for n in result.notes)])


# ---------------------------------------------------------------------- logic
FORM = ("picture", "editor", "model", "mask_blur", "method", "radius", "prompt", "negative_prompt", "strength",
        "steps", "guidance", "seed", "area", "padding", "ext_left", "ext_right", "ext_up", "ext_down")
"""The Repair form's parts, by name (the inputs of :func:`inpaint_args`)."""


def inpaint_args(*, picture, editor, model, mask_blur, method, radius, prompt, negative_prompt, strength, steps,
                 guidance, seed, area, padding, ext_left, ext_right, ext_up, ext_down) -> dict:
    """The arguments of :meth:`RepairEngine.inpaint` from the form: the painted strokes as the mask (at the
    picture's size), the engine's field names.

    Raises:
        InvalidInput: no picture.
    """
    if not picture:
        raise InvalidInput("image", "is missing. Load a picture first.")
    return {"image": picture, "mask_image": editor_mask(editor, probe_size(picture)), "prompt": prompt or "",
            "negative_prompt": negative_prompt or "", "model": model or "", "strength": strength,
            "num_inference_steps": steps, "guidance_scale": guidance, "seed": seed, "mask_blur": mask_blur,
            "inpaint_area": area, "masked_padding": padding, "opencv_method": method, "opencv_radius": radius,
            "extend_left": ext_left, "extend_right": ext_right, "extend_up": ext_up, "extend_down": ext_down}


def repaired_view(picture: str, result, history: list | None) -> tuple:
    """``(before/after, status, download, result path, gallery, history)`` after a repair: the newest first,
    the session keeps :data:`HISTORY_MAX`."""
    hist = ([str(result.path)] + list(history or []))[:HISTORY_MAX]
    return (picture, str(result.path)), _status(result), str(result.path), str(result.path), hist, hist


def editor_picture(path):
    """The picture as Studio will repair it, for the editor to paint over: the file itself when it is a PNG or
    JPEG with no EXIF rotation (the browser shows it as it is), else the upright picture (EXIF orientation
    applied, as the engine applies it; a WebP's or TIFF's tag is not applied by browsers, and some formats
    they cannot show at all), so that the strokes land where the engine looks.

    Raises:
        InvalidInput: the file is not a picture Studio can read (or is too large), in the loader's words.
    """
    try:
        with Image.open(str(path), formats=FORMATS) as im:
            plain = im.format in ("PNG", "JPEG") and im.getexif().get(0x0112, 1) in (None, 1)
    except Exception:  # noqa: BLE001 - Studio's own loader below says what is wrong with the file
        plain = False
    if plain:
        return path
    return load_user_image(path, "image").image  # upright RGB, what RepairEngine.inpaint works on


def picture_view(path, max_side: int) -> tuple:
    """The editor's value for a loaded picture (painted over at its own size, upright as Studio uses it:
    :func:`editor_picture`) and the note on its size."""
    if not path:
        return None, ""
    try:
        shown = editor_picture(path)
    except InvalidInput as exc:  # said at once under the upload, and nothing goes into the editor
        return None, str(exc)
    return {"background": shown, "layers": [], "composite": shown}, size_note(path, max_side)


def model_defaults(ctx, ref: str | None) -> tuple:
    """``(steps, guidance)`` of an available inpainting model's family; ``gr.skip()`` for OpenCV or a model
    that cannot be loaded."""
    ref = (ref or "").strip()
    if not ref or ctx.diffusion.availability(ref):
        return gr.skip(), gr.skip()
    pre = ctx.diffusion.defaults(ref)
    return pre["num_inference_steps"], pre["guidance_scale"]


def picture_choices(images: list[dict]) -> list[tuple[str, int]]:
    """Dropdown choices ``("name (W×H)", image id)`` of an article's pictures."""
    return [(Verbatim(f"{i['name']} ({i['width']}×{i['height']})"), i["id"]) for i in images]  # names: as they are


# ---------------------------------------------------------------------- layout
def _source(w: Parts) -> None:
    w.picture = path_image("Picture to repair", elem_id="repair-picture", height=240)
    w.picture_note = gr.Markdown(elem_id="repair-picture-note")
    with gr.Row():
        w.from_image_btn = gr.Button("Take the Image tab's selected picture", size="sm", elem_id="repair-from-image")
        w.from_style_btn = gr.Button("Take the Style tab's result", size="sm", elem_id="repair-from-style")
    with gr.Row(equal_height=True):
        w.library_pick = gr.Dropdown([], value=None, label="Or a picture of the article open in the Write tab",
                                     scale=3, elem_id="repair-library-pick")
        w.library_list_btn = gr.Button("List its pictures", size="sm", scale=1, elem_id="repair-library-list")
    w.editor = gr.ImageEditor(
        label="Paint over what to remove or fill", type="numpy", image_mode="RGBA", format="png",
        sources=(), transforms=(), layers=False, interactive=True, height=480, canvas_size=(512, 512),
        brush=gr.Brush(colors=["#ff2bd6"], default_color="#ff2bd6", color_mode="fixed", default_size=12),
        elem_id="repair-mask",
    )


def _opencv_and_model(w: Parts, uses_model: bool) -> None:
    with gr.Group(visible=not uses_model) as w.opencv_box, gr.Row():
        w.method = gr.Radio(list(OPENCV_METHODS), value=OPENCV_METHODS[0], label="OpenCV method",
                            info="telea: fast marching (Telea 2004); navier-stokes: fluid-flow (2001).",
                            elem_id="repair-method")
        w.radius = gr.Slider(1, MAX_RADIUS, value=5, step=1, label="Radius (px)",
                             info="How far around each hole OpenCV looks.", elem_id="repair-radius")
    with gr.Group(visible=uses_model) as w.diffusion_box:
        w.prompt = gr.Textbox("", label="Prompt", lines=2, placeholder="empty beach, calm sea",
                              info="What should appear in the painted area.", elem_id="repair-prompt")
        w.negative_prompt = gr.Textbox("", label="Negative prompt", placeholder="people, text",
                                       elem_id="repair-negative")
        w.strength = gr.Slider(0.05, 1, value=1.0, step=0.05, label="Strength (denoising)",
                               info="How much of the painted area is repainted; 1 = all of it.",
                               elem_id="repair-strength")
        with gr.Row():
            w.steps = WholeNumber(25, label="Steps", precision=0, minimum=1, maximum=150, elem_id="repair-steps")
            w.guidance = gr.Number(7.5, label="Guidance scale", minimum=0, maximum=50, elem_id="repair-guidance")
            w.seed = WholeNumber(-1, label="Seed (-1 random)", precision=0, elem_id="repair-seed")
        with gr.Row():
            w.area = gr.Radio([(a.capitalize(), a) for a in INPAINT_AREAS], value=INPAINT_AREAS[0], label="Inpaint area",
                              info="“only masked” paints just the painted region at the model's full "
                                   "resolution: sharper small repairs.", elem_id="repair-area")
            w.padding = gr.Slider(0, MAX_PADDING, value=32, step=4, label="Only-masked padding (px)",
                                  elem_id="repair-padding")


def _extend(w: Parts) -> None:
    gr.Markdown("Add pixels on any side; the new area is filled like a painted one.")
    with gr.Row():
        for side, label in (("left", "Left (px)"), ("right", "Right (px)"), ("up", "Up (px)"), ("down", "Down (px)")):
            setattr(w, f"ext_{side}", WholeNumber(0, label=label, precision=0, minimum=0,
                                                  maximum=MAX_EXTEND, elem_id=f"repair-{side}"))


def _controls(w: Parts, choices, default, note) -> None:
    _source(w)
    w.model = gr.Dropdown(choices, value=default, label="Engine", allow_custom_value=True, elem_id="repair-model",
                          info="OpenCV needs no model. Or a diffusers inpainting model: a Hub id or a folder "
                               "under --model-dir.")
    w.engine_note = gr.Markdown(note, elem_id="repair-engine-note")
    w.mask_blur = gr.Slider(0, MAX_MASK_BLUR, value=0, step=1, label="Blend the edge (mask blur, px)",
                            info="0 keeps every unpainted pixel exactly; more blends a soft seam.",
                            elem_id="repair-mask-blur")
    _opencv_and_model(w, bool(default))
    with gr.Accordion("Extend the picture (outpainting)", open=False):
        _extend(w)
    with gr.Row():
        w.run_btn = gr.Button("Repair", variant="primary", elem_id="repair-run")
        w.stop_btn = gr.Button("Stop", variant="stop", elem_id="repair-stop")
    w.run_status = gr.Markdown("", elem_classes="studio-note", elem_id="repair-run-status")


def _results(w: Parts) -> None:
    w.compare = gr.ImageSlider(label="Before / after", type="filepath", format="png", elem_id="repair-compare",
                               max_height=640)
    w.status = gr.Markdown(elem_id="repair-status")
    w.download = gr.File(label="PNG", interactive=False, elem_id="repair-download")
    with gr.Row():
        w.again_btn = gr.Button("Keep repairing this result", size="sm", elem_id="repair-again")
        w.send_to_library_btn = gr.Button("Send to library", size="sm", elem_id="repair-send-library")
    w.gallery = gr.Gallery(label="This session's repairs", columns=4, height=260, format="png",
                           object_fit="contain", interactive=False, elem_id="repair-gallery")


def build(ctx) -> dict:
    """The Repair tab's components (inside its ``gr.Tab``); registers ``/inpaint``."""
    choices, default, note = _model_offer(ctx)
    gr.Markdown("Remove a passer-by or a watermark, mend a scratched photo, or extend a picture to fit a banner. "
                "Load a picture, paint over what to fix, and press **Repair**. Everything you did not paint stays "
                "exactly as it was.")
    w = Parts(result_path=gr.State(None), history=gr.State([]))
    with gr.Row():
        with gr.Column(scale=1, min_width=340):
            _controls(w, choices, default, note)
        with gr.Column(scale=1, min_width=340):
            _results(w)
    _connect(ctx, w)
    _api(ctx)
    return {"picture": w.picture, "result_path": w.result_path, "send_to_library_btn": w.send_to_library_btn,
            "status": w.status, "model": w.model, "from_image_btn": w.from_image_btn,
            "from_style_btn": w.from_style_btn, "editor": w.editor, "library_pick": w.library_pick,
            "library_list_btn": w.library_list_btn}


# ---------------------------------------------------------------------- events
# the engine's field names as this tab shows them (an error names the field the writer sees)
LABELS = {"image": "Picture to repair", "mask_image": "Paint over what to remove or fill", "prompt": "Prompt",
          "negative_prompt": "Negative prompt", "strength": "Strength (denoising)", "model": "Engine",
          "num_inference_steps": "Steps", "guidance_scale": "Guidance scale", "seed": "Seed (-1 random)"}


def _connect(ctx, w: Parts) -> None:
    private = {"api_visibility": "private"}
    # a new picture also clears a problem said about the last one ("image: is missing")
    w.picture.change(lambda path: (*picture_view(path, ctx.settings.max_image_side), ""), w.picture,
                     [w.editor, w.picture_note, w.run_status], queue=False, **private)

    def pick_model(ref):
        ref = (ref or "").strip()
        return gr.update(visible=not ref), gr.update(visible=bool(ref)), ctx.repair.describe(ref)

    w.model.change(pick_model, w.model, [w.opencv_box, w.diffusion_box, w.engine_note], queue=False, **private)
    w.model.change(lambda ref: model_defaults(ctx, ref), w.model, [w.steps, w.guidance], queue=False, **private)

    @reports_to(w.run_status, LABELS)  # a problem is said next to the button; the last result stays in sight
    def repair(history, request: gr.Request, progress=gr.Progress(), **form):
        args = inpaint_args(**form)
        with stop_event(ctx, request, "repair") as stop:
            try:
                result = ctx.repair.inpaint(**args, stop=stop,
                                            progress=lambda i, n: progress((i, n), desc="Repairing", unit="steps"))
            except Cancelled:
                i18n.Warning("Stopped. Nothing from this run was saved.")
                return w.show({"status": "Stopped; nothing from this run was saved.", "history": history})
        return repaired_view(args["image"], result, history)

    w.run_btn.click(repair, inputs_kwargs={k: getattr(w, k) for k in (*FORM, "history")},
                    outputs=w.list("compare", "status", "download", "result_path", "gallery", "history",
                                   "run_status"), concurrency_id="repair", **private)

    def stop_job(request: gr.Request):
        ctx.jobs.stop(session_id(request), "repair")

    w.stop_btn.click(stop_job, None, None, queue=False, **private)

    def again(path):
        if not path:
            i18n.Warning("Repair a picture first.")
            return gr.update()
        return path

    w.again_btn.click(again, w.result_path, w.picture, queue=False, **private)

    def pick_result(hist, evt: gr.SelectData):
        if not hist or evt.index is None or evt.index >= len(hist):
            return gr.update()
        return hist[evt.index]

    w.gallery.select(pick_result, w.history, w.result_path, **private)


def _api(ctx) -> None:
    """The ``/inpaint`` API endpoint."""

    @guard
    def inpaint(image: FileData, mask_image: FileData | None = None, prompt: str = "", negative_prompt: str = "",
                model: str = "", strength: float = 1.0, num_inference_steps: int | None = None,
                guidance_scale: float | None = None, seed: int = -1, mask_blur: int = 0,
                inpaint_area: str = "whole picture", masked_padding: int = 32, opencv_method: str = "telea",
                opencv_radius: int = 5, extend_left: int = 0, extend_right: int = 0, extend_up: int = 0,
                extend_down: int = 0, request: gr.Request | None = None) -> FileData:
        """Fill the white part of mask_image (same size as image) and return the PNG (the input's size,
        plus any extension). model "" runs OpenCV (offline); else a diffusers inpainting model fills it from
        the prompt. Unmasked pixels are kept exactly unless mask_blur > 0."""
        with stop_event(ctx, request, "repair") as stop:
            result = ctx.repair.inpaint(
                image, mask_image, prompt, negative_prompt, model=model, strength=strength,
                num_inference_steps=num_inference_steps, guidance_scale=guidance_scale, seed=seed,
                mask_blur=mask_blur, inpaint_area=inpaint_area, masked_padding=masked_padding,
                opencv_method=opencv_method, opencv_radius=opencv_radius, extend_left=extend_left,
                extend_right=extend_right, extend_up=extend_up, extend_down=extend_down, stop=stop)
        return FileData(path=str(result.path), orig_name=Path(result.path).name, mime_type="image/png")

    gr.api(inpaint, api_name="inpaint", concurrency_id="repair")


def wire(ctx, parts: dict) -> None:
    """Take pictures from the Image and Style tabs; "Send to library" attaches the last result to the
    article open in the Write tab (a new draft article when none is open)."""
    me = parts.get("repair") or {}
    if not me:
        return
    private = {"api_visibility": "private"}

    def take(path):
        if not path or not Path(path).exists():
            i18n.Warning("There is no picture to take yet: make or select one there first.")
            return gr.update()
        return path

    image_sel = (parts.get("image") or {}).get("selected_path")
    if image_sel is not None:
        me["from_image_btn"].click(take, image_sel, me["picture"], queue=False, **private)
    style_res = (parts.get("style") or {}).get("result_path")
    if style_res is not None:
        me["from_style_btn"].click(take, style_res, me["picture"], queue=False, **private)

    write = parts.get("write") or {}
    draft, title, article_id = write.get("draft"), write.get("title"), write.get("article_id")
    if article_id is None or title is None or draft is None:
        return
    from .library import attached_message, owner_of
    from .library import inside as _inside

    allowed = [ctx.settings.output_dir]

    @guard
    def send(path, title_value, body, aid, request: gr.Request):
        if not path or not Path(path).exists():
            raise InvalidInput("result", "Repair a picture first.")
        if not any(_inside(Path(path), folder) for folder in allowed):
            raise InvalidInput("result", "Only pictures made in this studio can be sent to the library.")
        owner = owner_of(ctx, request)
        saved = ctx.library.save(owner, aid, title_value or "", body or "", create_missing=True, note="autosave")
        aid = saved["article_id"]
        ctx.library.attach_image(owner, aid, path)
        return aid, attached_message(title_value)

    @guard
    def list_pictures(aid, request: gr.Request):
        if aid is None:
            i18n.Warning("Open or save an article in the Write tab first.")
            return gr.update(choices=[], value=None)
        images = ctx.library.images(owner_of(ctx, request), int(aid))
        if not images:
            i18n.Warning("The open article has no pictures yet.")
        return gr.update(choices=picture_choices(images), value=None)

    @guard
    def take_from_library(image_id, aid, request: gr.Request):
        if image_id is None or aid is None:
            return gr.update()
        found = [i for i in ctx.library.images(owner_of(ctx, request), int(aid)) if i["id"] == image_id]
        if not found:
            raise InvalidInput("picture", "is no longer in the open article. List its pictures again.")
        with Image.open(found[0]["path"]) as im:  # a PNG kept by the library; Gradio serves a copy
            im.load()
            return im.copy()

    me["library_list_btn"].click(list_pictures, article_id, me["library_pick"], **private)
    me["library_pick"].input(take_from_library, [me["library_pick"], article_id], me["picture"], **private)

    me["send_to_library_btn"].click(send, [me["result_path"], title, draft, article_id],
                                    [article_id, me["status"]], **private)


__all__ = ["build", "wire", "editor_mask", "size_note"]
