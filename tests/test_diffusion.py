"""The diffusion engine on a tiny random StableDiffusionPipeline, saved to disk and
loaded back through AutoPipelineForText2Image (the path users hit)."""

from __future__ import annotations

import gc
import json
import math
import shutil
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from studio.errors import Cancelled, InvalidInput, ModelUnavailable, StudioError
from studio.image.diffusion import DiffusionEngine, family_defaults, size_step
from studio.image.metadata import parse_a1111, read_png_parameters
from studio.models import ModelManager
from studio.settings import Settings
from studio.testing import make_tiny_sd


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory) -> Path:
    return make_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture(scope="module")
def module_settings(tiny_sd, tmp_path_factory) -> Settings:
    tmp = tmp_path_factory.mktemp("diffusion")
    return Settings(device="cpu", data_dir=tmp / "data", output_dir=tmp / "outputs",
                    model_dirs=[tiny_sd.parent], offline=True).validate()


@pytest.fixture(scope="module")
def module_engine(module_settings) -> DiffusionEngine:
    """One engine (and one loaded pipeline) for the module; each test gets its own output folder."""
    return DiffusionEngine(ModelManager(module_settings), module_settings)


@pytest.fixture
def engine(module_engine, tmp_path) -> DiffusionEngine:
    module_engine.settings.output_dir = tmp_path / "out"
    return module_engine


def ask(engine, tiny_sd, **kw):
    """generate() with small, fast defaults for the tiny pipeline."""
    args = {"prompt": "a red fox", "model": str(tiny_sd), "width": 32, "height": 32,
            "num_inference_steps": 3, "guidance_scale": 0.0, "seed": 1, "num_images": 1, **kw}
    return engine.generate(**args)


def arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float64) / 255


def saved(engine) -> list[Path]:
    out = engine.settings.output_dir
    return sorted(out.glob("*")) if out.exists() else []


def test_asked_size_and_count(engine, tiny_sd):
    res = ask(engine, tiny_sd, width=48, height=32, num_images=3)
    assert [im.size for im in res.images] == [(48, 32)] * 3
    assert len(res.paths) == 3 and saved(engine) == sorted(res.paths)
    assert [p["seed"] for p in res.params] == [1, 2, 3]


def test_chunks_keep_count_and_seeds(engine, tiny_sd, monkeypatch):
    monkeypatch.setattr(engine, "batch_size", 2)
    res = ask(engine, tiny_sd, num_images=5, seed=10)
    assert len(res.images) == 5 and [p["seed"] for p in res.params] == [10, 11, 12, 13, 14]
    alone = ask(engine, tiny_sd, num_images=1, seed=14)
    assert np.abs(arr(alone.images[0]) - arr(res.images[4])).max() <= 2 / 255


def test_seed_reproduces_and_another_seed_differs(engine, tiny_sd):
    a = ask(engine, tiny_sd, seed=1234, num_images=2, save=False)
    b = ask(engine, tiny_sd, seed=1234, num_images=2, save=False)
    c = ask(engine, tiny_sd, seed=1235, num_images=1, save=False)
    assert np.array_equal(arr(a.images[0]), arr(b.images[0])) and np.array_equal(arr(a.images[1]), arr(b.images[1]))
    assert np.abs(arr(a.images[0]) - arr(c.images[0])).mean() > 0.01
    # image i of a batch is seed + i on its own
    assert np.abs(arr(a.images[1]) - arr(c.images[0])).max() <= 2 / 255


def test_random_seed_is_reported(engine, tiny_sd):
    res = ask(engine, tiny_sd, seed=-1, save=False)
    again = ask(engine, tiny_sd, seed=res.seed, save=False)
    assert 0 <= res.seed <= 2**32 - 1 and np.array_equal(arr(res.images[0]), arr(again.images[0]))


def test_progress_then_stop_mid_run_saves_nothing(engine, tiny_sd):
    stop, seen = threading.Event(), []

    def progress(done, total):
        seen.append((done, total))
        if done == 2:
            stop.set()

    with pytest.raises(Cancelled):
        ask(engine, tiny_sd, num_inference_steps=6, num_images=2, stop=stop, progress=progress)
    assert seen == [(1, 6), (2, 6)], "the run did not end at the next step"
    assert saved(engine) == []
    # the shared pipeline still works after a stopped run
    assert len(ask(engine, tiny_sd).images) == 1


def test_full_progress_is_reported(engine, tiny_sd, monkeypatch):
    monkeypatch.setattr(engine, "batch_size", 1)
    seen = []
    ask(engine, tiny_sd, num_inference_steps=3, num_images=2, progress=lambda d, t: seen.append((d, t)), save=False)
    assert seen == [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]


@pytest.mark.parametrize("prompt", ["a fox 🦊 in the snow ❄️", "a very long prompt " * 20, "狐 / ..\\ <>:*?\"|"])
def test_metadata_round_trip_and_safe_filenames(engine, tiny_sd, prompt):
    res = ask(engine, tiny_sd, prompt=prompt, negative_prompt="blurry", guidance_scale=2.5, seed=77,
              scheduler="DDIMScheduler")
    path = res.paths[0]
    assert path.parent == engine.settings.output_dir and path.name.startswith("img-")
    assert prompt.strip()[:5] not in path.name
    params = read_png_parameters(path)
    assert params == res.params[0]
    assert params["prompt"] == prompt and params["scheduler"] == "DDIMScheduler"
    with Image.open(path) as im:
        a1111 = parse_a1111(im.info["parameters"])
        assert np.array_equal(np.asarray(im.convert("RGB")), np.asarray(res.images[0]))
    assert a1111["negative_prompt"] == "blurry" and a1111["num_inference_steps"] == 3
    assert a1111["guidance_scale"] == 2.5 and a1111["seed"] == 77 and (a1111["width"], a1111["height"]) == (32, 32)
    assert a1111["model"] == str(tiny_sd) and a1111["scheduler"] == "DDIMScheduler"
    assert json.loads(Image.open(path).info["studio"])["seed"] == 77


def test_scheduler_choice_does_not_touch_the_shared_pipeline(engine, tiny_sd):
    names = engine.schedulers(str(tiny_sd))
    assert names[0] == "EulerDiscreteScheduler" and "DDIMScheduler" in names
    a = ask(engine, tiny_sd, scheduler="DDIMScheduler", save=False)
    b = ask(engine, tiny_sd, scheduler="", save=False)
    assert a.params[0]["scheduler"] == "DDIMScheduler" and b.params[0]["scheduler"] == "EulerDiscreteScheduler"
    assert type(engine.pipeline(str(tiny_sd)).scheduler).__name__ == "EulerDiscreteScheduler"
    assert np.abs(arr(a.images[0]) - arr(b.images[0])).mean() > 0.001


def test_size_step_of_the_tiny_pipeline(engine, tiny_sd):
    pipe = engine.pipeline(str(tiny_sd))
    assert size_step(pipe) == 4  # VAE scale factor 2 x one UNet down-sampling
    assert engine.defaults(str(tiny_sd))["width"] == 64


BAD = [
    ({"width": 0}, "width", "1 to 2048"), ({"width": -64}, "width", "1 to 2048"),
    ({"height": 30}, "height", "multiple of 4"), ({"width": 4096}, "width", "2048"),
    ({"width": 2052}, "width", "2048"), ({"num_inference_steps": 0}, "num_inference_steps", "1 to 150"),
    ({"num_inference_steps": 151}, "num_inference_steps", "1 to 150"),
    ({"guidance_scale": math.nan}, "guidance_scale", "finite"), ({"guidance_scale": math.inf}, "guidance_scale", ""),
    ({"num_images": 65}, "num_images", "1 to 64"), ({"num_images": 0}, "num_images", "1 to 64"),
    ({"seed": 2**32}, "seed", "4294967295"), ({"seed": -2}, "seed", "-1"),
    ({"scheduler": "NoSuchScheduler"}, "scheduler", "DDIMScheduler"), ({"prompt": ""}, "prompt", "empty"),
    ({"width": 32.5}, "width", "whole number"),
]


@pytest.mark.parametrize("kwargs, field, hint", BAD, ids=[f"{k}" for k, _, _ in BAD])
def test_bad_input_names_the_field_and_writes_nothing(engine, tiny_sd, kwargs, field, hint):
    with pytest.raises(InvalidInput) as err:
        ask(engine, tiny_sd, **kwargs)
    assert err.value.field == field and str(err.value).startswith(field) and hint in str(err.value)
    assert saved(engine) == []


def test_not_allowed_size_names_the_nearest(engine, tiny_sd):
    with pytest.raises(InvalidInput, match="nearest allowed are 28 and 32"):
        ask(engine, tiny_sd, width=30)


@pytest.mark.parametrize("model", ["no-such-model", "nobody/no-such-model", "/etc"])
def test_unknown_model(engine, tiny_sd, model):
    with pytest.raises(ModelUnavailable) as err:
        ask(engine, tiny_sd, model=model)
    assert str(err.value).startswith("model:")
    assert saved(engine) == []


def test_long_prompt_warns_with_count_and_dropped_part(engine, tiny_sd):
    prompt = "a red fox " * 30 + "THE VERY END"
    res = ask(engine, tiny_sd, prompt=prompt)
    warning = next(w for w in res.warnings if "tokens long" in w)
    count = len(engine.pipeline(str(tiny_sd)).tokenizer(prompt).input_ids)
    assert f"is {count} tokens long" in warning and "77" in warning and "the very end" in warning
    assert not ask(engine, tiny_sd, prompt="a red fox").warnings


def test_guidance_hints(engine, tiny_sd):
    res = ask(engine, tiny_sd, negative_prompt="blurry", guidance_scale=0.0)
    assert any("negative prompt has no effect" in w for w in res.warnings)


def test_family_defaults():
    assert family_defaults("stabilityai/sd-turbo") | {} == {"num_inference_steps": 4, "guidance_scale": 0.0,
                                                          "width": 512, "height": 512}
    assert family_defaults("stabilityai/sdxl-turbo")["guidance_scale"] == 0.0
    assert family_defaults("runwayml/stable-diffusion-v1-5")["guidance_scale"] > 1


def test_offline_without_the_default_model_says_so(engine):
    refs, notes = engine.offered()
    assert "stabilityai/sd-turbo" not in refs
    assert any("stabilityai/sd-turbo" in n and "offline" in n and "GAN" in n for n in notes)
    assert any(r.endswith("tiny-sd") for r in refs)  # local folders under --model-dir are offered


# ----- NaN guard --------------------------------------------------------------------------
@pytest.fixture
def half_engine(tiny_sd, tmp_path):
    """A separate engine whose pipeline loads in bfloat16 (as on a GPU)."""
    s = Settings(device="cpu", data_dir=tmp_path / "d", output_dir=tmp_path / "out", model_dirs=[tiny_sd.parent],
                 offline=True).validate()
    manager = ModelManager(s)
    manager.dtype = torch.bfloat16
    return DiffusionEngine(manager, s)


def _nan_decode(monkeypatch, only_half: bool):
    from diffusers import AutoencoderKL

    original = AutoencoderKL.decode

    def decode(self, z, *args, **kwargs):
        out = original(self, z, *args, **kwargs)
        if only_half and z.dtype == torch.float32:
            return out
        sample = (out[0] if isinstance(out, tuple) else out.sample) * float("nan")
        return (sample,) if isinstance(out, tuple) else type(out)(sample=sample)

    monkeypatch.setattr(AutoencoderKL, "decode", decode)


def test_nan_in_half_precision_is_decoded_again_in_float32(half_engine, tiny_sd, monkeypatch):
    _nan_decode(monkeypatch, only_half=True)
    res = ask(half_engine, tiny_sd, num_images=2)
    assert len(res.paths) == 2
    assert all(np.isfinite(arr(im)).all() and arr(im).max() > 0.02 for im in res.images)
    assert sum("decoded again in float32" in w for w in res.warnings) == 2


def test_nan_that_cannot_be_fixed_is_reported_and_not_saved(half_engine, tiny_sd, monkeypatch):
    _nan_decode(monkeypatch, only_half=False)
    with pytest.raises(StudioError, match="came out NaN"):
        ask(half_engine, tiny_sd, num_images=2)
    assert saved(half_engine) == []


# ----- memory options and switching ------------------------------------------------------
def test_memory_options_and_switching_frees_the_previous_pipeline(tiny_sd, tmp_path):
    other = tmp_path / "models" / "tiny-sd-2"
    shutil.copytree(tiny_sd, other)
    s = Settings(device="cpu", data_dir=tmp_path / "d", output_dir=tmp_path / "out",
                 model_dirs=[tiny_sd.parent, other.parent], offline=True, attention_slicing=True,
                 vae_tiling=True, cpu_offload=True).validate()
    eng = DiffusionEngine(ModelManager(s), s)
    pipe = eng.pipeline(str(tiny_sd))
    assert pipe.vae.use_tiling
    assert any(type(m.processor).__name__.startswith("Sliced") for m in pipe.unet.modules() if hasattr(m, "processor"))
    assert len(ask(eng, tiny_sd, save=False, scheduler="DDIMScheduler").images) == 1  # --cpu-offload: no-op on CPU
    first = weakref.ref(pipe)
    del pipe
    eng.pipeline(str(other))
    assert eng.manager.is_loaded("diffusion", str(other)) and not eng.manager.is_loaded("diffusion", str(tiny_sd))
    gc.collect()
    assert first() is None, "the previous pipeline is still held in memory"


def test_black_in_float32_is_kept_but_nan_is_not(engine, tiny_sd, monkeypatch):
    from diffusers import AutoencoderKL

    original = AutoencoderKL.decode

    def black(self, z, *args, **kwargs):
        out = original(self, z, *args, **kwargs)
        return (out[0] * 0 - 1,) if isinstance(out, tuple) else type(out)(sample=out.sample * 0 - 1)

    monkeypatch.setattr(AutoencoderKL, "decode", black)
    res = ask(engine, tiny_sd)  # float32: a black picture may be what was asked for
    assert len(res.paths) == 1 and arr(res.images[0]).max() == 0 and not res.warnings
    _nan_decode(monkeypatch, only_half=False)
    with pytest.raises(StudioError, match="came out NaN; it was not saved"):
        ask(engine, tiny_sd)
