"""Picture repair (studio/image/repair.py): OpenCV inpainting on any machine, and a tiny
random diffusers inpainting pipeline saved with save_pretrained and loaded back through
the ModelManager, as a user's model would be."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.errors import Cancelled, InvalidInput, ModelUnavailable
from studio.image.diffusion import DiffusionEngine
from studio.image.metadata import parse_a1111, read_png_parameters
from studio.image.repair import RepairEngine, load_mask, opencv_fill
from studio.models import ModelManager
from studio.settings import Settings
from studio.testing import make_tiny_sd_inpaint


def smooth_picture(w: int = 256, h: int = 192) -> np.ndarray:
    """A smooth synthetic photo: slow colour gradients and waves, uint8 (h, w, 3)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 120 + 70 * np.sin(x / 45.0) * np.cos(y / 60.0)
    g = 60 + 130 * y / h
    b = 90 + 50 * np.cos((x + y) / 70.0)
    return np.clip(np.rint(np.stack([r, g, b], axis=2)), 0, 255).astype(np.uint8)


def scratched(rgb: np.ndarray, width: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``rgb`` with a ``width``-px dark line drawn across it, and the line's mask (bool)."""
    h, w = rgb.shape[:2]
    mask_im = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask_im).line([(0, h * 0.2), (w, h * 0.85)], fill=255, width=width)
    mask = np.asarray(mask_im) > 0
    damaged = rgb.copy()
    damaged[mask] = (15, 10, 5)
    return damaged, mask


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.fixture
def engine(settings) -> RepairEngine:
    manager = ModelManager(settings)
    return RepairEngine(manager, settings, DiffusionEngine(manager, settings))


# ----- OpenCV ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["telea", "navier-stokes"])
def test_opencv_mends_a_scratch_and_keeps_every_other_pixel(engine, method):
    original = smooth_picture()
    damaged, mask = scratched(original)
    kept = damaged.copy()
    res = engine.inpaint(damaged, mask, opencv_method=method)
    out = np.asarray(res.image)
    assert np.array_equal(damaged, kept), "the caller's array was modified"
    assert out.shape == original.shape
    assert np.array_equal(out[~mask], damaged[~mask]), "an unmasked pixel changed"
    assert psnr(out[mask], original[mask]) >= 30, f"the mended line is far from the original ({method})"
    assert psnr(damaged[mask], original[mask]) < 15  # the test's damage is real
    assert res.path is not None and Image.open(res.path).size == (256, 192)


def test_mask_blur_blends_only_near_the_edge(engine):
    original = smooth_picture()
    damaged, mask = scratched(original)
    out = np.asarray(engine.inpaint(damaged, mask, mask_blur=3, save=False).image)
    changed = np.any(out != damaged, axis=2) & ~mask
    assert changed.any(), "mask_blur did not blend the edge"
    import cv2

    far = cv2.dilate(mask.view(np.uint8), np.ones((41, 41), np.uint8)) == 0
    assert np.array_equal(out[far], damaged[far])


def test_mask_from_a_picture_file_white_fills_black_and_transparent_keep(engine, tmp_path):
    original = smooth_picture(96, 64)
    mask = np.zeros((64, 96), bool)
    mask[20:30, 10:60] = True
    rgba = np.zeros((64, 96, 4), np.uint8)
    rgba[mask] = (255, 255, 255, 255)  # painted strokes, transparent elsewhere
    Image.fromarray(rgba).save(tmp_path / "mask.png")
    assert np.array_equal(load_mask(str(tmp_path / "mask.png"), (96, 64)), mask)
    Image.fromarray(original).save(tmp_path / "pic.png")
    res = engine.inpaint(str(tmp_path / "pic.png"), str(tmp_path / "mask.png"), save=False)
    assert np.array_equal(np.asarray(res.image)[~mask], original[~mask])


def test_opencv_outpainting_gives_the_asked_size(engine):
    original = smooth_picture(64, 48)
    res = engine.inpaint(original, None, extend_left=16, extend_right=8, extend_down=12, save=False)
    out = np.asarray(res.image)
    assert res.image.size == (64 + 24, 48 + 12)
    assert np.array_equal(out[0:48, 16:80], original)
    assert out[:, :16].mean() > 20, "the new border was not filled"


def test_opencv_metadata_reads_back(engine):
    damaged, mask = scratched(smooth_picture())
    res = engine.inpaint(damaged, mask, mask_blur=2, opencv_radius=4)
    params = read_png_parameters(res.path)
    assert params["model"] == "opencv-telea" and params["mask_blur"] == 2 and params["inpaint_radius"] == 4
    text = parse_a1111(Image.open(res.path).info["parameters"])
    assert text["Mask blur"] == 2 and text["model"] == "opencv-telea"


@pytest.mark.parametrize("kwargs, field, words", [
    ({"mask_image": np.zeros((10, 10), bool)}, "mask_image", "10×10 px but the picture is 96×64"),
    ({"mask_image": np.zeros((64, 96), bool)}, "mask_image", "is empty"),
    ({"mask_image": np.ones((64, 96), bool)}, "mask_image", "covers the whole picture"),
    ({"mask_image": None}, "mask_image", "is missing"),
    ({"mask_blur": 100}, "mask_blur", "from 0 to 64"),
    ({"opencv_method": "magic"}, "opencv_method", "telea, navier-stokes"),
    ({"inpaint_area": "all"}, "inpaint_area", "whole picture, only masked"),
    ({"extend_left": -4}, "extend_left", "from 0 to 2048"),
])
def test_bad_input_names_the_field_and_writes_nothing(engine, kwargs, field, words):
    mask = np.zeros((64, 96), bool)
    mask[20:30, 20:40] = True
    args = {"image": smooth_picture(96, 64), "mask_image": mask, **kwargs}
    with pytest.raises(InvalidInput) as err:
        engine.inpaint(**args)
    assert err.value.field == field and words in err.value.message
    assert not engine.settings.output_dir.exists() or not any(engine.settings.output_dir.iterdir())


def test_picture_over_the_size_limit_is_refused(engine):
    engine.settings.max_image_side = 128
    big = smooth_picture(200, 100)
    with pytest.raises(InvalidInput, match=r"image: is 200×100 px; the largest side allowed here is 128"):
        engine.inpaint(big, np.pad(np.ones((4, 4), bool), ((40, 56), (40, 156))))  # a 200×100 mask
    with pytest.raises(InvalidInput, match="extend_left: would make the picture 136×48"):
        engine.inpaint(smooth_picture(64, 48), None, extend_left=72)


def test_stop_before_the_work_saves_nothing(engine):
    damaged, mask = scratched(smooth_picture())
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        engine.inpaint(damaged, mask, stop=stop)
    assert not engine.settings.output_dir.exists() or not any(engine.settings.output_dir.iterdir())


def test_raw_fill_matches_the_studio_path_inside_the_mask(engine):
    damaged, mask = scratched(smooth_picture())
    raw = opencv_fill(damaged, mask)
    ours = np.asarray(engine.inpaint(damaged, mask, save=False).image)
    assert np.array_equal(raw, ours)


# ----- diffusion ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_inpaint(tmp_path_factory) -> Path:
    return make_tiny_sd_inpaint(tmp_path_factory.mktemp("models") / "tiny-inpaint")


@pytest.fixture(scope="module")
def module_engine(tiny_inpaint, tmp_path_factory) -> RepairEngine:
    tmp = tmp_path_factory.mktemp("repair")
    settings = Settings(device="cpu", data_dir=tmp / "data", output_dir=tmp / "outputs",
                        model_dirs=[tiny_inpaint.parent], offline=True).validate()
    manager = ModelManager(settings)
    return RepairEngine(manager, settings, DiffusionEngine(manager, settings))


def ask(engine, model, picture, mask, **kw):
    args = {"prompt": "a calm sea", "model": str(model), "num_inference_steps": 2, "guidance_scale": 0.0,
            "seed": 7, **kw}
    return engine.inpaint(picture, mask, **args)


def test_diffusion_keeps_size_and_unmasked_pixels_and_the_seed_reproduces(module_engine, tiny_inpaint):
    picture = smooth_picture(70, 50)  # not a multiple of the model's 4-px step
    mask = np.zeros((50, 70), bool)
    mask[10:30, 20:50] = True
    a = ask(module_engine, tiny_inpaint, picture, mask)
    b = ask(module_engine, tiny_inpaint, picture, mask, save=False)
    c = ask(module_engine, tiny_inpaint, picture, mask, seed=8, save=False)
    out = np.asarray(a.image)
    assert a.image.size == (70, 50)
    assert np.array_equal(out[~mask], picture[~mask])
    assert np.array_equal(out, np.asarray(b.image)), "the same seed gave another picture"
    assert not np.array_equal(out, np.asarray(c.image))
    assert not np.array_equal(out[mask], picture[mask])
    assert any("painted the whole picture at 64×44" in n for n in a.notes)


def test_diffusion_metadata_reads_back(module_engine, tiny_inpaint):
    picture = smooth_picture(64, 64)
    mask = np.zeros((64, 64), bool)
    mask[8:24, 8:40] = True
    res = ask(module_engine, tiny_inpaint, picture, mask, strength=0.5, num_inference_steps=2, mask_blur=2,
              inpaint_area="only masked", masked_padding=8)
    params = read_png_parameters(res.path)
    assert params["denoising_strength"] == 0.5 and params["inpaint_area"] == "Only masked"
    assert params["model"] == str(tiny_inpaint) and params["seed"] == 7
    a1111 = parse_a1111(Image.open(res.path).info["parameters"])
    assert a1111["prompt"] == "a calm sea" and a1111["Denoising strength"] == 0.5
    assert a1111["Mask blur"] == 2 and a1111["Inpaint area"] == "Only masked"
    assert a1111["num_inference_steps"] == 2 and a1111["model"] == str(tiny_inpaint)


def test_only_masked_keeps_the_rest_exact(module_engine, tiny_inpaint):
    picture = smooth_picture(120, 80)
    mask = np.zeros((80, 120), bool)
    mask[50:60, 90:110] = True
    res = ask(module_engine, tiny_inpaint, picture, mask, inpaint_area="only masked", save=False)
    out = np.asarray(res.image)
    assert res.image.size == (120, 80) and np.array_equal(out[~mask], picture[~mask])
    assert any("pasted back" in n for n in res.notes)


def test_diffusion_outpainting_gives_the_asked_size(module_engine, tiny_inpaint):
    picture = smooth_picture(48, 40)
    res = ask(module_engine, tiny_inpaint, picture, None, extend_right=24, extend_up=8, save=False)
    out = np.asarray(res.image)
    assert res.image.size == (72, 48)
    assert np.array_equal(out[8:48, 0:48], picture)
    assert res.params["outpaint"] == "right 24 up 8"


def test_progress_and_stop(module_engine, tiny_inpaint):
    picture = smooth_picture(64, 64)
    mask = np.zeros((64, 64), bool)
    mask[8:24, 8:40] = True
    out = module_engine.settings.output_dir
    out.mkdir(parents=True, exist_ok=True)
    files_before = len(list(out.glob("*")))
    seen = []
    ask(module_engine, tiny_inpaint, picture, mask, num_inference_steps=3, save=False,
        progress=lambda i, n: seen.append((i, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    stop = threading.Event()

    def press_stop(i, n):
        stop.set()

    with pytest.raises(Cancelled):
        ask(module_engine, tiny_inpaint, picture, mask, num_inference_steps=3, stop=stop, progress=press_stop)
    assert len(list(out.glob("*"))) == files_before, "a stopped run left a file"


def test_a_text_to_image_model_is_not_an_inpainting_model(module_engine, tiny_inpaint):
    base = tiny_inpaint.parent / (tiny_inpaint.name + "-base")  # the plain tiny SD it was made from
    picture = smooth_picture(64, 64)
    mask = np.zeros((64, 64), bool)
    mask[8:24, 8:40] = True
    with pytest.raises(ModelUnavailable) as err:
        ask(module_engine, base, picture, mask)
    assert err.value.field == "model" and "is not an inpainting model" in err.value.message
    assert "9" in err.value.message


def test_offered_lists_only_inpainting_models(module_engine, tiny_inpaint):
    refs, _notes = module_engine.offered()
    assert refs == [str(tiny_inpaint)]
    assert module_engine.default_model() == str(tiny_inpaint)


def test_no_inpainting_model_means_opencv(engine):
    assert engine.default_model() == ""
    assert "OpenCV" in engine.describe("")


def test_diffusion_bad_values_name_the_field(module_engine, tiny_inpaint):
    picture = smooth_picture(64, 64)
    mask = np.zeros((64, 64), bool)
    mask[8:24, 8:40] = True
    with pytest.raises(InvalidInput, match="strength: must be above 0"):
        ask(module_engine, tiny_inpaint, picture, mask, strength=0)
    with pytest.raises(InvalidInput, match="num_inference_steps: × strength must be at least 1"):
        ask(module_engine, tiny_inpaint, picture, mask, strength=0.2, num_inference_steps=3)
    with pytest.raises(InvalidInput, match="seed"):
        ask(module_engine, tiny_inpaint, picture, mask, seed=-5)


def test_editor_strokes_become_the_mask():
    from studio.ui.repair_tab import editor_mask

    layer = np.zeros((64, 96, 4), np.uint8)
    layer[10:20, 30:50] = (255, 43, 214, 255)
    value = {"background": np.zeros((64, 96, 4), np.uint8), "layers": [layer], "composite": None}
    mask = editor_mask(value, (96, 64))
    assert mask.shape == (64, 96) and mask.sum() == 200 and mask[10:20, 30:50].all()
    half = editor_mask({"layers": [layer[::2, ::2]]}, (96, 64))  # a canvas drawn at half size
    assert half.shape == (64, 96) and half[10:20, 30:50].all() and not half[30:, :].any()
    assert editor_mask({"layers": [np.zeros((64, 96, 4), np.uint8)]}, (96, 64)) is None


def test_diffusion_settings_are_checked_with_opencv_too(engine):
    damaged, mask = scratched(smooth_picture(96, 64))
    with pytest.raises(InvalidInput, match="strength: must be from 0.0 to 1.0"):
        engine.inpaint(damaged, mask, strength=3)
    with pytest.raises(InvalidInput, match="model: must be a model name"):
        engine.inpaint(damaged, mask, model=5)


def test_the_tab_says_the_size_or_the_limit(tmp_path):
    from studio.ui.repair_tab import size_note

    Image.fromarray(smooth_picture(300, 200)).save(tmp_path / "p.png")
    assert "300×200 px; the result keeps that size" in size_note(str(tmp_path / "p.png"), 2048)
    assert "too large to repair here" in size_note(str(tmp_path / "p.png"), 256)
