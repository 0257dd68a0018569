"""Shared fixtures. Nothing here touches the network: tiny models are built
from random weights and saved to temporary folders, then loaded back through
the same code users hit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# one llama.cpp thread: its threads wait for each other, which is slow on a busy shared test machine
os.environ.setdefault("STUDIO_LLAMA_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")  # the browser tests' Chromium
ARTIFACTS = ROOT / "test-artifacts"  # their screenshots

from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings, default_cache_dir  # noqa: E402


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings on CPU with every folder in a temporary directory, except the
    weight cache, which is the user's (it only speeds up loading)."""
    return Settings(
        device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "outputs",
        cache_dir=default_cache_dir(), model_dirs=[tmp_path], offline=True,
    ).validate()


@pytest.fixture
def manager(settings) -> ModelManager:
    return ModelManager(settings)


def studio_client(url: str, **kwargs):
    """A ``gradio_client.Client`` for tests. httpx's default 5 s timeout (used for uploads) is too short
    on a busy CI machine, where the studio is computing in the same process: waits here are generous,
    since the tests check that requests succeed, not how fast."""
    from gradio_client import Client

    return Client(url, verbose=False, httpx_kwargs={"timeout": 300}, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory) -> Path:
    """A tiny random Llama causal LM with SmolLM2's real tokenizer and chat
    template, saved with ``save_pretrained``."""
    from studio.testing import make_tiny_lm

    return make_tiny_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory) -> Path:
    """A tiny random llama GGUF file with SmolLM2's tokenizer and chat template (for llama.cpp)."""
    from studio.testing import make_tiny_gguf

    return make_tiny_gguf(tmp_path_factory.mktemp("tiny-gguf") / "tiny.gguf")


@contextlib.contextmanager
def launched_studio(tmp: Path, *flags: str):
    """The whole studio launched in-process on a free loopback port, its folders in ``tmp``, with the
    embedded default models and extra command-line ``flags``. Yields ``(url, ctx)``; shut down at the end."""
    import app as studio_app

    argv = ["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "data"),
            "--output-dir", str(tmp / "outputs"), "--device", "cpu", "--offline", *flags]
    ctx, demo = studio_app.create_app(argv)
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{ctx.settings.port}/", ctx
    finally:
        demo.close()


@pytest.fixture(scope="session")
def studio_server(tmp_path_factory):
    """The whole studio (see :func:`launched_studio`), shared by the tests of a session."""
    with launched_studio(tmp_path_factory.mktemp("server")) as server:
        yield server


@pytest.fixture(scope="session")
def client(studio_server):
    """A ``gradio_client.Client`` connected to :func:`studio_server`."""
    url, _ctx = studio_server
    return studio_client(url)


@pytest.fixture(autouse=True)
def _no_text_retries(request, monkeypatch):
    """Tiny random language models never stay on topic, so the text engine's retries (see
    ``TextEngine.retries``) would only triple the suite's time: fast tests write once. Slow tests
    (the real model) and tests that set ``engine.retries`` themselves keep retries."""
    if request.node.get_closest_marker("slow") is None:
        from studio.text.engine import TextEngine

        monkeypatch.setattr(TextEngine, "retries", 0)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (Playwright), for the browser tests."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()
