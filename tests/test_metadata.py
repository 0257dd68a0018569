"""PNG metadata: AUTOMATIC1111's `parameters` text and Studio's JSON chunk, written and read back."""

from __future__ import annotations

from PIL import Image

from studio.image.metadata import a1111_parameters, parse_a1111, read_png_parameters, save_png


def test_a1111_round_trip():
    params = {"prompt": "a fox, misty", "negative_prompt": "blurry", "num_inference_steps": 4,
              "scheduler": "EulerAncestralDiscreteScheduler", "guidance_scale": 0.0, "seed": 42,
              "width": 512, "height": 768, "model": "stabilityai/sd-turbo"}
    text = a1111_parameters(params)
    assert text.splitlines()[-1].startswith("Steps: 4, Sampler: EulerAncestralDiscreteScheduler, CFG scale: 0.0, Seed: 42")
    back = parse_a1111(text)
    assert {k: back[k] for k in params} == params


def test_a_style_line_without_steps_is_still_parameters():
    text = a1111_parameters({"prompt": "", "width": 64, "height": 48, "model": "magenta-arbitrary",
                             "style": "style-03", "strength": 0.5})
    back = parse_a1111(text)
    assert back["prompt"] == "" and back["width"] == 64 and back["model"] == "magenta-arbitrary"


def test_a_prompt_with_a_colon_stays_a_prompt():
    assert parse_a1111("portrait: a cat in a hat")["prompt"] == "portrait: a cat in a hat"


def test_saved_png_carries_both_chunks(tmp_path):
    path = save_png(Image.new("RGB", (8, 8)), tmp_path, {"prompt": "🦊 " * 200, "seed": 1, "width": 8, "height": 8})
    assert path.name.startswith("img-") and "🦊" not in path.name
    with Image.open(path) as im:
        assert "parameters" in im.info and "studio" in im.info
    assert read_png_parameters(path)["seed"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]
