"""The OpenAI-compatible backend against a real server: ``python -m llama_cpp.server`` on
loopback with the embedded SmolLM2 GGUF. Drives the /write path (TextEngine.stream):
streaming, Stop, 4 users at once, seeds, a server dying mid-reply, and wrong URL, key, model."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from studio.errors import ModelUnavailable, StudioError
from studio.models import ModelManager, embedded_file
from studio.settings import Settings
from studio.text.engine import TextEngine, WriteRequest
from tests.conftest import free_port

pytestmark = pytest.mark.slow
pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server]")

KEY = "sekrit-test-key"
ALIAS = "smollm2"


def start_server(port: int, key: str | None = KEY) -> subprocess.Popen:
    gguf = embedded_file("smollm2-135m-instruct")
    if gguf is None:
        pytest.skip("the embedded SmolLM2 wheel is not installed")
    # python -m llama_cpp.server, through a wrapper that applies Studio's fix for AMX CPUs
    cmd = [sys.executable, "-m", "tests.llama_server", "--model", str(gguf),
           "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
           "--n_threads", "1", "--n_threads_batch", "1", "--interrupt_requests", "False"]
    if key:
        cmd += ["--api_key", key]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the server's log, open for the server's whole life
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ},
                            cwd=Path(__file__).resolve().parent.parent)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"llama_cpp.server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("llama_cpp.server did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = start_server(port)
    yield f"http://127.0.0.1:{port}/v1"
    stop_server(proc)


def make(tmp_path, url, model=ALIAS, key=KEY) -> TextEngine:
    s = Settings(device="cpu", text_backend="openai", text_model=model, openai_base_url=url, openai_api_key=key,
                 data_dir=tmp_path / "d", cache_dir=tmp_path / "c").validate()
    engine = TextEngine(ModelManager(s), s)
    engine.retries = 0  # these tests are about the backend: one model call per request, not the quality retries
    return engine


def final(engine, stop=None, **kw):
    req = WriteRequest(**{"prompt": "bees and gardens", "task": "headlines", "max_new_tokens": 24, "seed": 1, **kw})
    last = None
    for last in engine.stream(req, stop):  # noqa: B007 - the last event is the result
        pass
    return last


def test_streams_with_the_server_model_and_names_the_engine(server, tmp_path):
    eng = make(tmp_path, server)
    events = list(eng.stream(WriteRequest(prompt="bees", task="headlines", max_new_tokens=32, seed=3)))
    assert len(events) > 5 and events[-1].done and events[-1].text.strip()
    assert events[-1].engine == "openai" and 1 <= events[-1].tokens <= 32
    assert not any("ended the reply early" in n for n in events[-1].notes)  # a real server's end is an end


def test_a_long_draft_is_trimmed_by_the_real_servers_count(server, tmp_path):
    eng = make(tmp_path, server)
    draft = " ".join(f"Sentence {i} of a long draft about bees." for i in range(900))
    events = list(eng.stream(WriteRequest(prompt=draft, task="continue", length_words=30, max_new_tokens=48, seed=3)))
    assert any("longer than the model can read at once" in n for n in events[-1].notes)


def test_same_seed_same_text_and_another_seed_differs(server, tmp_path):
    eng = make(tmp_path, server)
    # llama.cpp's server reuses the previous request's prompt cache, and a prompt evaluated after a
    # shared prefix can differ in the last bits from one evaluated whole, which changes what sampling
    # picks. So each compared request follows the same other request: the same server state.
    kw = dict(task="rewrite", prompt="Bees visit the garden every morning.", temperature=1.0)

    def after_the_same_request(**more):
        final(eng, seed=5, task="rewrite", prompt="Something else entirely, about the weather.")
        return final(eng, **kw, **more)

    a, b = after_the_same_request(seed=11), after_the_same_request(seed=11)
    c = after_the_same_request(seed=12)
    assert a.text == b.text and a.text != c.text


def test_stop_closes_the_stream(server, tmp_path):
    eng = make(tmp_path, server)
    stop = threading.Event()
    events = []
    for ev in eng.stream(WriteRequest(prompt="A long story about bees.", task="continue", length_words=600,
                                      max_new_tokens=600, seed=2), stop):
        events.append(ev)
        if len(events) == 5:
            stop.set()
    assert events[-1].stopped and events[-1].tokens < 40
    assert final(eng).done  # the server serves the next request


def test_four_users_at_once_each_get_their_solo_result(server, tmp_path):
    eng = make(tmp_path, server)
    solo = [final(eng, seed=100 + i, temperature=0.9, prompt=f"topic {i}: bees").text for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda i: final(eng, seed=100 + i, temperature=0.9,
                                                 prompt=f"topic {i}: bees").text, range(4)))
    assert together == solo
    assert len(set(solo)) == 4


def test_token_budget_uses_the_server_tokenizer(server, tmp_path):
    backend = make(tmp_path, server).backend()
    assert backend.exact_tokens and backend.context_size >= 512
    assert backend.count_tokens("hello world") < backend.count_tokens("hello world, and more words here")


def test_server_dying_mid_stream_keeps_the_text_and_says_so(tmp_path):
    port = free_port()
    proc = start_server(port, key=None)
    url = f"http://127.0.0.1:{port}/v1"
    eng = make(tmp_path, url, key="")
    events = []
    try:
        with pytest.raises(StudioError) as err:
            for ev in eng.stream(WriteRequest(prompt="A long story about bees.", task="continue", length_words=600,
                                              max_new_tokens=800, seed=2)):
                events.append(ev)
                if len(events) == 6:
                    proc.kill()
    finally:
        stop_server(proc)
    assert url in str(err.value) and "kept" in str(err.value)
    assert len(events[-1].text) > len("A long story about bees.")


def test_wrong_url_is_a_clear_message_and_studio_still_starts(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    eng = make(tmp_path, url)  # nothing is contacted yet
    with pytest.raises(ModelUnavailable) as err:
        final(eng)
    assert "Cannot reach" in str(err.value) and url in str(err.value)


def test_wrong_key_is_a_clear_message(server, tmp_path):
    with pytest.raises(ModelUnavailable) as err:
        final(make(tmp_path, server, key="wrong"))
    assert "refused the API key" in str(err.value) and server in str(err.value)


def test_wrong_model_name_lists_what_the_server_has(server, tmp_path):
    with pytest.raises(ModelUnavailable) as err:
        final(make(tmp_path, server, model="no-such-model"))
    assert "no model 'no-such-model'" in str(err.value) and ALIAS in str(err.value)


def test_a_reply_that_is_not_openai_shaped_is_named(tmp_path):
    import http.server

    class Html(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html>a router login page</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        with pytest.raises(ModelUnavailable) as err:
            final(make(tmp_path, url))
    finally:
        httpd.shutdown()
    assert "not OpenAI-shaped" in str(err.value) and url in str(err.value) and "/models" in str(err.value)
