"""End to end: ``/inpaint`` through ``gradio_client`` on the whole studio, launched in-process on
loopback with a tiny random inpainting model under ``--model-dir``, and the Repair tab's
layout in the served config."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from PIL import Image

from studio.image.metadata import read_png_parameters
from studio.testing import make_tiny_sd_inpaint
from tests.conftest import free_port
from tests.test_repair import scratched, smooth_picture

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import app as studio_app

    tmp = tmp_path_factory.mktemp("repair-server")
    model = make_tiny_sd_inpaint(tmp / "models" / "tiny-inpaint")
    argv = ["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "data"), "--output-dir",
            str(tmp / "outputs"), "--device", "cpu", "--offline", "--model-dir", str(tmp / "models")]
    ctx, demo = studio_app.create_app(argv)
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{ctx.settings.port}/", ctx, model, demo
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[0], verbose=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("repair-files")
    original = smooth_picture(96, 64)
    damaged, mask = scratched(original)
    Image.fromarray(damaged).save(tmp / "photo.png")
    Image.fromarray(mask.view(np.uint8) * 255).save(tmp / "mask.png")
    Image.new("L", (50, 50), 255).save(tmp / "small-mask.png")
    Image.new("L", (96, 64), 0).save(tmp / "empty-mask.png")
    return tmp, damaged, mask


def test_readme_example_with_opencv(client, files):
    from gradio_client import handle_file

    tmp, damaged, mask = files
    result = client.predict(image=handle_file(str(tmp / "photo.png")), mask_image=handle_file(str(tmp / "mask.png")),
                            api_name="/inpaint")
    out = np.asarray(Image.open(result).convert("RGB"))
    assert out.shape == damaged.shape and np.array_equal(out[~mask], damaged[~mask])
    assert not np.array_equal(out[mask], damaged[mask])
    assert read_png_parameters(result)["model"] == "opencv-telea"


def test_diffusion_model_and_outpainting(client, files, server):
    from gradio_client import handle_file

    tmp, damaged, _mask = files
    model = server[2]
    result = client.predict(image=handle_file(str(tmp / "photo.png")), prompt="a calm sea", model=str(model),
                            num_inference_steps=2, guidance_scale=0.0, seed=3, extend_right=16,
                            api_name="/inpaint")
    out = np.asarray(Image.open(result).convert("RGB"))
    assert out.shape == (64, 112, 3) and np.array_equal(out[:, :96], damaged)
    params = read_png_parameters(result)
    assert params["seed"] == 3 and params["model"] == str(model) and params["outpaint"] == "right 16"


@pytest.mark.parametrize("kwargs, words", [
    ({"mask": "small-mask.png"}, "mask_image: is 50×50 px but the picture is 96×64"),
    ({"mask": "empty-mask.png"}, "mask_image: is empty"),
    ({"mask": "mask.png", "strength": 0.0, "model": "MODEL"}, "strength: must be above 0"),
    ({"mask": "mask.png", "opencv_radius": 99}, "opencv_radius: must be from 1 to 32"),
])
def test_api_errors_are_clear(client, files, server, kwargs, words):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    tmp = files[0]
    args = {k: v for k, v in kwargs.items() if k != "mask"}
    if args.get("model") == "MODEL":
        args["model"] = str(server[2])
    with pytest.raises(AppError) as err:
        client.predict(image=handle_file(str(tmp / "photo.png")), mask_image=handle_file(str(tmp / kwargs["mask"])),
                       api_name="/inpaint", **args)
    assert words in str(err.value)


def test_repair_tab_is_served_with_opencv_named(server):
    url, _ctx, model, _demo = server
    config = httpx.get(url + "config", timeout=30).json()
    by_id = {c["props"]["elem_id"]: c for c in config["components"] if c.get("props", {}).get("elem_id")}
    assert by_id["repair-mask"]["type"] == "imageeditor"
    assert by_id["repair-compare"]["type"] == "imageslider"
    for key in ("repair-picture", "repair-run", "repair-stop", "repair-send-library", "repair-from-image"):
        assert key in by_id
    choices = [c[1] for c in by_id["repair-model"]["props"]["choices"]]
    assert choices == ["", str(model)]  # OpenCV first, then the inpainting model found under --model-dir


def test_a_picture_of_the_open_article_can_be_taken(server, files):
    """The Repair tab lists the open article's pictures and takes one, owner-checked."""
    _url, ctx, _model, demo = server
    tmp, damaged, _mask = files
    aid = ctx.library.save("local", None, "Old photos", "text", create_missing=True)["article_id"]
    image = ctx.library.attach_image("local", aid, str(tmp / "photo.png"))
    handlers = {getattr(f.fn, "__name__", ""): f.fn for f in demo.fns.values()}
    listing = handlers["list_pictures"](aid, None)
    assert listing["choices"] == [(f"{image['name']} (96×64)", image["id"])]
    taken = handlers["take_from_library"](image["id"], aid, None)
    assert np.array_equal(np.asarray(taken.convert("RGB")), damaged)
    from gradio import Error

    with pytest.raises(Error, match="picture: is no longer in the open article"):
        handlers["take_from_library"](image["id"] + 99, aid, None)


def test_hostile_files_are_refused(client, files):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    tmp = files[0]
    Image.new("1", (20000, 20000)).save(tmp / "bomb.png")  # a small file, 400 megapixels once decoded
    (tmp / "notes.png").write_text("not a picture")
    for kwargs, words in (({"image": tmp / "bomb.png", "mask_image": tmp / "mask.png"}, "image: is 400 megapixels"),
                          ({"image": tmp / "photo.png", "mask_image": tmp / "notes.png"},
                           "mask_image: is not a picture Studio can read")):
        with pytest.raises(AppError) as err:
            client.predict(**{k: handle_file(str(v)) for k, v in kwargs.items()}, api_name="/inpaint")
        assert words in str(err.value)
