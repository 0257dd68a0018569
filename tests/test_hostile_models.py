"""Damaged model files (issue #23, kind 10): a GGUF cut short, a file that is not a GGUF, a safetensors file cut
short, a sharded folder missing shards. Each gets one message naming the file and the fix, whichever backend would
load it (llama.cpp, transformers, diffusers), before the backend trips over it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from studio.errors import ModelUnavailable
from studio.modelfiles import check_model_files, gguf_expected_size
from studio.models import ModelManager
from studio.settings import Settings, default_cache_dir

FIX = "again (or copy it again), then reload the model."


def _manager(tmp_path: Path, backend: str = "auto") -> ModelManager:
    return ModelManager(Settings(device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "out",
                                 cache_dir=default_cache_dir(), model_dirs=[tmp_path], offline=True,
                                 text_backend=backend).validate())


def _cut(src: Path, dst: Path, keep: int) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as fh:
        dst.write_bytes(fh.read(keep))
    return dst


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f}" if n >= 10 * 2**20 else f"{n / 2**20:,.1f}"


@pytest.mark.parametrize("backend", ["auto", "llama.cpp", "transformers"])
def test_a_gguf_cut_short_says_how_much_came_and_to_download_it_again(tmp_path, tiny_gguf, backend):
    whole = tiny_gguf.stat().st_size
    need = gguf_expected_size(tiny_gguf)
    assert whole >= need > whole * 0.9  # the header's own count of the file's size
    cut = _cut(tiny_gguf, tmp_path / "models" / "tiny.gguf", int(whole * 0.6))
    with pytest.raises(ModelUnavailable) as err:
        _manager(tmp_path, backend).get("text", str(cut))
    msg = str(err.value)
    assert f"The model file '{cut}' is cut short: the download was cut at {_mb(cut.stat().st_size)} of {_mb(need)} MB" \
        in msg and f"Download 'tiny.gguf' {FIX}" in msg, msg


def test_a_gguf_cut_inside_its_header_says_so(tmp_path, tiny_gguf):
    cut = _cut(tiny_gguf, tmp_path / "tiny.gguf", 4000)
    with pytest.raises(ModelUnavailable, match=r"cut short: the download stopped inside its header \(0\.0 MB\)"):
        _manager(tmp_path).get("text", str(cut))


@pytest.mark.parametrize("content, said", [
    (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "a web page or a JSON text, not a model"),
    (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n", "a Git LFS pointer"),
    (b"\x00" * 4096, "not a GGUF model file (it does not start with 'GGUF')"),
    (b"", "is empty"),
])
def test_a_file_that_is_not_a_gguf_says_what_it_is(tmp_path, content, said):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(content)
    for backend in ("auto", "transformers"):
        with pytest.raises(ModelUnavailable) as err:
            _manager(tmp_path, backend).get("text", str(bad))
        assert f"The model file '{bad}'" in str(err.value) and said in str(err.value)
        assert f"Download 'model.gguf' {FIX}" in str(err.value)


def test_a_whole_gguf_passes(tiny_gguf):
    check_model_files(tiny_gguf)
    check_model_files(tiny_gguf.parent)


def _safetensors(path: Path, n: int = 4096) -> Path:
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"weight": np.arange(n, dtype=np.float32)}, str(path))
    return path


def test_a_transformers_folder_with_a_cut_safetensors_file_says_so(tmp_path, tiny_lm_dir):
    folder = shutil.copytree(tiny_lm_dir, tmp_path / "lm")
    weights = folder / "model.safetensors"
    whole = weights.stat().st_size
    _cut(tiny_lm_dir / "model.safetensors", weights, whole // 2)
    with pytest.raises(ModelUnavailable) as err:
        _manager(tmp_path, "transformers").get("text", str(folder))
    assert f"The model file '{weights}' is cut short: the download was cut at {_mb(whole // 2)} of {_mb(whole)} MB" \
        in str(err.value) and f"Download 'model.safetensors' {FIX}" in str(err.value)


def test_a_sharded_folder_missing_shards_names_them(tmp_path):
    folder = tmp_path / "big-lm"
    _safetensors(folder / "model-00001-of-00003.safetensors")
    (folder / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": {
        "a": "model-00001-of-00003.safetensors", "b": "model-00002-of-00003.safetensors",
        "c": "model-00003-of-00003.safetensors"}}))
    with pytest.raises(ModelUnavailable) as err:
        _manager(tmp_path, "transformers").get("text", str(folder))
    assert str(err.value) == (f"The model folder '{folder}' is missing 2 of its 3 weight files "
                              "(model-00002-of-00003.safetensors, model-00003-of-00003.safetensors). Download the "
                              "model again, all its files, then reload it.")


def test_a_diffusers_folder_with_a_damaged_part_names_it(tmp_path):
    folder = tmp_path / "sd"
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    (folder / "unet" / "config.json").write_text("{}")
    good = _safetensors(folder / "vae" / "diffusion_pytorch_model.safetensors")
    unet = folder / "unet" / "diffusion_pytorch_model.safetensors"
    unet.write_bytes(b"<html>Not Found</html>" * 10)
    manager = _manager(tmp_path)
    with pytest.raises(ModelUnavailable) as err:
        manager.get("diffusion", str(folder))
    assert f"The model file '{unet}' is not a safetensors file (its header cannot be read)" in str(err.value)
    _cut(good, unet, good.stat().st_size - 100)
    with pytest.raises(ModelUnavailable, match=re.escape(f"The model file '{unet}' is cut short")):
        manager.get("diffusion", str(folder))


def test_a_torch_checkpoint_that_is_a_zip_bomb_is_not_opened(tmp_path):
    import zipfile

    import torch

    good = tmp_path / "gan.pt"
    torch.save({"w": torch.zeros(8)}, good)
    check_model_files(good)  # an ordinary checkpoint passes
    bomb = tmp_path / "bomb.pt"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data/0", b"\0" * (50 * 2**20))
    with pytest.raises(ModelUnavailable, match=r"holds 'archive/data/0', packed [\d,]+ to 1; model weights barely "
                                               r"pack, so it was not opened\. Download 'bomb\.pt' again"):
        check_model_files(bomb)
    cut = _cut(good, tmp_path / "cut.pt", good.stat().st_size - 30)
    with pytest.raises(ModelUnavailable, match="is damaged"):
        check_model_files(cut)


def test_a_cache_link_to_a_download_that_never_finished_names_the_file(tmp_path):
    folder = tmp_path / "snapshot"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").symlink_to(tmp_path / "blobs" / "abc123.incomplete-gone")
    with pytest.raises(ModelUnavailable) as err:
        _manager(tmp_path, "transformers").get("text", str(folder))
    assert str(err.value) == (f"The model folder '{folder}' is missing 'model.safetensors' (its link points at "
                              "nothing). Download the model again, all its files, then reload it.")
