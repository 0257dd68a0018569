"""scripts/gpu_check.py, the one-run proof of the GPU path, stays runnable on a CPU.

On a CPU its CUDA-only rows say "skipped (needs CUDA)"; the rest go through Studio's
engines with a tiny random LM, a tiny random diffusion pipeline and the embedded GAN
and style weights.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gpu_check.py"


def load_script():
    if "gpu_check" in sys.modules:
        return sys.modules["gpu_check"]
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_a_failing_row_is_reported_and_the_others_still_run(tmp_path):
    gpu_check = load_script()
    ck = gpu_check.Checker(torch.device("cpu"), quick=True, only=[], tmp=tmp_path)

    def broken():
        raise RuntimeError("the kernel fell over")

    def mismatch():
        gpu_check.expect(False, "the same seed gave a different picture (max diff 9)")

    ck.run("row one", "setting a", broken)
    ck.run("row two", "setting b", lambda: "3 numbers")
    ck.run("row three", "setting c", mismatch)
    ck.run("row four", "setting d", lambda: "never runs", needs_cuda="half precision")
    results = {r.name: (r.result, r.reason) for r in ck.rows}
    assert results == {
        "row one": ("FAIL", "RuntimeError: the kernel fell over"),
        "row two": ("ok", ""),
        "row three": ("FAIL", "the same seed gave a different picture (max diff 9)"),
        "row four": ("skipped", "needs CUDA (half precision)"),
    }
    table = ck.table()
    assert "the kernel fell over" in table and "3 numbers" in table
    assert table.splitlines()[-1] == "4 rows: 1 ok, 2 FAIL, 1 skipped"


def test_only_runs_the_named_rows(tmp_path):
    gpu_check = load_script()
    ck = gpu_check.Checker(torch.device("cpu"), quick=True, only=["gan"], tmp=tmp_path)
    ck.run("text transformers", "x", lambda: "ran")
    ck.run("gan faces", "y", lambda: "ran")
    assert [r.name for r in ck.rows] == ["gan faces"]


@pytest.mark.slow
def test_gpu_check_runs_on_the_cpu_and_prints_the_table():
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", OMP_NUM_THREADS="1")
    try:
        proc = subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", "--quick"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=540)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"gpu_check.py --device cpu --quick did not finish in 540 s; output so far:\n{exc.stdout}")
    out = proc.stdout
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{proc.stderr[-3000:]}"
    lines = out.splitlines()
    header = next((line for line in lines if line.startswith("ROW ")), None)
    assert header is not None, out
    assert [c.strip() for c in header.split("|")] == ["ROW", "SETTING", "RESULT", "NUMBERS", "PEAK MiB", "REASON"]
    table = lines[lines.index(header):]
    rows = {line.split("|")[0].strip(): [c.strip() for c in line.split("|")] for line in table if "|" in line}
    for name in ("text transformers", "t2i fp32 plain", "img2img fp32 plain", "t2i fp32 attention_slicing",
                 "img2img fp32 vae_tiling", "gan faces", "style preset"):
        assert rows.get(name, [None, None, None])[2] == "ok", f"row {name!r} is not ok:\n{out}"
    assert "96x64" in rows["t2i fp32 plain"][3] and "ms/step" in rows["t2i fp32 plain"][3]
    assert "64 tokens twice, same text" in rows["text transformers"][3]
    assert "max pixel diff 0" in rows["gan faces"][3]
    for name in ("diffusion fp16/bf16", "t2i fp32 cpu_offload", "t2i fp32 compile", "noise fp32 plain"):
        assert rows[name][2] == "skipped" and rows[name][5].startswith("needs CUDA"), f"row {name!r}:\n{out}"
    assert rows["text llama.cpp"][2] == "skipped", out
    assert " 0 FAIL," in table[-2], out
