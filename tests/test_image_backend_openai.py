"""Pictures from an OpenAI-compatible server (``--image-backend openai``, issue #28): a second Studio
on loopback makes, restyles and repairs pictures through the first one's ``/v1`` (same seed, same
picture as local), and every fault names the URL or field: an unreachable server, a refused key, an
unknown model, a reply that is not OpenAI-shaped, a picture that does not decode, a server that drops
mid-request; Stop closes the request."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time

import numpy as np
import pytest

from studio.errors import Cancelled, ModelUnavailable, StudioError
from studio.settings import Settings
from tests.conftest import free_port, launched_studio


# ----- faults, against a small stub server --------------------------------------------------------
class _Stub(http.server.BaseHTTPRequestHandler):
    mode = "ok"

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.server.mode == "401":
            return self._send(401, b'{"error": {"message": "bad key"}}')
        if self.server.mode == "html":
            return self._send(200, b"<html>hello</html>", "text/html")
        self._send(200, json.dumps({"object": "list", "data": [{"id": "m1", "object": "model"}]}).encode())

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = self.server.mode
        if mode == "drop":
            self.connection.shutdown(2)
            return
        if mode == "slow":
            time.sleep(3)
        data = base64.b64encode(b"not a png").decode() if mode == "garbage" else None
        self._send(200, json.dumps({"data": [{"b64_json": data}] if data else [{"url": "x"}]}).encode())


@pytest.fixture
def stub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.mode = "ok"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def _remote(tmp_path, url: str, key: str = ""):
    from studio.image.remote import RemoteImages

    return RemoteImages(Settings(image_backend="openai", image_base_url=url, image_api_key=key,
                                 data_dir=tmp_path / "d", output_dir=tmp_path / "o").validate())


def _ask(remote, model="m1", stop=None):
    return remote.generate(prompt="a cat", model=model, width=64, height=64, num_inference_steps=None,
                           guidance_scale=None, seed=1, num_images=1, stop=stop)


def test_faults_name_the_url_or_field(tmp_path, stub):
    url = f"http://127.0.0.1:{stub.server_port}/v1"
    nowhere = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelUnavailable, match=f"Cannot reach the picture server at {nowhere}"):
        _ask(_remote(tmp_path, nowhere))
    with pytest.raises(ModelUnavailable, match="has no model 'nope'. It serves: m1"):
        _ask(_remote(tmp_path, url), model="nope")
    stub.mode = "401"
    with pytest.raises(ModelUnavailable, match="refused the API key .HTTP 401.*--image-api-key"):
        _ask(_remote(tmp_path, url, "k"))
    stub.mode = "html"
    with pytest.raises(StudioError, match="not OpenAI-shaped"):
        _ask(_remote(tmp_path, url))
    remote = _remote(tmp_path, url)
    stub.mode = "ok"
    remote.models()
    with pytest.raises(StudioError, match="not OpenAI-shaped .no 'data' list of pictures with 'b64_json'"):
        _ask(remote)
    stub.mode = "garbage"
    with pytest.raises(StudioError, match=r"does not decode \(data\[0\]\.b64_json"):
        _ask(remote)
    stub.mode = "drop"
    with pytest.raises(StudioError, match="dropped the request"):
        _ask(remote)


def test_stop_closes_the_request_and_says_the_server_may_finish(tmp_path, stub):
    remote = _remote(tmp_path, f"http://127.0.0.1:{stub.server_port}/v1")
    remote.models()
    stub.mode = "slow"
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    t0 = time.monotonic()
    with pytest.raises(Cancelled, match="may still finish"):
        _ask(remote, stop=stop)
    assert time.monotonic() - t0 < 2.5


def test_the_flags_are_checked():
    from studio.errors import InvalidInput

    with pytest.raises(InvalidInput, match="--image-base-url"):
        Settings(image_backend="openai").validate()
    with pytest.raises(InvalidInput, match="--image-base-url"):
        Settings(image_base_url="gpu-box:8000").validate()
    assert Settings(image_base_url="http://x/v1").validate().remote_images
    assert not Settings(image_backend="local", image_base_url="http://x/v1").validate().remote_images


# ----- a second Studio through the first one's /v1 ---------------------------------------------------
@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    from studio.testing import make_tiny_sd

    return make_tiny_sd(tmp_path_factory.mktemp("tiny-sd") / "sd")


@pytest.fixture(scope="module")
def two_studios(tmp_path_factory, tiny_sd):
    first_dir, second_dir = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    with launched_studio(first_dir, "--model-dir", str(tiny_sd.parent), "--diffusion-model", str(tiny_sd)) as first, \
            launched_studio(second_dir, "--image-backend", "openai", "--image-base-url", first[0] + "v1") as second:
        yield first, second


@pytest.mark.slow
def test_a_second_studio_makes_the_same_faces_through_the_first(two_studios):
    (_u1, server), (_u2, client) = two_studios
    choices, default, note = client.images.offered()
    assert "dcgan-faces" in choices and default == "dcgan-faces" and not note
    paths, params, seed, _w = client.images.generate(model="dcgan-faces", width=64, height=64, seed=21, num_images=2)
    local = server.gan.generate(num_images=2, seed=21, size=64, save=False)
    assert seed == 21 and [p["seed"] for p in params] == [21, 22] and params[0]["engine"] == "openai"
    from PIL import Image

    for path, want in zip(paths, local.images, strict=False):
        got = Image.open(path)
        assert "parameters" in got.info and "dcgan-faces" in got.info["parameters"]  # the server's model name
        assert np.array_equal(np.asarray(got.convert("RGB")), np.asarray(want))


@pytest.mark.slow
def test_a_second_studio_restyles_and_repairs_through_the_first(two_studios, tiny_sd):
    from studio.testing import reference_scene

    (_u1, server), (_u2, client) = two_studios
    picture = reference_scene(128)
    kw = dict(strength=0.5, num_inference_steps=4, guidance_scale=0.0, seed=3, model=str(tiny_sd))
    remote = client.diffusion.img2img(picture, "a watercolor", **kw)
    local = server.diffusion.img2img(picture, "a watercolor", **kw)
    assert remote.params["engine"] == "openai-img2img"
    assert np.array_equal(np.asarray(remote.image), np.asarray(local.image))
    mask = np.zeros((128, 128), bool)
    mask[50:80, 50:80] = True
    assert "opencv" in client.repair.offered()[0]
    fixed = client.repair.inpaint(picture, mask, model="opencv", seed=1, save=False)
    here = server.repair.inpaint(picture, mask, model="", seed=1, save=False)
    assert np.array_equal(np.asarray(fixed.image), np.asarray(here.image))


@pytest.mark.slow
def test_a_second_studio_names_an_unknown_model_with_the_servers_models(two_studios):
    (_u1, _server), (_u2, client) = two_studios
    with pytest.raises(ModelUnavailable, match="has no model 'nope'. It serves: dcgan-faces"):
        client.images.generate(model="nope", width=64, height=64, seed=1)
