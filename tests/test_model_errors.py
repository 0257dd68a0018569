"""A model that cannot load is said so at once, in a sentence (issue #31): offline, a diffusion model that is
not in the cache (e.g. stabilityai/sd-turbo typed into the Image tab) is refused before any download starts,
and a load that fails says what to do, not the library's raw error."""

from __future__ import annotations

import time

import pytest

from studio.errors import ModelUnavailable
from studio.image.diffusion import DiffusionEngine
from studio.models import ModelManager, ResolvedModel, register_loader
from studio.settings import Settings


def test_an_uncached_model_offline_is_refused_at_once_in_a_sentence(tmp_path):
    settings = Settings(device="cpu", data_dir=tmp_path, offline=True)
    engine = DiffusionEngine(ModelManager(settings), settings)
    t0 = time.monotonic()
    with pytest.raises(ModelUnavailable) as err:
        engine.pipeline("studio-tests/not-a-cached-model")
    assert time.monotonic() - t0 < 5
    msg = str(err.value)
    assert "studio runs offline" in msg and "not in the Hugging Face cache" in msg and "Error" not in msg


def test_a_failed_load_is_a_sentence_without_the_raw_error(tmp_path):
    def broken(resolved: ResolvedModel, manager):
        raise OSError("[Errno 2] No such file or directory: 'unet/diffusion_pytorch_model.bin'")

    register_loader("broken-kind-for-test")(broken)
    folder = tmp_path / "model"
    folder.mkdir()
    manager = ModelManager(Settings(device="cpu", data_dir=tmp_path, model_dirs=[tmp_path]))
    with pytest.raises(ModelUnavailable) as err:
        manager.get("broken-kind-for-test", str(folder), trusted=True)
    msg = str(err.value)
    assert "could not be loaded" in msg and "OSError" not in msg and "Errno" not in msg
    from studio.ui.i18n import translate

    assert "无法加载" in translate(msg, "zh")
