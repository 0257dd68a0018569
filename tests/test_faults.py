"""Faults: a broken model file, out-of-memory, an exception mid-stream. Each gives a clear
message, releases what it held, and the next request works."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
import torch

from studio.errors import ModelUnavailable, OutOfMemory, StudioError
from studio.models import ModelManager
from studio.settings import Settings
from studio.text.engine import TextEngine, WriteRequest


@pytest.fixture
def engine(tiny_lm_dir, tmp_path):
    broken = tmp_path / "broken-lm"
    shutil.copytree(tiny_lm_dir, broken)
    (broken / "model.safetensors").write_bytes(b"\x00not really safetensors" * 100)
    s = Settings(device="cpu", text_model=str(tiny_lm_dir), data_dir=tmp_path / "d", cache_dir=tmp_path / "c",
                 model_dirs=[tmp_path]).validate()
    return TextEngine(ModelManager(s), s), broken


def run(engine, **kw):
    return list(engine.stream(WriteRequest(**{"prompt": "gardens", "task": "headlines", "max_new_tokens": 8,
                                              "seed": 1, **kw})))[-1]


def test_corrupt_weights_give_a_clear_message_and_other_models_keep_working(engine):
    eng, broken = engine
    with pytest.raises(ModelUnavailable) as err:
        run(eng, model=str(broken))
    assert "is not a safetensors file" in str(err.value) and str(broken) in str(err.value)  # named, with the fix
    assert "Download 'model.safetensors' again" in str(err.value)
    assert run(eng).done  # the default model still serves
    with pytest.raises(ModelUnavailable):  # and the broken one is not cached as loaded
        run(eng, model=str(broken))


def _threads():
    return [t for t in threading.enumerate() if t.name == "studio-generate" and t.is_alive()]


def test_out_of_memory_is_reported_and_the_next_request_works(engine, monkeypatch):
    eng, _ = engine
    model = eng.backend().model
    real = model.generate

    def oom(*a, **k):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(model, "generate", oom)
    with pytest.raises(OutOfMemory) as err:
        run(eng)
    assert "ran out of memory" in str(err.value) and "max_new_tokens" in str(err.value)
    monkeypatch.setattr(model, "generate", real)
    assert run(eng).done


def test_exception_mid_stream_ends_the_stream_with_a_message(engine, monkeypatch):
    eng, _ = engine
    model = eng.backend().model
    real = model.generate

    def broken(*a, streamer=None, **k):
        streamer.put(torch.tensor([[1, 2, 3]]))  # the prompt (skipped)
        streamer.put(torch.tensor([500]))
        raise ValueError("boom inside the model")

    monkeypatch.setattr(model, "generate", broken)
    before = set(_threads())  # another test's server may still be generating; only ours count
    t0 = time.perf_counter()
    with pytest.raises(StudioError) as err:
        run(eng)
    assert "failed while writing" in str(err.value) and "boom" in str(err.value)
    # no hung spinner: the error comes back instead of waiting for tokens that never come
    # (generous bound for a busy machine; a hang would wait for the 30 s join or forever)
    assert time.perf_counter() - t0 < 25, "the error took too long to come back"
    stray = [t for t in _threads() if t not in before]
    assert not stray, "the failed generation left its worker thread running"
    monkeypatch.setattr(model, "generate", real)
    assert run(eng).done


def test_a_hub_model_that_cannot_be_downloaded_says_so(tmp_path, monkeypatch):
    """Online mode but no network: the message says the download failed and how to fix it."""
    from studio.models import ModelManager

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "2")
    s = Settings(device="cpu", data_dir=tmp_path / "d", cache_dir=tmp_path / "c").validate()
    m = ModelManager(s)
    monkeypatch.setattr("studio.models.hub_cached_snapshot", lambda repo: None)
    import studio.text.backends  # noqa: F401 - registers the text loader

    def no_network(*a, **k):
        raise OSError("We couldn't connect to the Hub")

    monkeypatch.setattr("transformers.AutoTokenizer.from_pretrained", no_network)
    with pytest.raises(ModelUnavailable) as err:
        m.get("text", "some-org/some-model")
    msg = str(err.value)
    assert "could not be downloaded" in msg and "network" in msg and "was found" not in msg
