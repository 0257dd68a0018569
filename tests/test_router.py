"""The image router (``ctx.images``) and the text engine's offer: what the user can pick and which
engine runs a reference, answered below the UI."""

from __future__ import annotations

import pytest

from studio.context import StudioContext
from studio.errors import InvalidInput


@pytest.fixture
def ctx(settings):
    c = StudioContext.create(settings)
    yield c
    c.library.close()


def test_offered_puts_the_face_gan_first_and_defaults_to_an_offered_model(ctx):
    choices, default, note = ctx.images.offered()
    assert choices and choices[0] == "dcgan-faces"  # the embedded GAN wheel is installed
    assert default in choices
    assert isinstance(note, str)


def test_illustrate_models_end_with_the_gan_and_never_raise(ctx, monkeypatch):
    assert ctx.images.illustrate_models()[-1] == "dcgan-faces"

    def broken():
        raise RuntimeError("probe failed")

    monkeypatch.setattr(ctx.diffusion, "offered", broken)
    assert ctx.images.illustrate_models() == ["dcgan-faces"]
    refs, notes = ctx.images.diffusion_offered()
    assert refs == [] and "probe failed" in notes[0]


def test_is_gan_and_is_known(ctx):
    assert ctx.images.is_gan("dcgan-faces") and not ctx.images.is_gan("stabilityai/sd-turbo")
    assert not ctx.images.is_gan(None)
    assert ctx.images.is_known("dcgan-faces", None)
    assert ctx.images.is_known("some/model", ["some/model"])
    assert not ctx.images.is_known("some/model", [])  # not offered, not in memory


def test_gan_requests_are_checked_before_anything_runs(ctx):
    with pytest.raises(InvalidInput, match="height must be equal"):
        ctx.images.generate(model="dcgan-faces", width=256, height=512)
    with pytest.raises(InvalidInput, match="num_inference_steps"):
        ctx.images.generate(model="dcgan-faces", width=64, height=64, num_inference_steps=151)
    assert not list(ctx.settings.output_dir.glob("**/*.png"))  # nothing was made


def test_gan_generate_routes_to_the_gan(ctx):
    paths, params, seed, warnings = ctx.images.generate(model="dcgan-faces", width=64, height=64, seed=7,
                                                        num_images=2)
    assert len(paths) == 2 and all(p.is_file() for p in paths)
    assert seed == 7 and warnings == [] and params[0]["engine"] == "gan"


def test_text_offer_starts_with_the_configured_model_and_the_voice_trainer_shares_the_store(ctx):
    assert ctx.text.offered()[0] == ctx.settings.text_model
    assert ctx.text.voice_trainer().store is ctx.text.voices


def test_seed_helpers():
    from studio.validate import SEED_MAX, check_seed, seed_at

    assert check_seed(-1, draw=False) == -1 and 0 <= check_seed(-1) <= SEED_MAX
    assert check_seed("7", draw=False) == 7
    with pytest.raises(InvalidInput, match="seed"):
        check_seed(SEED_MAX + 1, draw=False)
    assert seed_at(SEED_MAX, 1) == 0 and seed_at(5, 2) == 7


def test_is_blank():
    from studio.library import is_blank

    assert is_blank(None, "  \n") and is_blank("", None)
    assert not is_blank("Title", "") and not is_blank(" ", "text")


def test_oom_guard_turns_running_out_of_memory_into_a_clear_error(ctx, monkeypatch):
    import torch

    from studio.devices import oom_guard
    from studio.errors import OutOfMemory

    with pytest.raises(OutOfMemory, match="Make fewer"), oom_guard(None, "Make fewer pictures."):
        raise torch.OutOfMemoryError("CUDA out of memory")

    def no_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    net = ctx.manager.get("gan", "dcgan-faces")
    monkeypatch.setattr(type(net), "forward", no_memory)
    with pytest.raises(OutOfMemory, match="ran out of memory making 3 faces"):
        ctx.images.generate(model="dcgan-faces", width=64, height=64, num_images=3)
