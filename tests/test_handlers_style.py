"""The Style tab's handler logic as plain functions (no model, no server)."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from studio.errors import InvalidInput
from studio.ui import style_tab

FORM = dict(content="/photo.png", style_from="preset", preset="style-03", style_image="/style.png",
            second_style=None, style_blend=0.5, strength=0.8, preserve_colors=None, max_side=1024)


def test_a_preset_or_the_style_picture_is_used_as_style_from_says():
    args = style_tab.transfer_args(**FORM)
    assert args["preset"] == "style-03" and args["style_image"] is None and args["preserve_colors"] is False
    assert style_tab.transfer_label(args) == "Preset Red and blue mosaic (style-03), strength 0.8"
    own = style_tab.transfer_args(**{**FORM, "style_from": "image", "second_style": "/b.png"})
    assert own["preset"] is None and own["style_image"] == "/style.png"
    assert style_tab.transfer_label(own) == ("Your style picture blended with a second picture (50%), "
                                             "strength 0.8")


def test_restyling_needs_a_photo_and_repainting_a_model():
    with pytest.raises(InvalidInput, match="content_image: is missing"):
        style_tab.transfer_args(**{**FORM, "content": None})
    with pytest.raises(InvalidInput, match="--diffusion-model"):
        style_tab.check_repaint("/photo.png", " ")
    style_tab.check_repaint("/photo.png", "org/sd")  # both given: no error


def test_the_diffusion_mode_lists_models_and_keeps_the_current_choice():
    offered = (["org/a", "org/b"], ["org/c needs a download."])
    ctx = SimpleNamespace(images=SimpleNamespace(diffusion_offered=lambda: offered))
    models, note, run = style_tab.models_view(ctx, "org/b")
    assert models["value"] == "org/b" and run["interactive"] and note.endswith("org/c needs a download.")
    models, _note, _run = style_tab.models_view(ctx, "org/gone")
    assert models["value"] == "org/a"
    none = SimpleNamespace(images=SimpleNamespace(diffusion_offered=lambda: ([], [])))
    models, note, run = style_tab.models_view(none, None)
    assert models["value"] is None and not run["interactive"] and note.startswith("No diffusion model")


def test_a_model_brings_its_steps_and_guidance():
    ctx = SimpleNamespace(diffusion=SimpleNamespace(defaults=lambda m: {"num_inference_steps": 4,
                                                                        "guidance_scale": 0.0}))
    assert style_tab.model_defaults(ctx, "org/sd-turbo") == (4, 0.0)
    assert style_tab.model_defaults(ctx, "") == (gr.skip(), gr.skip())


def test_style_from_shows_the_presets_or_the_picture():
    presets, picture = style_tab.source_view("image")
    assert presets["visible"] is False and picture["visible"] is True
