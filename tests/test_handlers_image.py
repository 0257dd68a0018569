"""The Image tab's handler logic as plain functions, with a small stand-in for the studio's engines
(no model is loaded, no server runs)."""

from __future__ import annotations

from types import SimpleNamespace

from PIL import Image

from studio.image.metadata import save_png
from studio.image.router import ImageRouter
from studio.ui import image_tab

SD = "org/tiny-sd"


class FakeDiffusion:
    """The diffusion engine's answers the tab asks for, without a model."""

    def __init__(self, loaded=()):
        self.loaded = set(loaded)

    def availability(self, ref):
        return "" if ref == SD else f"{ref} is not here"

    def defaults(self, ref):
        return {"width": 768, "height": 512, "num_inference_steps": 4, "guidance_scale": 0.0}

    def is_loaded(self, ref):
        return ref in self.loaded

    def schedulers(self, ref):
        return ["EulerDiscreteScheduler", "DDIMScheduler"]


def fake_ctx(loaded=()):
    diffusion = FakeDiffusion(loaded)
    images = ImageRouter(gan=None, diffusion=diffusion, settings=SimpleNamespace(image_model="dcgan-faces"))
    return SimpleNamespace(diffusion=diffusion, images=images)


def test_choosing_the_gan_hides_the_prompt_and_shows_its_size():
    out = image_tab.model_view(fake_ctx(), "dcgan-faces")
    assert out["diffusion_box"]["visible"] is False and out["size"]["visible"] and out["gan_note"]["visible"]
    assert "width" not in out  # the diffusion controls keep their values


def test_choosing_a_diffusion_model_sets_its_family_defaults():
    out = image_tab.model_view(fake_ctx(loaded=[SD]), SD)
    assert out["diffusion_box"]["visible"] and out["width"]["value"] == 768 and out["steps"]["value"] == 4
    assert ("DDIMScheduler", "DDIMScheduler") in out["scheduler"]["choices"]
    missing = image_tab.model_view(fake_ctx(), "org/not-here")
    assert set(missing) == {"diffusion_box", "size", "gan_note"}


def test_new_pictures_come_first_with_their_seed_range():
    history = [{"path": "/old.png", "params": {"seed": 1, "width": 64, "height": 64, "engine": "gan"}}]
    params = [{"seed": 7 + i, "width": 512, "height": 512, "model": SD, "prompt": "a fox"} for i in range(3)]
    out = image_tab.generated_view(["/a.png", "/b.png", "/c.png"], params, 7, ["Long prompt cut."], history,
                                   ["DDIMScheduler"])
    assert [h["path"] for h in out["history"]] == ["/a.png", "/b.png", "/c.png", "/old.png"]
    assert out["seed_used"] == "Seed used: **7** (pictures use 7 to 9)"
    assert out["selected_path"] == "/a.png" and "a fox" in out["params_box"]
    assert out["gallery"][0] == ("/a.png", f"seed 7 · 512×512 · {SD}") and out["gallery"][3][1] == "seed 1 · 64×64"
    assert out["warnings_box"] == "⚠️ Long prompt cut."
    gan = image_tab.generated_view(["/f.png"], [{"seed": 3, "engine": "gan"}], 3, [], [], None)
    assert gan["seed_used"] == "Seed used: **3**" and "scheduler" not in gan  # the GAN keeps the list


def test_the_history_keeps_at_most_the_newest_pictures():
    old = [{"path": f"/{i}.png", "params": {}} for i in range(image_tab.HISTORY_MAX)]
    out = image_tab.generated_view(["/new.png"], [{}], 1, [], old)
    assert len(out["history"]) == image_tab.HISTORY_MAX and out["history"][0]["path"] == "/new.png"


def test_reuse_reads_the_seed_line_and_selection_reads_the_gallery():
    assert image_tab.seed_in("Seed used: **42** (pictures use 42 to 45)") == 42
    assert image_tab.seed_in("") is None
    hist = [{"path": "/a.png", "params": {"prompt": "a fox", "seed": 1}}]
    path, text = image_tab.selected_item(hist, 0)
    assert path == "/a.png" and text.startswith("a fox")
    assert image_tab.selected_item(hist, 5) == (None, "")


def test_use_these_settings_maps_a1111_names_and_keeps_an_unknown_model():
    params = {"model": "someone/else", "prompt": "a fox", "scheduler": "Euler a", "width": 640, "height": 480,
              "num_inference_steps": 20, "guidance_scale": 7.0, "seed": 5}
    out = image_tab.controls_from(fake_ctx(), [SD], params, SD)
    assert "model" not in out  # not a model this studio runs: the current one stays
    assert out["scheduler"]["value"] == "EulerAncestralDiscreteScheduler"
    assert (out["width"], out["height"], out["steps"], out["guidance"], out["seed"]) == (640, 480, 20, 7.0, 5)
    gan = image_tab.controls_from(fake_ctx(), [SD], {"model": "dcgan-faces", "width": 256, "seed": 9}, SD)
    assert gan["model"]["value"] == "dcgan-faces" and gan["size"]["value"] == 256 and "width" not in gan
    assert image_tab.controls_from(fake_ctx(), [SD], {}, SD) == {}


def test_png_info_reads_a_picture_or_says_why_not(tmp_path):
    ctx = fake_ctx()
    made = save_png(Image.new("RGB", (8, 8)), tmp_path, {"prompt": "a fox", "seed": 3, "model": "other/model"})
    text, usable = image_tab.png_info(ctx, [SD], made)
    assert usable and "a fox" in text and "which this studio does not offer" in text
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    assert image_tab.png_info(ctx, [SD], plain) == ("This picture carries no generation parameters.", False)
    broken = tmp_path / "broken.png"
    broken.write_text("not a picture")
    text, usable = image_tab.png_info(ctx, [SD], broken)
    assert not usable and text.startswith("This file could not be read as a picture")
    assert image_tab.png_info(ctx, [SD], None) == ("", False)
