"""The Repair tab against hostile pictures and requests (issue #23):

* kind 6: the mask lands where the writer painted it, for every format, including a WebP whose EXIF
  orientation browsers do not apply: the editor is given the picture as Studio will use it, and every
  pixel the writer did not paint stays exactly as it was (through the tab's handler functions);
* kind 3: OpenCV's fill is bounded (filled pixels × radius²) with a message naming the largest radius that
  fits, and a large one runs in a child process that Stop ends at once, with the same result."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image, ImageOps

from studio.errors import Cancelled, InvalidInput
from studio.image import cv_worker
from studio.image.repair import RepairEngine
from studio.models import ModelManager
from studio.ui import repair_tab

FORM = dict(model="", mask_blur=0, method="telea", radius=3, prompt=None, negative_prompt=None, strength=1.0,
            steps=25, guidance=7.5, seed=-1, area="whole picture", padding=32, ext_left=0, ext_right=0, ext_up=0,
            ext_down=0)


@pytest.fixture
def engine(settings):
    return RepairEngine(ModelManager(settings), settings, diffusion=None)


def _picture(tmp_path, fmt: str, orientation: int):
    rng = np.random.default_rng(orientation)
    pixels = (rng.random((48, 80, 3)) * 255).astype(np.uint8)  # 80 wide, 48 high: any turn shows
    im = Image.fromarray(pixels)
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    ext = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png", "TIFF": "tif"}[fmt]
    path = tmp_path / f"photo-{orientation}.{ext}"
    extra = {"lossless": True} if fmt == "WEBP" else {"quality": 95} if fmt == "JPEG" else {}
    im.save(path, fmt, exif=exif.tobytes(), **extra)
    return path


def _upright(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def _shown(background) -> np.ndarray:
    """What the editor shows: a file as the browser draws it (no EXIF rotation, as for WebP), or the picture."""
    if isinstance(background, Image.Image):
        return np.asarray(background.convert("RGB"))
    with Image.open(background) as im:
        return np.asarray(im.convert("RGB"))


@pytest.mark.parametrize("fmt, orientation", [("WEBP", 6), ("WEBP", 8), ("WEBP", 3), ("WEBP", 5), ("JPEG", 6),
                                              ("TIFF", 6), ("WEBP", 1), ("PNG", 1)])
def test_the_mask_lands_where_it_was_painted_and_nothing_else_changes(tmp_path, engine, fmt, orientation):
    path = _picture(tmp_path, fmt, orientation)
    upright = _upright(path)
    editor, _note = repair_tab.picture_view(str(path), 2048)
    shown = _shown(editor["background"])
    assert shown.shape == upright.shape and np.array_equal(shown, upright)  # the editor shows what Studio uses
    if fmt == "PNG":
        assert editor["background"] == str(path)  # a plain PNG is shown as it is
    h, w = shown.shape[:2]
    layer = np.zeros((h, w, 4), np.uint8)
    layer[5:15, 3:9] = (255, 43, 214, 255)  # a stroke near the top-left corner of what the writer sees
    args = repair_tab.inpaint_args(picture=str(path), editor={"background": editor["background"], "layers": [layer],
                                                              "composite": None}, **FORM)
    result = engine.inpaint(**args, save=False)
    out = np.asarray(result.image)
    painted = np.zeros((h, w), bool)
    painted[5:15, 3:9] = True
    assert out.shape == upright.shape and np.array_equal(result.mask, painted)
    assert np.array_equal(out[~painted], upright[~painted])  # every unpainted pixel exactly as it was
    assert not np.array_equal(out[painted], upright[painted])  # and the painted ones were filled


def test_a_fill_too_large_for_opencv_is_refused_naming_the_radius_that_fits(engine):
    rgb = np.zeros((1500, 1500, 3), np.uint8)
    mask = np.zeros((1500, 1500), bool)
    mask[100:1400, 100:1400] = True  # 1.69 million pixels
    t0 = time.perf_counter()
    with pytest.raises(InvalidInput) as err:
        engine.inpaint(rgb, mask, opencv_radius=32, save=False)
    assert err.value.field == "opencv_radius"
    assert "32 px over 1,690,000 pixels to fill would take OpenCV minutes" in str(err.value)
    assert "use a radius of at most 17 px" in str(err.value)
    assert time.perf_counter() - t0 < 5  # refused before any work (the fill would take minutes)
    cv_worker.check_cost(mask, 17)  # the radius it names fits


def test_outpainting_is_bounded_the_same_way(engine):
    rgb = np.full((64, 64, 3), 128, np.uint8)
    with pytest.raises(InvalidInput, match=r"opencv_radius: 32 px over .* at most \d+ px"):
        engine.inpaint(rgb, None, opencv_radius=32, extend_left=1000, extend_right=900, extend_up=1000,
                       extend_down=900, save=False)


def test_stop_ends_a_large_opencv_fill_within_a_second(engine):
    rng = np.random.default_rng(0)
    rgb = (rng.random((1024, 1024, 3)) * 255).astype(np.uint8)
    mask = np.zeros((1024, 1024), bool)
    mask[80:920, 80:920] = True  # 705,600 pixels at radius 26: about 15-35 s of work
    assert cv_worker.INLINE_COST < cv_worker.cost(mask, 26) <= cv_worker.MAX_COST
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        engine.inpaint(rgb, mask, opencv_radius=26, stop=stop, save=False)
    assert time.perf_counter() - t0 < 1.0 + 2.0  # stopped within about a second of Stop, not after the fill


def test_the_child_process_fills_exactly_as_opencv_does(monkeypatch):
    import cv2

    rng = np.random.default_rng(3)
    rgb = (rng.random((60, 90, 3)) * 255).astype(np.uint8)
    mask = np.zeros((60, 90), np.uint8)
    mask[20:40, 30:50] = 1
    monkeypatch.setattr(cv_worker, "INLINE_COST", 0)  # force the child process
    for telea, flag in ((True, cv2.INPAINT_TELEA), (False, cv2.INPAINT_NS)):
        assert np.array_equal(cv_worker.inpaint(rgb, mask, telea, 4), cv2.inpaint(rgb, mask, 4.0, flag))


def test_a_file_that_is_not_a_picture_is_named_under_the_upload_and_kept_out_of_the_editor(tmp_path):
    """A text file renamed .png: the writer is told at once, in words, instead of Gradio's internal error about
    preprocessing the editor when Repair is pressed."""
    fake = tmp_path / "background.png"
    fake.write_text("this is not a picture\n" * 20)
    editor, note = repair_tab.picture_view(str(fake), 2048)
    assert editor is None
    assert note.startswith("image: is not a picture Studio can read") and "PNG" in note
