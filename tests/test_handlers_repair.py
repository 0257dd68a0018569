"""The Repair tab's handler logic as plain functions (no model, no server)."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from studio.errors import InvalidInput
from studio.ui import repair_tab

FORM = dict(model="", mask_blur=2, method="telea", radius=5, prompt=None, negative_prompt=None, strength=1.0,
            steps=25, guidance=7.5, seed=-1, area="whole picture", padding=32, ext_left=0, ext_right=16, ext_up=0,
            ext_down=0)


def test_the_painted_strokes_become_the_mask_at_the_pictures_size(tmp_path):
    picture = tmp_path / "photo.png"
    Image.new("RGB", (40, 20)).save(picture)
    layer = np.zeros((20, 40, 4), np.uint8)
    layer[5:10, 5:10, 3] = 255  # a painted square
    args = repair_tab.inpaint_args(picture=str(picture), editor={"layers": [layer]}, **FORM)
    assert args["mask_image"].shape == (20, 40) and args["mask_image"].sum() == 25
    assert args["image"] == str(picture) and args["prompt"] == "" and args["extend_right"] == 16
    assert args["num_inference_steps"] == 25 and args["opencv_method"] == "telea"
    nothing = repair_tab.inpaint_args(picture=str(picture), editor={"layers": []}, **FORM)
    assert nothing["mask_image"] is None  # nothing painted


def test_repairing_needs_a_picture():
    with pytest.raises(InvalidInput, match="image: is missing. Load a picture first."):
        repair_tab.inpaint_args(picture=None, editor=None, **FORM)


def test_the_newest_repair_comes_first_in_the_session():
    result = SimpleNamespace(path="/r2.png", image=Image.new("RGB", (30, 20)), seconds=1.25, notes=["Mask blurred."],
                             params={"engine": "inpaint-opencv", "model": "opencv-telea"})
    compare, status, download, path, gallery, history = repair_tab.repaired_view("/in.png", result, ["/r1.png"])
    assert compare == ("/in.png", "/r2.png") and download == path == "/r2.png"
    assert history == gallery == ["/r2.png", "/r1.png"]
    assert status.startswith("Repaired with OpenCV telea · 30×20 px · 1.2 s") and "- Mask blurred." in status


def test_a_loaded_picture_goes_under_the_brush_with_its_size(tmp_path):
    picture = tmp_path / "big.png"
    Image.new("RGB", (300, 200)).save(picture)
    editor, note = repair_tab.picture_view(str(picture), 256)
    assert editor["background"] == str(picture) and editor["layers"] == []
    assert "too large to repair here" in note
    assert repair_tab.picture_view(None, 256) == (None, "")


def test_pictures_of_the_open_article_are_listed_by_name_and_size():
    images = [{"id": 3, "name": "fox.png", "width": 64, "height": 48}]
    assert repair_tab.picture_choices(images) == [("fox.png (64×48)", 3)]


def test_an_inpainting_model_brings_its_defaults_and_opencv_none():
    diffusion = SimpleNamespace(availability=lambda ref: "" if ref == "org/inpaint" else "missing",
                                defaults=lambda ref: {"num_inference_steps": 30, "guidance_scale": 6.0})
    ctx = SimpleNamespace(diffusion=diffusion)
    assert repair_tab.model_defaults(ctx, "org/inpaint") == (30, 6.0)
    assert repair_tab.model_defaults(ctx, "") == (gr.skip(), gr.skip())
    assert repair_tab.model_defaults(ctx, "org/gone") == (gr.skip(), gr.skip())
