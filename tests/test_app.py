"""The app as users run it: flags, launch on loopback, the /write API through gradio_client."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from studio.errors import InvalidInput
from studio.settings import parse_settings

from .conftest import ROOT, free_port


def test_flags_and_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDIO_PORT", "9001")
    monkeypatch.setenv("STUDIO_AUTH", "ann:pw1,bob:pw2")
    monkeypatch.setenv("STUDIO_TEXT_MODEL", "org/model")
    s = parse_settings(["--data-dir", str(tmp_path)])
    assert s.port == 9001 and s.auth == [("ann", "pw1"), ("bob", "pw2")] and s.text_model == "org/model"
    assert s.host == "127.0.0.1"
    s = parse_settings(["--listen", "--port", "9002", "--auth", "me:x", "--data-dir", str(tmp_path)])
    assert s.host == "0.0.0.0" and s.port == 9002 and s.auth == [("me", "x")]


def test_bad_flag_values_are_refused(monkeypatch, tmp_path):
    with pytest.raises(InvalidInput, match="--port"):
        parse_settings(["--port", "70000", "--data-dir", str(tmp_path)])
    monkeypatch.setenv("STUDIO_LISTEN", "maybe")
    with pytest.raises(InvalidInput, match="STUDIO_LISTEN"):
        parse_settings([])


@pytest.mark.slow  # starts the studio in a subprocess
def test_listen_without_auth_warns(tmp_path):
    """Starting with --listen and no --auth prints how to add a login (checked on a dry start)."""
    code = (
        "import sys, app; ctx, demo = app.create_app(sys.argv[1:]); "
        "app.launch(ctx, demo, prevent_thread_lock=True, quiet=True); demo.close()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "--listen", "--no-browser", "--port", str(free_port()),
         "--data-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "--auth USER:PASS" in out.stderr


@pytest.mark.slow
def test_write_endpoint_end_to_end(client):
    text = client.predict(prompt="urban gardening for beginners", task="headlines", max_new_tokens=80, seed=3,
                          api_name="/write")
    assert isinstance(text, str) and len(text.split()) >= 5
    again = client.predict(prompt="urban gardening for beginners", task="headlines", max_new_tokens=80, seed=3,
                           api_name="/write")
    assert again == text  # the seed reproduces through the API


@pytest.mark.slow
def test_write_endpoint_refuses_bad_input_and_keeps_serving(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="temperature"):
        client.predict(prompt="x", temperature="nan", api_name="/write")  # JSON has no NaN literal
    with pytest.raises(AppError, match="prompt"):
        client.predict(prompt="   ", api_name="/write")
    assert client.predict(prompt="bees", task="headlines", max_new_tokens=8, seed=1, api_name="/write")


@pytest.mark.slow
def test_share_without_a_tunnel_says_so_in_one_line_and_keeps_serving(tmp_path):
    import time
    import urllib.request

    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--share", "--no-browser", "--port", str(port),
                             "--data-dir", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Could not create a public share link" in line:
                break
        text = "".join(lines)
        assert "Could not create a public share link" in text and "keeps serving locally" in text, text[-2000:]
        assert "Please check your internet connection" not in text  # Gradio's long explanation is replaced
        assert "--auth USER:PASS" in text  # public without a login: the warning
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
            assert r.status == 200
    finally:
        proc.kill()
        proc.wait(timeout=30)


HEAVY = ("torch", "diffusers", "transformers", "peft", "onnx", "onnxruntime", "cv2")


def test_start_up_and_writing_on_llamacpp_import_no_heavy_library(tmp_path, tiny_gguf):
    """Studio starts fast: building the app, and writing on llama.cpp (its server, or in this process), import none of torch, diffusers,
    transformers, peft, onnxruntime, cv2 (each loads when an engine first needs it; studio/lazy.py)."""
    pytest.importorskip("llama_cpp")
    code = (
        "import sys, app\n"
        "heavy = " + repr(HEAVY) + "\n"
        "ctx, demo = app.create_app(sys.argv[1:])\n"
        "print('after start-up:', sorted(m for m in heavy if m in sys.modules))\n"
        "from studio.text.engine import WriteRequest\n"
        "last = list(ctx.text.stream(WriteRequest(prompt='bees', task='outline', max_new_tokens=4, seed=1)))[-1]\n"
        "print('engine:', last.engine, 'tokens:', last.tokens)\n"
        "print('after writing:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "--no-browser", "--device", "cpu", "--offline", "--text-model", str(tiny_gguf),
         "--data-dir", str(tmp_path / "data"), "--output-dir", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "after start-up: []" in out.stdout, out.stdout
    written = re.search(r"engine: llama(?:\.cpp|-server) tokens: (\d+)", out.stdout)  # 4 a call; an off-topic outline is retried
    assert written and int(written[1]) in (4, 8, 12), out.stdout
    assert "after writing: []" in out.stdout, out.stdout
